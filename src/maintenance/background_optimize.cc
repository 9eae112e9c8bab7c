#include "maintenance/background_optimize.h"

#include <cassert>
#include <ctime>

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace orbitlake::maintenance {

namespace {

std::chrono::nanoseconds CpuTime(clockid_t clock) {
  timespec ts{};
  if (clock_gettime(clock, &ts) != 0) return std::chrono::nanoseconds(0);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

}  // namespace

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

bool BackgroundOptimizer::WaitForCpuBudget(std::unique_lock<std::mutex>& lock) {
  // Checked between compactions, not within one: a run of a due table is short (tens of
  // ms at every_commits ~10), and cancelling one halfway would waste its work.
  constexpr auto kRecheck = std::chrono::milliseconds(20);
  if (options_.backlog_cpu_share <= 0) return !stopping_;
  while (!stopping_) {
    bool backlog = false;  // re-read every time: a table that caught up goes at once
    for (const auto& name : due_) backlog = backlog || tables_[name].backlog;
    if (!backlog) return true;
    const auto own = CpuTime(CLOCK_THREAD_CPUTIME_ID) - budget_base_.own;
    const auto others = CpuTime(CLOCK_PROCESS_CPUTIME_ID) - budget_base_.process - own;
    if (static_cast<double>(own.count()) <= options_.backlog_cpu_share * static_cast<double>(others.count())) {
      return true;
    }
    ++stats_.budget_waits;
    const auto waited_from = std::chrono::steady_clock::now();
    wake_.wait_for(lock, kRecheck);
    stats_.budget_wait +=
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - waited_from);
  }
  return false;
}

void BackgroundOptimizer::ResetCpuBudget() {
  budget_base_.own = CpuTime(CLOCK_THREAD_CPUTIME_ID);
  budget_base_.process = CpuTime(CLOCK_PROCESS_CPUTIME_ID);
}

void BackgroundOptimizer::Loop() {
  ResetCpuBudget();
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
    if (!WaitForCpuBudget(lock)) break;
    const std::string name = *due_.begin();
    due_.erase(due_.begin());
    TableState& state = tables_[name];  // entries are never erased: stable without the lock
    std::vector<delta::PartitionValues> partitions(state.pending.begin(), state.pending.end());
    state.pending.clear();
    const bool backlog = state.backlog;
    lock.unlock();
    Result<OptimizeResult> result = RunOnce(state, partitions, backlog);
    // The budget covers one backlog at a time: CPU the writer spent while caught up is
    // no credit for the next backlog, nor a caught-up compaction a debt.
    if (!backlog) ResetCpuBudget();
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
