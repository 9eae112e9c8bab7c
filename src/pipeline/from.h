// The `from` of a column and the `field` of a route, as written in pipeline files.
//
//   $.a.b            a JSON path: object members from the message's root. A member
//                    name with '.', '[', quotes or spaces is written $['a.b'] or $["a b"].
//                    Array elements are not addressed (declare an array column).
//   kafka.topic | kafka.partition | kafka.offset | kafka.timestamp | kafka.key
//   kafka.header.NAME    the value of header NAME (the rest of the text, any characters)
//   ingest_time          when the ingester read the message
//   NAME                 another column of the same table ([A-Za-z_][A-Za-z0-9_]*)
// Constants are not `from` texts: the file reader takes them from a column's `value`.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "pipeline/spec.h"

namespace orbitlake::pipeline {

// Parses a JSON path `$.a['b.c']` into its member names. InvalidArgument names the text,
// the 1-based character and what was expected there; `error_offset` receives the
// 0-based offset on failure.
Result<std::vector<std::string>> ParseJsonPath(std::string_view text, size_t* error_offset = nullptr);

// A route's `field`: a JSON path with or without its leading `$.` ("event_type",
// "page.kind", "$.page.kind", "$['a.b']").
Result<std::vector<std::string>> ParseFieldPath(std::string_view text, size_t* error_offset = nullptr);

// Parses a `from` text. A bare name becomes FromColumn: whether such a column exists
// (and may feed this one) is for the caller to check. Never returns FromConstant.
Result<From> ParseFrom(std::string_view text, size_t* error_offset = nullptr);

// The text ParseFrom reads back into `from` ($.a.b, kafka.header.x, ingest_time, a
// column name); FromConstant prints as `value <json>`, FromExpr as `expr <text>`.
std::string ToString(const From& from);
// "$.a['b.c']": the path's canonical text.
std::string JsonPathToString(const std::vector<std::string>& segments);

}  // namespace orbitlake::pipeline
