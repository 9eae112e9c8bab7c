#include "producer/pacing.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

namespace orbitlake::producer {

Result<std::chrono::nanoseconds> ParseDuration(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("'" + std::string(text) + "' is not a duration (examples: 5ms, 1.5s, 200us, 100ns)");
  };
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || !std::isfinite(value) || value < 0) return bad();
  std::string_view unit(ptr, static_cast<size_t>(text.data() + text.size() - ptr));
  double ns_per_unit = 0;
  if (unit == "ns") {
    ns_per_unit = 1;
  } else if (unit == "us") {
    ns_per_unit = 1e3;
  } else if (unit == "ms") {
    ns_per_unit = 1e6;
  } else if (unit == "s") {
    ns_per_unit = 1e9;
  } else {
    return bad();
  }
  constexpr double kMaxNs = 86'400e9;  // a day: anything longer is a typo
  const double ns = value * ns_per_unit;
  if (ns > kMaxNs) return Status::InvalidArgument("duration '" + std::string(text) + "' is longer than a day");
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(ns)));
}

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
