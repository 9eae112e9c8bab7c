// OPTIMIZE: bin-packing compaction of a Delta table's small files.
//
// Per partition value, the live files smaller than the target size are packed into
// bins of at most the target size (in time order: modification time, or the files'
// minimum of the --sort-by column), and every bin of two or more files is rewritten as
// one file. The result is one commit whose removes and adds have dataChange=false
// (streaming readers skip it: no row is new) and whose commitInfo is an "OPTIMIZE"
// operation with the parameters and metrics delta-rs writes (numFilesAdded,
// numFilesRemoved, filesAdded/filesRemoved {avg,max,min,totalFiles,totalSize},
// partitionsOptimized, numBatches, totalConsideredFiles, totalFilesSkipped,
// preserveInsertionOrder) plus Spark's numAddedBytes/numRemovedBytes, so `DESCRIBE
// HISTORY` and DeltaTable.history() show it as their own.
//
// Concurrency: it runs beside writers of the same table (orbitlake ingest, delta-rs
// appends). It only removes files that were live in the snapshot it planned from; the
// commit goes through Table's protocol, so when other commits landed meanwhile it reads
// them and retries at the next version if none of them removed one of its files or
// changed the table's metadata or protocol. Otherwise it gives up (Status Conflict
// naming the reason), deletes the files it wrote, and the table is as if it never ran.
// Appends never conflict with it.
//
// Crash guarantees: the rewritten files become visible to readers only through the one
// commit; a process killed before it leaves unreferenced files, which VACUUM deletes
// once they are older than the retention.
//
// Memory: one bin at a time, file by file (about one input file decoded, plus the
// writer's open row group); with `sort_by` the whole bin is decoded and sorted in
// memory, so about the target size times the compression ratio.
//
// Thread safety: uses the Table from the calling thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "columnar/parquet_file.h"
#include "common/clock.h"
#include "common/status.h"
#include "delta/actions.h"
#include "delta/snapshot.h"
#include "delta/table.h"

namespace orbitlake::maintenance {

struct OptimizeProgress {
  int64_t bins_done = 0;
  int64_t bins_total = 0;
  int64_t files_read = 0;
  int64_t bytes_read = 0;
  int64_t files_written = 0;
  int64_t bytes_written = 0;
  int64_t rows = 0;
};

// How a bin of small files becomes one file.
enum class OptimizeMethod {
  // Decode the files and encode their rows again (the Parquet options' row groups,
  // encodings and codec): the most compact files, at the CPU cost of writing every row
  // again. What `orbitlake optimize` and delta-rs do.
  kRewrite,
  // Copy the files' row groups byte for byte into one file (columnar::ParquetStitcher)
  // and merge their statistics: no value is decoded or encoded, so it costs little more
  // than the I/O, but the row groups stay as small as the inputs'. A bin holds at most
  // `max_row_groups` row groups (files record theirs in the add's tag
  // "orbitlake.rowGroups"; a file without it counts as one), and files that already
  // hold that many are left alone: only kRewrite compacts them further. A bin whose
  // files have different schemas or lack statistics is rewritten instead.
  kCopyRowGroups,
};

// The add tag holding a copied file's row group count (kCopyRowGroups).
inline constexpr const char* kRowGroupsTag = "orbitlake.rowGroups";

struct OptimizeOptions {
  // Size the rewritten files aim at, in bytes; files at least this large are left
  // alone. Default (nullopt): the table's delta.targetFileSize, else 100 MiB (delta-rs'
  // default). Larger files mean fewer for readers to open but more to rewrite per
  // compaction.
  std::optional<int64_t> target_size;
  // Only partitions whose values match this filter (delta::PartitionFilter syntax, e.g.
  // "date >= '2026-11-01'"). Default "": every partition.
  std::string where;
  // Only partitions with exactly these values, in addition to `where` (the background
  // optimizer's: the partitions an ingester wrote to). Default nullopt: no such limit.
  std::optional<std::vector<delta::PartitionValues>> partitions;
  // Size-tiered selection, as LSM stores compact: per partition, a candidate file is
  // left out unless it is at most twice the smaller candidates together. A compacted
  // file is then rewritten only once the new small files add up to half its size, so each
  // row is rewritten O(log(target / small file)) times instead of at every run (the
  // background optimizer's choice; it runs every few commits). Default off: every small
  // file is packed, as delta-rs and `orbitlake optimize` do.
  bool tiered = false;
  // Default kRewrite. --sort-by always rewrites.
  OptimizeMethod method = OptimizeMethod::kRewrite;
  // With kCopyRowGroups: the most row groups one copied file holds. Readers pay a little
  // per row group (footer size, one read per column chunk); 64 groups of the ingester's
  // small files still cut the file count 64-fold. Default 64.
  int64_t max_row_groups = 64;
  // Sort the rows of every rewritten file by this (non-partition) column, so readers
  // skip row groups and files by min/max statistics on it. Default nullopt: rows keep
  // the order of the files they came from.
  std::optional<std::string> sort_by;
  // Parquet layout of the rewritten files. Default: ParquetWriteOptions{} (the
  // ingester's: 1 Mi rows per row group, so a compacted file has few row groups).
  columnar::ParquetWriteOptions parquet;
  // Called after each file read and each bin written, from the calling thread.
  // Default none.
  std::function<void(const OptimizeProgress&)> on_progress;
  // Polled between input files; when it returns true the rewrite stops, the files
  // written so far are deleted and the result is Cancelled (nothing committed). Default
  // none (never).
  std::function<bool()> cancelled;
  // Called once every file is written, just before the commit (tests use it to let
  // another writer commit in between). Default none.
  std::function<void()> before_commit;
  // Time source for deletion timestamps and file times. Default nullptr: SystemClock().
  Clock* clock = nullptr;
};

// One output file's worth of input files, all of one partition value.
struct OptimizeBin {
  delta::PartitionValues partition;
  std::vector<delta::AddFile> files;
  int64_t bytes = 0;
};

struct OptimizePlan {
  int64_t read_version = 0;
  int64_t target_size = 0;
  std::vector<std::string> predicate;  // the --where filter, one string per comparison
  std::vector<OptimizeBin> bins;       // only bins of two or more files
  int64_t live_files = 0;              // in the snapshot
  int64_t live_bytes = 0;
  int64_t considered_files = 0;  // in matching partitions and smaller than the target
  int64_t skipped_files = 0;     // considered but left alone (alone in their bin)
  int64_t partitions = 0;        // distinct partition values among the bins
  int64_t FilesToRewrite() const;
  int64_t BytesToRewrite() const;
};

// The plan for `snapshot`, without reading or writing anything. InvalidArgument for a
// bad `where`, `sort_by` or target size (naming it); the table's own malformed
// delta.targetFileSize is InvalidArgument too.
Result<OptimizePlan> PlanOptimize(const delta::Snapshot& snapshot, const OptimizeOptions& options);

struct OptimizeResult {
  OptimizePlan plan;
  int64_t bins_copied = 0;     // bins merged by copying row groups (kCopyRowGroups)
  int64_t bins_rewritten = 0;  // bins decoded and encoded again
  // The OPTIMIZE commit; nullopt when the plan had nothing to rewrite (no commit).
  std::optional<int64_t> version;
  int attempts = 0;  // commit attempts (> 1: other writers committed meanwhile)
  int64_t files_removed = 0;
  int64_t files_added = 0;
  int64_t bytes_removed = 0;
  int64_t bytes_added = 0;
  int64_t rows = 0;
  int64_t live_files_after = 0;  // in the table after the commit
};

// Plans from `table`'s snapshot (Refresh() it first to include the latest commits),
// rewrites and commits. Errors: those of PlanOptimize; Conflict when another writer
// removed one of the files or changed the table first (the new files are deleted);
// Cancelled when `cancelled` said so before the commit (likewise);
// I/O errors of storage (files written so far stay behind as orphans).
Result<OptimizeResult> Optimize(delta::Table& table, const OptimizeOptions& options);

}  // namespace orbitlake::maintenance
