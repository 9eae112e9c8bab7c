// Table schemas: Arrow schema <-> Delta's schemaString (Spark's StructType JSON).
//
// Arrow -> Delta: int8/16/32/64 -> byte/short/integer/long, float/double, bool, utf8 ->
// string, binary, date32 -> date, timestamp with a time zone -> timestamp (stored as
// microseconds UTC), decimal128(p,s), struct, list, map. Timestamps without a time zone
// would need the timestampNtz feature (protocol 3/7), which orbitlake does not write:
// they are refused with a message saying so. Field metadata is not carried over.
//
// Delta -> Arrow: the reverse, with timestamp -> timestamp(us, "UTC") and
// timestamp_ntz -> timestamp(us).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace arrow {
class Schema;
}

namespace orbitlake::delta {

Result<std::string> ToSchemaString(const arrow::Schema& schema);
Result<std::shared_ptr<arrow::Schema>> FromSchemaString(std::string_view schema_string);

}  // namespace orbitlake::delta
