// Snapshots: the state of a table at one version, loaded by log replay, and the log
// queries the CLI and the ingester need (history, files added after a version).
//
// Loading (LoadSnapshot): `_last_checkpoint` is only a hint to start the listing late;
// the listing decides. The newest checkpoint <= the target version that reads back is
// used (an unreadable one is skipped for an older one, or for replay from version 0),
// then every commit after it, which must be contiguous: a gap is Corruption. Features
// orbitlake cannot read are refused with Unsupported naming the feature.
//
// Thread safety: a Snapshot is immutable after loading; share it freely.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "delta/actions.h"
#include "delta/log_replay.h"
#include "storage/storage.h"

namespace arrow {
class Schema;
class Table;
}  // namespace arrow

namespace orbitlake::delta {

class Snapshot {
 public:
  // REQUIRES: state has protocol and metaData. Checks that orbitlake can read it.
  static Result<Snapshot> FromState(TableState state);

  int64_t version() const { return state_.version(); }
  const Protocol& protocol() const { return *state_.protocol(); }
  const Metadata& metadata() const { return *state_.metadata(); }
  // The table schema, partition columns included (in schemaString order).
  const std::shared_ptr<arrow::Schema>& schema() const { return schema_; }
  const std::vector<std::string>& partition_columns() const { return metadata().partition_columns; }
  // Live data files, by path as written in the log.
  const std::map<std::string, AddFile>& files() const { return state_.files(); }
  // Latest txn version recorded for `app_id` (exactly-once bookkeeping), if any.
  std::optional<int64_t> TxnVersion(const std::string& app_id) const { return state_.TxnVersion(app_id); }
  // Rows in the table from file statistics; nullopt when a file has no numRecords.
  std::optional<int64_t> NumRecords() const;
  const TableState& state() const { return state_; }

 private:
  friend class Table;
  // Moves the snapshot forward by one commit (the committer, after it wrote or read it).
  Status Apply(const std::vector<Action>& actions, int64_t version);

  Snapshot(TableState state, std::shared_ptr<arrow::Schema> schema)
      : state_(std::move(state)), schema_(std::move(schema)) {}
  TableState state_;
  std::shared_ptr<arrow::Schema> schema_;
};

// Loads the latest version, or `version` (time travel). NotFound when there is no table;
// InvalidArgument naming the valid range for a version the table does not have (negative
// or after the latest), and for one that can no longer be rebuilt because the commits
// before the oldest checkpoint were cleaned up (naming the oldest readable version).
Result<Snapshot> LoadSnapshot(storage::Storage& storage, std::optional<int64_t> version = std::nullopt);

// Time travel by time, as Delta's timestampAsOf: the latest version whose commit
// timestamp is <= `timestamp_ms` (ms since the epoch); a time after the latest commit
// gives the latest version. A commit's timestamp is its log file's modification time
// (the protocol's rule without in-commit timestamps; Spark and delta-rs read the same),
// made strictly increasing over versions as Spark does (a commit not later than the one
// before counts as 1 ms after it), so writers' clock skew cannot reorder versions.
// NotFound when there is no table; InvalidArgument when `timestamp_ms` is before the
// oldest commit still in the log (the first one, or the oldest a cleanup kept), naming
// its time. The version found may still be unreadable (LoadSnapshot says why).
Result<int64_t> VersionAsOf(storage::Storage& storage, int64_t timestamp_ms);

// Reads and parses the commit file of `version` (NotFound when absent).
Result<std::vector<Action>> ReadCommit(storage::Storage& storage, int64_t version);

// The newest complete checkpoint at or before `at_most` (all parts present for a
// multi-part one), from a listing of _delta_log (not the _last_checkpoint hint);
// nullopt when there is none.
Result<std::optional<int64_t>> LatestCheckpointVersion(storage::Storage& storage, int64_t at_most);

struct HistoryEntry {
  int64_t version = 0;
  // The commitInfo of that commit (empty object when the writer wrote none).
  nlohmann::json commit_info = nlohmann::json::object();
  // commitInfo.timestamp, or the commit file's modification time.
  int64_t timestamp_ms = 0;
};
// Newest first, at most `limit` entries (all when nullopt), for commits still in the log.
Result<std::vector<HistoryEntry>> History(storage::Storage& storage, std::optional<int64_t> limit = std::nullopt);

struct AddedFile {
  int64_t version = 0;
  AddFile add;
};
// Files added with dataChange=true by the appends after `after_version` up to
// `until_version` (inclusive), oldest first: what a tailing/streaming reader consumes.
// Commits that remove files with dataChange=true (DELETE, UPDATE, MERGE, overwrite) are
// not appends and are skipped whole; dataChange=false adds (compaction) too.
Result<std::vector<AddedFile>> FilesAddedAfter(storage::Storage& storage, int64_t after_version,
                                               int64_t until_version);

}  // namespace orbitlake::delta
