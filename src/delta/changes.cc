#include "delta/changes.h"

#include <array>

namespace orbitlake::delta {
namespace {

using nlohmann::json;

struct MetricAliases {
  const char* name;
  std::array<const char*, 4> aliases;  // Spark, delta-rs, and their MERGE forms; nullptr-padded
};

// The operation metrics history shows, first alias found wins.
constexpr MetricAliases kKeyMetrics[] = {
    {"deleted_rows", {"numDeletedRows", "num_deleted_rows", "numTargetRowsDeleted", "num_target_rows_deleted"}},
    {"updated_rows", {"numUpdatedRows", "num_updated_rows", "numTargetRowsUpdated", "num_target_rows_updated"}},
    {"inserted_rows", {"numTargetRowsInserted", "num_target_rows_inserted", nullptr, nullptr}},
    {"copied_rows", {"numCopiedRows", "num_copied_rows", "numTargetRowsCopied", "num_target_rows_copied"}},
    {"source_rows", {"numSourceRows", "num_source_rows", nullptr, nullptr}},
    {"partitions_optimized", {"partitionsOptimized", "partitions_optimized", nullptr, nullptr}},
    {"skipped_files", {"totalFilesSkipped", "total_files_skipped", nullptr, nullptr}},
    {"deleted_files", {"numDeletedFiles", "num_deleted_files", nullptr, nullptr}},
    {"files_to_delete", {"numFilesToDelete", "num_files_to_delete", nullptr, nullptr}},  // VACUUM START
    {"bytes_to_delete", {"sizeOfDataToDelete", "size_of_data_to_delete", nullptr, nullptr}},
};

// Rows written, when the adds have no statistics.
constexpr const char* kOutputRows[] = {"numOutputRows", "num_output_rows", "num_added_rows"};

// An integer metric: a JSON integer (delta-rs) or a string of digits (Spark).
std::optional<int64_t> MetricValue(const json& metrics, const char* key) {
  auto it = metrics.find(key);
  if (it == metrics.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_unsigned()) return static_cast<int64_t>(it->get<uint64_t>());
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return std::stoll(s);
  }
  return std::nullopt;
}

std::string Plural(int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::optional<int64_t> StatsNumRecords(const std::optional<std::string>& stats) {
  if (!stats) return std::nullopt;
  auto j = json::parse(*stats, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  auto it = j.find("numRecords");
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

void FileSizes::Add(const AddFile& add) {
  files_[DecodePath(add.path)] = {StatsNumRecords(add.stats), add.size};
}

void FileSizes::Track(const std::vector<Action>& actions) {
  for (const auto& a : actions) {
    if (const auto* add = std::get_if<AddFile>(&a)) {
      Add(*add);
    } else if (const auto* rm = std::get_if<RemoveFile>(&a)) {
      files_.erase(DecodePath(rm->path));
    }
  }
}

const FileSizes::Entry* FileSizes::Find(const std::string& path) const {
  auto it = files_.find(DecodePath(path));
  return it == files_.end() ? nullptr : &it->second;
}

CommitChanges SummarizeCommit(int64_t version, const std::vector<Action>& actions, const FileSizes& live) {
  CommitChanges c;
  c.version = version;
  const json* metrics = nullptr;
  auto add_to = [](std::optional<int64_t>& sum, std::optional<int64_t> v) {
    if (sum && v) {
      *sum += *v;
    } else {
      sum = std::nullopt;
    }
  };
  for (const auto& a : actions) {
    if (const auto* add = std::get_if<AddFile>(&a)) {
      ++c.files_added;
      c.bytes_added += add->size;
      c.data_change_adds |= add->data_change;
      add_to(c.rows_added, StatsNumRecords(add->stats));
    } else if (const auto* rm = std::get_if<RemoveFile>(&a)) {
      ++c.files_removed;
      c.data_change_removes |= rm->data_change;
      const FileSizes::Entry* known = live.Find(rm->path);
      add_to(c.rows_removed, known ? known->rows : std::nullopt);
      add_to(c.bytes_removed, rm->size ? rm->size : (known ? std::optional(known->bytes) : std::nullopt));
    } else if (std::holds_alternative<Protocol>(a) || std::holds_alternative<Metadata>(a)) {
      c.metadata_changed = true;
    } else if (const auto* ci = std::get_if<CommitInfo>(&a)) {
      if (auto op = ci->json.find("operation"); op != ci->json.end() && op->is_string()) c.operation = *op;
      if (auto m = ci->json.find("operationMetrics"); m != ci->json.end() && m->is_object()) metrics = &*m;
    }
  }
  if (metrics == nullptr) return c;
  for (const auto& key : kKeyMetrics) {
    for (const char* alias : key.aliases) {
      if (alias == nullptr) break;
      if (auto v = MetricValue(*metrics, alias)) {
        c.metrics.emplace_back(key.name, *v);
        break;
      }
    }
  }
  if (!c.rows_added) {
    for (const char* alias : kOutputRows) {
      if (auto v = MetricValue(*metrics, alias)) {
        c.rows_added = v;
        break;
      }
    }
  }
  return c;
}

std::string DescribeChanges(const CommitChanges& c) {
  auto files = [](int64_t n, const std::optional<int64_t>& rows, const char* verb) {
    std::string s = Plural(n, "file", "files") + " " + verb;
    if (n > 0) s += rows ? " (" + Plural(*rows, "row", "rows") + ")" : " (rows unknown)";
    return s;
  };
  std::string out = "version " + std::to_string(c.version) + " " + (c.operation.empty() ? "(no commitInfo)" : c.operation) +
                    ": " + files(c.files_added, c.rows_added, "added") + ", " +
                    files(c.files_removed, c.rows_removed, "removed");
  if (c.files_added + c.files_removed > 0 && !c.data_change_adds && !c.data_change_removes) {
    out += ", data unchanged";
  }
  if (c.metadata_changed) out += ", table metadata changed";
  if (!c.metrics.empty()) {
    out += ";";
    for (const auto& [k, v] : c.metrics) out += " " + k + "=" + std::to_string(v);
  }
  return out;
}

}  // namespace orbitlake::delta
