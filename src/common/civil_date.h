// Days since 1970-01-01 <-> proleptic Gregorian calendar dates (UTC), the one place
// orbitlake converts between them (Delta's date columns, partition values, JSON dates).
// Howard Hinnant's days_from_civil / civil_from_days: exact for every int64 day count a
// date32 or a microsecond timestamp can hold. Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

namespace orbitlake {

// Days since 1970-01-01 of year `y`, month `m` (1..12), day `d` (1..31). REQUIRES: a
// valid date (callers check the day against the month first).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);

// "YYYY-MM-DD" for `days` since 1970-01-01 (negative before it).
std::string FormatIsoDate(int64_t days);

}  // namespace orbitlake
