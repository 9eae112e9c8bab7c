// The `_delta_log/_last_checkpoint` hint (PROTOCOL.md "Last Checkpoint File"): parsed
// and written as text, with no I/O, so that its parser can be tested and fuzzed alone.
//
// The file is only a hint (readers fall back to listing the log), but what it says must
// be well-formed: a negative version or part count would send the reader to file names
// that cannot exist, so the parser refuses them instead of passing them on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace orbitlake::delta {

struct LastCheckpoint {
  int64_t version = 0;  // >= 0
  int64_t size = 0;     // actions in the checkpoint, >= 0
  std::optional<int> parts;                 // multi-part checkpoints: >= 1
  std::optional<int64_t> size_in_bytes;     // of the checkpoint file(s), >= 0
  std::optional<int64_t> num_of_add_files;  // >= 0
  bool operator==(const LastCheckpoint&) const = default;
};

// Parses the file's text. Corruption naming `name` and the field when the text is not a
// JSON object, `version` is missing, or a known field is not an integer of its range.
// Unknown fields (checkpointSchema, checksum, ...) are ignored.
Result<LastCheckpoint> ParseLastCheckpoint(std::string_view text, std::string_view name);

// The file's text: one JSON object, optional fields only when set.
std::string SerializeLastCheckpoint(const LastCheckpoint& lc);

}  // namespace orbitlake::delta
