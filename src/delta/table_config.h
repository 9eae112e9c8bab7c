// Table properties (metaData.configuration) that table maintenance reads, with the
// defaults Delta and delta-rs use. Pure functions.
//
// A property that is set but malformed is an error, not its default: VACUUM deciding
// what to delete from a retention it misread could delete files a reader still needs.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "delta/actions.h"

namespace orbitlake::delta {

// delta-rs' default target size of compacted files (OPTIMIZE), 100 MiB.
inline constexpr int64_t kDefaultTargetFileSize = int64_t{100} << 20;
// Delta's default delta.deletedFileRetentionDuration, 7 days.
inline constexpr std::chrono::milliseconds kDefaultDeletedFileRetention = std::chrono::hours(24 * 7);

// delta.targetFileSize: bytes as an integer (what delta-rs writes), or with Spark's
// binary suffixes ("128mb", "1g": k, m, g, t, with or without b, each 1024 times the
// last). Default kDefaultTargetFileSize. InvalidArgument naming the property when
// malformed or not positive.
Result<int64_t> TargetFileSize(const Metadata& metadata);

// delta.deletedFileRetentionDuration: how long removed files stay for readers of older
// versions (and VACUUM keeps them). Spark's interval syntax: "interval 7 days",
// "interval 1 weeks", "interval 1 day 12 hours", "168 hours" (units microsecond,
// millisecond, second, minute, hour, day, week, singular or plural; months and years
// are refused, as Delta does: their length varies). Default
// kDefaultDeletedFileRetention. InvalidArgument naming the property when malformed.
Result<std::chrono::milliseconds> DeletedFileRetention(const Metadata& metadata);

// The interval syntax above on its own.
Result<std::chrono::milliseconds> ParseCalendarInterval(std::string_view text);

}  // namespace orbitlake::delta
