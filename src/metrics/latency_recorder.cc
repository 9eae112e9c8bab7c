#include "metrics/latency_recorder.h"

#include <algorithm>
#include <cmath>

namespace orbitlake::metrics {

LatencyRecorder::LatencyRecorder(std::chrono::milliseconds max) : buckets_(static_cast<size_t>(max.count()) + 2, 0) {}

void LatencyRecorder::Record(std::chrono::nanoseconds latency) {
  // Round up: a 0.2 ms latency is reported as 1 ms, never as 0.
  int64_t ms = latency.count() <= 0 ? 0 : (latency.count() + 999'999) / 1'000'000;
  size_t i = std::min(static_cast<size_t>(ms), buckets_.size() - 1);
  ++buckets_[i];
  ++count_;
  max_seen_ = std::max(max_seen_, std::chrono::milliseconds(static_cast<int64_t>(std::min(i, buckets_.size() - 2))));
}

void LatencyRecorder::Merge(const LatencyRecorder& other) {
  size_t n = std::min(buckets_.size(), other.buckets_.size());
  for (size_t i = 0; i < n; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  max_seen_ = std::max(max_seen_, other.max_seen_);
}

std::chrono::milliseconds LatencyRecorder::Percentile(double q) const {
  if (count_ == 0) return std::chrono::milliseconds(0);
  auto rank = static_cast<uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(count_)));
  rank = std::max<uint64_t>(rank, 1);
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::chrono::milliseconds(static_cast<int64_t>(std::min(i, buckets_.size() - 2)));
  }
  return max_seen_;
}

}  // namespace orbitlake::metrics
