#include "delta/table.h"

#include <algorithm>
#include <set>
#include <thread>

#include <arrow/type.h>

#include "delta/checkpoint.h"
#include "delta/log_files.h"
#include "delta/partition.h"
#include "delta/protocol.h"
#include "delta/schema.h"
#include "delta/table_config.h"

namespace orbitlake::delta {
namespace {

using nlohmann::json;

const std::string* CommitTxnId(const std::vector<Action>& actions) {
  for (const auto& a : actions) {
    if (auto* ci = std::get_if<CommitInfo>(&a)) {
      auto it = ci->json.find("txnId");
      if (it != ci->json.end() && it->is_string()) return it->get_ptr<const std::string*>();
    }
  }
  return nullptr;
}

Status CheckCreateArgs(const arrow::Schema& schema, const CreateOptions& create) {
  if (schema.num_fields() == 0) return Status::InvalidArgument("table schema has no columns");
  ORBIT_RETURN_IF_ERROR(ToSchemaString(schema).status());
  std::set<std::string> seen;
  for (const auto& p : create.partition_columns) {
    auto field = schema.GetFieldByName(p);
    if (!field) return Status::InvalidArgument("partition column '" + p + "' is not in the schema " + schema.ToString());
    if (!seen.insert(p).second) return Status::InvalidArgument("partition column '" + p + "' given twice");
    ORBIT_RETURN_IF_ERROR(CheckPartitionType(p, *field->type()));
  }
  if (create.partition_columns.size() >= static_cast<size_t>(schema.num_fields())) {
    return Status::InvalidArgument("every column is a partition column: data files would have no columns");
  }
  return Status::OK();
}

Status CheckSameTable(const Snapshot& snap, const arrow::Schema& wanted, const CreateOptions& create,
                      const std::string& where) {
  ORBIT_ASSIGN_OR_RETURN(std::string canonical, ToSchemaString(wanted));
  ORBIT_ASSIGN_OR_RETURN(auto wanted_canonical, FromSchemaString(canonical));
  // One line naming the first differing column: a dump of both schemas was 25 lines.
  if (auto diff = FirstSchemaDifference(*snap.schema(), *wanted_canonical)) {
    return Status::InvalidArgument("table " + where + " exists with another schema: " + *diff);
  }
  if (snap.partition_columns() != create.partition_columns) {
    std::string have, want;
    for (const auto& c : snap.partition_columns()) have += (have.empty() ? "" : ",") + c;
    for (const auto& c : create.partition_columns) want += (want.empty() ? "" : ",") + c;
    return Status::InvalidArgument("table " + where + " is partitioned by [" + have + "], not [" + want + "]");
  }
  return Status::OK();
}

bool HasTimestampNtz(const arrow::DataType& t) {
  if (t.id() == arrow::Type::TIMESTAMP && static_cast<const arrow::TimestampType&>(t).timezone().empty()) return true;
  for (const auto& f : t.fields()) {
    if (HasTimestampNtz(*f->type())) return true;
  }
  return false;
}

bool HasTimestampNtz(const arrow::Schema& schema) {
  for (const auto& f : schema.fields()) {
    if (HasTimestampNtz(*f->type())) return true;
  }
  return false;
}

// The lowest protocol that can hold `schema`: timestamp_ntz needs the table features
// protocol (reader 3, writer 7) with timestampNtz; anything else 1/2.
Protocol ProtocolFor(const arrow::Schema& schema) {
  Protocol p;
  if (HasTimestampNtz(schema)) {
    p.min_reader_version = 3;
    p.min_writer_version = 7;
    p.reader_features = std::vector<std::string>{"timestampNtz"};
    p.writer_features = std::vector<std::string>{"timestampNtz"};
  }
  return p;
}

// The columns `wanted` adds to `found` when that is all it does (see
// CreateOptions::add_new_columns); nullopt when it changes anything else.
std::optional<std::vector<std::shared_ptr<arrow::Field>>> AddedColumns(const arrow::Schema& found,
                                                                       const arrow::Schema& wanted) {
  std::vector<std::shared_ptr<arrow::Field>> added;
  int next_found = 0;  // existing columns must appear in their order
  for (const auto& w : wanted.fields()) {
    const int i = found.GetFieldIndex(w->name());
    if (i < 0) {
      if (!w->nullable()) return std::nullopt;
      added.push_back(w);
      continue;
    }
    if (i != next_found || !found.field(i)->Equals(*w)) return std::nullopt;
    ++next_found;
  }
  if (next_found != found.num_fields()) return std::nullopt;
  return added;
}

}  // namespace

Table::Table(std::shared_ptr<storage::Storage> storage, TableOptions options, Snapshot snapshot)
    : storage_(std::move(storage)), options_(std::move(options)), snapshot_(std::move(snapshot)) {
  if (options_.clock == nullptr) options_.clock = &SystemClock();
}

int64_t Table::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(options_.clock->WallNow()).count();
}

Result<std::unique_ptr<Table>> Table::Open(std::shared_ptr<storage::Storage> storage, TableOptions options) {
  ORBIT_ASSIGN_OR_RETURN(auto snap, LoadSnapshot(*storage));
  return std::unique_ptr<Table>(new Table(std::move(storage), std::move(options), std::move(snap)));
}

Result<std::unique_ptr<Table>> Table::OpenOrCreate(std::shared_ptr<storage::Storage> storage,
                                                   std::shared_ptr<arrow::Schema> schema,
                                                   const CreateOptions& create, TableOptions options) {
  ORBIT_RETURN_IF_ERROR(CheckCreateArgs(*schema, create));
  const std::string where = storage->Describe("");
  auto snap = LoadSnapshot(*storage);
  if (snap.status().code() == StatusCode::kNotFound) {
    Clock& clock = options.clock ? *options.clock : SystemClock();
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(clock.WallNow()).count();
    Metadata md;
    md.id = NewUuid();
    md.name = create.name;
    md.description = create.description;
    ORBIT_ASSIGN_OR_RETURN(md.schema_string, ToSchemaString(*schema));
    md.partition_columns = create.partition_columns;
    md.configuration = create.configuration;
    md.created_time = now;
    CommitInfo ci;
    ci.json = {{"timestamp", now},
               {"operation", "CREATE TABLE"},
               {"operationParameters",
                {{"isManaged", "false"},
                 {"description", create.description ? json(*create.description) : json(nullptr)},
                 {"partitionBy", json(create.partition_columns).dump()},
                 {"properties", json(create.configuration).dump()}}},
               {"isolationLevel", "Serializable"},
               {"isBlindAppend", true},
               {"engineInfo", options.engine_info},
               {"txnId", NewUuid()}};
    const std::string payload = SerializeCommit({ci, ProtocolFor(*schema), md});
    Status st = storage->PutIfAbsent(CommitPath(0), payload);
    // Losing the race (or not knowing) is fine: whoever created it, check it is ours-compatible.
    if (!st.ok() && st.code() != StatusCode::kAlreadyExists && !IsRetryable(st)) {
      return st.WithContext("create table " + where);
    }
    snap = LoadSnapshot(*storage);
    // Still no table: the put's own error (a read-only or full disk) is the cause, not
    // the "no Delta log" that reading reports.
    if (!st.ok() && snap.status().code() == StatusCode::kNotFound) return st.WithContext("create table " + where);
  }
  if (!snap.ok()) return snap.status();
  Status same = CheckSameTable(*snap, *schema, create, where);
  if (!same.ok() && create.add_new_columns && snap->partition_columns() == create.partition_columns) {
    ORBIT_ASSIGN_OR_RETURN(std::string canonical, ToSchemaString(*schema));
    ORBIT_ASSIGN_OR_RETURN(auto wanted, FromSchemaString(canonical));
    if (auto added = AddedColumns(*snap->schema(), *wanted); added && !added->empty()) {
      auto table = std::unique_ptr<Table>(new Table(std::move(storage), std::move(options), std::move(*snap)));
      ORBIT_RETURN_IF_ERROR(table->AddColumns(*wanted, *added));
      return table;
    }
  }
  ORBIT_RETURN_IF_ERROR(same);
  return std::unique_ptr<Table>(new Table(std::move(storage), std::move(options), std::move(*snap)));
}

Status Table::AddColumns(const arrow::Schema& schema, const std::vector<std::shared_ptr<arrow::Field>>& added) {
  Metadata md = snapshot_.metadata();
  ORBIT_ASSIGN_OR_RETURN(md.schema_string, ToSchemaString(schema));
  std::vector<Action> actions{md};
  Protocol need = ProtocolFor(schema);
  const Protocol& have = snapshot_.protocol();
  if (need.min_writer_version > have.min_writer_version) {
    Protocol p = have;
    p.min_reader_version = std::max(have.min_reader_version, need.min_reader_version);
    p.min_writer_version = need.min_writer_version;
    if (!p.reader_features) p.reader_features = std::vector<std::string>{};
    if (!p.writer_features) p.writer_features = std::vector<std::string>{};
    p.reader_features->push_back("timestampNtz");
    p.writer_features->push_back("timestampNtz");
    if (have.min_writer_version < 7) {
      // Moving a legacy 1/2 table to table features keeps what writer 2 implied.
      p.writer_features->push_back("appendOnly");
      p.writer_features->push_back("invariants");
    }
    actions.push_back(p);
  }
  json columns = json::array();
  for (const auto& f : added) {
    ORBIT_ASSIGN_OR_RETURN(std::string one, ToSchemaString(*arrow::schema({f})));
    columns.push_back({{"column", json::parse(one)["fields"][0]}});
  }
  ORBIT_ASSIGN_OR_RETURN(CommitOutcome outcome, Commit(std::move(actions), "ADD COLUMNS", {{"columns", columns.dump()}}));
  if (auto* c = std::get_if<Conflict>(&outcome)) {
    return Status::Conflict("adding columns to " + storage_->Describe("") + ": " + c->reason);
  }
  return Status::OK();
}

Status Table::Refresh() {
  ORBIT_ASSIGN_OR_RETURN(auto snap, LoadSnapshot(*storage_));
  snapshot_ = std::move(snap);
  return Status::OK();
}

std::unique_ptr<TableWriter> Table::NewWriter() {
  return std::make_unique<TableWriter>(storage_.get(), snapshot_.schema(), snapshot_.partition_columns(),
                                       options_.parquet, options_.clock);
}

Result<CommitOutcome> Table::Append(AppendRequest request) {
  std::vector<Action> actions;
  actions.reserve(request.adds.size() + request.txns.size());
  for (auto& add : request.adds) actions.emplace_back(std::move(add));
  for (auto& t : request.txns) actions.emplace_back(std::move(t));
  StringMap params = std::move(request.operation_parameters);
  params.try_emplace("mode", "Append");
  params.try_emplace("partitionBy", json(snapshot_.partition_columns()).dump());
  return Commit(std::move(actions), std::move(request.operation), std::move(params), request.fence);
}

Result<CommitOutcome> Table::Commit(std::vector<Action> actions, std::string operation, StringMap parameters,
                                    const std::map<std::string, int64_t>& fence) {
  return CommitWith(std::move(actions), std::move(operation), std::move(parameters), fence, {});
}

Result<CommitOutcome> Table::CommitOperation(std::vector<Action> actions, std::string operation,
                                             StringMap parameters, nlohmann::json metrics) {
  if (!metrics.is_object()) return Status::InvalidArgument("operationMetrics must be a JSON object");
  return CommitWith(std::move(actions), std::move(operation), std::move(parameters), {}, {}, &metrics);
}

Result<CommitOutcome> Table::RewindTxns(std::vector<Txn> rewound, const std::map<std::string, int64_t>& expect,
                                        std::string operation, StringMap operation_parameters) {
  if (rewound.empty()) return Status::InvalidArgument("no txn to rewind");
  std::vector<Action> actions(rewound.begin(), rewound.end());
  for (const Txn& t : rewound) {
    if (!expect.count(t.app_id)) return Status::InvalidArgument("rewinding txn " + t.app_id + " without its expected version");
  }
  return CommitWith(std::move(actions), std::move(operation), std::move(operation_parameters), {}, expect);
}

Result<CommitOutcome> Table::CommitWith(std::vector<Action> actions, std::string operation, StringMap parameters,
                                        const std::map<std::string, int64_t>& fence,
                                        const std::map<std::string, int64_t>& expect, const json* metrics) {
  const int64_t now = NowMs();
  int64_t rows = 0, bytes = 0, files = 0;
  bool blind_append = true;
  std::set<std::string> app_ids;
  for (auto& a : actions) {
    if (auto* t = std::get_if<Txn>(&a)) {
      if (!t->last_updated) t->last_updated = now;
      if (!app_ids.insert(t->app_id).second) {
        return Status::InvalidArgument("two txn actions for appId '" + t->app_id + "' in one commit");
      }
    } else if (auto* add = std::get_if<AddFile>(&a)) {
      ++files;
      bytes += add->size;
      if (add->stats) {
        auto j = json::parse(*add->stats, nullptr, false);
        if (!j.is_discarded() && j.contains("numRecords") && j["numRecords"].is_number_integer()) {
          rows += j["numRecords"].get<int64_t>();
        }
      }
    } else if (std::holds_alternative<RemoveFile>(a) || std::holds_alternative<Metadata>(a) ||
               std::holds_alternative<Protocol>(a)) {
      blind_append = false;
    } else if (std::holds_alternative<CommitInfo>(a)) {
      return Status::InvalidArgument("commitInfo is added by Table::Commit, not by the caller");
    }
  }
  CommitInfo ci;
  ci.json = {{"timestamp", now},
             {"operation", operation},
             {"operationParameters", json(parameters)},
             {"readVersion", snapshot_.version()},
             {"isolationLevel", "Serializable"},
             {"isBlindAppend", blind_append},
             {"operationMetrics", metrics != nullptr ? *metrics
                                                     : json{{"numFiles", std::to_string(files)},
                                                            {"numOutputRows", std::to_string(rows)},
                                                            {"numOutputBytes", std::to_string(bytes)}}},
             {"engineInfo", options_.engine_info},
             {"txnId", NewUuid()}};
  actions.insert(actions.begin(), std::move(ci));
  return CommitOnce(std::move(actions), fence, expect);
}

Status Table::PutCommit(int64_t version, const std::string& payload, const std::string& txn_id) {
  std::chrono::milliseconds backoff = options_.io_retry_backoff;
  for (int attempt = 0;; ++attempt) {
    Status st = storage_->PutIfAbsent(CommitPath(version), payload);
    if (st.ok()) return st;
    if (st.code() != StatusCode::kAlreadyExists && !IsRetryable(st)) return st;
    // Someone's file is there, or we do not know: the file itself says whose it is.
    auto there = ReadCommit(*storage_, version);
    if (there.ok()) {
      const std::string* id = CommitTxnId(*there);
      if (id != nullptr && *id == txn_id) return Status::OK();
      return Status::AlreadyExists("version " + std::to_string(version) + " was committed by another writer");
    }
    if (there.status().code() != StatusCode::kNotFound && !IsRetryable(there.status())) return there.status();
    if (attempt >= options_.max_io_retries) return st;
    options_.clock->SleepFor(backoff);
    backoff *= 2;
  }
}

Result<CommitOutcome> Table::CommitOnce(std::vector<Action> actions, const std::map<std::string, int64_t>& fence,
                                        const std::map<std::string, int64_t>& expect) {
  bool removes_data = false;
  std::set<std::string> removed_paths;
  std::vector<const Txn*> txns;
  for (const auto& a : actions) {
    if (auto* r = std::get_if<RemoveFile>(&a)) {
      removes_data |= r->data_change;
      // Decoded: another engine may percent-encode the same file differently.
      removed_paths.insert(DecodePath(r->path));
    }
    if (auto* t = std::get_if<Txn>(&a)) txns.push_back(t);
  }
  const std::string txn_id = *CommitTxnId(actions);

  // How many of our txns does a state already cover (same appId, version >= ours)?
  auto covered_by = [&](auto&& version_of) {
    size_t n = 0;
    for (const Txn* t : txns) {
      std::optional<int64_t> v = version_of(t->app_id);
      if (v && *v >= t->version) ++n;
    }
    return n;
  };
  const bool exactly_once = expect.empty();
  if (exactly_once && !txns.empty() &&
      covered_by([&](const std::string& id) { return snapshot_.TxnVersion(id); }) == txns.size()) {
    return CommitOutcome(AlreadyCommitted{snapshot_.version()});
  }

  const std::string payload = SerializeCommit(actions);
  int64_t version = snapshot_.version() + 1;
  for (int attempt = 1; attempt <= options_.max_commit_attempts; ++attempt, ++version) {
    // The snapshot includes every winner read so far, so this sees any writer that
    // committed part of our range since the batch was started.
    for (const auto& [app_id, first] : fence) {
      std::optional<int64_t> v = snapshot_.TxnVersion(app_id);
      if (v && *v >= first) {
        return CommitOutcome(Conflict{version, "txn " + app_id + " is already at version " + std::to_string(*v) +
                                                   " >= " + std::to_string(first) +
                                                   ": another writer committed part of this range"});
      }
    }
    for (const auto& [app_id, want] : expect) {
      std::optional<int64_t> v = snapshot_.TxnVersion(app_id);
      if (v != want) {
        return CommitOutcome(Conflict{version, "txn " + app_id + " moved to version " +
                                                   (v ? std::to_string(*v) : std::string("none")) + " (expected " +
                                                   std::to_string(want) + ")"});
      }
    }
    ORBIT_RETURN_IF_ERROR(
        CheckWriteSupported(snapshot_.protocol(), snapshot_.metadata(), removes_data).WithContext(
            storage_->Describe("")));
    Status st = PutCommit(version, payload, txn_id);
    if (st.ok()) {
      ORBIT_RETURN_IF_ERROR(snapshot_.Apply(actions, version));
      Committed c{version, attempt};
      if (options_.write_checkpoints && version > 0 && version % CheckpointInterval(snapshot_.metadata()) == 0) {
        if (!options_.checkpoint_in_background) {
          c.checkpoint = Checkpoint();
          c.checkpoint_started = true;
        } else if (!checkpoint_running_.load()) {
          StartCheckpoint();
          c.checkpoint_started = true;
        }
      }
      return CommitOutcome(c);
    }
    if (st.code() != StatusCode::kAlreadyExists) return st.WithContext("commit version " + std::to_string(version));

    // Lost the race for `version`: learn what the winner did before trying the next one.
    ORBIT_ASSIGN_OR_RETURN(auto winner, ReadCommit(*storage_, version));
    ORBIT_RETURN_IF_ERROR(snapshot_.Apply(winner, version));
    std::map<std::string, int64_t> winner_txns;
    for (const auto& a : winner) {
      if (auto* t = std::get_if<Txn>(&a)) winner_txns[t->app_id] = t->version;
      if (std::holds_alternative<Metadata>(a) || std::holds_alternative<Protocol>(a)) {
        return CommitOutcome(Conflict{version, "version " + std::to_string(version) +
                                                   " changed the table's metadata or protocol; reopen the table"});
      }
      if (auto* r = std::get_if<RemoveFile>(&a); r && removed_paths.count(DecodePath(r->path))) {
        return CommitOutcome(
            Conflict{version, "version " + std::to_string(version) + " already removed " + r->path});
      }
    }
    size_t covered = covered_by([&](const std::string& id) -> std::optional<int64_t> {
      auto it = winner_txns.find(id);
      if (it == winner_txns.end()) return std::nullopt;
      return it->second;
    });
    if (!exactly_once) continue;  // the expect check above decides at the next version
    if (!txns.empty() && covered == txns.size()) return CommitOutcome(AlreadyCommitted{version});
    if (covered > 0) {
      return CommitOutcome(Conflict{version, "version " + std::to_string(version) +
                                                 " carries some but not all of this commit's txn appIds"});
    }
  }
  return CommitOutcome(Conflict{version, "gave up after " + std::to_string(options_.max_commit_attempts) +
                                             " attempts: other writers kept committing first"});
}

Table::~Table() { (void)WaitForCheckpoint(); }

void Table::StartCheckpoint() {
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
  checkpoint_running_ = true;
  const int64_t cutoff = TombstoneCutoffMs();
  // A copy: the committer moves on while the checkpoint is written.
  checkpoint_thread_ = std::thread([this, state = snapshot_.state(), cutoff]() {
    checkpoint_status_ = WriteCheckpoint(*storage_, state, cutoff)
                             .WithContext("checkpoint of " + storage_->Describe("") + " at version " +
                                          std::to_string(state.version()));
    checkpoint_running_ = false;
  });
}

Status Table::WaitForCheckpoint() {
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
  return checkpoint_status_;
}

int64_t Table::TombstoneCutoffMs() const {
  std::chrono::milliseconds keep = options_.tombstone_retention;
  // A malformed property keeps the option's value: a checkpoint must not fail over it
  // (VACUUM refuses such a table instead).
  if (auto table = DeletedFileRetention(snapshot_.metadata()); table.ok()) keep = std::max(keep, *table);
  return NowMs() - keep.count();
}

Status Table::Checkpoint() {
  const int64_t cutoff = TombstoneCutoffMs();
  return WriteCheckpoint(*storage_, snapshot_.state(), cutoff)
      .WithContext("checkpoint of " + storage_->Describe("") + " at version " + std::to_string(snapshot_.version()));
}

}  // namespace orbitlake::delta
