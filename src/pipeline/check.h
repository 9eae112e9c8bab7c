// Table checks as written in pipeline files: `checks = ["user_id >= 0", "x is not null"]`.
//
// Grammar (whitespace is allowed around every token; keywords ignore case):
//   check    := column op literal | column 'is' ['not'] 'null'
//   column   := [A-Za-z_][A-Za-z0-9_]*
//   op       := '=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>='
//   literal  := a JSON number (-12, 3.5, 1e6; within a double's range) | 'text' | "text"
//             | true | false
// Strings take the escapes \\ \' \" \n \t. Comparing with null is refused (use
// `is null`): in SQL `x = null` is never true, a trap rather than a check.
// Whether the column exists and the literal fits its type is the pipeline file
// reader's job (pipeline_file.h); this parses the text only.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "pipeline/spec.h"

namespace orbitlake::pipeline {

// Parses one check. InvalidArgument names the text, the 1-based character and what was
// expected there; `error_offset` (when given) receives its 0-based offset on failure.
// CheckSpec::text is `text` as given; literal_json is canonical JSON (strings quoted
// and escaped, numbers as written).
Result<CheckSpec> ParseCheck(std::string_view text, size_t* error_offset = nullptr);

// "=", "!=", "<", "<=", ">", ">=", "is null", "is not null".
std::string_view CheckOpName(CheckSpec::Op op);

}  // namespace orbitlake::pipeline
