// Partition values: Arrow value <-> the string Delta stores in partitionValues, and the
// Hive-style folder a data file goes in. Pure functions.
//
// Supported partition column types: string, date, byte/short/integer/long, boolean.
// Strings are stored as is (an empty string is stored as null, like Spark), dates as
// YYYY-MM-DD, integers in decimal, booleans as true/false.
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

Status CheckPartitionType(const std::string& column, const arrow::DataType& type);

// The partition value of row `i` (nullopt for null).
std::optional<std::string> FormatPartitionValue(const arrow::Array& array, int64_t i);

// An array of `length` copies of a stored partition value, typed as `type`.
Result<std::shared_ptr<arrow::Array>> PartitionValueArray(const std::optional<std::string>& value,
                                                          const std::shared_ptr<arrow::DataType>& type,
                                                          int64_t length);

// "date=2026-01-01/sat=a%2Fb" (Hive escaping; null -> __HIVE_DEFAULT_PARTITION__).
std::string PartitionDir(const std::vector<std::string>& columns, const PartitionValues& values);

// Days since the epoch <-> YYYY-MM-DD (proleptic Gregorian).
std::string FormatDate(int64_t days);
std::optional<int64_t> ParseDate(std::string_view s);

}  // namespace orbitlake::delta
