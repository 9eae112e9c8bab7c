// Durations as users type them on command lines and in config files.
#pragma once

#include <chrono>
#include <string_view>

#include "common/status.h"

namespace orbitlake {

// "250ms", "1.5s", "20us", "100ns", "10m" (minutes), "1h", "7d". InvalidArgument for
// anything else (a unit is required, so "5" is never silently seconds or milliseconds)
// and for more than `max` (default a day: longer batch intervals or timeouts are typos;
// retention periods and dedup windows pass a larger one).
Result<std::chrono::nanoseconds> ParseDuration(std::string_view text,
                                               std::chrono::nanoseconds max = std::chrono::hours(24));

}  // namespace orbitlake
