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

void BatchPolicy::OnRows(int64_t rows, int64_t encoded_bytes) {
  if (rows > 0 && !started_) started_ = clock_.Now();
  rows_ += rows;
  bytes_ = encoded_bytes;
}

CloseReason BatchPolicy::ShouldClose() const {
  if (rows_ == 0) return CloseReason::kNone;
  if (rows_ >= options_.max_rows) return CloseReason::kRows;
  if (bytes_ >= options_.max_bytes) return CloseReason::kBytes;
  if (clock_.Now() - *started_ >= options_.interval) return CloseReason::kInterval;
  return CloseReason::kNone;
}

std::chrono::milliseconds BatchPolicy::DeadlineIn(std::chrono::milliseconds cap) const {
  if (!started_) return cap;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*started_ + options_.interval - clock_.Now());
  return std::clamp(left, std::chrono::milliseconds(0), cap);
}

void BatchPolicy::Reset() {
  rows_ = 0;
  bytes_ = 0;
  started_.reset();
}

}  // namespace orbitlake::ingest
