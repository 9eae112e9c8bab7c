// Durations as users type them on command lines and in config files.
#pragma once

#include <chrono>
#include <string_view>

#include "common/status.h"

namespace orbitlake {

// "250ms", "1.5s", "20us", "100ns". InvalidArgument for anything else (a unit is
// required, so "5" is never silently seconds or milliseconds) and for more than a day.
Result<std::chrono::nanoseconds> ParseDuration(std::string_view text);

}  // namespace orbitlake
