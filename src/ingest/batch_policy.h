// When a micro-batch closes.
//
// A batch closes when the first of these holds:
//   - its earliest row deadline has passed. A row's deadline is `interval` after its
//     event time, so a row that spent time before it reached the ingester (producer
//     queueing, fetch, the poll round it waited in) still commits `interval` after it
//     happened, not `interval` after it arrived (bench/RESULTS.md, "Latency tail").
//     Two exceptions, both counted from the row's arrival instead:
//       * its event time is unknown, in the future (a producer clock ahead of ours), or
//         already `interval` or more in the past when it arrives (a backlog: the bound
//         cannot be met any more, and catching up must still make full batches, not one
//         commit per poll round): deadline = arrival + `interval`;
//       * a row that arrives with little of its interval left still keeps the batch
//         open `interval / kMinOpenDivisor` after its arrival, so an ingester that lags
//         by nearly the interval makes at most kMinOpenDivisor commits per interval,
//         not one per poll round.
//     The deadline is checked by the consume loop on every poll (polls are bounded by
//     DeadlineIn()), so a quiet topic still flushes what it holds — not only when the
//     next message arrives.
//   - it holds `max_rows` rows;
//   - its encoded size reaches `max_bytes`, measured in real Parquet bytes (compressed),
//     not in uncompressed message bytes.
// An empty batch never closes (there is nothing to commit).
//
// Event times come from the producer's wall clock, arrival times from this process's: a
// skew between the two shortens batches (producer behind, by less than `interval`) or
// falls back to the arrival rule (ahead, or behind by more), never lengthens them.
//
// Thread safety: none; owned by the consume loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "common/clock.h"

namespace orbitlake::ingest {

struct BatchPolicyOptions {
  // Longest time a row waits, from its event time, before its batch is committed
  // (plus the commit itself; see the file comment for rows that arrive late). Default
  // 5 s (the seed's window). Shorter = fresher table and more, smaller commits.
  std::chrono::milliseconds interval{5000};
  // Rows per batch at most. Default 1,000,000 (about 30 MB of Parquet for satellite
  // events), which bounds memory at high rates.
  int64_t max_rows = 1'000'000;
  // Encoded (compressed Parquet) bytes per batch at most. Default 128 MB: the file size
  // Spark and delta-rs aim for, so fast topics do not produce many small files.
  int64_t max_bytes = 128LL << 20;
};

// A row arriving with less than interval / kMinOpenDivisor of its interval left keeps
// its batch open that long after arriving (see the file comment).
inline constexpr int kMinOpenDivisor = 10;

enum class CloseReason { kNone, kInterval, kRows, kBytes, kShutdown, kRebalance };
const char* CloseReasonName(CloseReason r);

class BatchPolicy {
 public:
  // When a poll round's messages arrived, read once per round: the consume loop adds
  // thousands of rows per round and reading the clocks per row costs measurable CPU.
  struct Arrival {
    std::chrono::steady_clock::time_point steady;
    std::chrono::nanoseconds wall{0};  // since the Unix epoch
  };

  explicit BatchPolicy(BatchPolicyOptions options, Clock& clock = SystemClock())
      : options_(options), clock_(clock) {}

  // Reads the policy's clock (both the monotonic and the wall one).
  Arrival ArrivedNow() const { return {clock_.Now(), clock_.WallNow()}; }

  // Rows were added that arrived at `arrived`, the oldest with event time `event_time`
  // (since the Unix epoch; 0 = unknown); they bring the deadline forward to theirs (see
  // the file comment). `encoded_bytes` is the open batch's size so far.
  void OnRows(int64_t rows, int64_t encoded_bytes, const Arrival& arrived, std::chrono::nanoseconds event_time);
  // Rows without an event time that arrived now: deadline = now + interval.
  void OnRows(int64_t rows, int64_t encoded_bytes) { OnRows(rows, encoded_bytes, ArrivedNow(), {}); }
  // Why the current batch should close now, or kNone.
  CloseReason ShouldClose() const;
  // How long the consume loop may block before the batch's deadline; `cap` when the
  // batch is empty.
  std::chrono::milliseconds DeadlineIn(std::chrono::milliseconds cap) const;
  // The batch was handed off; the next row starts a new deadline.
  void Reset();

  int64_t rows() const { return rows_; }
  const BatchPolicyOptions& options() const { return options_; }
  // The open batch's deadline (nullopt when it is empty), for tests and diagnostics.
  std::optional<std::chrono::steady_clock::time_point> deadline() const { return deadline_; }

 private:
  BatchPolicyOptions options_;
  Clock& clock_;
  int64_t rows_ = 0;
  int64_t bytes_ = 0;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
};

}  // namespace orbitlake::ingest
