#include "producer/pacing.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

namespace orbitlake::producer {


Result<SleepRange> ParseSleepRange(std::string_view text) {
  size_t dots = text.find("..");
  SleepRange r;
  if (dots == std::string_view::npos) {
    ORBIT_ASSIGN_OR_RETURN(r.min, ParseDuration(text));
    r.max = r.min;
    return r;
  }
  ORBIT_ASSIGN_OR_RETURN(r.min, ParseDuration(text.substr(0, dots)));
  ORBIT_ASSIGN_OR_RETURN(r.max, ParseDuration(text.substr(dots + 2)));
  if (r.min > r.max) {
    return Status::InvalidArgument("sleep range '" + std::string(text) + "': the minimum is above the maximum");
  }
  return r;
}

bool SleepUntil(Clock& clock, std::chrono::steady_clock::time_point deadline, const std::function<bool()>& stop,
                std::chrono::nanoseconds slice) {
  for (;;) {
    if (stop && stop()) return false;
    auto now = clock.Now();
    if (now >= deadline) return true;
    clock.SleepFor(std::min<std::chrono::nanoseconds>(deadline - now, slice));
  }
}

RateLimiter::RateLimiter(double events_per_second, Clock& clock, std::chrono::nanoseconds catch_up)
    : clock_(clock),
      interval_(static_cast<int64_t>(std::llround(1e9 / events_per_second))),
      catch_up_(catch_up) {}

bool RateLimiter::Acquire(const std::function<bool()>& stop) {
  std::chrono::steady_clock::time_point slot;
  const auto now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    slot = next_.has_value() ? std::max(*next_, now - catch_up_) : now;
    next_ = slot + interval_;
  }
  if (slot <= now) return true;
  return SleepUntil(clock_, slot, stop);
}

Schedule::Schedule(size_t satellites, std::optional<SleepRange> pause, uint64_t seed, Clock& clock)
    : clock_(clock), pause_(pause), rng_(seed) {
  const auto now = clock_.Now();
  for (size_t i = 0; i < satellites; ++i) heap_.push({now, turns_++, i});
}

std::pair<size_t, std::chrono::steady_clock::time_point> Schedule::Next() const {
  return {heap_.top().satellite, heap_.top().due};
}

std::chrono::nanoseconds Schedule::Pause() {
  if (!pause_.has_value() || pause_->max.count() == 0) return std::chrono::nanoseconds(0);
  std::uniform_int_distribution<int64_t> d(pause_->min.count(), pause_->max.count());
  return std::chrono::nanoseconds(d(rng_));
}

void Schedule::Sent() {
  Entry e = heap_.top();
  heap_.pop();
  // Without pauses every satellite stays due; only the turn moves (and the clock, which
  // is not free on every machine, is not read per event).
  if (pause_.has_value()) e.due = std::max(e.due, clock_.Now()) + Pause();
  e.turn = turns_++;
  heap_.push(e);
}

void Schedule::Finished() { heap_.pop(); }

}  // namespace orbitlake::producer
