// Names of the files in `_delta_log/`, as pure functions (no I/O).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orbitlake::delta {

inline constexpr std::string_view kLogDir = "_delta_log";

std::string CommitPath(int64_t version);      // _delta_log/00000000000000000007.json
std::string CheckpointPath(int64_t version);  // _delta_log/00000000000000000010.checkpoint.parquet
std::string LastCheckpointPath();             // _delta_log/_last_checkpoint
// "_delta_log/00000000000000000007": sorts just before every file of that version, so
// listing "after" it starts at that version.
std::string VersionPrefix(int64_t version);

struct LogFile {
  enum class Kind { kCommit, kCheckpoint, kMultiPartCheckpoint, kV2Checkpoint };
  Kind kind = Kind::kCommit;
  int64_t version = 0;
  int part = 0;   // multi-part checkpoints: 1-based part number
  int parts = 0;  // multi-part checkpoints: number of parts
};

// Recognises commit and checkpoint file names (a bare name or a path ending in one).
// Everything else (.crc, _last_checkpoint, compacted logs, temp files) is nullopt.
std::optional<LogFile> ParseLogFileName(std::string_view path);

}  // namespace orbitlake::delta
