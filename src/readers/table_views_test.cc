#include "readers/table_views.h"

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "delta/table.h"
#include "support/satellite_batch.h"
#include "storage/memory_storage.h"

namespace orbitlake::readers {
namespace {

// A table with two appends of 3 rows (seq 0..2, then 3..5) and txns for two partitions.
std::shared_ptr<storage::MemoryStorage> KnownTable() {
  auto s = std::make_shared<storage::MemoryStorage>();
  auto table = delta::Table::OpenOrCreate(s, testing::SatelliteSchema(), {.partition_columns = {"date"}});
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  for (int i = 0; i < 2; ++i) {
    auto w = (*table)->NewWriter();
    EXPECT_TRUE(w->Write(*testing::SatelliteBatch(3 * i, 3)).ok());
    auto adds = w->Finish();
    EXPECT_TRUE(adds.ok());
    auto r = (*table)->Append({.adds = *adds, .txns = {{"orbitlake:sat-data:0", 10 + i}, {"orbitlake:sat-data:1", 4}}});
    EXPECT_TRUE(r.ok());
  }
  return s;
}

TEST(TableViews, TailReturnsTheNewestRowsOldestFirst) {
  auto s = KnownTable();
  auto snap = LoadForReading(*s, "mem");
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  auto rows = TailRows(*s, *snap, 4, {"seq"});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  // The time column of this schema is "ts", not event_time: file order (newest file's rows).
  EXPECT_EQ(rows->rows.size(), 4u);
  auto all = TailRows(*s, *snap, 100, {"seq", "sat_id"});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->rows.size(), 6u);
}

TEST(TableViews, RowsAddedAfterAVersion) {
  auto s = KnownTable();
  auto snap = *LoadForReading(*s, "mem");
  auto rows = RowsAddedAfter(*s, snap, 1, {"seq"});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(Render(*rows, Format::kCsv, false), "3\n4\n5\n");
}

TEST(TableViews, HistoryCountsRowsAndFilesPerCommit) {
  auto s = KnownTable();
  auto h = HistoryRows(*s);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_EQ(h->rows.size(), 3u);
  auto csv = Render(*h, Format::kCsv);
  EXPECT_NE(csv.find("version,time,operation,files_added,rows_added,bytes_added\n2,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",WRITE,1,3,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",CREATE TABLE,0,0,0"), std::string::npos) << csv;
}

TEST(TableViews, DescribeShowsOffsetsPerPartition) {
  auto s = KnownTable();
  auto snap = *LoadForReading(*s, "mem");
  auto d = Describe(*s, snap, "mem");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)["version"], 2);
  EXPECT_EQ((*d)["rows"], 6);
  EXPECT_EQ((*d)["files"], 2);
  EXPECT_EQ((*d)["partition_columns"], nlohmann::json::array({"date"}));
  ASSERT_EQ((*d)["kafka_offsets"].size(), 2u);
  EXPECT_EQ((*d)["kafka_offsets"][0]["partition"], 0);
  EXPECT_EQ((*d)["kafka_offsets"][0]["offset"], 11);
  EXPECT_EQ((*d)["kafka_offsets"][1]["offset"], 4);
  std::string text = DescribeText(*d);
  EXPECT_NE(text.find("partitioned by     date"), std::string::npos) << text;
  EXPECT_NE(text.find("sat-data          1       4"), std::string::npos) << text;
  EXPECT_NE(DescribeCsv(*d).find("offset.orbitlake:sat-data:0,11\n"), std::string::npos);
}

TEST(TableViews, NotADeltaTableSaysSo) {
  storage::MemoryStorage empty;
  auto snap = LoadForReading(empty, "/tmp/x");
  ASSERT_FALSE(snap.ok());
  EXPECT_EQ(snap.status().code(), StatusCode::kNotFound);
  EXPECT_NE(snap.status().message().find("/tmp/x is not a Delta table"), std::string::npos);
}

}  // namespace
}  // namespace orbitlake::readers
