// The dashboard's pipeline health view of one table, from its Delta log and rows: commit
// rate, rows per commit (commitInfo.operationMetrics.numOutputRows), produce -> commit
// latency (the commit's timestamp minus each row's kafka_timestamp, when the table has
// that column), the Kafka offset per partition (txn actions) and the age of the last
// commit (a table that stopped growing shows it).
//
// Incremental: what each commit contributes (its time, rows and latency samples) is
// computed once, when the commit is first seen, and kept for the newest
// `recent_commits`; later reports read only the commits (and their data files) that
// arrived since. files_read() counts the data files read, for tests and the summary.
//
// Thread safety: Report() may be called from several threads at once (a mutex guards
// the per-commit cache; two reports never read the same commit twice).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "delta/snapshot.h"
#include "storage/storage.h"

namespace orbitlake::dashboard {

struct HealthOptions {
  // Commits kept and summarised (rates, rows per commit, latency percentiles over their
  // rows). More: a longer look back, more memory (one latency sample per row kept, at
  // most `max_samples_per_commit`). Default 60.
  int64_t recent_commits = 60;
  // Latency samples kept per commit (evenly spaced over its rows). Default 2000.
  size_t max_samples_per_commit = 2000;
  // The window of the commit rate. Default 10 min.
  std::chrono::minutes rate_window{10};
};

// Nearest-rank percentile of sorted values (p in 0..100); nullopt when empty.
std::optional<int64_t> Percentile(const std::vector<int64_t>& sorted, double p);

class HealthTracker {
 public:
  explicit HealthTracker(HealthOptions options = {}) : options_(options) {}

  // The report for `latest` at wall time now_ms:
  //   {"version", "last_commit_ms", "last_commit_age_s", "commits_per_minute",
  //    "commits_in_window", "rate_window_s",
  //    "commits": [{"version", "t", "operation", "rows", "latency_p50_ms", "latency_p99_ms"}] (oldest first),
  //    "latency_ms": {"p50", "p90", "p99", "max", "samples"} or null without kafka_timestamp,
  //    "offsets": readers::KafkaOffsets(latest), "rows", "files"}
  Result<nlohmann::json> Report(storage::Storage& storage, const delta::Snapshot& latest, int64_t now_ms);

  int64_t files_read() const;

 private:
  struct CommitSample {
    int64_t timestamp_ms = 0;
    std::string operation;
    std::optional<int64_t> rows;
    std::vector<int64_t> latency_ms;  // sorted
  };
  Result<CommitSample> Sample(storage::Storage& storage, const delta::Snapshot& latest, int64_t version);

  const HealthOptions options_;
  mutable std::mutex mu_;
  std::map<int64_t, CommitSample> commits_;  // GUARDED_BY(mu_)
  int64_t files_read_ = 0;                   // GUARDED_BY(mu_)
};

}  // namespace orbitlake::dashboard
