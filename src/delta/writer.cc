#include "delta/writer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>

#include <arrow/api.h>
#include <nlohmann/json.hpp>

#include "delta/partition.h"

namespace orbitlake::delta {
namespace {

using nlohmann::json;

std::string IsoMillis(int64_t ms) {
  auto days = ms >= 0 ? ms / 86'400'000 : -((-ms + 86'399'999) / 86'400'000);
  int64_t rem = ms - days * 86'400'000;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%sT%02lld:%02lld:%02lld.%03lldZ", FormatDate(days).c_str(),
                static_cast<long long>(rem / 3'600'000), static_cast<long long>(rem / 60'000 % 60),
                static_cast<long long>(rem / 1000 % 60), static_cast<long long>(rem % 1000));
  return buf;
}

int64_t PerMilli(const arrow::DataType& t) {
  switch (static_cast<const arrow::TimestampType&>(t).unit()) {
    case arrow::TimeUnit::SECOND: return 0;  // multiply instead, see StatJson
    case arrow::TimeUnit::MILLI: return 1;
    case arrow::TimeUnit::MICRO: return 1'000;
    case arrow::TimeUnit::NANO: return 1'000'000;
  }
  return 1;
}

// A statistic as JSON, or null when there is none worth writing.
json StatJson(const columnar::StatValue& v, const arrow::DataType& type, bool is_max) {
  if (std::holds_alternative<std::monostate>(v)) return nullptr;
  switch (type.id()) {
    case arrow::Type::TIMESTAMP: {
      int64_t x = std::get<int64_t>(v);
      int64_t per = PerMilli(type);
      int64_t ms = per == 0 ? x * 1000 : x / per;
      if (per > 1) {
        if (x % per != 0 && (x < 0) != is_max) ms += is_max ? 1 : -1;  // round outward
      }
      return IsoMillis(ms);
    }
    case arrow::Type::DATE32: return FormatDate(std::get<int64_t>(v));
    case arrow::Type::FLOAT:
    case arrow::Type::DOUBLE: {
      double d = std::get<double>(v);
      return std::isfinite(d) ? json(d) : json(nullptr);
    }
    case arrow::Type::STRING: return std::get<std::string>(v);
    default:
      if (auto* i = std::get_if<int64_t>(&v)) return *i;
      return nullptr;
  }
}

}  // namespace

std::string StatsJson(const columnar::DataFileStats& stats) {
  json mins = json::object(), maxs = json::object(), nulls = json::object();
  for (const auto& c : stats.columns) {
    // Statistics of a struct are an object per field (readers parse them by the schema),
    // and arrays and maps have none that readers use: nested columns get no entry
    // (statistics are optional per column).
    if (arrow::is_nested(c.type->id())) continue;
    nulls[c.name] = c.null_count;
    if (json mn = StatJson(c.min, *c.type, false); !mn.is_null()) mins[c.name] = std::move(mn);
    if (json mx = StatJson(c.max, *c.type, true); !mx.is_null()) maxs[c.name] = std::move(mx);
  }
  return json{{"numRecords", stats.num_records}, {"minValues", mins}, {"maxValues", maxs}, {"nullCount", nulls}}
      .dump();
}

std::string NewDataFilePath(const std::vector<std::string>& partition_columns, const PartitionValues& values,
                            columnar::Compression compression) {
  std::string dir = PartitionDir(partition_columns, values);
  const char* tag = "";
  switch (compression) {
    case columnar::Compression::kSnappy: tag = ".snappy"; break;
    case columnar::Compression::kZstd: tag = ".zstd"; break;
    case columnar::Compression::kLz4: tag = ".lz4raw"; break;
    case columnar::Compression::kNone: break;
  }
  return (dir.empty() ? "" : dir + "/") + "part-00000-" + NewUuid() + "-c000" + tag + ".parquet";
}

struct TableWriter::OpenFile {
  std::unique_ptr<columnar::DataFileWriter> writer;
  std::string relative_path;
};

int64_t TableWriter::bytes() const {
  int64_t total = 0;
  for (const auto& [values, f] : files_) total += f->writer->bytes();
  return total;
}

TableWriter::TableWriter(storage::Storage* storage, std::shared_ptr<arrow::Schema> schema,
                         std::vector<std::string> partition_columns, columnar::ParquetWriteOptions parquet,
                         Clock* clock)
    : storage_(storage),
      schema_(std::move(schema)),
      partition_columns_(std::move(partition_columns)),
      parquet_(parquet),
      clock_(clock) {
  arrow::FieldVector data_fields;
  for (int i = 0; i < schema_->num_fields(); ++i) {
    const auto& name = schema_->field(i)->name();
    bool is_partition = false;
    for (const auto& p : partition_columns_) is_partition |= (p == name);
    if (!is_partition) data_fields.push_back(schema_->field(i));
  }
  for (const auto& p : partition_columns_) partition_indices_.push_back(schema_->GetFieldIndex(p));
  file_schema_ = arrow::schema(data_fields);
}

TableWriter::~TableWriter() = default;

Result<TableWriter::OpenFile*> TableWriter::FileFor(const PartitionValues& values) {
  auto it = files_.find(values);
  if (it != files_.end()) return it->second.get();
  std::string path = NewDataFilePath(partition_columns_, values, parquet_.compression);
  ORBIT_ASSIGN_OR_RETURN(auto writer, columnar::DataFileWriter::Open(storage_, path, file_schema_, parquet_));
  auto file = std::make_unique<OpenFile>(OpenFile{std::move(writer), path});
  OpenFile* raw = file.get();
  files_.emplace(values, std::move(file));
  return raw;
}

Status TableWriter::Write(const arrow::RecordBatch& batch) {
  if (!batch.schema()->Equals(*schema_, /*check_metadata=*/false)) {
    return Status::InvalidArgument("batch schema " + batch.schema()->ToString() + " is not the table schema " +
                                   schema_->ToString());
  }
  // Parquet strings are UTF-8 by definition and Spark/delta-rs fail on anything else, so
  // bad bytes are refused here instead of becoming a table nobody can read.
  for (int c = 0; c < batch.num_columns(); ++c) {
    if (batch.column(c)->type_id() != arrow::Type::STRING) continue;
    if (arrow::Status st = batch.column(c)->ValidateFull(); !st.ok()) {
      return Status::InvalidArgument("column '" + batch.schema()->field(c)->name() +
                                     "' is a string column with invalid data (" + st.message() +
                                     "); store raw bytes in a binary column");
    }
  }
  std::vector<int> drop = partition_indices_;
  std::sort(drop.rbegin(), drop.rend());
  auto key_at = [&](int64_t row) -> Result<PartitionValues> {
    PartitionValues pv;
    for (size_t p = 0; p < partition_columns_.size(); ++p) {
      auto value = FormatPartitionValue(*batch.column(partition_indices_[p]), row);
      if (!value.ok()) {
        return Status(value.status().code(), "partition column '" + partition_columns_[p] + "', row " +
                                                 std::to_string(row) + ": " + value.status().message());
      }
      pv[partition_columns_[p]] = std::move(*value);
    }
    return pv;
  };
  std::vector<const arrow::Array*> partition_arrays;
  for (int idx : partition_indices_) partition_arrays.push_back(batch.column(idx).get());
  auto fixed_width = [](const arrow::Array& col) {
    return arrow::is_fixed_width(col.type_id()) && col.type_id() != arrow::Type::BOOL && col.type()->byte_width() > 0;
  };
  int64_t start = 0;
  while (start < batch.num_rows()) {
    ORBIT_ASSIGN_OR_RETURN(PartitionValues key, key_at(start));
    int64_t end = start + 1;
    // Per row, so on the ingest hot path: fixed-width values (dates, ints) compare as
    // bytes, anything else through Arrow's generic comparison.
    auto same_as_start = [&](int64_t row) {
      for (const arrow::Array* col : partition_arrays) {
        if (col->null_count() == 0 && fixed_width(*col)) {
          const int width = col->type()->byte_width();
          const uint8_t* base = col->data()->GetValues<uint8_t>(1, 0) + col->offset() * width;
          if (std::memcmp(base + start * width, base + row * width, static_cast<size_t>(width)) != 0) return false;
        } else if (!col->RangeEquals(start, start + 1, row, *col)) {
          return false;
        }
      }
      return true;
    };
    while (end < batch.num_rows() && same_as_start(end)) ++end;
    std::shared_ptr<arrow::RecordBatch> run = batch.Slice(start, end - start);
    for (int idx : drop) {
      auto removed = run->RemoveColumn(idx);
      if (!removed.ok()) return Status::Internal(removed.status().ToString());
      run = *removed;
    }
    ORBIT_ASSIGN_OR_RETURN(OpenFile * file, FileFor(key));
    ORBIT_RETURN_IF_ERROR(file->writer->Write(*run));
    start = end;
  }
  rows_ += batch.num_rows();
  return Status::OK();
}

Result<std::vector<AddFile>> TableWriter::Finish() {
  std::vector<AddFile> adds;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_->WallNow()).count();
  for (auto& [values, file] : files_) {
    ORBIT_ASSIGN_OR_RETURN(auto result, file->writer->Finish());
    AddFile add;
    add.path = EncodePath(file->relative_path);
    add.partition_values = values;
    add.size = result.size;
    add.modification_time = now_ms;
    add.data_change = true;
    add.stats = StatsJson(result.stats);
    adds.push_back(std::move(add));
  }
  files_.clear();
  return adds;
}

}  // namespace orbitlake::delta
