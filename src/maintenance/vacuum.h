// VACUUM: deletes the files of a Delta table that no version within the retention
// period references, and orphans (files in the table folder that no version ever
// referenced: a killed writer's uncommitted Parquet files, LocalStorage temp files of
// interrupted writes) once they are older than the retention.
//
// What stays: every file of the current snapshot; every file removed less than the
// retention ago (the tombstones: readers of those older versions and time travel need
// them; a remove without a deletionTimestamp counts as just removed); every file
// modified less than the retention ago (it may be a write in progress, such as an
// ingester's or an OPTIMIZE's next commit); everything under _delta_log; and, as in
// Delta, every path with a folder or file name starting with '_' or '.' (not table data),
// except Hive partition folders of partition columns that start with '_'.
//
// The retention defaults to the table's delta.deletedFileRetentionDuration (7 days when
// unset). A shorter one is refused unless `force` is set: readers holding an older
// snapshot, and jobs reading older versions, then fail on missing files.
//
// Commits: "VACUUM START" (operationMetrics numFilesToDelete, sizeOfDataToDelete)
// before deleting and "VACUUM END" (status COMPLETED or FAILED, numDeletedFiles,
// numVacuumedDirectories; CANCELLED when interrupted) after, as Delta does, so history shows it; none when there is
// nothing to delete (delta-rs' choice: a periodic vacuum does not grow the log). The
// table's write protocol is checked first (the vacuumProtocolCheck feature asks
// exactly that): a table with writer features orbitlake does not implement is refused.
//
// Crash guarantees: deleting only files no retained version needs, in any order, a
// VACUUM killed midway leaves a readable table; running it again finishes the job.
//
// Thread safety: uses the Table from the calling thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "delta/table.h"
#include "storage/storage.h"

namespace orbitlake::maintenance {

struct VacuumProgress {
  int64_t deleted = 0;
  int64_t total = 0;
  int64_t bytes_deleted = 0;
};

struct VacuumOptions {
  // Keep files removed (or written) less than this long ago. Default nullopt: the
  // table's delta.deletedFileRetentionDuration, else 7 days.
  std::optional<std::chrono::milliseconds> retention;
  // Allow a retention shorter than the table's. Default off.
  bool force = false;
  // Only find the files; delete nothing and commit nothing. Default off.
  bool dry_run = false;
  // Polled between deletions; when it returns true vacuum stops deleting, commits
  // VACUUM END with status CANCELLED and returns Cancelled (run it again to finish).
  // Default none (never).
  std::function<bool()> cancelled;
  // Called after every deleted file, from the calling thread. Default none.
  std::function<void(const VacuumProgress&)> on_progress;
  // Time source for "now" (file ages are compared with it). Default nullptr:
  // SystemClock().
  Clock* clock = nullptr;
};

struct VacuumResult {
  std::chrono::milliseconds retention{0};
  std::chrono::milliseconds table_retention{0};  // the table's (or the default)
  int64_t listed_files = 0;  // data-area files looked at (not _delta_log, not hidden)
  std::vector<storage::FileInfo> candidates;  // what is (or, dry run, would be) deleted
  int64_t candidate_bytes = 0;
  int64_t deleted = 0;        // files actually deleted (0 on a dry run)
  int64_t bytes_deleted = 0;
  std::optional<int64_t> start_version;  // the VACUUM START / END commits
  std::optional<int64_t> end_version;
};

// Vacuums `table` as of its snapshot (Refresh() it first). Errors: InvalidArgument for
// a short retention without `force` or a malformed table retention property;
// Unsupported when the table's protocol is not writable by orbitlake; storage errors
// (a failed delete ends as VACUUM END status FAILED and an IOError naming the file).
Result<VacuumResult> Vacuum(delta::Table& table, const VacuumOptions& options);

}  // namespace orbitlake::maintenance
