#include "dashboard/series.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "dashboard/test_tables.h"
#include "delta/log_files.h"
#include "readers/table_views.h"

namespace orbitlake::dashboard {
namespace {

using testing::AppendSatellites;
using testing::CountingStorage;
constexpr int64_t kStartMs = orbitlake::testing::kDefaultStartUs / 1000;

struct Fixture {
  std::shared_ptr<storage::MemoryStorage> memory = std::make_shared<storage::MemoryStorage>();
  std::shared_ptr<CountingStorage> storage = std::make_shared<CountingStorage>(memory);
  delta::Snapshot Latest() { return readers::LoadForReading(*storage, "mem").value(); }
  TableLayout Layout() { return ChooseLayout(*Latest().schema()).value(); }
};

const ColumnSeries& Column(const SeriesResult& r, const std::string& name) {
  auto it = std::find_if(r.columns.begin(), r.columns.end(), [&](const ColumnSeries& c) { return c.column == name; });
  EXPECT_NE(it, r.columns.end()) << name;
  return *it;
}

int64_t Points(const ColumnSeries& c) {
  int64_t n = 0;
  for (const auto& s : c.series) n += static_cast<int64_t>(s.t_ms.size());
  return n;
}

TEST(Series, AClientThatHasAVersionGetsOnlyTheFilesOfLaterCommits) {
  Fixture f;
  for (int i = 0; i < 3; ++i) AppendSatellites(f.storage, i * 32, 32);  // 3 commits, 1 file each
  auto v1 = f.Latest();
  const int64_t reads_before = f.storage->data_reads();
  auto full = ReadSeries(*f.storage, v1, f.Layout(), {});
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_TRUE(full->full);
  EXPECT_EQ(full->files_read, 3);
  EXPECT_EQ(f.storage->data_reads() - reads_before, 3);
  EXPECT_EQ(full->rows_read, 96);
  EXPECT_EQ(Points(Column(*full, "lat")), 96);
  EXPECT_EQ(Column(*full, "lat").series.size(), 16u);  // sat-0 .. sat-15

  // Two more commits; the client asks with the version it has.
  AppendSatellites(f.storage, 96, 32);
  AppendSatellites(f.storage, 128, 32);
  auto v2 = f.Latest();
  ASSERT_EQ(v2.version(), v1.version() + 2);
  const int64_t reads_mid = f.storage->data_reads();
  auto inc = ReadSeries(*f.storage, v2, f.Layout(), {.since_version = v1.version()});
  ASSERT_TRUE(inc.ok()) << inc.status().ToString();
  EXPECT_FALSE(inc->full);
  EXPECT_EQ(inc->version, v2.version());
  EXPECT_EQ(inc->files_read, 2);
  EXPECT_EQ(f.storage->data_reads() - reads_mid, 2);  // the storage saw exactly the two new files
  EXPECT_EQ(inc->rows_read, 64);
  // Only the new rows: seq 96..159, 1 ms apart from the start.
  int64_t min_t = INT64_MAX;
  for (const auto& s : Column(*inc, "lat").series) min_t = std::min(min_t, s.t_ms.front());
  EXPECT_EQ(min_t, kStartMs + 96);
  EXPECT_EQ(inc->newest_ms, kStartMs + 159);

  // Up to date: nothing is read.
  const int64_t reads_after = f.storage->data_reads();
  auto none = ReadSeries(*f.storage, v2, f.Layout(), {.since_version = v2.version()});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->files_read, 0);
  EXPECT_EQ(none->points, 0);
  EXPECT_EQ(f.storage->data_reads(), reads_after);
}

TEST(Series, ACompactionBringsNoPointsAndReadsNothing) {
  Fixture f;
  AppendSatellites(f.storage, 0, 10);
  AppendSatellites(f.storage, 10, 10);
  auto before = f.Latest();
  // An OPTIMIZE-like commit: the two files rewritten as one (dataChange=false).
  std::vector<delta::Action> actions;
  delta::AddFile merged = before.files().begin()->second;
  merged.path = "merged.parquet";
  merged.data_change = false;
  actions.push_back(merged);
  for (const auto& [path, _] : before.files()) {
    delta::RemoveFile rm;
    rm.path = path;
    rm.data_change = false;
    actions.push_back(rm);
  }
  ASSERT_TRUE(f.memory->PutIfAbsent(delta::CommitPath(before.version() + 1), delta::SerializeCommit(actions)).ok());
  const int64_t reads = f.storage->data_reads();
  auto r = ReadSeries(*f.storage, f.Latest(), f.Layout(), {.since_version = before.version()});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files_read, 0);
  EXPECT_EQ(f.storage->data_reads(), reads);
  EXPECT_EQ(r->version, before.version() + 1);
}

TEST(Series, AFullLoadSkipsFilesOutsideTheWindowByTheirStatistics) {
  Fixture f;
  AppendSatellites(f.storage, 0, 20);                                        // 2026-01-01 00:00
  AppendSatellites(f.storage, 20, 20, orbitlake::testing::kDefaultStartUs + 3'600'000'000);  // one hour later
  auto r = ReadSeries(*f.storage, f.Latest(), f.Layout(), {.from_ms = kStartMs + 1'800'000});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files_read, 1);
  EXPECT_EQ(Points(Column(*r, "lat")), 20);
  auto to = ReadSeries(*f.storage, f.Latest(), f.Layout(), {.to_ms = kStartMs + 5});
  ASSERT_TRUE(to.ok());
  EXPECT_EQ(to->files_read, 1);
  EXPECT_EQ(Points(Column(*to, "lat")), 6);  // 00:00:00.000 .. .005, the window is inclusive
}

TEST(Series, DownsamplingKeepsEachBucketsMinimumAndMaximum) {
  std::vector<int64_t> t;
  std::vector<double> v;
  for (int i = 0; i < 1000; ++i) {
    t.push_back(i);
    v.push_back(i == 500 ? 1e6 : (i == 501 ? -1e6 : i % 17));
  }
  DownsampleMinMax(0, 100, &t, &v);
  EXPECT_LE(t.size(), 20u);
  EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
  EXPECT_EQ(*std::max_element(v.begin(), v.end()), 1e6);  // the spike survives
  EXPECT_EQ(*std::min_element(v.begin(), v.end()), -1e6);
  std::vector<int64_t> few = {1, 2};
  std::vector<double> fv = {3, 4};
  DownsampleMinMax(0, 100, &few, &fv);
  EXPECT_EQ(few.size(), 2u);
}

TEST(Series, ReadSeriesDownsamplesLongWindows) {
  Fixture f;
  AppendSatellites(f.storage, 0, 4000);  // 250 points per satellite over 4 s
  auto r = ReadSeries(*f.storage, f.Latest(), f.Layout(),
                      {.from_ms = kStartMs, .to_ms = kStartMs + 4000, .buckets = 10});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (const auto& s : Column(*r, "lat").series) EXPECT_LE(s.t_ms.size(), 22u) << s.group;
  EXPECT_LT(r->points, 4000 * 3 / 5);
  auto j = SeriesJson(*r);
  EXPECT_EQ(j["columns"][0]["column"], "alt_km");
  EXPECT_EQ(j["files_read"], 1);
}

}  // namespace
}  // namespace orbitlake::dashboard
