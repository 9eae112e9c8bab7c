// Byte sizes as users type them on command lines and in table properties.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace orbitlake {

// "104857600", "100MiB", "128MB", "1.5GiB", "512k", "64kb" (letter case ignored, no
// space). Units: b; k/kb = 1000 and kib = 1024, likewise m/mb, mib, g/gb, gib, t/tb,
// tib: plain k/m/g are decimal, as in HumanBytes(). A number without unit is bytes.
// InvalidArgument for anything else, for fractions of a byte, and for more than `max`
// (default 1 TiB).
Result<int64_t> ParseByteSize(std::string_view text, int64_t max = int64_t{1} << 40);

}  // namespace orbitlake
