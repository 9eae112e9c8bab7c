#include "maintenance/background_optimize.h"

#include <arrow/api.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "delta/reader.h"
#include "delta/snapshot.h"
#include "delta/table.h"
#include "storage/memory_storage.h"
#include "support/satellite_batch.h"

namespace orbitlake::maintenance {
namespace {

using orbitlake::testing::kDefaultStartUs;
using orbitlake::testing::SatelliteBatch;
using orbitlake::testing::SatelliteSchema;
constexpr int64_t kDayUs = 86'400'000'000;

template <typename T>
T Must(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(r).value();
}

// Appends rows seq [first, first + rows) spread over `days` days (one file per day) and
// returns the partition values of the files it added.
std::vector<delta::PartitionValues> Append(delta::Table& t, int64_t first, int64_t rows, int64_t days) {
  auto w = t.NewWriter();
  const int64_t step = days * kDayUs / rows;
  EXPECT_TRUE(w->Write(*SatelliteBatch(first, rows, kDefaultStartUs - first * step, step)).ok());
  auto adds = Must(w->Finish());
  std::vector<delta::PartitionValues> parts;
  for (const auto& a : adds) parts.push_back(a.partition_values);
  auto outcome = Must(t.Append({.adds = adds}));
  EXPECT_TRUE(std::holds_alternative<delta::Committed>(outcome));
  return parts;
}

std::multiset<int64_t> Seqs(storage::Storage& st) {
  auto snap = Must(delta::LoadSnapshot(st));
  auto table = Must(delta::ReadTable(st, snap))->CombineChunks().ValueOrDie();
  auto seq = std::static_pointer_cast<arrow::Int64Array>(table->GetColumnByName("seq")->chunk(0));
  std::multiset<int64_t> out;
  for (int64_t i = 0; i < table->num_rows(); ++i) out.insert(seq->Value(i));
  return out;
}

int OptimizeCommits(storage::Storage& st) {
  int n = 0;
  for (const auto& h : Must(delta::History(st))) n += h.commit_info.value("operation", "") == "OPTIMIZE";
  return n;
}

bool WaitFor(const std::function<bool()>& done) {
  for (int i = 0; i < 1000 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return done();
}

TEST(BackgroundOptimizeTest, CompactsBesideTheWriterWithoutLosingOrDuplicatingRows) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto table = Must(delta::Table::OpenOrCreate(st, SatelliteSchema(), {}));
  std::vector<std::string> errors;
  BackgroundOptimizer optimizer({.every_commits = 5, .on_run = [&](const std::string& name, const auto& r) {
                                   if (!r.ok()) errors.push_back(name + ": " + r.status().ToString());
                                 }});
  constexpr int kCommits = 40, kRows = 50;
  // The writer commits as fast as it can while the optimizer compacts the same table:
  // every append and every OPTIMIZE goes in (nothing conflicts), no row twice.
  for (int i = 0; i < kCommits; ++i) optimizer.Committed("raw", st, Append(*table, i * kRows, kRows, 2));
  ASSERT_TRUE(WaitFor([&] { return optimizer.stats().runs >= 1 && OptimizeCommits(*st) >= 1; }));
  optimizer.Stop();
  EXPECT_TRUE(errors.empty()) << errors.front();
  const auto stats = optimizer.stats();
  EXPECT_EQ(stats.failures, 0);
  EXPECT_EQ(stats.commits, OptimizeCommits(*st));
  EXPECT_GT(stats.files_removed, stats.files_added);
  std::multiset<int64_t> expected;
  for (int64_t s = 0; s < kCommits * kRows; ++s) expected.insert(s);
  EXPECT_EQ(Seqs(*st), expected);
  auto snap = Must(delta::LoadSnapshot(*st));
  EXPECT_LT(snap.files().size(), 2u * kCommits);
  EXPECT_EQ(static_cast<int64_t>(snap.files().size()), 2 * kCommits - stats.files_removed + stats.files_added);
}

TEST(BackgroundOptimizeTest, OnlyThePartitionsTheWriterReportedAreCompacted) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto table = Must(delta::Table::OpenOrCreate(st, SatelliteSchema(), {}));
  std::vector<delta::PartitionValues> first_day;
  for (int i = 0; i < 4; ++i) {  // 3 days, 1 reported
    auto parts = Append(*table, i * 30, 30, 3);
    first_day = {*std::min_element(parts.begin(), parts.end())};
  }
  BackgroundOptimizer optimizer({.every_commits = 4});
  for (int i = 0; i < 3; ++i) optimizer.Committed("raw", st, first_day);
  optimizer.Committed("raw", st, {});  // txn-only commits do not count
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(optimizer.stats().runs, 0) << "not due before 4 commits";
  optimizer.Committed("raw", st, first_day);
  ASSERT_TRUE(WaitFor([&] { return optimizer.stats().runs == 1; }));
  optimizer.Stop();
  EXPECT_EQ(optimizer.stats().files_removed, 4);
  EXPECT_EQ(optimizer.stats().files_added, 1);
  auto snap = Must(delta::LoadSnapshot(*st));
  std::map<delta::PartitionValues, int> per_partition;
  for (const auto& [_, add] : snap.files()) ++per_partition[add.partition_values];
  ASSERT_EQ(per_partition.size(), 3u);
  EXPECT_EQ(per_partition[first_day.front()], 1);
  for (const auto& [p, n] : per_partition) {
    if (p != first_day.front()) {
      EXPECT_EQ(n, 4) << "a partition nobody reported is left alone";
    }
  }
  optimizer.Committed("raw", st, first_day);  // after Stop: ignored, no thread to run it
  EXPECT_EQ(optimizer.stats().runs, 1);
}

TEST(BackgroundOptimizeTest, AutoCopiesRowGroupsWhileTheWriterHasABacklogAndRewritesOtherwise) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto table = Must(delta::Table::OpenOrCreate(st, SatelliteSchema(), {}));
  BackgroundOptimizer optimizer({.every_commits = 4, .backlog_cpu_share = 0});  // kAuto, no CPU budget
  for (int i = 0; i < 4; ++i) optimizer.Committed("raw", st, Append(*table, i * 30, 30, 1), /*backlog=*/true);
  ASSERT_TRUE(WaitFor([&] { return optimizer.stats().runs == 1; }));
  EXPECT_EQ(optimizer.stats().bins_copied, 1);
  EXPECT_EQ(optimizer.stats().bins_rewritten, 0);
  {
    auto snap = Must(delta::LoadSnapshot(*st));
    ASSERT_EQ(snap.files().size(), 1u);
    ASSERT_TRUE(snap.files().begin()->second.tags.has_value());
    EXPECT_EQ(snap.files().begin()->second.tags->at(kRowGroupsTag), "4");
  }
  // Caught up: the next run rewrites, and takes the copied file along (tiered: the new
  // files add up to more than half of it).
  for (int i = 4; i < 8; ++i) optimizer.Committed("raw", st, Append(*table, i * 30, 30, 1), /*backlog=*/false);
  ASSERT_TRUE(WaitFor([&] { return optimizer.stats().runs == 2; }));
  optimizer.Stop();
  EXPECT_EQ(optimizer.stats().bins_rewritten, 1);
  EXPECT_EQ(optimizer.stats().failures, 0);
  auto snap = Must(delta::LoadSnapshot(*st));
  ASSERT_EQ(snap.files().size(), 1u);
  EXPECT_FALSE(snap.files().begin()->second.tags.has_value());
  std::multiset<int64_t> expected;
  for (int64_t s = 0; s < 8 * 30; ++s) expected.insert(s);
  EXPECT_EQ(Seqs(*st), expected);
}

// While the writer lags, a due compaction waits for its CPU budget; once the writer is
// caught up it runs without one.
TEST(BackgroundOptimizeTest, BacklogCompactionWaitsForItsCpuShareAndRunsOnceCaughtUp) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto table = Must(delta::Table::OpenOrCreate(st, SatelliteSchema(), {}));
  // A share no thread can stay under: its own start-up CPU time already exceeds it.
  BackgroundOptimizer optimizer({.every_commits = 2, .backlog_cpu_share = 1e-12});
  for (int i = 0; i < 2; ++i) optimizer.Committed("raw", st, Append(*table, i * 30, 30, 1), /*backlog=*/true);
  ASSERT_TRUE(WaitFor([&] { return optimizer.stats().budget_waits >= 3; }));
  EXPECT_EQ(optimizer.stats().runs, 0);
  EXPECT_EQ(OptimizeCommits(*st), 0);
  // Both files are in the table before the optimizer hears it is caught up: its 20 ms
  // re-check may start the run after the first report.
  auto third = Append(*table, 60, 30, 1);
  auto fourth = Append(*table, 90, 30, 1);
  optimizer.Committed("raw", st, third, /*backlog=*/false);
  optimizer.Committed("raw", st, fourth, /*backlog=*/false);
  ASSERT_TRUE(WaitFor([&] { return optimizer.stats().runs >= 1; }));
  optimizer.Stop();
  EXPECT_EQ(optimizer.stats().failures, 0);
  EXPECT_EQ(OptimizeCommits(*st), 1);
  auto snap = Must(delta::LoadSnapshot(*st));
  EXPECT_EQ(snap.files().size(), 1u);  // all four writer files, accumulated while it waited
  std::multiset<int64_t> expected;
  for (int64_t s = 0; s < 4 * 30; ++s) expected.insert(s);
  EXPECT_EQ(Seqs(*st), expected);
}

// Stop() does not wait for a budget that will never come.
TEST(BackgroundOptimizeTest, StopEndsAWaitForTheCpuBudget) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto table = Must(delta::Table::OpenOrCreate(st, SatelliteSchema(), {}));
  BackgroundOptimizer optimizer({.every_commits = 1, .backlog_cpu_share = 1e-12});
  optimizer.Committed("raw", st, Append(*table, 0, 30, 1), /*backlog=*/true);
  ASSERT_TRUE(WaitFor([&] { return optimizer.stats().budget_waits >= 1; }));
  optimizer.Stop();
  EXPECT_EQ(optimizer.stats().runs, 0);
}

}  // namespace
}  // namespace orbitlake::maintenance
