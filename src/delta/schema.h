// Table schemas: Arrow schema <-> Delta's schemaString (Spark's StructType JSON).
//
// Arrow -> Delta: int8/16/32/64 -> byte/short/integer/long, float/double, bool, utf8 ->
// string, binary, date32 -> date, timestamp with a time zone -> timestamp (stored as
// microseconds UTC), timestamp without a time zone -> timestamp_ntz (a table holding one
// needs the timestampNtz feature, protocol 3/7, which Table sets), decimal128(p,s),
// struct, list, map. Field metadata is not carried over.
//
// Delta -> Arrow: the reverse, with timestamp -> timestamp(us, "UTC") and
// timestamp_ntz -> timestamp(us).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace arrow {
class DataType;
class Schema;
}  // namespace arrow

namespace orbitlake::delta {

Result<std::string> ToSchemaString(const arrow::Schema& schema);
Result<std::shared_ptr<arrow::Schema>> FromSchemaString(std::string_view schema_string);

// A type as Spark's simpleString names it: long, integer, string, timestamp,
// timestamp_ntz, decimal(10,2), array<string>, struct<lat:double,lon:double>,
// map<string,long>. Types without a Delta equivalent keep Arrow's name.
std::string DeltaTypeName(const arrow::DataType& type);

// The first difference between the schema a table has (`found`) and the one a writer
// expects, as one line naming the column, for example
//   column 'temp_c' is string in the table, expected double
//   column 'temp_c' (double) is missing from the table
//   the table has an extra column 'note' (string)
//   column 'seq' is nullable in the table, expected not null
//   column 'pos' is struct<lat:double> in the table, expected struct<lat:double> (nested
//   nullability differs)
//   columns are in another order: the table has a, b; expected b, a
// Columns are compared by name, in `expected`'s order, then extra columns, then order.
// nullopt when both have the same columns, types, nullability and order. Compare Delta
// round-tripped schemas (FromSchemaString(ToSchemaString(x))) so that Arrow flavours
// Delta cannot tell apart (large_string vs string) do not count.
std::optional<std::string> FirstSchemaDifference(const arrow::Schema& found, const arrow::Schema& expected);

}  // namespace orbitlake::delta
