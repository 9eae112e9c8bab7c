// When a micro-batch closes.
//
// A batch closes when the first of these holds:
//   - `interval` has passed since the batch's first row arrived. The deadline is checked
//     by the consume loop on every poll (polls are bounded by DeadlineIn()), so a quiet
//     topic still flushes what it holds — not only when the next message arrives.
//   - it holds `max_rows` rows;
//   - its encoded size reaches `max_bytes`, measured in real Parquet bytes (compressed),
//     not in uncompressed message bytes.
// An empty batch never closes (there is nothing to commit).
//
// Thread safety: none; owned by the consume loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "common/clock.h"

namespace orbitlake::ingest {

struct BatchPolicyOptions {
  // Longest time a row waits before its batch is committed. Default 5 s (the seed's
  // window). Shorter = fresher table and more, smaller commits.
  std::chrono::milliseconds interval{5000};
  // Rows per batch at most. Default 1,000,000 (about 30 MB of Parquet for satellite
  // events), which bounds memory at high rates.
  int64_t max_rows = 1'000'000;
  // Encoded (compressed Parquet) bytes per batch at most. Default 128 MB: the file size
  // Spark and delta-rs aim for, so fast topics do not produce many small files.
  int64_t max_bytes = 128LL << 20;
};

enum class CloseReason { kNone, kInterval, kRows, kBytes, kShutdown, kRebalance };
const char* CloseReasonName(CloseReason r);

class BatchPolicy {
 public:
  explicit BatchPolicy(BatchPolicyOptions options, Clock& clock = SystemClock())
      : options_(options), clock_(clock) {}

  // A row was added; the first one starts the interval.
  void OnRows(int64_t rows, int64_t encoded_bytes);
  // Why the current batch should close now, or kNone.
  CloseReason ShouldClose() const;
  // How long the consume loop may block before the interval deadline; `cap` when the
  // batch is empty.
  std::chrono::milliseconds DeadlineIn(std::chrono::milliseconds cap) const;
  // The batch was handed off; the next row starts a new interval.
  void Reset();

  int64_t rows() const { return rows_; }
  const BatchPolicyOptions& options() const { return options_; }

 private:
  BatchPolicyOptions options_;
  Clock& clock_;
  int64_t rows_ = 0;
  int64_t bytes_ = 0;
  std::optional<std::chrono::steady_clock::time_point> started_;
};

}  // namespace orbitlake::ingest
