// Partition values: Arrow value <-> the string Delta stores in partitionValues, and the
// Hive-style folder a data file goes in. Pure functions.
//
// Every primitive Delta type can be a partition column. The stored strings follow
// PROTOCOL.md "Partition Value Serialization" and what Spark 3.5 / delta-spark 3.3 and
// delta-rs 1.x write (tests/python/test_delta_read_types.py checks both):
//
//   type            written by orbitlake                 also read
//   string          the raw value ("" is written null)
//   byte..long      decimal integer                      (range-checked per type)
//   boolean         true / false                         any letter case
//   date            YYYY-MM-DD
//   timestamp       YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC)    "YYYY-MM-DD HH:MM:SS[.f{1,6}]" (taken
//                                                        as UTC, as delta-rs writes it), T or Z
//   timestamp_ntz   YYYY-MM-DD HH:MM:SS.ffffff           T instead of the space
//   decimal(p,s)    the exact value at scale s ("12.30") any scale that rescales exactly, exponents
//   float, double   shortest text that parses back to    Spark's 1.0E20, Infinity, -Infinity, NaN;
//                   the same value; NaN, Infinity,       delta-rs' inf, -inf
//                   -Infinity
//   binary          the bytes as the string (UTF-8 only) the string's UTF-8 bytes
//
// A null value is null in partitionValues (the folder is __HIVE_DEFAULT_PARTITION__,
// which is only a path and never parsed). An empty stored string reads as null for
// every type, as in Spark and delta-rs (delta-rs writes "" for an empty string). Binary: the protocol's example shows "\u0001..." escapes;
// delta-rs writes those escapes as literal text and reads them back as that text, and
// Spark writes and reads the raw bytes as UTF-8, so both read the string's bytes, and
// so does orbitlake. Values that cannot be stored without loss (binary that is not
// UTF-8) are refused when writing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "delta/actions.h"

namespace arrow {
class Array;
class DataType;
}  // namespace arrow

namespace orbitlake::delta {

// OK when `type` can be a partition column (the types above: utf8, int8..int64, bool,
// date32, timestamp(us) with or without zone, decimal128, float32, float64, binary);
// Unsupported naming `column` otherwise.
Status CheckPartitionType(const std::string& column, const arrow::DataType& type);

// The stored partition value of row `i` (nullopt for null).
// REQUIRES: CheckPartitionType(array.type()) is OK.
// Errors: InvalidArgument for a binary value that is not valid UTF-8; Unsupported for a
// type CheckPartitionType refuses.
Result<std::optional<std::string>> FormatPartitionValue(const arrow::Array& array, int64_t i);

// An array of `length` copies of a stored partition value, typed as `type`.
// Errors: Corruption naming the value and type when `value` is not a valid value of
// `type` (out of range, more decimal places than fit, junk); Unsupported for a type
// CheckPartitionType refuses.
Result<std::shared_ptr<arrow::Array>> PartitionValueArray(const std::optional<std::string>& value,
                                                          const std::shared_ptr<arrow::DataType>& type,
                                                          int64_t length);

// "date=2026-01-01/sat=a%2Fb" (Hive escaping; null -> __HIVE_DEFAULT_PARTITION__).
std::string PartitionDir(const std::vector<std::string>& columns, const PartitionValues& values);

// Days since the epoch <-> YYYY-MM-DD (proleptic Gregorian, years 0000-9999; ParseDate
// wants exactly ten characters).
std::string FormatDate(int64_t days);
std::optional<int64_t> ParseDate(std::string_view s);

// Microseconds since the epoch <-> "YYYY-MM-DD HH:MM:SS.ffffff" (`separator` ' ' or
// 'T', `zone_suffix` "Z" or ""). ParseTimestampMicros accepts ' ' or 'T', 0 to 6
// fraction digits, and a trailing "Z" only when `allow_zone` is true.
std::string FormatTimestampMicros(int64_t micros, char separator, std::string_view zone_suffix);
std::optional<int64_t> ParseTimestampMicros(std::string_view s, bool allow_zone);

}  // namespace orbitlake::delta
