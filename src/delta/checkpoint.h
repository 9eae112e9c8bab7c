// Checkpoints: the reconciled state at a version as one Parquet file
// (`_delta_log/<v>.checkpoint.parquet`, one action per row in nullable struct columns
// txn, add, remove, metaData, protocol), then `_last_checkpoint`.
//
// Crash guarantees: the checkpoint file becomes visible whole or not at all (storage
// contract), and `_last_checkpoint` is written only after it, so a crash at any point
// leaves the table readable: readers never trust `_last_checkpoint` without the file,
// and fall back to older checkpoints or to the commits when a checkpoint is unreadable.
// A checkpoint never changes the table's content, so failing to write one is harmless.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/status.h"
#include "delta/actions.h"
#include "delta/last_checkpoint.h"
#include "delta/log_files.h"
#include "delta/log_replay.h"
#include "storage/storage.h"

namespace orbitlake::delta {

// Writes the checkpoint of `state` (at state.version()) and then `_last_checkpoint`.
// Remove tombstones older than `tombstone_cutoff_ms` are left out.
Status WriteCheckpoint(storage::Storage& storage, const TableState& state, int64_t tombstone_cutoff_ms);

// Reads the actions of a checkpoint made of `files` (one, or all parts of a multi-part one).
Result<std::vector<Action>> ReadCheckpoint(storage::Storage& storage, const std::vector<std::string>& files);

// The `_last_checkpoint` hint, or nullopt when missing, unreadable or malformed (see
// ParseLastCheckpoint): it is only a hint, readers then list the whole log.
std::optional<LastCheckpoint> ReadLastCheckpoint(storage::Storage& storage);

}  // namespace orbitlake::delta
