#include "maintenance/optimize.h"
#include <algorithm>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "delta/changes.h"
#include "delta/reader.h"
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

std::unique_ptr<delta::Table> Create(std::shared_ptr<storage::Storage> st, delta::StringMap config = {}) {
  delta::CreateOptions c;
  c.configuration = std::move(config);
  return Must(delta::Table::OpenOrCreate(std::move(st), SatelliteSchema(), c));
}

// Rows seq [first, first+rows), over `days` days from 2026-01-01: one file per day.
void Append(delta::Table& t, int64_t first, int64_t rows, int64_t days = 2) {
  auto w = t.NewWriter();
  const int64_t step = days * kDayUs / rows;  // ts = start + seq * step: shift the start so ts begin at day 1
  ASSERT_TRUE(w->Write(*SatelliteBatch(first, rows, kDefaultStartUs - first * step, step)).ok());
  auto adds = Must(w->Finish());
  ASSERT_TRUE(std::holds_alternative<delta::Committed>(Must(t.Append({.adds = adds}))));
}

// Every row of the table as (seq, sat_id, date, alt_km or -1), sorted: the row set.
std::multiset<std::tuple<int64_t, std::string, int32_t, double>> RowSet(storage::Storage& st) {
  auto snap = Must(delta::LoadSnapshot(st));
  auto table = Must(delta::ReadTable(st, snap))->CombineChunks().ValueOrDie();
  auto seq = std::static_pointer_cast<arrow::Int64Array>(table->GetColumnByName("seq")->chunk(0));
  auto sat = std::static_pointer_cast<arrow::StringArray>(table->GetColumnByName("sat_id")->chunk(0));
  auto date = std::static_pointer_cast<arrow::Date32Array>(table->GetColumnByName("date")->chunk(0));
  auto alt = std::static_pointer_cast<arrow::DoubleArray>(table->GetColumnByName("alt_km")->chunk(0));
  std::multiset<std::tuple<int64_t, std::string, int32_t, double>> out;
  for (int64_t i = 0; i < table->num_rows(); ++i) {
    out.emplace(seq->Value(i), sat->GetString(i), date->Value(i), alt->IsNull(i) ? -1.0 : alt->Value(i));
  }
  return out;
}

TEST(OptimizeTest, CompactsEachPartitionIntoOneFileWithTheSameRows) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Create(st);
  for (int i = 0; i < 20; ++i) Append(*t, i * 100, 100);
  ASSERT_EQ(t->snapshot().files().size(), 40u);
  const auto before = RowSet(*st);
  const int64_t read_version = t->snapshot().version();

  auto r = Must(Optimize(*t, {}));
  ASSERT_TRUE(r.version.has_value());
  EXPECT_EQ(*r.version, read_version + 1);
  EXPECT_EQ(r.files_removed, 40);
  EXPECT_EQ(r.files_added, 2);
  EXPECT_EQ(r.rows, 2000);
  EXPECT_EQ(r.plan.partitions, 2);
  EXPECT_EQ(r.plan.target_size, 100 << 20);
  EXPECT_EQ(r.live_files_after, 2);
  EXPECT_EQ(RowSet(*st), before);

  auto snap = Must(delta::LoadSnapshot(*st));
  ASSERT_EQ(snap.files().size(), 2u);
  for (const auto& [path, add] : snap.files()) {
    EXPECT_FALSE(add.data_change);
    EXPECT_EQ(delta::StatsNumRecords(add.stats), 1000);
    EXPECT_EQ(path.rfind("date=2026-01-0", 0), 0u) << path;
  }
  auto commit = Must(delta::ReadCommit(*st, *r.version));
  int removes = 0;
  for (const auto& a : commit) {
    if (auto* rm = std::get_if<delta::RemoveFile>(&a)) {
      ++removes;
      EXPECT_FALSE(rm->data_change);
      EXPECT_TRUE(rm->deletion_timestamp.has_value());
      EXPECT_TRUE(rm->size.has_value());
      EXPECT_EQ(rm->partition_values.size(), 1u);
    }
  }
  EXPECT_EQ(removes, 40);
  auto history = Must(delta::History(*st, 1));
  const auto& ci = history[0].commit_info;
  EXPECT_EQ(ci["operation"], "OPTIMIZE");
  EXPECT_EQ(ci["readVersion"], read_version);
  EXPECT_EQ(ci["operationParameters"]["predicate"], "[]");
  EXPECT_EQ(ci["operationParameters"]["targetSize"], "104857600");
  const auto& m = ci["operationMetrics"];
  EXPECT_EQ(m["numFilesAdded"], 2);
  EXPECT_EQ(m["numFilesRemoved"], 40);
  EXPECT_EQ(m["partitionsOptimized"], 2);
  EXPECT_EQ(m["totalConsideredFiles"], 40);
  EXPECT_EQ(m["totalFilesSkipped"], 0);
  EXPECT_EQ(m["numRemovedBytes"], r.bytes_removed);
  EXPECT_EQ(m["numAddedBytes"], r.bytes_added);
  auto added = nlohmann::json::parse(m["filesAdded"].get<std::string>());
  EXPECT_EQ(added["totalFiles"], 2);
  EXPECT_EQ(added["totalSize"], r.bytes_added);
  // Streaming readers see no new rows in it.
  EXPECT_TRUE(Must(delta::FilesAddedAfter(*st, read_version, *r.version)).empty());

  // Nothing left to compact: no second commit.
  auto again = Must(Optimize(*t, {}));
  EXPECT_FALSE(again.version.has_value());
  EXPECT_EQ(again.plan.skipped_files, 2);
  EXPECT_EQ(Must(delta::LoadSnapshot(*st)).version(), *r.version);
}

TEST(OptimizeTest, BinsStayWithinTheTargetAndLargeFilesAreLeftAlone) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Create(st);
  for (int i = 0; i < 12; ++i) Append(*t, i * 200, 200, /*days=*/1);
  Append(*t, 10'000, 20'000, /*days=*/1);  // one big file
  int64_t small = INT64_MAX, big = 0;  // the 200-row files and the 20,000-row one
  for (const auto& [p, add] : t->snapshot().files()) {
    small = std::min(small, add.size);
    big = std::max(big, add.size);
  }
  const int64_t target = small * 4 + small / 2;  // four small files per bin
  ASSERT_GT(big, target);
  auto plan = Must(PlanOptimize(t->snapshot(), {.target_size = target}));
  EXPECT_EQ(plan.considered_files, 12);
  ASSERT_EQ(plan.bins.size(), 3u);
  for (const auto& b : plan.bins) {
    EXPECT_LE(b.bytes, target);
    EXPECT_EQ(b.files.size(), 4u);
  }
  const auto before = RowSet(*st);
  auto r = Must(Optimize(*t, {.target_size = target}));
  EXPECT_EQ(r.files_removed, 12);
  EXPECT_EQ(r.files_added, 3);
  EXPECT_EQ(t->snapshot().files().size(), 4u);  // 3 compacted + the big one untouched
  EXPECT_EQ(RowSet(*st), before);
}

TEST(OptimizeTest, WhereLimitsItToMatchingPartitions) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Create(st);
  for (int i = 0; i < 5; ++i) Append(*t, i * 100, 100, /*days=*/3);  // 2026-01-01..03
  auto r = Must(Optimize(*t, {.where = "date >= '2026-01-02'"}));
  EXPECT_EQ(r.files_removed, 10);
  EXPECT_EQ(r.plan.partitions, 2);
  std::map<std::string, int> per_date;
  for (const auto& [p, add] : t->snapshot().files()) ++per_date[*add.partition_values.at("date")];
  EXPECT_EQ(per_date, (std::map<std::string, int>{{"2026-01-01", 5}, {"2026-01-02", 1}, {"2026-01-03", 1}}));
  auto history = Must(delta::History(*st, 1));
  EXPECT_EQ(history[0].commit_info["operationParameters"]["predicate"], "[\"date >= '2026-01-02'\"]");

  EXPECT_EQ(PlanOptimize(t->snapshot(), {.where = "sat_id = 'x'"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(PlanOptimize(t->snapshot(), {.where = "date = 'soon'"}).status().code(), StatusCode::kInvalidArgument);
}

TEST(OptimizeTest, TieredLeavesACompactedFileUntilTheNewOnesAddUpToIt) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Create(st);
  for (int i = 0; i < 32; ++i) Append(*t, i * 100, 100, /*days=*/1);
  ASSERT_EQ(Must(Optimize(*t, {.tiered = true})).files_removed, 32) << "small files of about one size all go";
  // One compacted file of 32 small ones; two new small files are far from half of it.
  for (int i = 32; i < 34; ++i) Append(*t, i * 100, 100, 1);
  EXPECT_EQ(Must(PlanOptimize(t->snapshot(), {})).FilesToRewrite(), 3) << "delta-rs' bin-packing rewrites it";
  auto r = Must(Optimize(*t, {.tiered = true}));
  EXPECT_EQ(r.files_removed, 2);
  EXPECT_EQ(r.plan.skipped_files, 1) << "the compacted file is left alone";
  EXPECT_EQ(t->snapshot().files().size(), 2u);
  // Once the new files add up to half of it, it is rewritten with them.
  for (int i = 34; i < 74; ++i) Append(*t, i * 100, 100, 1);
  EXPECT_EQ(Must(PlanOptimize(t->snapshot(), {.tiered = true})).FilesToRewrite(), 42);
  ASSERT_EQ(Must(Optimize(*t, {.tiered = true})).files_removed, 42);
  EXPECT_EQ(t->snapshot().files().size(), 1u);
  EXPECT_EQ(RowSet(*st).size(), 7400u);
}

TEST(OptimizeTest, SortByOrdersTheRowsOfTheRewrittenFile) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Create(st);
  // Appends in decreasing seq order, so the files' natural order is not sorted.
  for (int i = 9; i >= 0; --i) Append(*t, i * 50, 50, /*days=*/1);
  auto r = Must(Optimize(*t, {.sort_by = "seq"}));
  ASSERT_EQ(r.files_added, 1);
  auto snap = Must(delta::LoadSnapshot(*st));
  auto table = Must(delta::ReadTable(*st, snap))->CombineChunks().ValueOrDie();
  auto seq = std::static_pointer_cast<arrow::Int64Array>(table->GetColumnByName("seq")->chunk(0));
  ASSERT_EQ(seq->length(), 500);
  for (int64_t i = 0; i < seq->length(); ++i) ASSERT_EQ(seq->Value(i), i);
  auto history = Must(delta::History(*st, 1));
  EXPECT_EQ(history[0].commit_info["operationMetrics"]["preserveInsertionOrder"], false);
  EXPECT_EQ(history[0].commit_info["operationParameters"]["sortBy"], "[\"seq\"]");

  EXPECT_NE(PlanOptimize(snap, {.sort_by = "date"}).status().message().find("partition column"), std::string::npos);
  EXPECT_EQ(PlanOptimize(snap, {.sort_by = "nope"}).status().code(), StatusCode::kInvalidArgument);
}

TEST(OptimizeTest, AnAppendThatLandsBeforeTheCommitIsKept) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Create(st);
  for (int i = 0; i < 6; ++i) Append(*t, i * 100, 100);
  auto other = Must(delta::Table::Open(st));
  OptimizeOptions o;
  o.before_commit = [&] { Append(*other, 5000, 100); };
  auto r = Must(Optimize(*t, o));
  ASSERT_TRUE(r.version.has_value());
  EXPECT_EQ(r.attempts, 2);
  auto rows = RowSet(*st);
  EXPECT_EQ(rows.size(), 700u);
  EXPECT_EQ(Must(delta::LoadSnapshot(*st)).files().size(), 4u);  // 2 compacted + the 2 appended
}

TEST(OptimizeTest, GivesUpCleanlyWhenAnotherWriterRemovedOneOfItsFiles) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Create(st);
  for (int i = 0; i < 4; ++i) Append(*t, i * 100, 100, /*days=*/1);
  const size_t objects_before = st->file_count();
  auto other = Must(delta::Table::Open(st));
  OptimizeOptions o;
  o.before_commit = [&] {
    delta::RemoveFile rm;
    rm.path = other->snapshot().files().begin()->first;
    rm.deletion_timestamp = 1;
    ASSERT_TRUE(std::holds_alternative<delta::Committed>(Must(other->Commit({rm}, "DELETE", {}))));
  };
  auto r = Optimize(*t, o);
  ASSERT_EQ(r.status().code(), StatusCode::kConflict) << r.status().ToString();
  EXPECT_NE(r.status().message().find("already removed"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("nothing was changed"), std::string::npos);
  // The rewritten file is gone again: only the DELETE's commit was added.
  EXPECT_EQ(st->file_count(), objects_before + 1);
  EXPECT_EQ(RowSet(*st).size(), 300u);
}

TEST(OptimizeTest, InterruptedBeforeTheCommitLeavesNothingBehind) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Create(st);
  for (int i = 0; i < 6; ++i) Append(*t, i * 100, 100);
  const size_t objects = st->file_count();
  const int64_t version = t->snapshot().version();
  int polls = 0;
  OptimizeOptions o;
  o.cancelled = [&] { return ++polls > 8; };  // after the first bin, inside the second
  auto r = Optimize(*t, o);
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled) << r.status().ToString();
  EXPECT_EQ(st->file_count(), objects);
  EXPECT_EQ(Must(delta::LoadSnapshot(*st)).version(), version);
}

// The stats of the only live file of each partition, by partition date.
std::map<std::string, nlohmann::json> StatsByPartition(storage::Storage& st) {
  std::map<std::string, nlohmann::json> out;
  const auto snap = Must(delta::LoadSnapshot(st));
  for (const auto& [path, add] : snap.files()) {
    out[add.partition_values.begin()->second.value_or("")] = nlohmann::json::parse(add.stats.value_or("{}"));
  }
  return out;
}

TEST(OptimizeTest, CopyingRowGroupsKeepsTheRowsAndMergesTheStatisticsARewriteComputes) {
  auto copied = std::make_shared<storage::MemoryStorage>();
  auto rewritten = std::make_shared<storage::MemoryStorage>();
  auto a = Create(copied);
  auto b = Create(rewritten);
  for (int i = 0; i < 12; ++i) {
    Append(*a, i * 100, 100);
    Append(*b, i * 100, 100);
  }
  const auto before = RowSet(*copied);
  OptimizeOptions o;
  o.method = OptimizeMethod::kCopyRowGroups;
  auto r = Must(Optimize(*a, o));
  ASSERT_TRUE(r.version.has_value());
  EXPECT_EQ(r.bins_copied, 2);
  EXPECT_EQ(r.bins_rewritten, 0);
  EXPECT_EQ(r.files_removed, 24);
  EXPECT_EQ(r.live_files_after, 2);
  EXPECT_EQ(RowSet(*copied), before);
  ASSERT_TRUE(Must(Optimize(*b, {})).version.has_value());

  const auto snap = Must(delta::LoadSnapshot(*copied));
  for (const auto& [path, add] : snap.files()) {
    ASSERT_TRUE(add.tags.has_value());
    EXPECT_EQ(add.tags->at(kRowGroupsTag), "12") << "one row group per input file";
    EXPECT_FALSE(add.data_change);
  }
  // Merged from the inputs' statistics, they equal what decoding every row gives.
  EXPECT_EQ(StatsByPartition(*copied), StatsByPartition(*rewritten));
}

TEST(OptimizeTest, CopiedFilesHoldAtMostMaxRowGroupsAndARewriteCompactsThemFurther) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Create(st);
  for (int i = 0; i < 20; ++i) Append(*t, i * 100, 100);
  const auto before = RowSet(*st);
  OptimizeOptions o;
  o.method = OptimizeMethod::kCopyRowGroups;
  o.max_row_groups = 8;
  auto r = Must(Optimize(*t, o));
  EXPECT_EQ(r.files_added, 6) << "per partition: 8 + 8 + 4 row groups";
  EXPECT_EQ(r.live_files_after, 6);
  // Full files are left alone; the 4-group one is alone in its bin: nothing to do.
  ASSERT_TRUE(t->Refresh().ok());
  auto again = Must(Optimize(*t, o));
  EXPECT_FALSE(again.version.has_value());
  // A rewrite compacts copied files like any small file.
  ASSERT_TRUE(t->Refresh().ok());
  auto full = Must(Optimize(*t, {}));
  EXPECT_EQ(full.live_files_after, 2);
  EXPECT_EQ(full.bins_rewritten, 2);
  EXPECT_EQ(RowSet(*st), before);
  const auto snap = Must(delta::LoadSnapshot(*st));
  for (const auto& [path, add] : snap.files()) EXPECT_FALSE(add.tags.has_value());
}

TEST(OptimizeTest, CopyingRewritesABinWhoseFilesLackStatistics) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Create(st);
  for (int i = 0; i < 3; ++i) {
    auto w = t->NewWriter();
    ASSERT_TRUE(w->Write(*SatelliteBatch(i * 10, 10, kDefaultStartUs, 1000)).ok());
    auto adds = Must(w->Finish());
    if (i == 1) {
      for (auto& add : adds) add.stats.reset();  // as some writers leave them out
    }
    ASSERT_TRUE(std::holds_alternative<delta::Committed>(Must(t->Append({.adds = adds}))));
  }
  const auto before = RowSet(*st);
  OptimizeOptions o;
  o.method = OptimizeMethod::kCopyRowGroups;
  auto r = Must(Optimize(*t, o));
  EXPECT_EQ(r.bins_copied, 0);
  EXPECT_EQ(r.bins_rewritten, 1);
  EXPECT_EQ(r.live_files_after, 1);
  EXPECT_EQ(RowSet(*st), before);
  auto snap = Must(delta::LoadSnapshot(*st));
  EXPECT_TRUE(snap.files().begin()->second.stats.has_value()) << "the rewrite computed them";
}

}  // namespace
}  // namespace orbitlake::maintenance
