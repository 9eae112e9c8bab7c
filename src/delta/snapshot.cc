#include "delta/snapshot.h"

#include <algorithm>
#include <map>

#include <arrow/type.h>

#include "delta/checkpoint.h"
#include "delta/log_files.h"
#include "delta/partition.h"
#include "delta/protocol.h"
#include "delta/schema.h"

namespace orbitlake::delta {
namespace {

// What a listing of _delta_log says about the log.
struct LogListing {
  std::map<int64_t, std::string> commits;
  // Complete checkpoints by version: the file(s) to read.
  std::map<int64_t, std::vector<std::string>> checkpoints;
  std::map<std::string, int64_t> mtimes;
};

Result<LogListing> ListLog(storage::Storage& storage, std::optional<int64_t> from_version) {
  std::optional<std::string> start;
  if (from_version && *from_version > 0) start = VersionPrefix(*from_version);
  auto files = start ? storage.List(kLogDir, *start) : storage.List(kLogDir);
  if (!files.ok()) return files.status();
  LogListing out;
  std::map<std::pair<int64_t, int>, std::vector<std::string>> parts;  // (version, parts) -> paths
  for (const auto& f : *files) {
    auto lf = ParseLogFileName(f.path);
    if (!lf) continue;
    out.mtimes[f.path] = f.modification_time_ms;
    switch (lf->kind) {
      case LogFile::Kind::kCommit: out.commits[lf->version] = f.path; break;
      case LogFile::Kind::kCheckpoint: out.checkpoints[lf->version] = {f.path}; break;
      case LogFile::Kind::kMultiPartCheckpoint: parts[{lf->version, lf->parts}].push_back(f.path); break;
      case LogFile::Kind::kV2Checkpoint: break;  // only with the v2Checkpoint feature, refused on read
    }
  }
  for (auto& [key, paths] : parts) {
    if (static_cast<int>(paths.size()) == key.second && !out.checkpoints.count(key.first)) {
      out.checkpoints[key.first] = paths;  // listing order = part order
    }
  }
  return out;
}

// Replays commits (checkpoint_version, target] onto `state`.
Status ReplayCommits(storage::Storage& storage, const LogListing& listing, int64_t checkpoint_version,
                     int64_t target, TableState* state) {
  for (int64_t v = checkpoint_version + 1; v <= target; ++v) {
    if (!listing.commits.count(v)) {
      return Status::Corruption("Delta log of " + storage.Describe("") + " has a gap: commit " + std::to_string(v) +
                                " is missing before version " + std::to_string(target));
    }
    ORBIT_ASSIGN_OR_RETURN(auto actions, ReadCommit(storage, v));
    state->Apply(actions, v);
  }
  return Status::OK();
}

Result<TableState> Replay(storage::Storage& storage, const LogListing& listing, std::optional<int64_t> version) {
  if (listing.commits.empty() && listing.checkpoints.empty()) {
    return Status::NotFound("no Delta table at " + storage.Describe("") + " (no _delta_log commits)");
  }
  int64_t latest = listing.commits.empty() ? listing.checkpoints.rbegin()->first : listing.commits.rbegin()->first;
  if (!listing.checkpoints.empty()) latest = std::max(latest, listing.checkpoints.rbegin()->first);
  int64_t target = version.value_or(latest);
  if (target > latest || target < 0) {
    return Status::InvalidArgument("table " + storage.Describe("") + " has no version " + std::to_string(target) +
                                   " (latest " + std::to_string(latest) + ")");
  }
  // Time travel before the oldest checkpoint needs commit 0 and every commit after it;
  // once a log cleanup deleted them, that version cannot be rebuilt.
  const bool replayable_from_zero = listing.commits.count(0) > 0;
  if (version && !replayable_from_zero &&
      (listing.checkpoints.empty() || listing.checkpoints.begin()->first > target)) {
    const std::string oldest = listing.checkpoints.empty() ? std::string("none")
                                                           : std::to_string(listing.checkpoints.begin()->first);
    return Status::InvalidArgument("version " + std::to_string(target) + " of " + storage.Describe("") +
                                   " can no longer be read: the log before it was cleaned up after a checkpoint "
                                   "(oldest readable version: " + oldest + ")");
  }
  // Newest usable checkpoint first; an unreadable one is skipped (it may be torn by a
  // writer that died, or written by a peer in a layout we cannot read).
  Status last_error;
  for (auto it = listing.checkpoints.upper_bound(target); it != listing.checkpoints.begin();) {
    --it;
    auto actions = ReadCheckpoint(storage, it->second);
    if (!actions.ok()) {
      last_error = actions.status();
      continue;
    }
    TableState state;
    state.LoadCheckpoint(*actions, it->first);
    ORBIT_RETURN_IF_ERROR(ReplayCommits(storage, listing, it->first, target, &state));
    return state;
  }
  if (!listing.commits.count(0)) {
    Status st = Status::Corruption("Delta log of " + storage.Describe("") +
                                   " has no readable checkpoint and no commit 0 to replay from");
    return last_error.ok() ? st : st.WithContext(last_error.message());
  }
  TableState state;
  ORBIT_RETURN_IF_ERROR(ReplayCommits(storage, listing, -1, target, &state));
  return state;
}

}  // namespace

Result<Snapshot> Snapshot::FromState(TableState state) {
  if (!state.protocol()) return Status::Corruption("table has no protocol action");
  if (!state.metadata()) return Status::Corruption("table has no metaData action");
  ORBIT_RETURN_IF_ERROR(CheckReadSupported(*state.protocol(), *state.metadata()));
  if (state.metadata()->format_provider != "parquet") {
    return Status::Unsupported("table data format '" + state.metadata()->format_provider + "' is not parquet");
  }
  for (const auto& [path, add] : state.files()) {
    if (add.has_deletion_vector) {
      return Status::Unsupported("read: file " + path + " has a deletion vector (Delta feature 'deletionVectors')");
    }
  }
  ORBIT_ASSIGN_OR_RETURN(auto schema, FromSchemaString(state.metadata()->schema_string));
  return Snapshot(std::move(state), std::move(schema));
}

Status Snapshot::Apply(const std::vector<Action>& actions, int64_t version) {
  bool meta_changed = false;
  for (const auto& a : actions) {
    meta_changed |= std::holds_alternative<Metadata>(a) || std::holds_alternative<Protocol>(a);
    if (auto* add = std::get_if<AddFile>(&a); add && add->has_deletion_vector) {
      return Status::Unsupported("read: file " + add->path + " has a deletion vector (Delta feature 'deletionVectors')");
    }
  }
  state_.Apply(actions, version);
  if (meta_changed) {
    ORBIT_RETURN_IF_ERROR(CheckReadSupported(*state_.protocol(), *state_.metadata()));
    ORBIT_ASSIGN_OR_RETURN(schema_, FromSchemaString(state_.metadata()->schema_string));
  }
  return Status::OK();
}

std::optional<int64_t> Snapshot::NumRecords() const {
  int64_t total = 0;
  for (const auto& [_, add] : files()) {
    if (!add.stats) return std::nullopt;
    auto j = nlohmann::json::parse(*add.stats, nullptr, false);
    if (j.is_discarded() || !j.contains("numRecords") || !j["numRecords"].is_number_integer()) return std::nullopt;
    total += j["numRecords"].get<int64_t>();
  }
  return total;
}

Result<std::vector<Action>> ReadCommit(storage::Storage& storage, int64_t version) {
  const std::string path = CommitPath(version);
  ORBIT_ASSIGN_OR_RETURN(std::string text, storage.Read(path));
  return ParseCommit(text, storage.Describe(path));
}

Result<Snapshot> LoadSnapshot(storage::Storage& storage, std::optional<int64_t> version) {
  // The hint lets the listing start at the last checkpoint; if that view is not enough
  // (hint stale, checkpoint gone or unreadable, time travel before it), list it all.
  if (auto hint = ReadLastCheckpoint(storage); hint && (!version || *version >= hint->version)) {
    auto listing = ListLog(storage, hint->version);
    if (listing.ok() && listing->checkpoints.count(hint->version)) {
      auto state = Replay(storage, *listing, version);
      if (state.ok()) return Snapshot::FromState(std::move(*state));
      if (state.status().code() == StatusCode::kUnsupported) return state.status();
    }
  }
  ORBIT_ASSIGN_OR_RETURN(auto listing, ListLog(storage, std::nullopt));
  ORBIT_ASSIGN_OR_RETURN(auto state, Replay(storage, listing, version));
  return Snapshot::FromState(std::move(state));
}

Result<int64_t> VersionAsOf(storage::Storage& storage, int64_t timestamp_ms) {
  ORBIT_ASSIGN_OR_RETURN(auto listing, ListLog(storage, std::nullopt));
  if (listing.commits.empty()) {
    return Status::NotFound("no Delta table at " + storage.Describe("") + " (no _delta_log commits)");
  }
  std::optional<int64_t> found;
  std::optional<int64_t> previous_ms;
  for (const auto& [version, path] : listing.commits) {
    int64_t ts = listing.mtimes[path];
    if (previous_ms && ts <= *previous_ms) ts = *previous_ms + 1;  // Spark's monotonic commit times
    previous_ms = ts;
    if (ts > timestamp_ms) break;
    found = version;
  }
  if (!found) {
    const auto& [first_version, first_path] = *listing.commits.begin();
    const std::string which = first_version == 0 ? "the first commit"
                                                 : "the oldest commit still in the log (version " +
                                                       std::to_string(first_version) + ")";
    return Status::InvalidArgument("timestamp " + FormatTimestampMicros(timestamp_ms * 1000, 'T', "Z") + " is before " +
                                   which + " of " + storage.Describe("") + ", made at " +
                                   FormatTimestampMicros(listing.mtimes[first_path] * 1000, 'T', "Z"));
  }
  return *found;
}

Result<std::optional<int64_t>> LatestCheckpointVersion(storage::Storage& storage, int64_t at_most) {
  ORBIT_ASSIGN_OR_RETURN(auto listing, ListLog(storage, std::nullopt));
  auto it = listing.checkpoints.upper_bound(at_most);
  if (it == listing.checkpoints.begin()) return std::optional<int64_t>();
  return std::optional<int64_t>(std::prev(it)->first);
}

Result<std::vector<HistoryEntry>> History(storage::Storage& storage, std::optional<int64_t> limit) {
  ORBIT_ASSIGN_OR_RETURN(auto listing, ListLog(storage, std::nullopt));
  std::vector<HistoryEntry> out;
  for (auto it = listing.commits.rbegin(); it != listing.commits.rend(); ++it) {
    if (limit && static_cast<int64_t>(out.size()) >= *limit) break;
    ORBIT_ASSIGN_OR_RETURN(auto actions, ReadCommit(storage, it->first));
    HistoryEntry e;
    e.version = it->first;
    e.timestamp_ms = listing.mtimes[it->second];
    for (const auto& a : actions) {
      if (auto* ci = std::get_if<CommitInfo>(&a)) {
        e.commit_info = ci->json;
        if (auto ts = ci->json.find("timestamp"); ts != ci->json.end() && ts->is_number_integer()) {
          e.timestamp_ms = ts->get<int64_t>();
        }
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<AddedFile>> FilesAddedAfter(storage::Storage& storage, int64_t after_version,
                                               int64_t until_version) {
  std::vector<AddedFile> out;
  for (int64_t v = after_version + 1; v <= until_version; ++v) {
    auto actions = ReadCommit(storage, v);
    if (!actions.ok()) {
      return actions.status().WithContext("files added after version " + std::to_string(after_version) +
                                          " (commit " + std::to_string(v) + " is needed)");
    }
    // Only appends: a commit that also removes data (DELETE, UPDATE, MERGE, overwrite)
    // re-adds rows the reader has already seen.
    const bool removes_data = std::any_of(actions->begin(), actions->end(), [](const Action& a) {
      const auto* rm = std::get_if<RemoveFile>(&a);
      return rm && rm->data_change;
    });
    if (removes_data) continue;
    for (auto& a : *actions) {
      if (auto* add = std::get_if<AddFile>(&a); add && add->data_change) out.push_back({v, std::move(*add)});
    }
  }
  return out;
}

}  // namespace orbitlake::delta
