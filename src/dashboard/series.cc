#include "dashboard/series.h"

#include <algorithm>
#include <map>
#include <numeric>

#include <arrow/api.h>

#include "delta/reader.h"
#include "readers/table_views.h"

namespace orbitlake::dashboard {
namespace {

// The time statistic of a file as ms, or nullopt when absent or unreadable.
std::optional<int64_t> StatTimeMs(const nlohmann::json& stats, const char* which, const std::string& column) {
  auto s = stats.find(which);
  if (s == stats.end() || !s->is_object()) return std::nullopt;
  auto v = s->find(column);
  if (v == s->end() || !v->is_string()) return std::nullopt;
  auto ms = readers::ParseAsOf(v->get<std::string>());
  if (!ms.ok()) return std::nullopt;
  return *ms;
}

// Whether the file may hold rows in [from, to] by its statistics (true when unknown).
bool MayOverlap(const delta::AddFile& add, const std::string& time_column, std::optional<int64_t> from,
                std::optional<int64_t> to) {
  if (!add.stats || (!from && !to)) return true;
  auto stats = nlohmann::json::parse(*add.stats, nullptr, /*allow_exceptions=*/false);
  if (!stats.is_object()) return true;
  auto min = StatTimeMs(stats, "minValues", time_column);
  auto max = StatTimeMs(stats, "maxValues", time_column);
  // The statistics are cut to ms: a max of 12:00:00.999 covers up to 12:00:00.999999.
  if (from && max && *max < *from) return false;
  if (to && min && *min > *to) return false;
  return true;
}

std::optional<double> NumberAt(const arrow::Array& a, int64_t i) {
  if (a.IsNull(i)) return std::nullopt;
  switch (a.type_id()) {
    case arrow::Type::DOUBLE: return static_cast<const arrow::DoubleArray&>(a).Value(i);
    case arrow::Type::FLOAT: return static_cast<const arrow::FloatArray&>(a).Value(i);
    case arrow::Type::INT8: return static_cast<const arrow::Int8Array&>(a).Value(i);
    case arrow::Type::INT16: return static_cast<const arrow::Int16Array&>(a).Value(i);
    case arrow::Type::INT32: return static_cast<const arrow::Int32Array&>(a).Value(i);
    case arrow::Type::INT64: return static_cast<double>(static_cast<const arrow::Int64Array&>(a).Value(i));
    case arrow::Type::UINT8: return static_cast<const arrow::UInt8Array&>(a).Value(i);
    case arrow::Type::UINT16: return static_cast<const arrow::UInt16Array&>(a).Value(i);
    case arrow::Type::UINT32: return static_cast<const arrow::UInt32Array&>(a).Value(i);
    case arrow::Type::UINT64: return static_cast<double>(static_cast<const arrow::UInt64Array&>(a).Value(i));
    default: return std::nullopt;
  }
}

std::string GroupAt(const arrow::Array& a, int64_t i) {
  if (a.IsNull(i)) return "(null)";
  switch (a.type_id()) {
    case arrow::Type::STRING: return std::string(static_cast<const arrow::StringArray&>(a).GetView(i));
    case arrow::Type::LARGE_STRING: return std::string(static_cast<const arrow::LargeStringArray&>(a).GetView(i));
    default: {
      if (auto n = NumberAt(a, i)) {
        double d = *n;
        return d == static_cast<double>(static_cast<int64_t>(d)) ? std::to_string(static_cast<int64_t>(d))
                                                                 : std::to_string(d);
      }
      auto s = a.GetScalar(i);
      return s.ok() ? (*s)->ToString() : "?";
    }
  }
}

}  // namespace

void DownsampleMinMax(int64_t origin_ms, int64_t bucket_ms, std::vector<int64_t>* t, std::vector<double>* v) {
  const size_t n = t->size();
  if (n <= 2) return;
  std::vector<int64_t> ot;
  std::vector<double> ov;
  size_t i = 0;
  auto bucket_of = [&](int64_t x) {
    const int64_t d = x - origin_ms;
    return d >= 0 ? d / bucket_ms : (d - bucket_ms + 1) / bucket_ms;
  };
  bool changed = false;
  while (i < n) {
    const int64_t b = bucket_of((*t)[i]);
    size_t lo = i, hi = i, j = i;
    for (; j < n && bucket_of((*t)[j]) == b; ++j) {
      if ((*v)[j] < (*v)[lo]) lo = j;
      if ((*v)[j] > (*v)[hi]) hi = j;
    }
    if (j - i > 2) changed = true;
    const size_t first = std::min(lo, hi), second = std::max(lo, hi);
    if (j - i <= 2) {
      for (size_t k = i; k < j; ++k) { ot.push_back((*t)[k]); ov.push_back((*v)[k]); }
    } else {
      ot.push_back((*t)[first]);
      ov.push_back((*v)[first]);
      if (second != first) { ot.push_back((*t)[second]); ov.push_back((*v)[second]); }
    }
    i = j;
  }
  if (!changed) return;
  *t = std::move(ot);
  *v = std::move(ov);
}

Result<SeriesResult> ReadSeries(storage::Storage& storage, const delta::Snapshot& latest, const TableLayout& layout,
                                const SeriesRequest& request) {
  if (request.since_version < -1) return Status::InvalidArgument("since must be -1 or a table version");
  if (request.buckets < 0) return Status::InvalidArgument("buckets must be >= 0");
  SeriesResult r;
  r.version = latest.version();
  if (layout.time_column.empty() || layout.value_columns.empty()) return r;

  std::vector<delta::AddFile> files;
  bool incremental = request.since_version >= 0 && request.since_version <= latest.version();
  if (incremental && request.since_version < latest.version()) {
    auto added = delta::FilesAddedAfter(storage, request.since_version, latest.version());
    if (added.ok()) {
      for (auto& a : *added) {
        if (MayOverlap(a.add, layout.time_column, request.from_ms, request.to_ms)) files.push_back(std::move(a.add));
      }
    } else if (added.status().code() == StatusCode::kNotFound) {
      incremental = false;  // the commits after since_version were cleaned up: start over
    } else {
      return added.status();
    }
  }
  r.full = !incremental;
  if (!incremental) {
    for (const auto& [_, add] : latest.files()) {
      if (MayOverlap(add, layout.time_column, request.from_ms, request.to_ms)) files.push_back(add);
    }
  }
  r.files_read = static_cast<int64_t>(files.size());

  // column -> group -> (t, v)
  std::vector<std::map<std::string, std::pair<std::vector<int64_t>, std::vector<double>>>> acc(
      layout.value_columns.size());
  if (!files.empty()) {
    ORBIT_ASSIGN_OR_RETURN(std::shared_ptr<arrow::Table> table, delta::ReadFiles(storage, latest, files));
    r.rows_read = table->num_rows();
    auto time_col = table->GetColumnByName(layout.time_column);
    auto group_col = layout.group_column.empty() ? nullptr : table->GetColumnByName(layout.group_column);
    std::vector<std::shared_ptr<arrow::ChunkedArray>> value_cols;
    for (const auto& c : layout.value_columns) value_cols.push_back(table->GetColumnByName(c));
    if (time_col == nullptr) return Status::Internal("time column " + layout.time_column + " missing from the read");
    for (int chunk = 0; chunk < time_col->num_chunks(); ++chunk) {
      const auto& times = static_cast<const arrow::TimestampArray&>(*time_col->chunk(chunk));  // µs UTC (ReadFiles)
      for (int64_t i = 0; i < times.length(); ++i) {
        if (times.IsNull(i)) continue;
        const int64_t ms = times.Value(i) / 1000;
        if ((request.from_ms && ms < *request.from_ms) || (request.to_ms && ms > *request.to_ms)) continue;
        r.newest_ms = std::max(r.newest_ms.value_or(ms), ms);
        const std::string group = group_col ? GroupAt(*group_col->chunk(chunk), i) : "all";
        for (size_t c = 0; c < value_cols.size(); ++c) {
          if (value_cols[c] == nullptr) continue;
          auto v = NumberAt(*value_cols[c]->chunk(chunk), i);
          if (!v) continue;
          auto& [t, vals] = acc[c][group];
          t.push_back(ms);
          vals.push_back(*v);
        }
      }
    }
  }

  for (size_t c = 0; c < layout.value_columns.size(); ++c) {
    ColumnSeries cs;
    cs.column = layout.value_columns[c];
    for (auto& [group, tv] : acc[c]) {
      auto& [t, v] = tv;
      // Files come in log order, not time order (late events, several partitions).
      std::vector<size_t> order(t.size());
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return t[a] < t[b]; });
      Series s;
      s.group = group;
      s.t_ms.reserve(t.size());
      s.values.reserve(t.size());
      for (size_t k : order) {
        s.t_ms.push_back(t[k]);
        s.values.push_back(v[k]);
      }
      if (request.buckets > 0 && !s.t_ms.empty()) {
        const int64_t from = request.from_ms.value_or(s.t_ms.front());
        const int64_t to = request.to_ms.value_or(s.t_ms.back());
        const int64_t bucket = std::max<int64_t>(1, (to - from + request.buckets - 1) / request.buckets);
        DownsampleMinMax(from, bucket, &s.t_ms, &s.values);
      }
      r.points += static_cast<int64_t>(s.t_ms.size());
      cs.series.push_back(std::move(s));
    }
    r.columns.push_back(std::move(cs));
  }
  return r;
}

nlohmann::json SeriesJson(const SeriesResult& r) {
  nlohmann::json j = {{"version", r.version}, {"full", r.full}, {"files_read", r.files_read},
                      {"rows_read", r.rows_read}, {"points", r.points},
                      {"newest_ms", r.newest_ms ? nlohmann::json(*r.newest_ms) : nlohmann::json(nullptr)}};
  nlohmann::json cols = nlohmann::json::array();
  for (const auto& c : r.columns) {
    nlohmann::json series = nlohmann::json::array();
    for (const auto& s : c.series) series.push_back({{"group", s.group}, {"t", s.t_ms}, {"v", s.values}});
    cols.push_back({{"column", c.column}, {"series", std::move(series)}});
  }
  j["columns"] = std::move(cols);
  return j;
}

}  // namespace orbitlake::dashboard
