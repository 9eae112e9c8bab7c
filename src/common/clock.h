// Injectable time source, so pacing, batching deadlines and timeouts can be tested
// without sleeping. Production code takes a Clock& (default: SystemClock()).
//
// Thread safety: implementations must be safe to call from several threads.
#pragma once

#include <chrono>
#include <cstdint>

namespace orbitlake {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time, for deadlines and intervals.
  virtual std::chrono::steady_clock::time_point Now() = 0;
  // Wall-clock time since the Unix epoch, for timestamps stored in data.
  virtual std::chrono::nanoseconds WallNow() = 0;
  // Blocks for `d` (a fake clock advances instead).
  virtual void SleepFor(std::chrono::nanoseconds d) = 0;
};

// The process-wide real clock.
Clock& SystemClock();

// A clock that only moves when told to: SleepFor advances it. For tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::chrono::nanoseconds wall_start = std::chrono::seconds(1'700'000'000))
      : wall_(wall_start) {}
  std::chrono::steady_clock::time_point Now() override { return std::chrono::steady_clock::time_point(mono_); }
  std::chrono::nanoseconds WallNow() override { return wall_ + mono_; }
  void SleepFor(std::chrono::nanoseconds d) override { Advance(d); }
  void Advance(std::chrono::nanoseconds d) { if (d.count() > 0) mono_ += d; }
  std::chrono::nanoseconds slept() const { return mono_; }

 private:
  std::chrono::nanoseconds wall_;
  std::chrono::nanoseconds mono_{0};
};

}  // namespace orbitlake
