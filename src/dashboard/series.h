// The dashboard's time series: the points of a table's numeric columns, per group
// (device/satellite), read incrementally.
//
// Incremental contract: a client that has the points up to table version V asks with
// since_version = V and gets only the points of the files that the appends after V added
// (delta::FilesAddedAfter): the files of older commits are never read again, whatever
// the table's size. The first request (since_version = -1) reads the live files whose
// time statistics overlap the requested window (all live files when a file has no
// statistics for the time column). Commits that are not appends (OPTIMIZE, DELETE,
// UPDATE) add no points: compaction rewrites rows the client already has; a DELETE is
// seen on the next full load (a range change or a page reload).
//
// Downsampling: with `buckets` > 0, each series keeps at most its minimum and maximum
// point per bucket of the window (the shape of the line survives: spikes stay visible),
// so a 24 h window of 1 Hz data is a few thousand points, not 86,400 per series.
//
// Thread safety: reentrant; only reads `storage`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "dashboard/layout.h"
#include "delta/snapshot.h"
#include "storage/storage.h"

namespace orbitlake::dashboard {

struct SeriesRequest {
  // The table version whose points the client already has; -1 for none (a full load of
  // the window). Default -1.
  int64_t since_version = -1;
  // The window, ms since the epoch (inclusive); points outside it are dropped. nullopt:
  // unbounded on that side. Default: unbounded.
  std::optional<int64_t> from_ms;
  std::optional<int64_t> to_ms;
  // Downsampling buckets across the window (about one per pixel of the chart's width);
  // 0 keeps every point. Default 0.
  int buckets = 0;
};

// One line of a chart: the points of one group, oldest first.
struct Series {
  std::string group;
  std::vector<int64_t> t_ms;
  std::vector<double> values;
};

struct ColumnSeries {
  std::string column;
  std::vector<Series> series;  // by group name
};

struct SeriesResult {
  // The version the client has after applying this answer (the snapshot's).
  int64_t version = -1;
  // True when the answer is a full load that replaces what the client had (since_version
  // was -1, or newer than the table, e.g. a table deleted and created again).
  bool full = true;
  int64_t files_read = 0;  // data files read to answer
  int64_t rows_read = 0;
  int64_t points = 0;  // points returned, after downsampling
  std::optional<int64_t> newest_ms;  // newest time among the rows read
  std::vector<ColumnSeries> columns;  // layout.value_columns' order
};

// REQUIRES: `latest` is the table's snapshot to answer from; `layout` was chosen from its
// schema. InvalidArgument when since_version < -1 or buckets < 0.
Result<SeriesResult> ReadSeries(storage::Storage& storage, const delta::Snapshot& latest, const TableLayout& layout,
                                const SeriesRequest& request);

// Keeps the min and max point of each bucket of width bucket_ms starting at origin_ms, in
// time order (one point when they are the same). REQUIRES: t sorted ascending,
// bucket_ms > 0. The input is returned unchanged when it has <= 2 points per bucket.
void DownsampleMinMax(int64_t origin_ms, int64_t bucket_ms, std::vector<int64_t>* t, std::vector<double>* v);

// {"version", "full", "files_read", "rows_read", "points", "newest_ms",
//  "columns": [{"column", "series": [{"group", "t": [ms...], "v": [...]}]}]}
nlohmann::json SeriesJson(const SeriesResult& r);

}  // namespace orbitlake::dashboard
