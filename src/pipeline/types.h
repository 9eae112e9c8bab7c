// Delta column types as written in pipeline files: parse, print, and the Delta
// protocol's schema JSON.
//
// Grammar (whitespace is allowed around every token):
//   type    := string | long | integer | short | byte | double | float | boolean
//            | binary | date | timestamp | timestamp_ntz | decimal(P,S)
//            | array<type> | map<type,type> | struct<field[,field...]>
//   field   := name ':' type ['not' 'null']
//   name    := [A-Za-z_][A-Za-z0-9_]*   (unique within the struct, ignoring case)
// Type names are the Delta protocol's, lowercase, and nothing else: `int`, `bigint`,
// `bool`, `STRING`... are refused with a "did you mean integer?" hint (one spelling per
// type keeps files greppable and matches what `orbitlake describe` and Spark print).
// decimal needs 1 <= P <= 38 and 0 <= S <= P. Map keys must be primitive (JSON object
// keys are text). Array elements and map values are nullable; struct fields are
// nullable unless marked `not null`.
//
// Thread safety: pure functions; the returned types are immutable and shareable.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "pipeline/spec.h"

namespace orbitlake::pipeline {

// Parses `text` (grammar above). InvalidArgument otherwise, with a message naming the
// type string, the 1-based character where the problem is, and a hint when one is
// cheap ("did you mean integer?"). When `error_offset` is given, a failure also stores
// there the 0-based offset in `text` of that character (callers map it to a file column).
Result<std::shared_ptr<const DeltaType>> ParseDeltaType(std::string_view text, size_t* error_offset = nullptr);

// The canonical spelling: lowercase names, no spaces, `decimal(12,2)`,
// `struct<a:string,b:integer not null>`. ParseDeltaType(ToString(t)) equals t.
std::string ToString(const DeltaType& type);

// The type as the Delta protocol's schemaString writes it: "long", "decimal(12,2)", or
// a {"type":"struct"|"array"|"map",...} object (compact JSON text).
std::string ToSchemaJson(const DeltaType& type);

// The type as a primitive's name ("timestamp_ntz"), for kinds that are not nested.
std::string_view PrimitiveName(DeltaType::Kind kind);

// False for struct, array and map.
bool IsPrimitive(const DeltaType& type);
// long, integer, short, byte, double, float, decimal.
bool IsNumeric(const DeltaType& type);
// long, integer, short, byte.
bool IsIntegral(const DeltaType& type);

// Structural equality (kinds, precision/scale, field names, nullability, children).
bool SameType(const DeltaType& a, const DeltaType& b);

// A shared instance of a primitive type (kind is not decimal, struct, array or map).
std::shared_ptr<const DeltaType> Primitive(DeltaType::Kind kind);

// Whether a column of type `to` may take its value from another column of type `from`
// (`from = "other_column"`), the conversions a decoder must implement:
//   - the same type (a copy);
//   - date from timestamp (the UTC date) or from timestamp_ntz (its date);
//   - a wider integer from a narrower one (byte < short < integer < long);
//   - double from float.
bool CanDeriveColumn(const DeltaType& to, const DeltaType& from);

}  // namespace orbitlake::pipeline
