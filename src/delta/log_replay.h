// Log replay: the reconciled state of a table after applying actions in version order
// (PROTOCOL.md "Action Reconciliation"). Pure: no I/O, the loader feeds it.
//
// Thread safety: none; a TableState is a value owned by one snapshot.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "delta/actions.h"

namespace orbitlake::delta {

class TableState {
 public:
  // Applies the actions of `version`, which must follow the current one. commitInfo is
  // not part of the state (history reads it from the commit files).
  void Apply(const std::vector<Action>& actions, int64_t version);
  // Starts the state from a checkpoint at `version`.
  void LoadCheckpoint(const std::vector<Action>& actions, int64_t version);

  int64_t version() const { return version_; }
  const std::optional<Protocol>& protocol() const { return protocol_; }
  const std::optional<Metadata>& metadata() const { return metadata_; }
  // Live files by path (as written in the log).
  const std::map<std::string, AddFile>& files() const { return files_; }
  const std::map<std::string, RemoveFile>& tombstones() const { return tombstones_; }
  const std::map<std::string, Txn>& txns() const { return txns_; }
  std::optional<int64_t> TxnVersion(const std::string& app_id) const;

  // Everything a checkpoint holds: protocol, metaData, txn, add, and the remove
  // tombstones deleted at or after `tombstone_cutoff_ms` (older ones have expired:
  // delta.deletedFileRetentionDuration).
  std::vector<Action> CheckpointActions(int64_t tombstone_cutoff_ms) const;

 private:
  void ApplyOne(const Action& action);

  int64_t version_ = -1;
  std::optional<Protocol> protocol_;
  std::optional<Metadata> metadata_;
  std::map<std::string, AddFile> files_;
  std::map<std::string, RemoveFile> tombstones_;
  std::map<std::string, Txn> txns_;
};

}  // namespace orbitlake::delta
