#include "maintenance/vacuum.h"

#include <gtest/gtest.h>

#include "delta/reader.h"
#include "delta/table.h"
#include "maintenance/optimize.h"
#include "storage/memory_storage.h"
#include "support/satellite_batch.h"

namespace orbitlake::maintenance {
namespace {

using namespace std::chrono_literals;
using orbitlake::testing::kDefaultStartUs;
using orbitlake::testing::SatelliteBatch;
using orbitlake::testing::SatelliteSchema;

template <typename T>
T Must(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(r).value();
}

// A table in memory whose commit times and file times follow a manual clock.
struct Fixture {
  ManualClock clock;
  std::shared_ptr<storage::MemoryStorage> st = std::make_shared<storage::MemoryStorage>(
      [this] { return std::chrono::duration_cast<std::chrono::milliseconds>(clock.WallNow()).count(); });
  std::unique_ptr<delta::Table> table;

  explicit Fixture(delta::StringMap config = {}) {
    delta::CreateOptions c;
    c.configuration = std::move(config);
    table = Must(delta::Table::OpenOrCreate(st, SatelliteSchema(), c, {.clock = &clock}));
  }
  void Append(int64_t first, int64_t rows) {
    auto w = table->NewWriter();
    ASSERT_TRUE(w->Write(*SatelliteBatch(first, rows, kDefaultStartUs, 1000)).ok());
    ASSERT_TRUE(std::holds_alternative<delta::Committed>(Must(table->Append({.adds = Must(w->Finish())}))));
  }
  int64_t Rows(std::optional<int64_t> version = std::nullopt) {
    auto snap = Must(delta::LoadSnapshot(*st, version));
    return Must(delta::ReadTable(*st, snap))->num_rows();
  }
  std::vector<std::string> Operations() {
    std::vector<std::string> out;
    for (const auto& h : Must(delta::History(*st))) out.push_back(h.commit_info.value("operation", ""));
    return out;
  }
  VacuumOptions Opts() { return {.clock = &clock}; }
};

TEST(VacuumTest, KeepsFilesOlderVersionsNeedUntilTheRetentionHasPassed) {
  Fixture f;
  for (int i = 0; i < 5; ++i) f.Append(i * 10, 10);
  const int64_t before_optimize = f.table->snapshot().version();
  ASSERT_TRUE(Must(Optimize(*f.table, {.clock = &f.clock})).version.has_value());
  const size_t objects = f.st->file_count();

  // Right after the compaction every old file is still needed by version `before_optimize`.
  f.clock.Advance(2h);
  auto r = Must(Vacuum(*f.table, f.Opts()));
  EXPECT_TRUE(r.candidates.empty());
  EXPECT_EQ(r.retention, 168h);
  EXPECT_EQ(r.listed_files, 6);
  EXPECT_FALSE(r.start_version.has_value()) << "nothing to delete: no commits";
  EXPECT_EQ(f.st->file_count(), objects);

  // A shorter retention needs --force.
  auto refused = Vacuum(*f.table, {.retention = 1h, .clock = &f.clock});
  ASSERT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("--force"), std::string::npos) << refused.status().message();
  EXPECT_NE(refused.status().message().find("7 days"), std::string::npos) << refused.status().message();

  // Dry run: the list, nothing deleted, nothing committed.
  auto dry = Must(Vacuum(*f.table, {.retention = 1h, .force = true, .dry_run = true, .clock = &f.clock}));
  EXPECT_EQ(dry.candidates.size(), 5u);
  EXPECT_EQ(f.st->file_count(), objects);
  EXPECT_EQ(f.Rows(before_optimize), 50);

  // The removes are 2 h old: a 3 h retention keeps them, a 1 h one does not.
  EXPECT_TRUE(Must(Vacuum(*f.table, {.retention = 3h, .force = true, .clock = &f.clock})).candidates.empty());
  auto done = Must(Vacuum(*f.table, {.retention = 1h, .force = true, .clock = &f.clock}));
  EXPECT_EQ(done.deleted, 5);
  EXPECT_GT(done.bytes_deleted, 0);
  EXPECT_EQ(done.bytes_deleted, done.candidate_bytes);
  ASSERT_TRUE(done.start_version && done.end_version);
  EXPECT_EQ(*done.end_version, *done.start_version + 1);
  auto ops = f.Operations();
  EXPECT_EQ(ops[0], "VACUUM END");
  EXPECT_EQ(ops[1], "VACUUM START");
  auto history = Must(delta::History(*f.st, 2));
  EXPECT_EQ(history[0].commit_info["operationParameters"]["status"], "COMPLETED");
  EXPECT_EQ(history[0].commit_info["operationMetrics"]["numDeletedFiles"], 5);
  EXPECT_EQ(history[1].commit_info["operationMetrics"]["numFilesToDelete"], 5);
  EXPECT_EQ(history[1].commit_info["operationParameters"]["specifiedRetentionMillis"], "3600000");
  EXPECT_EQ(history[1].commit_info["operationParameters"]["retentionCheckEnabled"], "false");
  // The current version reads the same rows; the pre-compaction one has lost its files.
  EXPECT_EQ(f.Rows(), 50);
  auto old = delta::LoadSnapshot(*f.st, before_optimize);
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(delta::ReadTable(*f.st, *old).ok());
}

TEST(VacuumTest, DeletesOldOrphansButNeverTheLogHiddenPathsOrFreshFiles) {
  Fixture f;
  f.Append(0, 10);
  // A killed writer's file (written, never committed) and other things in the folder.
  auto w = f.table->NewWriter();
  ASSERT_TRUE(w->Write(*SatelliteBatch(100, 10)).ok());
  const std::string orphan = delta::DecodePath(Must(w->Finish())[0].path);
  ASSERT_TRUE(f.st->Write("date=2026-01-01/part-x.parquet.tmp-123", "half").ok());
  ASSERT_TRUE(f.st->Write("_delta_log/junk.tmp", "x").ok());
  ASSERT_TRUE(f.st->Write("_change_data/cdc-1.parquet", "x").ok());
  ASSERT_TRUE(f.st->Write(".hidden/file", "x").ok());
  ASSERT_TRUE(f.st->Write("date=2026-01-01/.part-0.crc", "x").ok());
  f.clock.Advance(169h);
  ASSERT_TRUE(f.st->Write("date=2026-01-01/fresh.parquet", "in progress").ok());  // younger than 7 days

  auto r = Must(Vacuum(*f.table, f.Opts()));
  std::vector<std::string> deleted;
  for (const auto& c : r.candidates) deleted.push_back(c.path);
  std::vector<std::string> expected{"date=2026-01-01/part-x.parquet.tmp-123", orphan};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(deleted, expected);
  EXPECT_EQ(r.deleted, 2);
  EXPECT_EQ(f.st->Read(orphan).status().code(), StatusCode::kNotFound);
  for (const char* kept : {"_delta_log/junk.tmp", "_change_data/cdc-1.parquet", ".hidden/file",
                           "date=2026-01-01/.part-0.crc", "date=2026-01-01/fresh.parquet"}) {
    EXPECT_TRUE(f.st->Read(kept).ok()) << kept;
  }
  EXPECT_EQ(f.Rows(), 10) << "the live file is never a candidate, however old";
}

TEST(VacuumTest, HonoursTheTablesRetentionAndProtocol) {
  Fixture f(delta::StringMap{{"delta.deletedFileRetentionDuration", "interval 1 hours"}});
  for (int i = 0; i < 3; ++i) f.Append(i * 10, 10);
  ASSERT_TRUE(Must(Optimize(*f.table, {.clock = &f.clock})).version.has_value());
  f.clock.Advance(90min);
  auto r = Must(Vacuum(*f.table, f.Opts()));
  EXPECT_EQ(r.retention, 1h);
  EXPECT_EQ(r.deleted, 3);
  EXPECT_EQ(f.Rows(), 30);

  Fixture bad(delta::StringMap{{"delta.deletedFileRetentionDuration", "a fortnight"}});
  EXPECT_EQ(Vacuum(*bad.table, bad.Opts()).status().code(), StatusCode::kInvalidArgument);

  // A writer feature orbitlake does not implement: vacuumProtocolCheck says refuse.
  Fixture features;
  delta::Protocol p{3, 7, std::vector<std::string>{"vacuumProtocolCheck"},
                    std::vector<std::string>{"vacuumProtocolCheck", "rowTracking"}};
  ASSERT_TRUE(std::holds_alternative<delta::Committed>(Must(features.table->Commit({p}, "UPGRADE PROTOCOL", {}))));
  auto refused = Vacuum(*features.table, features.Opts());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(refused.status().message().find("rowTracking"), std::string::npos) << refused.status().message();
}

TEST(VacuumTest, HiddenPartitionFoldersOfPartitionColumnsAreData) {
  // A table partitioned by "_shard": its folders "_shard=1" hold data files.
  ManualClock clock;
  auto st = std::make_shared<storage::MemoryStorage>(
      [&clock] { return std::chrono::duration_cast<std::chrono::milliseconds>(clock.WallNow()).count(); });
  auto schema = arrow::schema({arrow::field("x", arrow::int64()), arrow::field("_shard", arrow::int32())});
  auto t = Must(delta::Table::OpenOrCreate(st, schema, {.partition_columns = {"_shard"}}, {.clock = &clock}));
  ASSERT_TRUE(st->Write("_shard=1/orphan.parquet", "x").ok());
  ASSERT_TRUE(st->Write("_other=1/kept.parquet", "x").ok());
  clock.Advance(200h);
  auto r = Must(Vacuum(*t, {.clock = &clock}));
  ASSERT_EQ(r.candidates.size(), 1u);
  EXPECT_EQ(r.candidates[0].path, "_shard=1/orphan.parquet");
}

}  // namespace
}  // namespace orbitlake::maintenance
