#include "ingest/batch_policy.h"

#include <algorithm>

namespace orbitlake::ingest {

const char* CloseReasonName(CloseReason r) {
  switch (r) {
    case CloseReason::kNone: return "none";
    case CloseReason::kInterval: return "interval";
    case CloseReason::kRows: return "rows";
    case CloseReason::kBytes: return "bytes";
    case CloseReason::kShutdown: return "shutdown";
    case CloseReason::kRebalance: return "rebalance";
  }
  return "?";
}

void BatchPolicy::OnRows(int64_t rows, int64_t encoded_bytes, const Arrival& arrived,
                         std::chrono::nanoseconds event_time) {
  bytes_ = encoded_bytes;
  if (rows <= 0) return;
  rows_ += rows;
  const std::chrono::nanoseconds interval = options_.interval;
  const std::chrono::nanoseconds age = arrived.wall - event_time;
  // Counted from the arrival: unknown or future event time, or already a backlog.
  auto due = arrived.steady + interval;
  if (event_time.count() > 0 && age.count() >= 0 && age < interval) {
    due = arrived.steady + std::max(interval - age, interval / kMinOpenDivisor);
  }
  const auto at = std::chrono::time_point_cast<std::chrono::steady_clock::duration>(due);
  if (!deadline_ || at < *deadline_) deadline_ = at;
}

CloseReason BatchPolicy::ShouldClose() const {
  if (rows_ == 0) return CloseReason::kNone;
  if (rows_ >= options_.max_rows) return CloseReason::kRows;
  if (bytes_ >= options_.max_bytes) return CloseReason::kBytes;
  if (clock_.Now() >= *deadline_) return CloseReason::kInterval;
  return CloseReason::kNone;
}

std::chrono::milliseconds BatchPolicy::DeadlineIn(std::chrono::milliseconds cap) const {
  if (!deadline_) return cap;
  // Rounded up: a poll that returns just before the deadline would only spin.
  auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline_ - clock_.Now());
  return std::clamp(left, std::chrono::milliseconds(0), cap);
}

void BatchPolicy::Reset() {
  rows_ = 0;
  bytes_ = 0;
  deadline_.reset();
}

}  // namespace orbitlake::ingest
