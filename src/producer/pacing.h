// Pacing for the producer: a random pause between one satellite's events (simulated live
// data), a cap on total events per second, and the schedule that interleaves several
// satellites on one thread. All time comes from an injected Clock, so the logic is
// tested without sleeping (ManualClock).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <queue>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"
#include "common/status.h"

namespace orbitlake::producer {

// Pause between two events of one satellite, drawn uniformly from [min, max].
struct SleepRange {
  std::chrono::nanoseconds min{0};
  std::chrono::nanoseconds max{0};
  bool operator==(const SleepRange&) const = default;
};

// "5ms..50ms", or one duration for a fixed pause. InvalidArgument when min > max.
Result<SleepRange> ParseSleepRange(std::string_view text);

// Sleeps on `clock` until `deadline` in slices of at most `slice`, so a stop request is
// noticed promptly. Returns false when `stop` said so before the deadline.
bool SleepUntil(Clock& clock, std::chrono::steady_clock::time_point deadline, const std::function<bool()>& stop,
                std::chrono::nanoseconds slice = std::chrono::milliseconds(100));

// Caps the total event rate across threads: each Acquire() reserves the next slot
// (start + n / rate) and sleeps until it. A thread that falls behind (slow I/O, an
// oversleep) may catch up by at most `catch_up` worth of events, so the long-run rate
// holds without bursting after a pause.
//
// Thread safety: Acquire() may be called from several threads (the slot is reserved
// under a lock; the sleep happens outside it).
class RateLimiter {
 public:
  RateLimiter(double events_per_second, Clock& clock,
              std::chrono::nanoseconds catch_up = std::chrono::milliseconds(50));
  // Returns false when `stop` interrupted the wait (the slot is then lost: harmless).
  bool Acquire(const std::function<bool()>& stop = {});

 private:
  Clock& clock_;
  const std::chrono::nanoseconds interval_;
  const std::chrono::nanoseconds catch_up_;
  std::mutex mu_;
  std::optional<std::chrono::steady_clock::time_point> next_;  // GUARDED_BY(mu_)
};

// Interleaves the satellites handled by one thread. Each satellite has its own timeline:
// after an event it is due again after a random pause (or at once without a range).
// Next() returns the satellite due first; ties go round-robin, so without pauses the
// satellites take turns.
//
// Thread safety: none; one Schedule per producer thread.
class Schedule {
 public:
  Schedule(size_t satellites, std::optional<SleepRange> pause, uint64_t seed, Clock& clock);
  bool empty() const { return heap_.empty(); }
  // The satellite whose event is due first, and when. REQUIRES: !empty().
  std::pair<size_t, std::chrono::steady_clock::time_point> Next() const;
  // The satellite returned by Next() sent an event: schedule its next one.
  void Sent();
  // The satellite returned by Next() has nothing more to send.
  void Finished();

 private:
  struct Entry {
    std::chrono::steady_clock::time_point due;
    uint64_t turn;  // tie-break: earlier turns first
    size_t satellite;
    bool operator>(const Entry& o) const { return due != o.due ? due > o.due : turn > o.turn; }
  };
  std::chrono::nanoseconds Pause();

  Clock& clock_;
  std::optional<SleepRange> pause_;
  std::mt19937_64 rng_;
  uint64_t turns_ = 0;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap_;
};

}  // namespace orbitlake::producer
