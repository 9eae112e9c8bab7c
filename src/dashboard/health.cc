#include "dashboard/health.h"

#include <algorithm>
#include <cmath>

#include <arrow/api.h>

#include "delta/reader.h"
#include "readers/table_views.h"

namespace orbitlake::dashboard {
namespace {

constexpr const char* kProduceTimeColumn = "kafka_timestamp";

// operationMetrics values are strings when Spark or orbitlake wrote them, numbers from delta-rs.
std::optional<int64_t> MetricInt(const nlohmann::json& metrics, const char* key) {
  auto it = metrics.find(key);
  if (it == metrics.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_string()) {
    try {
      return std::stoll(it->get<std::string>());
    } catch (...) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return std::nullopt;
  const double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
  const size_t i = static_cast<size_t>(std::clamp(rank, 1.0, static_cast<double>(sorted.size()))) - 1;
  return sorted[i];
}

int64_t HealthTracker::files_read() const {
  std::lock_guard lock(mu_);
  return files_read_;
}

Result<HealthTracker::CommitSample> HealthTracker::Sample(storage::Storage& storage, const delta::Snapshot& latest,
                                                          int64_t version) {
  ORBIT_ASSIGN_OR_RETURN(std::vector<delta::Action> actions, delta::ReadCommit(storage, version));
  CommitSample s;
  std::vector<delta::AddFile> adds;
  bool removes_data = false;
  for (auto& a : actions) {
    if (auto* ci = std::get_if<delta::CommitInfo>(&a)) {
      if (auto t = ci->json.find("timestamp"); t != ci->json.end() && t->is_number_integer()) s.timestamp_ms = *t;
      if (auto op = ci->json.find("operation"); op != ci->json.end() && op->is_string()) s.operation = *op;
      if (auto m = ci->json.find("operationMetrics"); m != ci->json.end() && m->is_object()) {
        s.rows = MetricInt(*m, "numOutputRows");
        if (!s.rows) s.rows = MetricInt(*m, "num_added_rows");
      }
    } else if (auto* add = std::get_if<delta::AddFile>(&a); add && add->data_change) {
      adds.push_back(std::move(*add));
    } else if (auto* rm = std::get_if<delta::RemoveFile>(&a); rm && rm->data_change) {
      removes_data = true;
    }
  }
  if (s.timestamp_ms == 0) {
    // No commitInfo timestamp: the commit file's modification time (delta::VersionAsOf's rule).
    auto history = delta::History(storage, latest.version() - version + 1);
    if (history.ok()) {
      for (const auto& h : *history) {
        if (h.version == version) s.timestamp_ms = h.timestamp_ms;
      }
    }
  }
  // Latency of appended rows only: a rewrite (OPTIMIZE, DELETE) re-commits old rows.
  if (removes_data || adds.empty() || latest.schema()->GetFieldByName(kProduceTimeColumn) == nullptr) return s;
  ORBIT_ASSIGN_OR_RETURN(std::shared_ptr<arrow::Table> table, delta::ReadFiles(storage, latest, adds));
  {
    std::lock_guard lock(mu_);
    files_read_ += static_cast<int64_t>(adds.size());
  }
  auto col = table->GetColumnByName(kProduceTimeColumn);
  std::vector<int64_t> all;
  for (const auto& chunk : col->chunks()) {
    const auto& ts = static_cast<const arrow::TimestampArray&>(*chunk);  // µs UTC (ReadFiles)
    for (int64_t i = 0; i < ts.length(); ++i) {
      if (!ts.IsNull(i)) all.push_back(s.timestamp_ms - ts.Value(i) / 1000);
    }
  }
  std::sort(all.begin(), all.end());
  if (all.size() > options_.max_samples_per_commit && options_.max_samples_per_commit > 0) {
    std::vector<int64_t> kept;
    const double step = static_cast<double>(all.size()) / static_cast<double>(options_.max_samples_per_commit);
    for (size_t k = 0; k < options_.max_samples_per_commit; ++k) kept.push_back(all[static_cast<size_t>(k * step)]);
    kept.back() = all.back();  // the max stays the max
    all = std::move(kept);
  }
  s.latency_ms = std::move(all);
  return s;
}

Result<nlohmann::json> HealthTracker::Report(storage::Storage& storage, const delta::Snapshot& latest,
                                             int64_t now_ms) {
  using json = nlohmann::json;
  const int64_t newest = latest.version();
  const int64_t oldest = std::max<int64_t>(0, newest - options_.recent_commits + 1);
  {
    // Commits that are no longer recent, or from a table recreated with fewer versions.
    std::lock_guard lock(mu_);
    for (auto it = commits_.begin(); it != commits_.end();) {
      it = it->first < oldest || it->first > newest ? commits_.erase(it) : std::next(it);
    }
  }
  for (int64_t v = oldest; v <= newest; ++v) {
    {
      std::lock_guard lock(mu_);
      if (commits_.count(v) != 0) continue;
    }
    auto sample = Sample(storage, latest, v);
    if (!sample.ok()) {
      // A commit cleaned up by a log retention (older than the checkpoint): skip it.
      if (sample.status().code() == StatusCode::kNotFound) continue;
      return sample.status().WithContext("health of version " + std::to_string(v));
    }
    std::lock_guard lock(mu_);
    commits_.emplace(v, std::move(*sample));
  }

  std::lock_guard lock(mu_);
  json j;
  j["version"] = newest;
  json commits = json::array();
  std::vector<int64_t> pooled;
  int64_t last_ms = 0, in_window = 0, first_in_window = 0;
  const int64_t window_ms = std::chrono::duration_cast<std::chrono::milliseconds>(options_.rate_window).count();
  for (const auto& [v, s] : commits_) {
    json c = {{"version", v}, {"t", s.timestamp_ms}, {"operation", s.operation},
              {"rows", s.rows ? json(*s.rows) : json(nullptr)}};
    auto p50 = Percentile(s.latency_ms, 50), p99 = Percentile(s.latency_ms, 99);
    c["latency_p50_ms"] = p50 ? json(*p50) : json(nullptr);
    c["latency_p99_ms"] = p99 ? json(*p99) : json(nullptr);
    commits.push_back(std::move(c));
    pooled.insert(pooled.end(), s.latency_ms.begin(), s.latency_ms.end());
    last_ms = std::max(last_ms, s.timestamp_ms);
    if (s.timestamp_ms >= now_ms - window_ms) {
      if (in_window == 0) first_in_window = s.timestamp_ms;
      ++in_window;
    }
  }
  j["commits"] = std::move(commits);
  j["last_commit_ms"] = last_ms > 0 ? json(last_ms) : json(nullptr);
  j["last_commit_age_s"] = last_ms > 0 ? json(std::max<int64_t>(0, now_ms - last_ms) / 1000.0) : json(nullptr);
  j["commits_in_window"] = in_window;
  j["rate_window_s"] = window_ms / 1000;
  // The window is the rate's span, unless only the newest `recent_commits` fit in it
  // (all kept commits inside the window): then their own span, which is shorter.
  double minutes = static_cast<double>(window_ms) / 60'000.0;
  if (in_window == static_cast<int64_t>(commits_.size()) && in_window >= 2 && oldest > 0) {
    minutes = static_cast<double>(now_ms - first_in_window) / 60'000.0;
  }
  j["commits_per_minute"] = minutes > 0 ? json(static_cast<double>(in_window) / minutes) : json(nullptr);
  std::sort(pooled.begin(), pooled.end());
  if (pooled.empty()) {
    j["latency_ms"] = nullptr;
  } else {
    j["latency_ms"] = {{"p50", *Percentile(pooled, 50)}, {"p90", *Percentile(pooled, 90)},
                       {"p99", *Percentile(pooled, 99)}, {"max", pooled.back()}, {"samples", pooled.size()}};
  }
  j["offsets"] = readers::KafkaOffsets(latest);
  auto rows = latest.NumRecords();
  j["rows"] = rows ? json(*rows) : json(nullptr);
  j["files"] = latest.files().size();
  return j;
}

}  // namespace orbitlake::dashboard
