// Records of a landed JSON file: its bytes -> one JSON document per record, each with
// the line it starts on, for a file source (file_ingester.h).
//
// Layouts, decided by the first byte that is not whitespace:
//   - '[': one JSON array holding the records (a "whole-file JSON array"); elements are
//     found by a bracket- and string-aware scan, so nested arrays, objects and brackets
//     inside strings are fine. Element text is handed over as is: the decoder parses it
//     and rejects a malformed one with its line.
//   - anything else: JSON Lines, one record per line that is not blank ('\n' or "\r\n").
// Neither layout loses text: whatever does not form an element (an unterminated array,
// text after the closing ']') becomes a record of its own that the decoder rejects, so
// it reaches the quarantine with its line instead of vanishing.
//
// Compression: a name ending ".gz" is gunzipped first (concatenated members allowed).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace orbitlake::files {

struct Record {
  std::string_view json;  // points into the text given to SplitRecords
  int64_t line = 0;       // 1-based line of the record's first byte
};

// The file's text: `data` itself, or gunzipped when `name` ends ".gz". InvalidArgument
// naming the file for a corrupt or truncated gzip stream; InvalidArgument too when it
// would decompress to more than `max_bytes`.
Result<std::string> DecodeFileBytes(std::string_view name, std::string data, int64_t max_bytes);

// Appends the records of `text` to `out` (see the file comment for the layouts).
void SplitRecords(std::string_view text, std::vector<Record>* out);

}  // namespace orbitlake::files
