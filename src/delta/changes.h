// What one commit did to a table: files, rows and bytes added and removed, whether it is
// an append, and its key operation metrics. Pure: the caller reads the commit files.
//
// Used by `history` (one line per commit) and `tail --follow` (rows of appends, one line
// for every other commit), and by FilesAddedAfter (streaming reads take appends only).
//
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "delta/actions.h"

namespace orbitlake::delta {

// numRecords of an add's statistics JSON; nullopt when absent or unreadable.
std::optional<int64_t> StatsNumRecords(const std::optional<std::string>& stats);

// The live files' sizes and row counts, by decoded path: what a remove takes away
// (removes carry no statistics). Seed it with a snapshot's files, then Track() every
// commit after it in order.
class FileSizes {
 public:
  struct Entry {
    std::optional<int64_t> rows;  // numRecords; nullopt without statistics
    int64_t bytes = 0;
  };
  void Add(const AddFile& add);
  // Applies a commit's adds and removes.
  void Track(const std::vector<Action>& actions);
  // nullptr for a path that is not live (or was never seen).
  const Entry* Find(const std::string& path) const;

 private:
  std::map<std::string, Entry> files_;
};

struct CommitChanges {
  int64_t version = 0;
  std::string operation;  // commitInfo.operation; empty when the commit has none
  // Every add and remove, dataChange or not (OPTIMIZE's rewrites count too).
  int64_t files_added = 0;
  int64_t files_removed = 0;
  // Rows in the added/removed files (physical: DELETE and UPDATE rewrite files, so they
  // add the rows they copied; `metrics` has the logical counts). nullopt when a file has
  // no numRecords statistics (added) or is not known to `FileSizes` (removed).
  std::optional<int64_t> rows_added = 0;
  std::optional<int64_t> rows_removed = 0;
  int64_t bytes_added = 0;
  std::optional<int64_t> bytes_removed = 0;  // nullopt when a remove has no size
  bool data_change_adds = false;     // some add has dataChange=true
  bool data_change_removes = false;  // some remove has dataChange=true
  bool metadata_changed = false;     // a protocol or metaData action
  // Key commitInfo.operationMetrics under one set of names, whether Spark (camelCase,
  // values as strings) or delta-rs (snake_case) wrote them, in this order:
  // deleted_rows, updated_rows, inserted_rows, copied_rows, source_rows,
  // partitions_optimized, skipped_files, deleted_files. Only those present.
  std::vector<std::pair<std::string, int64_t>> metrics;

  // An append: it adds data files (dataChange=true) and removes none with
  // dataChange=true. DELETE, UPDATE, MERGE and overwrites remove data; OPTIMIZE adds and
  // removes with dataChange=false; metadata-only commits add nothing.
  bool IsAppend() const { return data_change_adds && !data_change_removes; }
};

// `live`: the files before this commit (for the rows and bytes of removed files).
CommitChanges SummarizeCommit(int64_t version, const std::vector<Action>& actions, const FileSizes& live);

// One line for people: "version 7 DELETE: 1 file added (13 rows), 2 files removed
// (15 rows); deleted_rows=2 copied_rows=13". Text from commitInfo is passed through as
// is: callers printing to a terminal escape it.
std::string DescribeChanges(const CommitChanges& c);

}  // namespace orbitlake::delta
