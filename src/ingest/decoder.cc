#include "ingest/decoder.h"

#include <optional>

#include <arrow/api.h>
#include <fmt/format.h>

#include "delta/schema.h"
#include "ingest/event_rows.h"
#include "pipeline/json_decoder.h"

namespace orbitlake::ingest {
namespace {

bool Wants(TableMask wanted, int t) { return (wanted >> t) & 1U; }
TableMask Bit(int t) { return TableMask{1} << t; }

// The Arrow schema a declared table is stored with (nullable unless required), the same
// one the JSON decoder builds, so every format describes its tables alike.
Result<std::shared_ptr<arrow::Schema>> DeclaredSchema(const pipeline::TableSpec& t) {
  arrow::FieldVector fields;
  for (const auto& c : t.columns) {
    ORBIT_ASSIGN_OR_RETURN(auto type, pipeline::ToArrow(*c.type));
    fields.push_back(arrow::field(c.name, std::move(type), !c.required));
  }
  return arrow::schema(std::move(fields));
}

// `telemetry`: the satellite FlatBuffers event. Every table of the source takes every
// event (there is nothing to route on); each must declare exactly the event's columns.
class TelemetryDecoder final : public Decoder {
 public:
  static Result<std::unique_ptr<Decoder>> Make(const std::vector<const pipeline::TableSpec*>& tables,
                                               arrow::MemoryPool* pool) {
    auto d = std::unique_ptr<TelemetryDecoder>(new TelemetryDecoder());
    const auto expected = RawTableSchema();
    for (const auto* t : tables) {
      if (t->where || t->default_route) {
        return Status::InvalidArgument(fmt::format(
            "table {}: a telemetry source has no fields to route on; remove `where`/`default`", t->name));
      }
      ORBIT_ASSIGN_OR_RETURN(auto declared, DeclaredSchema(*t));
      if (auto diff = delta::FirstSchemaDifference(*declared, *expected)) {
        return Status::InvalidArgument(
            fmt::format("table {}: a telemetry table has the event's columns, but {}", t->name, *diff));
      }
      d->rows_.push_back(std::make_unique<EventRows>(pool));
    }
    return std::unique_ptr<Decoder>(std::move(d));
  }

  Status Decode(std::span<const uint8_t> payload, const pipeline::MessageMeta& meta, int64_t ingest_time_us,
                TableMask wanted, DecodeResult* out) override {
    out->Clear();
    const KafkaMeta km{meta.topic, meta.partition, meta.offset, meta.timestamp_ms.value_or(0)};
    for (int t = 0; t < tables(); ++t) {
      if (!Wants(wanted, t)) continue;
      Status st = rows_[t]->Append(payload, km, ingest_time_us, &out->event_time_ns);
      if (st.ok()) {
        out->appended |= Bit(t);
      } else if (IsRejection(st)) {
        // Not a telemetry event: the message itself is bad, whichever table asked.
        out->rejections.push_back({-1, st.ToString()});
        return Status::OK();
      } else {
        return st;
      }
    }
    return Status::OK();
  }

  bool needs_headers() const override { return false; }
  int tables() const override { return static_cast<int>(rows_.size()); }
  int64_t rows(int t) const override { return rows_[t]->rows(); }
  std::shared_ptr<arrow::Schema> schema(int) const override { return RawTableSchema(); }
  Result<std::shared_ptr<arrow::RecordBatch>> TakeBatch(int t) override { return rows_[t]->TakeBatch(); }

 private:
  TelemetryDecoder() = default;
  std::vector<std::unique_ptr<EventRows>> rows_;
};

// `json`: declared columns decoded with simdjson On-Demand. The message is parsed once;
// each table's route reads the parsed message, and each table that takes it decodes its
// own columns from the same parse.
class JsonDecoder final : public Decoder {
 public:
  static Result<std::unique_ptr<Decoder>> Make(const std::vector<const pipeline::TableSpec*>& tables,
                                               arrow::MemoryPool* pool) {
    auto d = std::unique_ptr<JsonDecoder>(new JsonDecoder());
    for (size_t i = 0; i < tables.size(); ++i) {
      const auto& t = *tables[i];
      Table table;
      if (t.where) {
        auto m = pipeline::RouteMatcher::Make(*t.where);
        if (!m.ok()) return m.status().WithContext("table " + t.name + ": where");
        table.where.emplace(std::move(*m));
      }
      auto rows = pipeline::TableRows::Make(t, {}, pool);
      if (!rows.ok()) return rows.status().WithContext("table " + t.name);
      table.rows = std::move(*rows);
      if (t.default_route) d->default_table_ = static_cast<int>(i);
      for (const auto& c : t.columns) {
        if (auto* k = std::get_if<pipeline::FromKafka>(&c.from); k && k->field == pipeline::FromKafka::Field::kHeader) {
          d->needs_headers_ = true;
        }
      }
      d->tables_.push_back(std::move(table));
    }
    return std::unique_ptr<Decoder>(std::move(d));
  }

  Status Decode(std::span<const uint8_t> payload, const pipeline::MessageMeta& meta, int64_t ingest_time_us,
                TableMask wanted, DecodeResult* out) override {
    out->Clear();
    if (meta.timestamp_ms) out->event_time_ns = *meta.timestamp_ms * 1'000'000;
    if (Status st = message_.Parse(payload); !st.ok()) {
      if (!pipeline::IsRejection(st)) return st;
      out->rejections.push_back({-1, st.ToString()});
      return Status::OK();
    }
    bool routed = false;
    for (int t = 0; t < tables(); ++t) {
      if (t == default_table_) continue;
      Table& table = tables_[t];
      if (table.where) {
        Result<bool> match = table.where->Matches(message_);
        if (!match.ok()) {
          if (!pipeline::IsRejection(match.status())) return match.status();
          // The JSON is broken where the route looks: no table can read it.
          out->rejections.push_back({-1, match.status().ToString()});
          return Status::OK();
        }
        if (!*match) continue;
      }
      routed = true;
      ORBIT_RETURN_IF_ERROR(AppendTo(t, meta, ingest_time_us, wanted, out));
    }
    if (routed) return Status::OK();
    if (default_table_ >= 0) return AppendTo(default_table_, meta, ingest_time_us, wanted, out);
    out->rejections.push_back({-1, "no route: no table's `where` matches the message", /*no_route=*/true});
    return Status::OK();
  }

  bool needs_headers() const override { return needs_headers_; }
  int tables() const override { return static_cast<int>(tables_.size()); }
  int64_t rows(int t) const override { return tables_[t].rows->rows(); }
  std::shared_ptr<arrow::Schema> schema(int t) const override { return tables_[t].rows->schema(); }
  Result<std::shared_ptr<arrow::RecordBatch>> TakeBatch(int t) override { return tables_[t].rows->TakeBatch(); }

 private:
  struct Table {
    std::optional<pipeline::RouteMatcher> where;
    std::unique_ptr<pipeline::TableRows> rows;
  };

  JsonDecoder() = default;

  Status AppendTo(int t, const pipeline::MessageMeta& meta, int64_t ingest_time_us, TableMask wanted,
                  DecodeResult* out) {
    if (!Wants(wanted, t)) return Status::OK();
    Status st = tables_[t].rows->Append(message_, meta, ingest_time_us);
    if (st.ok()) {
      out->appended |= Bit(t);
      return Status::OK();
    }
    if (!pipeline::IsRejection(st)) return st;
    out->rejections.push_back({t, st.ToString()});
    return Status::OK();
  }

  pipeline::JsonMessage message_;
  std::vector<Table> tables_;
  int default_table_ = -1;
  bool needs_headers_ = false;
};

}  // namespace

Result<std::unique_ptr<Decoder>> MakeDecoder(const pipeline::SourceSpec& source,
                                             const std::vector<const pipeline::TableSpec*>& tables,
                                             arrow::MemoryPool* pool) {
  if (tables.empty()) return Status::InvalidArgument("source " + source.name + " feeds no table");
  if (tables.size() > static_cast<size_t>(kMaxTablesPerSource)) {
    return Status::InvalidArgument(fmt::format("source {} feeds {} tables; at most {} are supported", source.name,
                                               tables.size(), kMaxTablesPerSource));
  }
  switch (source.format) {
    case pipeline::Format::kTelemetry:
      return TelemetryDecoder::Make(tables, pool);
    case pipeline::Format::kJson:
      return JsonDecoder::Make(tables, pool);
  }
  return Status::InvalidArgument("source " + source.name + ": unknown format");
}

}  // namespace orbitlake::ingest
