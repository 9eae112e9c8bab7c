#include "delta/log_replay.h"

namespace orbitlake::delta {

void TableState::ApplyOne(const Action& action) {
  if (auto* p = std::get_if<Protocol>(&action)) {
    protocol_ = *p;
  } else if (auto* m = std::get_if<Metadata>(&action)) {
    metadata_ = *m;
  } else if (auto* a = std::get_if<AddFile>(&action)) {
    tombstones_.erase(a->path);
    files_[a->path] = *a;
  } else if (auto* r = std::get_if<RemoveFile>(&action)) {
    files_.erase(r->path);
    tombstones_[r->path] = *r;
  } else if (auto* t = std::get_if<Txn>(&action)) {
    txns_[t->app_id] = *t;
  }
}

void TableState::Apply(const std::vector<Action>& actions, int64_t version) {
  for (const auto& a : actions) ApplyOne(a);
  version_ = version;
}

void TableState::LoadCheckpoint(const std::vector<Action>& actions, int64_t version) {
  *this = TableState();
  Apply(actions, version);
}

std::optional<int64_t> TableState::TxnVersion(const std::string& app_id) const {
  auto it = txns_.find(app_id);
  if (it == txns_.end()) return std::nullopt;
  return it->second.version;
}

std::vector<Action> TableState::CheckpointActions(int64_t tombstone_cutoff_ms) const {
  std::vector<Action> out;
  out.reserve(2 + txns_.size() + files_.size() + tombstones_.size());
  if (protocol_) out.emplace_back(*protocol_);
  if (metadata_) out.emplace_back(*metadata_);
  for (const auto& [_, t] : txns_) out.emplace_back(t);
  for (const auto& [_, a] : files_) {
    AddFile copy = a;
    copy.data_change = false;  // checkpoints carry state, not changes
    out.emplace_back(std::move(copy));
  }
  for (const auto& [_, r] : tombstones_) {
    if (r.deletion_timestamp.value_or(0) < tombstone_cutoff_ms) continue;
    RemoveFile copy = r;
    copy.data_change = false;
    out.emplace_back(std::move(copy));
  }
  return out;
}

}  // namespace orbitlake::delta
