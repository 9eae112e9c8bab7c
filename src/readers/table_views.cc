#include "readers/table_views.h"

#include <algorithm>

#include <arrow/api.h>
#include <fmt/format.h>

#include "delta/reader.h"
#include "delta/schema.h"
#include "ingest/committer.h"

namespace orbitlake::readers {
namespace {

// numRecords from an add's statistics JSON; nullopt when absent.
std::optional<int64_t> NumRecords(const delta::AddFile& add) {
  if (!add.stats) return std::nullopt;
  auto j = nlohmann::json::parse(*add.stats, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("numRecords") || !j["numRecords"].is_number_integer()) return std::nullopt;
  return j["numRecords"].get<int64_t>();
}

Result<TextTable> ToRows(const arrow::Table& t, const std::vector<std::string>& columns) {
  ORBIT_ASSIGN_OR_RETURN(TextTable rows, FromArrow(t, columns));
  SortRowsBy(t, kTimeColumn, &rows);
  return rows;
}

}  // namespace

Result<delta::Snapshot> LoadForReading(storage::Storage& storage, const std::string& path) {
  auto snap = delta::LoadSnapshot(storage);
  if (snap.ok()) return snap;
  const Status& st = snap.status();
  if (st.code() == StatusCode::kNotFound) {
    return Status::NotFound(fmt::format("{} is not a Delta table (no commits in {}/_delta_log)", path, path));
  }
  if (st.code() == StatusCode::kUnsupported) {
    return Status::Unsupported(fmt::format("{} uses a Delta feature orbitlake cannot read: {}", path, st.message()));
  }
  return st.WithContext(path);
}

Result<TextTable> TailRows(storage::Storage& storage, const delta::Snapshot& snapshot, int64_t n,
                           const std::vector<std::string>& columns) {
  ORBIT_ASSIGN_OR_RETURN(auto table, delta::ReadTable(storage, snapshot, {.last_rows = std::max<int64_t>(n, 0)}));
  ORBIT_ASSIGN_OR_RETURN(TextTable rows, ToRows(*table, columns));
  if (static_cast<int64_t>(rows.rows.size()) > n) {
    rows.rows.erase(rows.rows.begin(), rows.rows.end() - n);
  }
  return rows;
}

Result<TextTable> RowsAddedAfter(storage::Storage& storage, const delta::Snapshot& snapshot, int64_t after_version,
                                 const std::vector<std::string>& columns) {
  ORBIT_ASSIGN_OR_RETURN(auto added, delta::FilesAddedAfter(storage, after_version, snapshot.version()));
  std::vector<delta::AddFile> files;
  for (auto& a : added) files.push_back(std::move(a.add));
  ORBIT_ASSIGN_OR_RETURN(auto table, delta::ReadFiles(storage, snapshot, files));
  return ToRows(*table, columns);
}

Result<TextTable> HistoryRows(storage::Storage& storage, std::optional<int64_t> limit) {
  ORBIT_ASSIGN_OR_RETURN(auto history, delta::History(storage, limit));
  TextTable t;
  t.columns = {"version", "time", "operation", "files_added", "rows_added", "bytes_added"};
  for (const auto& h : history) {
    std::vector<Cell> row;
    row.push_back(Cell::Int(h.version));
    Cell time = Cell::String(IsoTimestampMicros(h.timestamp_ms * 1000, 3, 'T'));
    time.short_text = IsoTimestampMicros(h.timestamp_ms * 1000, 3, ' ');
    row.push_back(std::move(time));
    const auto& ci = h.commit_info;
    row.push_back(ci.contains("operation") && ci["operation"].is_string() ? Cell::String(ci["operation"])
                                                                         : Cell::Null());
    auto actions = delta::ReadCommit(storage, h.version);
    if (!actions.ok()) {  // cleaned up after a checkpoint: only commitInfo is known
      for (int i = 0; i < 3; ++i) row.push_back(Cell::Null());
    } else {
      int64_t files = 0, bytes = 0, rows = 0;
      bool rows_known = true;
      for (const auto& a : *actions) {
        const auto* add = std::get_if<delta::AddFile>(&a);
        if (!add || !add->data_change) continue;
        ++files;
        bytes += add->size;
        auto n = NumRecords(*add);
        if (n) {
          rows += *n;
        } else {
          rows_known = false;
        }
      }
      row.push_back(Cell::Int(files));
      row.push_back(rows_known ? Cell::Int(rows) : Cell::Null());
      row.push_back(Cell::Int(bytes));
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

Result<nlohmann::json> Describe(storage::Storage& storage, const delta::Snapshot& snapshot, const std::string& path) {
  using nlohmann::json;
  json d;
  d["path"] = path;
  d["version"] = snapshot.version();
  const auto& md = snapshot.metadata();
  d["id"] = md.id;
  d["name"] = md.name ? json(*md.name) : json(nullptr);
  d["description"] = md.description ? json(*md.description) : json(nullptr);
  d["created"] = md.created_time ? json(IsoTimestampMicros(*md.created_time * 1000, 3)) : json(nullptr);
  auto last = delta::History(storage, 1);
  d["last_commit"] = last.ok() && !last->empty() ? json(IsoTimestampMicros(last->front().timestamp_ms * 1000, 3))
                                                 : json(nullptr);
  json schema = json::array();
  for (const auto& f : snapshot.schema()->fields()) {
    schema.push_back({{"name", f->name()}, {"type", delta::DeltaTypeName(*f->type())}, {"nullable", f->nullable()}});
  }
  d["schema"] = schema;
  d["partition_columns"] = snapshot.partition_columns();
  const auto& p = snapshot.protocol();
  d["protocol"] = {{"min_reader_version", p.min_reader_version},
                   {"min_writer_version", p.min_writer_version},
                   {"reader_features", p.reader_features ? json(*p.reader_features) : json(nullptr)},
                   {"writer_features", p.writer_features ? json(*p.writer_features) : json(nullptr)}};
  d["configuration"] = md.configuration;
  int64_t bytes = 0;
  for (const auto& [_, add] : snapshot.files()) bytes += add.size;
  d["files"] = snapshot.files().size();
  d["bytes"] = bytes;
  auto rows = snapshot.NumRecords();
  d["rows"] = rows ? json(*rows) : json(nullptr);
  json offsets = json::array();
  for (const auto& [app, txn] : snapshot.state().txns()) {
    auto parsed = ingest::ParseTxnAppId(app);
    offsets.push_back({{"app_id", app},
                       {"topic", parsed ? json(parsed->topic) : json(nullptr)},
                       {"partition", parsed ? json(parsed->partition) : json(nullptr)},
                       {"offset", txn.version},
                       {"last_updated", txn.last_updated ? json(IsoTimestampMicros(*txn.last_updated * 1000, 3))
                                                         : json(nullptr)}});
  }
  std::stable_sort(offsets.begin(), offsets.end(), [](const json& a, const json& b) {
    auto key = [](const json& x) {
      return std::make_tuple(x["topic"].is_null() ? std::string(x["app_id"]) : std::string(x["topic"]),
                             x["partition"].is_null() ? -1 : x["partition"].get<int>());
    };
    return key(a) < key(b);
  });
  d["kafka_offsets"] = offsets;
  return d;
}

namespace {
std::string Scalar(const nlohmann::json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}
}  // namespace

std::string DescribeText(const nlohmann::json& d) {
  std::string out;
  auto kv = [&](std::string_view k, const std::string& v) { out += fmt::format("{:<18} {}\n", k, v); };
  kv("table", Scalar(d["path"]));
  kv("version", Scalar(d["version"]));
  kv("id", Scalar(d["id"]));
  if (!d["name"].is_null()) kv("name", Scalar(d["name"]));
  if (!d["description"].is_null()) kv("description", Scalar(d["description"]));
  kv("created", Scalar(d["created"]));
  kv("last commit", Scalar(d["last_commit"]));
  const auto& p = d["protocol"];
  std::string proto = fmt::format("reader {}, writer {}", p["min_reader_version"].get<int>(),
                                  p["min_writer_version"].get<int>());
  auto features = [](const nlohmann::json& f) {
    std::string s;
    for (const auto& x : f) s += (s.empty() ? "" : ",") + x.get<std::string>();
    return s.empty() ? std::string("none") : s;
  };
  if (!p["reader_features"].is_null()) proto += "; reader features " + features(p["reader_features"]);
  if (!p["writer_features"].is_null()) proto += "; writer features " + features(p["writer_features"]);
  kv("protocol", proto);
  std::string parts;
  for (const auto& c : d["partition_columns"]) parts += (parts.empty() ? "" : ", ") + c.get<std::string>();
  kv("partitioned by", parts.empty() ? "(not partitioned)" : parts);
  kv("live files", fmt::format("{} ({} bytes)", d["files"].get<int64_t>(), d["bytes"].get<int64_t>()));
  kv("rows", d["rows"].is_null() ? "unknown (files without numRecords statistics)" : Scalar(d["rows"]));
  if (!d["configuration"].empty()) {
    std::string conf;
    for (const auto& [k, v] : d["configuration"].items()) conf += (conf.empty() ? "" : ", ") + k + "=" + Scalar(v);
    kv("configuration", conf);
  }
  TextTable schema;
  schema.columns = {"column", "type", "nullable", "partition"};
  for (const auto& f : d["schema"]) {
    bool part = std::find(d["partition_columns"].begin(), d["partition_columns"].end(), f["name"]) !=
                d["partition_columns"].end();
    schema.rows.push_back({Cell::String(f["name"]), Cell::String(f["type"]),
                           Cell::String(f["nullable"].get<bool>() ? "yes" : "no"), Cell::String(part ? "yes" : "")});
  }
  out += "\nschema\n" + Render(schema, Format::kTable);
  out += "\nkafka offsets (txn actions: last offset committed per partition)\n";
  if (d["kafka_offsets"].empty()) {
    out += "(none: no txn actions in this table)\n";
  } else {
    TextTable offs;
    offs.columns = {"topic", "partition", "offset", "app_id", "last_updated"};
    for (const auto& o : d["kafka_offsets"]) {
      offs.rows.push_back({o["topic"].is_null() ? Cell::Null() : Cell::String(o["topic"]),
                           o["partition"].is_null() ? Cell::Null() : Cell::Int(o["partition"].get<int64_t>()),
                           Cell::Int(o["offset"].get<int64_t>()), Cell::String(o["app_id"]),
                           o["last_updated"].is_null() ? Cell::Null() : Cell::String(o["last_updated"])});
    }
    out += Render(offs, Format::kTable);
  }
  return out;
}

std::string DescribeCsv(const nlohmann::json& d) {
  std::string out = "field,value\n";
  auto row = [&](const std::string& k, const nlohmann::json& v) {
    out += CsvField(k) + "," + (v.is_null() ? std::string() : CsvField(Scalar(v))) + "\n";
  };
  for (const char* k : {"path", "version", "id", "name", "description", "created", "last_commit", "files", "bytes",
                        "rows"}) {
    row(k, d[k]);
  }
  for (const auto& [k, v] : d["protocol"].items()) row("protocol." + k, v);
  std::string parts;
  for (const auto& c : d["partition_columns"]) parts += (parts.empty() ? "" : ",") + c.get<std::string>();
  row("partition_columns", parts);
  for (const auto& [k, v] : d["configuration"].items()) row("configuration." + k, v);
  for (const auto& f : d["schema"]) row("schema." + f["name"].get<std::string>(), f["type"]);
  for (const auto& o : d["kafka_offsets"]) row("offset." + o["app_id"].get<std::string>(), o["offset"]);
  return out;
}

}  // namespace orbitlake::readers
