#include "readers/table_views.h"

#include <algorithm>

#include <arrow/api.h>
#include <fmt/format.h>

#include "delta/changes.h"
#include "delta/partition.h"
#include "delta/reader.h"
#include "delta/schema.h"
#include "ingest/committer.h"

namespace orbitlake::readers {
namespace {

Result<TextTable> ToRows(const arrow::Table& t, const std::vector<std::string>& columns) {
  ORBIT_ASSIGN_OR_RETURN(TextTable rows, FromArrow(t, columns));
  SortRowsBy(t, kTimeColumn, &rows);
  return rows;
}

}  // namespace

Result<int64_t> ParseAsOf(std::string_view text) {
  const auto bad = [&] {
    return Status::InvalidArgument(fmt::format(
        "'{}' is not a time: use RFC 3339 like 2026-12-03T11:50:00Z or 2026-12-03T12:50:00.250+01:00, "
        "or a date like 2026-12-03 (UTC)",
        text));
  };
  constexpr int64_t kMsPerDay = 86'400'000;
  if (text.size() == 10) {
    auto days = delta::ParseDate(text);
    if (!days) return bad();
    return *days * kMsPerDay;
  }
  std::string_view body = text;
  int64_t offset_minutes = 0;
  if (!body.empty() && (body.back() == 'Z' || body.back() == 'z')) {
    body.remove_suffix(1);
  } else if (body.size() >= 19 + 6 && (body[body.size() - 6] == '+' || body[body.size() - 6] == '-') &&
             body[body.size() - 3] == ':') {
    std::string_view zone = body.substr(body.size() - 6);
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (!digit(zone[1]) || !digit(zone[2]) || !digit(zone[4]) || !digit(zone[5])) return bad();
    const int hh = (zone[1] - '0') * 10 + (zone[2] - '0'), mm = (zone[4] - '0') * 10 + (zone[5] - '0');
    if (hh > 23 || mm > 59) return bad();
    offset_minutes = (zone[0] == '-' ? -1 : 1) * (hh * 60 + mm);
    body.remove_suffix(6);
  }
  auto micros = delta::ParseTimestampMicros(body, /*allow_zone=*/false);
  if (!micros) return bad();
  // Floor to ms: commit times are ms, and "at or before" must not round a later time in.
  int64_t ms = *micros / 1000 - (*micros % 1000 < 0 ? 1 : 0);
  return ms - offset_minutes * 60'000;
}

Result<delta::Snapshot> LoadForReading(storage::Storage& storage, const std::string& path, const TimeTravel& at) {
  std::optional<int64_t> version = at.version;
  Result<delta::Snapshot> snap = Status::Internal("not loaded");
  if (at.as_of_ms) {
    auto found = delta::VersionAsOf(storage, *at.as_of_ms);
    if (found.ok()) {
      version = *found;
    } else {
      snap = found.status();
    }
  }
  if (!at.as_of_ms || version) snap = delta::LoadSnapshot(storage, version);
  if (snap.ok()) return snap;
  const Status& st = snap.status();
  if (st.code() == StatusCode::kNotFound) {
    return Status::NotFound(fmt::format("{} is not a Delta table (no commits in {}/_delta_log)", path, path));
  }
  if (st.code() == StatusCode::kUnsupported) {
    return Status::Unsupported(fmt::format("{} uses a Delta feature orbitlake cannot read: {}", path, st.message()));
  }
  if (st.code() == StatusCode::kInvalidArgument) return st;  // names the table and the valid range already
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

namespace {

Cell OptionalInt(const std::optional<int64_t>& v) { return v ? Cell::Int(*v) : Cell::Null(); }

// The files live at `version` (empty before version 0), for the rows a later remove
// takes away. An unreadable older state (log cleaned up) leaves them unknown.
delta::FileSizes FilesAt(storage::Storage& storage, int64_t version) {
  delta::FileSizes sizes;
  if (version < 0) return sizes;
  auto snap = delta::LoadSnapshot(storage, version);
  if (!snap.ok()) return sizes;
  for (const auto& [_, add] : snap->files()) sizes.Add(add);
  return sizes;
}

}  // namespace

Result<std::vector<FollowStep>> ChangesAfter(storage::Storage& storage, const delta::Snapshot& before,
                                             const delta::Snapshot& after, const std::vector<std::string>& columns) {
  delta::FileSizes live;
  for (const auto& [_, add] : before.files()) live.Add(add);
  std::vector<FollowStep> steps;
  for (int64_t v = before.version() + 1; v <= after.version(); ++v) {
    auto actions = delta::ReadCommit(storage, v);
    if (!actions.ok()) return actions.status().WithContext("commit " + std::to_string(v));
    FollowStep step{delta::SummarizeCommit(v, *actions, live), std::nullopt};
    if (step.commit.IsAppend()) {
      std::vector<delta::AddFile> files;
      for (const auto& a : *actions) {
        if (const auto* add = std::get_if<delta::AddFile>(&a); add && add->data_change) files.push_back(*add);
      }
      ORBIT_ASSIGN_OR_RETURN(auto table, delta::ReadFiles(storage, after, files));
      ORBIT_ASSIGN_OR_RETURN(step.rows, ToRows(*table, columns));
    }
    live.Track(*actions);
    steps.push_back(std::move(step));
  }
  return steps;
}

std::string FollowText(const std::vector<FollowStep>& steps, Format format, const std::vector<size_t>& widths,
                       std::string* announcements) {
  std::string out;
  for (const auto& step : steps) {
    if (step.rows) {
      out += Render(*step.rows, format, /*header=*/false, widths);
      continue;
    }
    const std::string line = TerminalText(delta::DescribeChanges(step.commit)) + "\n";
    if (format == Format::kTable) {
      out += "-- " + line;
    } else {
      *announcements += line;
    }
  }
  return out;
}

Result<TextTable> HistoryRows(storage::Storage& storage, std::optional<int64_t> limit) {
  const int64_t n = limit.value_or(kDefaultHistoryLimit);
  if (n < 0) return Status::InvalidArgument("history: the limit must be >= 0 (0 = every commit)");
  ORBIT_ASSIGN_OR_RETURN(auto history, delta::History(storage, n == 0 ? std::nullopt : std::optional(n)));
  TextTable t;
  t.columns = {"version",    "time",         "operation",   "files_added",   "files_removed",
               "rows_added", "rows_removed", "bytes_added", "bytes_removed", "metrics"};
  if (history.empty()) return t;
  // Oldest first, so that every remove finds the rows of the file it takes away.
  delta::FileSizes live = FilesAt(storage, history.back().version - 1);
  std::vector<std::vector<Cell>> rows;
  for (auto h = history.rbegin(); h != history.rend(); ++h) {
    std::vector<Cell> row;
    row.push_back(Cell::Int(h->version));
    Cell time = Cell::String(IsoTimestampMicros(h->timestamp_ms * 1000, 3, 'T'));
    time.short_text = IsoTimestampMicros(h->timestamp_ms * 1000, 3, ' ');
    row.push_back(std::move(time));
    const auto& ci = h->commit_info;
    row.push_back(ci.contains("operation") && ci["operation"].is_string() ? Cell::String(ci["operation"])
                                                                         : Cell::Null());
    ORBIT_ASSIGN_OR_RETURN(auto actions, delta::ReadCommit(storage, h->version));
    const delta::CommitChanges c = delta::SummarizeCommit(h->version, actions, live);
    live.Track(actions);
    row.push_back(Cell::Int(c.files_added));
    row.push_back(Cell::Int(c.files_removed));
    row.push_back(OptionalInt(c.rows_added));
    row.push_back(OptionalInt(c.rows_removed));
    row.push_back(Cell::Int(c.bytes_added));
    row.push_back(OptionalInt(c.bytes_removed));
    nlohmann::json metrics = nlohmann::json::object();
    std::string metrics_text;
    for (const auto& [k, v] : c.metrics) {
      metrics[k] = v;
      metrics_text += (metrics_text.empty() ? "" : " ") + k + "=" + std::to_string(v);
    }
    row.push_back(Cell::Json(metrics.dump(), metrics_text.empty() ? "-" : metrics_text));
    rows.push_back(std::move(row));
  }
  t.rows.assign(std::make_move_iterator(rows.rbegin()), std::make_move_iterator(rows.rend()));
  return t;
}

nlohmann::json KafkaOffsets(const delta::Snapshot& snapshot) {
  using json = nlohmann::json;
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
  return offsets;
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
  // Differs from `version` when reading an older one (--version / --as-of).
  d["latest_version"] = last.ok() && !last->empty() ? json(last->front().version) : json(nullptr);
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
  // What a reader replays on load: the commits after the newest checkpoint.
  ORBIT_ASSIGN_OR_RETURN(std::optional<int64_t> checkpoint, delta::LatestCheckpointVersion(storage, snapshot.version()));
  d["last_checkpoint"] = checkpoint ? json(*checkpoint) : json(nullptr);
  d["commits_after_checkpoint"] = snapshot.version() - checkpoint.value_or(-1);
  d["kafka_offsets"] = KafkaOffsets(snapshot);
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
  // Names, descriptions and configuration come from the log: escaped for the terminal.
  auto kv = [&](std::string_view k, const std::string& v) { out += fmt::format("{:<18} {}\n", k, TerminalText(v)); };
  kv("table", Scalar(d["path"]));
  const bool older = d.contains("latest_version") && d["latest_version"].is_number_integer() &&
                     d["latest_version"] != d["version"];
  kv("version", older ? fmt::format("{} (time travel; latest {})", Scalar(d["version"]), Scalar(d["latest_version"]))
                      : Scalar(d["version"]));
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
  if (d.contains("last_checkpoint")) {
    const int64_t after = d["commits_after_checkpoint"].get<int64_t>();
    kv("last checkpoint", d["last_checkpoint"].is_null()
                              ? fmt::format("none ({} commits replayed on load)", after)
                              : fmt::format("version {} ({} commit{} after it)", d["last_checkpoint"].get<int64_t>(),
                                            after, after == 1 ? "" : "s"));
  }
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
                        "rows", "last_checkpoint", "commits_after_checkpoint"}) {
    row(k, d.value(k, nlohmann::json()));
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
