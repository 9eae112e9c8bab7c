#include "common/duration.h"

#include <charconv>
#include <cmath>
#include <string>

namespace orbitlake {

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

}  // namespace orbitlake
