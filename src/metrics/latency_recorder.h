// Exact-to-the-millisecond latency distribution for summaries (p50/p99/max).
//
// Prometheus histograms (metrics.h) have coarse buckets, fine for dashboards but not for
// reporting "p99 = 1.27 s". This keeps one counter per millisecond up to `max` (480 KB
// for the default 60 s), so percentiles are exact to 1 ms whatever the count, in fixed
// memory.
//
// Thread safety: none; one owner records, and reads after the recording thread stopped
// or under the owner's own lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace orbitlake::metrics {

class LatencyRecorder {
 public:
  explicit LatencyRecorder(std::chrono::milliseconds max = std::chrono::seconds(60));

  // Negative values (clock skew between hosts) count as 0; values above `max` count in
  // an overflow bucket and report as `max`.
  void Record(std::chrono::nanoseconds latency);
  void Merge(const LatencyRecorder& other);

  uint64_t count() const { return count_; }
  // The smallest latency L such that at least fraction `q` (0..1] of samples are <= L,
  // rounded up to the millisecond. 0 when empty.
  std::chrono::milliseconds Percentile(double q) const;
  std::chrono::milliseconds Max() const { return max_seen_; }

 private:
  std::vector<uint64_t> buckets_;  // [0, max] in ms, last = overflow
  uint64_t count_ = 0;
  std::chrono::milliseconds max_seen_{0};
};

}  // namespace orbitlake::metrics
