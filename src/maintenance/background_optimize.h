// BackgroundOptimizer: compacts (OPTIMIZE, optimize.h), on its own thread, the
// partitions a writer keeps adding small files to, every N of its commits
// (`orbitlake ingest --optimize-every N`).
//
// The writer tells it about each commit (Committed(): the table and the partition values
// of the files it added); after every `every_commits` commits of a table, the thread
// compacts the partitions those commits wrote to, through a delta::Table of its own on
// the same storage. The writer never waits for a compaction: Committed() only records
// the partitions under a mutex that the thread holds for bookkeeping, never while it
// reads, writes or commits. A table that becomes due while a compaction runs is
// compacted after it (one run at a time; partitions accumulate meanwhile).
//
// Why it cannot conflict with the writer's appends (by construction): a compaction only
// removes files live in the snapshot it planned from, and appends never remove files,
// so when an append lands first the OPTIMIZE commit retries at the next version, and
// when OPTIMIZE lands first the append retries past it (delta::Table's commit protocol:
// neither removed a file the other removes, neither changed the schema or protocol).
// Another compaction of the same files (a second ingester of the group, a manual
// `orbitlake optimize`) can win first: then this run gives up with Conflict, changes
// nothing, and its partitions are retried at the table's next due run. Other failures
// (I/O) are reported and retried the same way; they never stop the writer.
//
// Crash guarantees: those of Optimize(): a process killed mid-compaction leaves only
// unreferenced files (VACUUM deletes them), never a partial commit.
//
// Shutdown: Stop() (and the destructor) cancel a running compaction between its input
// files (its files are deleted, nothing is committed) and join the thread; compactions
// not started yet are dropped.
//
// Thread safety: Committed(), stats() and Stop() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "delta/actions.h"
#include "delta/table.h"
#include "maintenance/optimize.h"
#include "storage/storage.h"

namespace orbitlake::maintenance {

// How the background compactions merge files (OptimizeMethod).
enum class CompactionMethod {
  // Copy row groups while the writer has a backlog (its batches fill up before their
  // interval ends: a backfill or a burst, when the CPU is better spent on ingesting),
  // rewrite otherwise: a paced stream leaves CPU idle, and the rewrite also compacts
  // the files copied earlier into large row groups.
  kAuto,
  kCopyRowGroups,  // always copy: the least CPU; row groups stay small
  kRewrite,        // always decode and encode again: the most compact files
};

struct BackgroundOptimizeOptions {
  // Compact a table after every this many commits that added files to it. Smaller =
  // fewer small files for readers at any moment, more rewriting (a partition's
  // compacted file is rewritten again with the new small files until it reaches the
  // target size). Required: > 0.
  int64_t every_commits = 0;
  // How each compaction runs (target size, --sort-by, Parquet layout). `partitions`,
  // `cancelled` and `tiered` (on: see OptimizeOptions) are set by the optimizer; `where`
  // further limits the partitions.
  // Default: OptimizeOptions{}.
  OptimizeOptions optimize;
  // Default kAuto.
  CompactionMethod method = CompactionMethod::kAuto;
  // Options of the Table the optimizer commits through (checkpoints, retries).
  // Default: TableOptions{}.
  delta::TableOptions table;
  // Run the optimizer's thread (and the checkpoint threads it starts) at a lower CPU
  // priority (Linux: nice +10, about a tenth of a normal thread's share when they
  // compete): a writer that saturates the machine (a backfill) keeps most of its
  // throughput and compaction uses mostly the CPU it leaves idle, yet still progresses
  // (unlike SCHED_IDLE, which can starve it on a busy machine). Ignored where
  // unsupported. Default on; off makes compaction compete with the writer as an equal.
  bool low_priority = true;
  // While the writer has a backlog, compactions may use at most this share of the CPU
  // time the rest of the process uses: a compaction that is due waits (its partitions
  // accumulate) while the optimizer's own thread CPU time is above `backlog_cpu_share` ×
  // the others', both counted since the optimizer started or its last compaction
  // without a backlog (a long caught-up spell is no credit for the next backlog). Why: a backfill keeps every core busy, so
  // compaction CPU comes out of ingest throughput nearly one for one, whatever the
  // priority (nice only orders the run queue; kernel work such as page-cache copies and
  // file creation is done at the caller's expense either way); bounding the share bounds
  // the slowdown (bench/maintenance.py: ≤ 10 % at the default). Caught up (no backlog)
  // there is no budget: the CPU is idle then. 0 = no budget. Default 0.05.
  double backlog_cpu_share = 0.05;
  // Called on the optimizer's thread after each compaction with the table's name and
  // its outcome (e.g. to log failures). Default none.
  std::function<void(const std::string& table_name, const Result<OptimizeResult>& result)> on_run;
};

struct BackgroundOptimizeStats {
  int64_t runs = 0;           // compactions attempted
  int64_t commits = 0;        // OPTIMIZE commits made
  int64_t files_removed = 0;  // small files compacted away
  int64_t files_added = 0;    // compacted files written
  int64_t failures = 0;       // runs that gave up (Conflict) or failed (I/O), retried later
  int64_t bins_copied = 0;    // output files made by copying row groups
  int64_t bins_rewritten = 0; // output files made by decoding and encoding again
  int64_t budget_waits = 0;   // times a due compaction waited for backlog_cpu_share
  std::chrono::milliseconds budget_wait{0};  // how long they waited in all
};

class BackgroundOptimizer {
 public:
  // Starts the thread. REQUIRES: options.every_commits > 0.
  explicit BackgroundOptimizer(BackgroundOptimizeOptions options);
  ~BackgroundOptimizer();
  BackgroundOptimizer(const BackgroundOptimizer&) = delete;
  BackgroundOptimizer& operator=(const BackgroundOptimizer&) = delete;

  // A commit of table `name` (at `storage`) added files with these partition values;
  // `backlog`: the writer had more waiting than this batch took (CompactionMethod::kAuto
  // copies row groups then). Never blocks on a compaction. Ignored after Stop().
  void Committed(const std::string& name, const std::shared_ptr<storage::Storage>& storage,
                 const std::vector<delta::PartitionValues>& partitions, bool backlog = false);

  // Cancels the running compaction, if any, and joins the thread. Idempotent.
  void Stop();

  BackgroundOptimizeStats stats() const;

 private:
  struct TableState {
    std::shared_ptr<storage::Storage> storage;
    std::unique_ptr<delta::Table> table;  // opened by the thread on its first run
    std::set<delta::PartitionValues> pending;
    int64_t commits_since_run = 0;
    bool backlog = false;  // as the last Committed() said
  };
  void Loop();
  // Under `lock` (of mu_): returns true once a compaction of the due tables may start
  // under backlog_cpu_share (at once when none of them has a backlog), false when
  // stopping.
  bool WaitForCpuBudget(std::unique_lock<std::mutex>& lock);
  // Compacts `partitions` of `state`'s table; called on the thread without `mu_`.
  Result<OptimizeResult> RunOnce(TableState& state, std::vector<delta::PartitionValues> partitions, bool backlog);

  const BackgroundOptimizeOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;                   // GUARDED_BY(mu_)
  std::atomic<bool> cancel_{false};         // read by the running compaction
  std::map<std::string, TableState> tables_;  // GUARDED_BY(mu_); entries never erased
  std::set<std::string> due_;               // GUARDED_BY(mu_)
  BackgroundOptimizeStats stats_;           // GUARDED_BY(mu_)
  std::thread thread_;
  // The thread's and the process's CPU times from which WaitForCpuBudget counts: the
  // thread's start, then the end of each compaction made without a backlog. Thread only.
  void ResetCpuBudget();
  struct {
    std::chrono::nanoseconds own{0};
    std::chrono::nanoseconds process{0};
  } budget_base_;
};

}  // namespace orbitlake::maintenance
