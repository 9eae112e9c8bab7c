// Table: a Delta table orbitlake writes to (and reads from), through storage::Storage.
//
// Typical ingester use:
//   auto table = Table::OpenOrCreate(storage, schema, {.partition_columns = {"date"}});
//   std::optional<int64_t> done = (*table)->snapshot().TxnVersion("orbitlake-sat-data-3");
//   auto writer = (*table)->NewWriter();
//   writer->Write(batch) ...;                  // Arrow record batches, table schema
//   auto adds = writer->Finish();               // one Parquet file per partition value
//   auto outcome = (*table)->Append({.adds = *adds, .txns = {{"orbitlake-sat-data-3", 41}}});
//   Committed{version} | AlreadyCommitted{version} | Conflict{reason}
//
// Commit protocol: the commit file for version V = snapshot version + 1 is created with
// Storage::PutIfAbsent, which exactly one writer wins. A loser reads the winning commit:
// if it carries every one of our txn appIds at a version >= ours, our data is already
// in the table (AlreadyCommitted, nothing is written twice); if it changed the schema or
// protocol, removed a file we remove (compared as decoded paths), or covers only some
// of our appIds, the outcome is Conflict; otherwise the
// same actions are retried at V+1, at most TableOptions::max_commit_attempts times. An
// I/O error on the put is resolved by reading the version back (commitInfo.txnId tells
// whether it is ours). The snapshot follows every commit written or read, so commit
// cost does not grow with the length of the log (no listing on the commit path).
//
// Checkpoints: after committing version V with V % delta.checkpointInterval == 0, a
// checkpoint of V is written from a copy of the snapshot, by default on a background
// thread, so the commit neither waits for it nor depends on it (the commit is durable
// before the checkpoint starts). If the previous checkpoint is still being written, this
// one is skipped (the next interval catches up). WaitForCheckpoint() reports failures.
//
// Thread safety: a Table is used by one thread at a time (its background checkpoint
// thread only reads its own copy of the state). Several Tables (threads or processes)
// may commit to the same storage concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "columnar/parquet_file.h"
#include "common/clock.h"
#include "common/status.h"
#include "delta/actions.h"
#include "delta/snapshot.h"
#include "delta/writer.h"
#include "storage/storage.h"

namespace arrow {
class Field;
class Schema;
}

namespace orbitlake::delta {

struct TableOptions {
  // Commit attempts (one per version tried) before giving up with Conflict. Each
  // losing attempt means another writer committed, so this bounds how far a writer can
  // fall behind under contention. Default 100.
  int max_commit_attempts = 100;
  // Retries of the same version after a retryable storage error (IsRetryable()).
  // Default 5, with `io_retry_backoff` doubling between them.
  int max_io_retries = 5;
  std::chrono::milliseconds io_retry_backoff{50};
  // Row-group size and statistics of the data files. Default: ParquetWriteOptions{}.
  columnar::ParquetWriteOptions parquet;
  // Write a checkpoint every delta.checkpointInterval commits. Default on; off only
  // for tests and tools that want to observe the log without them.
  bool write_checkpoints = true;
  // Write them on a background thread, off the commit path. Default on; off makes
  // Committed::checkpoint report the outcome synchronously.
  bool checkpoint_in_background = true;
  // commitInfo.engineInfo. Default "orbitlake/0.1.0".
  std::string engine_info = "orbitlake/0.1.0";
  // Remove tombstones younger than this stay in checkpoints (VACUUM safety), or than the
  // table's delta.deletedFileRetentionDuration when that is longer. Default 7 days,
  // Delta's delta.deletedFileRetentionDuration default.
  std::chrono::milliseconds tombstone_retention = std::chrono::hours(24 * 7);
  // Time source for commit timestamps and file times. Default (nullptr): SystemClock().
  Clock* clock = nullptr;
};

struct CreateOptions {
  // Partition columns, in order; each must be a string, date, integer or boolean
  // column of the schema. Default: {"date"}, the event date.
  std::vector<std::string> partition_columns = {"date"};
  // metaData.configuration, e.g. {"delta.checkpointInterval", "10"}. Default empty.
  StringMap configuration;
  std::optional<std::string> name;
  std::optional<std::string> description;
  // When the table exists and `schema` only adds nullable columns to it (every existing
  // column kept, same type, nullability and relative order), commit the new schema (a
  // metaData action, operation "ADD COLUMNS") instead of refusing. Any other difference
  // is still refused, naming the column. Default off.
  bool add_new_columns = false;
};

struct Committed {
  int64_t version = 0;
  int attempts = 1;
  // A checkpoint of this version was started (in the background by default).
  bool checkpoint_started = false;
  // Synchronous checkpoints only: OK, or why it failed (the commit itself stands).
  Status checkpoint;
};
struct AlreadyCommitted {
  int64_t version = 0;  // the commit that already carries our txn versions
};
struct Conflict {
  int64_t version = 0;  // the version we could not commit at
  std::string reason;
};
using CommitOutcome = std::variant<Committed, AlreadyCommitted, Conflict>;

struct AppendRequest {
  std::vector<AddFile> adds;
  // At most one per appId; lastUpdated is filled in when absent.
  std::vector<Txn> txns;
  // commitInfo.operation and operationParameters. Defaults: "WRITE", mode Append.
  std::string operation = "WRITE";
  StringMap operation_parameters;
  // Fencing for exactly-once ingestion: appId -> the first offset this commit covers.
  // The commit is refused with Conflict when, at the version it would take, the table
  // already holds a txn for that appId at a version >= that offset: another writer
  // (e.g. the partition's new owner after a rebalance) committed part of the same
  // range, and writing ours would duplicate it. Without this, a winner holding our appId
  // at a lower version than ours would not stop a retry. Default empty (no fence).
  std::map<std::string, int64_t> fence;
};

class Table {
 public:
  // Opens an existing table (NotFound when there is none).
  static Result<std::unique_ptr<Table>> Open(std::shared_ptr<storage::Storage> storage, TableOptions options = {});
  // Opens the table, or creates it at version 0 (protocol 1/2, metaData, commitInfo).
  // When it exists (or another writer creates it first), its schema must equal
  // `schema` (names, types) and its partition columns must match.
  static Result<std::unique_ptr<Table>> OpenOrCreate(std::shared_ptr<storage::Storage> storage,
                                                     std::shared_ptr<arrow::Schema> schema,
                                                     const CreateOptions& create, TableOptions options = {});

  const Snapshot& snapshot() const { return snapshot_; }
  // Catches up with commits made by others since the snapshot.
  Status Refresh();

  // A writer for data files of this table (snapshot schema and partitioning).
  std::unique_ptr<TableWriter> NewWriter();

  // Commits `adds` and `txns` atomically (see the commit protocol above).
  Result<CommitOutcome> Append(AppendRequest request);

  // Commits arbitrary actions (commitInfo is added). For tools and tests (e.g. a
  // remove); refuses removes on append-only tables. `txns` in `actions` get the same
  // exactly-once treatment as in Append().
  Result<CommitOutcome> Commit(std::vector<Action> actions, std::string operation, StringMap operation_parameters,
                               const std::map<std::string, int64_t>& fence = {});

  // Commits the actions of a table-maintenance operation (OPTIMIZE, VACUUM START and
  // END), as Commit() does, with `operation_metrics` (a JSON object) as
  // commitInfo.operationMetrics instead of the append metrics (numFiles,
  // numOutputRows, numOutputBytes): history then shows the operation's own, under the
  // names Spark and delta-rs use. A commit of no actions at all (VACUUM's) is allowed.
  Result<CommitOutcome> CommitOperation(std::vector<Action> actions, std::string operation,
                                        StringMap operation_parameters, nlohmann::json operation_metrics);

  // Moves the txns of `rewound` back (to a lower version, e.g. after the Kafka topic
  // behind them was recreated), in one txn-only commit: the exactly-once rule "a commit
  // whose txns the table already covers is already in" does not apply. `expect` holds,
  // per appId, the version the table must still have at the version this commit takes;
  // otherwise (another writer moved it meanwhile) the outcome is Conflict.
  Result<CommitOutcome> RewindTxns(std::vector<Txn> rewound, const std::map<std::string, int64_t>& expect,
                                   std::string operation, StringMap operation_parameters);

  // Writes a checkpoint of the current snapshot now, on this thread.
  Status Checkpoint();
  // Waits for the background checkpoint, if any; returns how the last one ended.
  Status WaitForCheckpoint();

  ~Table();
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  storage::Storage& storage() { return *storage_; }
  const std::shared_ptr<storage::Storage>& shared_storage() const { return storage_; }

 private:
  Table(std::shared_ptr<storage::Storage> storage, TableOptions options, Snapshot snapshot);
  int64_t NowMs() const;
  // Creates `path` if absent, resolving retryable errors by reading it back: OK when
  // the file there is ours (commitInfo.txnId), AlreadyExists when it is another's.
  Status PutCommit(int64_t version, const std::string& payload, const std::string& txn_id);
  // `metrics`: commitInfo.operationMetrics; nullptr for the append metrics.
  Result<CommitOutcome> CommitWith(std::vector<Action> actions, std::string operation, StringMap operation_parameters,
                                   const std::map<std::string, int64_t>& fence,
                                   const std::map<std::string, int64_t>& expect,
                                   const nlohmann::json* metrics = nullptr);
  // Tombstones deleted before this stay out of checkpoints.
  int64_t TombstoneCutoffMs() const;
  // `expect` (RewindTxns) replaces the already-covered check by an exact one.
  Result<CommitOutcome> CommitOnce(std::vector<Action> actions, const std::map<std::string, int64_t>& fence,
                                   const std::map<std::string, int64_t>& expect = {});

  void StartCheckpoint();
  // Commits `schema` (= the current one plus `added`), see CreateOptions::add_new_columns.
  Status AddColumns(const arrow::Schema& schema, const std::vector<std::shared_ptr<arrow::Field>>& added);

  std::shared_ptr<storage::Storage> storage_;
  TableOptions options_;
  Snapshot snapshot_;
  // The background checkpoint writer and its result (written by that thread, read after
  // join; the atomic says whether it finished, so a busy writer is skipped, not awaited).
  std::thread checkpoint_thread_;
  std::atomic<bool> checkpoint_running_{false};
  Status checkpoint_status_;
};

}  // namespace orbitlake::delta
