#include "maintenance/vacuum.h"

#include <cstdio>
#include <set>

#include <nlohmann/json.hpp>

#include "delta/log_files.h"
#include "delta/protocol.h"
#include "delta/table_config.h"

namespace orbitlake::maintenance {
namespace {

using nlohmann::json;

// Not table data: _delta_log, _change_data, .crc side files, hidden folders... except
// the Hive folder of a partition column whose name starts with '_' ("_shard=3").
bool IsHidden(const std::string& path, const std::vector<std::string>& partition_columns) {
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    const bool is_file = end == std::string::npos;
    if (is_file) end = path.size();
    std::string_view part(path.data() + start, end - start);
    if (!part.empty() && (part[0] == '_' || part[0] == '.')) {
      bool partition_dir = false;
      if (!is_file) {
        for (const auto& c : partition_columns) {
          if (part.size() > c.size() && part.substr(0, c.size()) == c && part[c.size()] == '=') partition_dir = true;
        }
      }
      if (!partition_dir) return true;
    }
    start = end + 1;
  }
  return false;
}

std::string Days(std::chrono::milliseconds d) {
  const double hours = static_cast<double>(d.count()) / 3'600'000.0;
  char buf[64];
  if (hours >= 48) {
    std::snprintf(buf, sizeof buf, "%.4g days", hours / 24);
  } else {
    std::snprintf(buf, sizeof buf, "%.4g hours", hours);
  }
  return buf;
}

}  // namespace

Result<VacuumResult> Vacuum(delta::Table& table, const VacuumOptions& options) {
  Clock& clock = options.clock ? *options.clock : SystemClock();
  const delta::Snapshot& snap = table.snapshot();
  const std::string where = table.storage().Describe("");
  ORBIT_RETURN_IF_ERROR(delta::CheckWriteSupported(snap.protocol(), snap.metadata()).WithContext("vacuum " + where));
  VacuumResult result;
  ORBIT_ASSIGN_OR_RETURN(result.table_retention, delta::DeletedFileRetention(snap.metadata()));
  result.retention = options.retention.value_or(result.table_retention);
  if (result.retention.count() < 0) return Status::InvalidArgument("vacuum: the retention must not be negative");
  if (result.retention < result.table_retention && !options.force) {
    return Status::InvalidArgument(
        "vacuum: a retention of " + Days(result.retention) + " is shorter than the table's " +
        Days(result.table_retention) +
        " (delta.deletedFileRetentionDuration): readers of versions older than that, and readers holding an "
        "older snapshot now, would fail on deleted files. Pass --force to vacuum anyway");
  }
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock.WallNow()).count();
  const int64_t cutoff_ms = now_ms - result.retention.count();

  // Everything a retained version can still reference, as storage paths (the log's are
  // percent-encoded; absolute URIs of other locations never match a listing).
  std::set<std::string> keep;
  for (const auto& [path, add] : snap.files()) keep.insert(delta::DecodePath(path));
  for (const auto& [path, rm] : snap.state().tombstones()) {
    if (!rm.deletion_timestamp || *rm.deletion_timestamp > cutoff_ms) keep.insert(delta::DecodePath(path));
  }

  storage::Storage& storage = table.storage();
  ORBIT_ASSIGN_OR_RETURN(auto files, storage.ListRecursive(""));
  for (auto& f : files) {
    if (IsHidden(f.path, snap.partition_columns())) continue;
    ++result.listed_files;
    if (keep.count(f.path) || f.modification_time_ms >= cutoff_ms) continue;
    result.candidate_bytes += f.size;
    result.candidates.push_back(std::move(f));
  }
  if (options.dry_run || result.candidates.empty()) return result;

  const delta::StringMap start_params{{"retentionCheckEnabled", options.force ? "false" : "true"},
                                      {"defaultRetentionMillis", std::to_string(result.table_retention.count())},
                                      {"specifiedRetentionMillis", std::to_string(result.retention.count())}};
  const json start_metrics{{"numFilesToDelete", result.candidates.size()},
                           {"sizeOfDataToDelete", result.candidate_bytes}};
  ORBIT_ASSIGN_OR_RETURN(auto started, table.CommitOperation({}, "VACUUM START", start_params, start_metrics));
  if (auto* c = std::get_if<delta::Conflict>(&started)) {
    return Status::Conflict("vacuum: could not commit VACUUM START: " + c->reason + "; nothing was deleted");
  }
  result.start_version = std::get<delta::Committed>(started).version;

  VacuumProgress progress;
  progress.total = static_cast<int64_t>(result.candidates.size());
  Status failed;
  bool cancelled = false;
  for (const auto& f : result.candidates) {
    if (options.cancelled && options.cancelled()) {
      cancelled = true;
      break;
    }
    Status st = storage.Delete(f.path);
    if (st.ok()) {
      ++result.deleted;
      result.bytes_deleted += f.size;
    } else if (st.code() != StatusCode::kNotFound) {  // gone already: another vacuum got it
      if (failed.ok()) failed = st.WithContext("vacuum: deleting " + f.path);
      continue;
    }
    progress.deleted = result.deleted;
    progress.bytes_deleted = result.bytes_deleted;
    if (options.on_progress) options.on_progress(progress);
  }

  const delta::StringMap end_params{{"status", !failed.ok() ? "FAILED" : cancelled ? "CANCELLED" : "COMPLETED"}};
  const json end_metrics{{"numDeletedFiles", result.deleted}, {"numVacuumedDirectories", 0}};
  ORBIT_ASSIGN_OR_RETURN(auto ended, table.CommitOperation({}, "VACUUM END", end_params, end_metrics));
  if (auto* c = std::get_if<delta::Committed>(&ended)) result.end_version = c->version;
  ORBIT_RETURN_IF_ERROR(failed);
  if (cancelled) {
    return Status::Cancelled("vacuum: interrupted after deleting " + std::to_string(result.deleted) + " of " +
                             std::to_string(result.candidates.size()) + " files; run it again to finish");
  }
  return result;
}

}  // namespace orbitlake::maintenance
