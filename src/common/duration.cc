#include "common/duration.h"

#include <charconv>
#include <cmath>
#include <string>

namespace orbitlake {
namespace {

// The largest whole unit that divides `d` ("1 day", "30 days", "90 minutes").
std::string FormatDuration(std::chrono::nanoseconds d) {
  struct Unit {
    int64_t ns;
    const char* name;
  };
  constexpr Unit kUnits[] = {{86'400'000'000'000, "day"}, {3'600'000'000'000, "hour"}, {60'000'000'000, "minute"},
                             {1'000'000'000, "second"},   {1'000'000, "millisecond"},   {1, "nanosecond"}};
  for (const Unit& u : kUnits) {
    if (d.count() % u.ns == 0) {
      const int64_t n = d.count() / u.ns;
      return std::to_string(n) + " " + u.name + (n == 1 ? "" : "s");
    }
  }
  return std::to_string(d.count()) + " ns";
}

}  // namespace

Result<std::chrono::nanoseconds> ParseDuration(std::string_view text, std::chrono::nanoseconds max) {
  auto bad = [&] {
    return Status::InvalidArgument("'" + std::string(text) + "' is not a duration (examples: 5ms, 1.5s, 200us, 10m, 1h, 7d)");
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
  } else if (unit == "m") {
    ns_per_unit = 60e9;
  } else if (unit == "h") {
    ns_per_unit = 3600e9;
  } else if (unit == "d") {
    ns_per_unit = 86'400e9;
  } else {
    return bad();
  }
  const double ns = value * ns_per_unit;
  if (ns > static_cast<double>(max.count())) {
    return Status::InvalidArgument("duration '" + std::string(text) + "' is longer than " + FormatDuration(max));
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(ns)));
}

}  // namespace orbitlake
