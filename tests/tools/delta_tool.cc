// delta_tool: drives orbitlake's Delta writer and reader from the Python conformance
// tests (tests/python/test_delta_*.py). Built only with the tests. Every command prints
// one JSON object on stdout; failures print the Status on stderr and exit 1.
//
//   delta_tool create  --table DIR [--partition COL]... [--config K=V]...
//   delta_tool append  --table DIR --first N --rows R [--days D] [--app-id A] [--txn-version V]
//   delta_tool stress  --table DIR --commits C --rows R --app-id A [--first N]
//   delta_tool read    --table DIR [--version V] [--out FILE.parquet] [--app-id A]...
//   delta_tool added   --table DIR --after V
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <arrow/api.h>
#include <nlohmann/json.hpp>

#include "columnar/parquet_file.h"
#include "delta/reader.h"
#include "delta/snapshot.h"
#include "delta/table.h"
#include "storage/local_storage.h"
#include "support/satellite_batch.h"

namespace {

using namespace orbitlake;
using nlohmann::json;

constexpr int64_t kDayUs = 86'400'000'000;

int Fail(const Status& st) {
  std::cerr << "delta_tool: " << st.ToString() << "\n";
  return 1;
}

// `checkpoint`: how the checkpoint started by this commit ended (waited for).
json OutcomeJson(const delta::CommitOutcome& out, const Status& checkpoint = Status::OK()) {
  if (auto* c = std::get_if<delta::Committed>(&out)) {
    return {{"outcome", "committed"}, {"version", c->version}, {"attempts", c->attempts},
            {"checkpoint", c->checkpoint_started && checkpoint.ok()},
            {"checkpoint_error", checkpoint.ok() ? "" : checkpoint.ToString()}};
  }
  if (auto* a = std::get_if<delta::AlreadyCommitted>(&out)) return {{"outcome", "already_committed"}, {"version", a->version}};
  const auto& c = std::get<delta::Conflict>(out);
  return {{"outcome", "conflict"}, {"version", c.version}, {"reason", c.reason}};
}

Result<delta::CommitOutcome> AppendRows(delta::Table& table, int64_t first, int64_t rows, int64_t days,
                                        const std::string& app_id, int64_t txn_version) {
  auto writer = table.NewWriter();
  int64_t step = std::max<int64_t>(1, days * kDayUs / std::max<int64_t>(rows, 1));
  ORBIT_RETURN_IF_ERROR(writer->Write(*testing::SatelliteBatch(first, rows, testing::kDefaultStartUs, step)));
  ORBIT_ASSIGN_OR_RETURN(auto adds, writer->Finish());
  delta::AppendRequest req;
  req.adds = std::move(adds);
  if (!app_id.empty()) req.txns.push_back({app_id, txn_version < 0 ? first + rows - 1 : txn_version});
  return table.Append(std::move(req));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"orbitlake Delta test tool"};
  app.require_subcommand(1);
  std::string dir, app_id, out_file;
  std::vector<std::string> partitions, configs, app_ids;
  int64_t first = 0, rows = 100, days = 1, txn_version = -1, commits = 10, version = -1, after = 0;

  auto* create = app.add_subcommand("create", "create a satellite table");
  create->add_option("--table", dir)->required();
  create->add_option("--partition", partitions);
  create->add_option("--config", configs);
  bool no_partition = false;
  create->add_flag("--no-partition", no_partition);

  auto* append = app.add_subcommand("append", "append generated rows in one commit");
  append->add_option("--table", dir)->required();
  append->add_option("--first", first);
  append->add_option("--rows", rows);
  append->add_option("--days", days);
  append->add_option("--app-id", app_id);
  append->add_option("--txn-version", txn_version);

  auto* stress = app.add_subcommand("stress", "commit many small appends (for concurrency tests)");
  stress->add_option("--table", dir)->required();
  stress->add_option("--commits", commits);
  stress->add_option("--rows", rows);
  stress->add_option("--first", first);
  stress->add_option("--app-id", app_id)->required();

  auto* read = app.add_subcommand("read", "read a table: metadata as JSON, rows to a Parquet file");
  read->add_option("--table", dir)->required();
  read->add_option("--version", version);
  read->add_option("--out", out_file);
  read->add_option("--app-id", app_ids);

  auto* added = app.add_subcommand("added", "files added after a version");
  added->add_option("--table", dir)->required();
  added->add_option("--after", after)->required();

  CLI11_PARSE(app, argc, argv);
  auto storage = std::make_shared<storage::LocalStorage>(dir);

  if (create->parsed()) {
    delta::CreateOptions c;
    if (no_partition) c.partition_columns.clear();
    else if (!partitions.empty()) c.partition_columns = partitions;
    for (const auto& kv : configs) {
      auto eq = kv.find('=');
      if (eq == std::string::npos) return Fail(Status::InvalidArgument("--config wants K=V, got " + kv));
      c.configuration[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    auto t = delta::Table::OpenOrCreate(storage, testing::SatelliteSchema(), c);
    if (!t.ok()) return Fail(t.status());
    std::cout << json{{"version", (*t)->snapshot().version()}}.dump() << "\n";
    return 0;
  }
  if (append->parsed()) {
    auto t = delta::Table::Open(storage);
    if (!t.ok()) return Fail(t.status());
    auto out = AppendRows(**t, first, rows, days, app_id, txn_version);
    if (!out.ok()) return Fail(out.status());
    Status checkpoint = (*t)->WaitForCheckpoint();
    std::cout << OutcomeJson(*out, checkpoint).dump() << "\n";
    return 0;
  }
  if (stress->parsed()) {
    auto t = delta::Table::Open(storage);
    if (!t.ok()) return Fail(t.status());
    json versions = json::array();
    int64_t retries = 0;
    for (int64_t i = 0; i < commits; ++i) {
      auto out = AppendRows(**t, first + i * rows, rows, 1, app_id, -1);
      if (!out.ok()) return Fail(out.status());
      auto* c = std::get_if<delta::Committed>(&*out);
      if (c == nullptr) return Fail(Status::Conflict(OutcomeJson(*out).dump()));
      versions.push_back(c->version);
      retries += c->attempts - 1;
    }
    std::cout << json{{"versions", versions}, {"retries", retries}}.dump() << "\n";
    return 0;
  }
  if (read->parsed()) {
    auto snap = delta::LoadSnapshot(*storage, version < 0 ? std::nullopt : std::optional<int64_t>(version));
    if (!snap.ok()) return Fail(snap.status());
    auto table = delta::ReadTable(*storage, *snap);
    if (!table.ok()) return Fail(table.status());
    if (!out_file.empty()) {
      auto written = columnar::WriteParquetFile(**table, out_file);
      if (!written.ok()) return Fail(written.status());
    }
    json fields = json::array();
    for (const auto& f : snap->schema()->fields()) fields.push_back({{"name", f->name()}, {"type", f->type()->ToString()}});
    json txns = json::object();
    for (const auto& id : app_ids) {
      auto v = snap->TxnVersion(id);
      txns[id] = v ? json(*v) : json(nullptr);
    }
    auto history = delta::History(*storage);
    if (!history.ok()) return Fail(history.status());
    json ops = json::array();
    for (const auto& h : *history) ops.push_back({{"version", h.version}, {"operation", h.commit_info.value("operation", "")}});
    auto num = snap->NumRecords();
    std::cout << json{{"version", snap->version()},
                      {"num_rows", (*table)->num_rows()},
                      {"num_records_from_stats", num ? json(*num) : json(nullptr)},
                      {"num_files", snap->files().size()},
                      {"partition_columns", snap->partition_columns()},
                      {"fields", fields},
                      {"txns", txns},
                      {"history", ops}}
                     .dump()
              << "\n";
    return 0;
  }
  if (added->parsed()) {
    auto snap = delta::LoadSnapshot(*storage);
    if (!snap.ok()) return Fail(snap.status());
    auto files = delta::FilesAddedAfter(*storage, after, snap->version());
    if (!files.ok()) return Fail(files.status());
    json out = json::array();
    for (const auto& f : *files) out.push_back({{"version", f.version}, {"path", f.add.path}});
    std::cout << json{{"files", out}}.dump() << "\n";
    return 0;
  }
  return 0;
}
