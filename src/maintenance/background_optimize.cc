#include "maintenance/background_optimize.h"

#include <cassert>

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace orbitlake::maintenance {

BackgroundOptimizer::BackgroundOptimizer(BackgroundOptimizeOptions options) : options_(std::move(options)) {
  assert(options_.every_commits > 0);
  thread_ = std::thread([this] { Loop(); });
}

BackgroundOptimizer::~BackgroundOptimizer() { Stop(); }

void BackgroundOptimizer::Committed(const std::string& name, const std::shared_ptr<storage::Storage>& storage,
                                    const std::vector<delta::PartitionValues>& partitions, bool backlog) {
  if (partitions.empty()) return;  // a txn-only commit adds no small file
  std::lock_guard lock(mu_);
  if (stopping_) return;
  TableState& t = tables_[name];
  if (!t.storage) t.storage = storage;
  t.backlog = backlog;
  t.pending.insert(partitions.begin(), partitions.end());
  if (++t.commits_since_run >= options_.every_commits) {
    t.commits_since_run = 0;
    due_.insert(name);
    wake_.notify_one();
  }
}

void BackgroundOptimizer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cancel_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

BackgroundOptimizeStats BackgroundOptimizer::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

Result<OptimizeResult> BackgroundOptimizer::RunOnce(TableState& state,
                                                    std::vector<delta::PartitionValues> partitions,
                                                    bool backlog) {
  if (!state.table) {
    ORBIT_ASSIGN_OR_RETURN(state.table, delta::Table::Open(state.storage, options_.table));
  } else {
    ORBIT_RETURN_IF_ERROR(state.table->Refresh());
  }
  OptimizeOptions o = options_.optimize;
  o.partitions = std::move(partitions);
  o.tiered = true;  // every few commits: rewrite a compacted file only once the new ones add up to it
  o.cancelled = [this] { return cancel_.load(); };
  const bool copy = options_.method == CompactionMethod::kCopyRowGroups ||
                    (options_.method == CompactionMethod::kAuto && backlog);
  o.method = copy ? OptimizeMethod::kCopyRowGroups : OptimizeMethod::kRewrite;
  return Optimize(*state.table, o);
}

void BackgroundOptimizer::Loop() {
#if defined(__linux__)
  // Linux applies a thread id's nice value to that thread alone (and to the threads it
  // starts). Best effort: compaction can wait.
  constexpr int kBackgroundNice = 10;
  if (options_.low_priority) (void)setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), kBackgroundNice);
#endif
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !due_.empty(); });
    if (stopping_) break;
    const std::string name = *due_.begin();
    due_.erase(due_.begin());
    TableState& state = tables_[name];  // entries are never erased: stable without the lock
    std::vector<delta::PartitionValues> partitions(state.pending.begin(), state.pending.end());
    state.pending.clear();
    const bool backlog = state.backlog;
    lock.unlock();
    Result<OptimizeResult> result = RunOnce(state, partitions, backlog);
    const bool cancelled = !result.ok() && result.status().code() == StatusCode::kCancelled;
    if (!cancelled && options_.on_run) options_.on_run(name, result);
    lock.lock();
    if (cancelled) break;
    ++stats_.runs;
    if (result.ok()) {
      if (result->version) ++stats_.commits;
      stats_.files_removed += result->files_removed;
      stats_.files_added += result->files_added;
      stats_.bins_copied += result->bins_copied;
      stats_.bins_rewritten += result->bins_rewritten;
    } else {
      ++stats_.failures;
      state.pending.insert(partitions.begin(), partitions.end());  // retried at the next due run
    }
  }
  // Finish the tables' background checkpoints on this thread. Without the lock (so a
  // late Committed() returns at once): after stopping_ nothing else touches tables_.
  lock.unlock();
  for (auto& [_, t] : tables_) {
    if (t.table) (void)t.table->WaitForCheckpoint();
  }
}

}  // namespace orbitlake::maintenance
