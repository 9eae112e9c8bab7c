#include "readers/table_views.h"

#include <limits>

#include <arrow/api.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "delta/log_files.h"
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

TEST(TableViews, FollowPrintsAppendsAndAnnouncesEverythingElse) {
  auto s = KnownTable();
  auto before = *LoadForReading(*s, "mem");
  // v3: a DELETE-like rewrite by another tool: removes the first file, adds a copy of
  // it. v4: a compaction (dataChange=false). v5: an append.
  auto first = before.files().begin()->second;
  delta::AddFile copy = first;
  copy.path = "rewritten.parquet";
  delta::RemoveFile rm;
  rm.path = first.path;
  rm.data_change = true;
  delta::CommitInfo del;
  del.json = {{"operation", "DELETE"}, {"operationMetrics", {{"num_deleted_rows", 0}, {"num_copied_rows", 3}}}};
  ASSERT_TRUE(s->PutIfAbsent(delta::CommitPath(3), delta::SerializeCommit({copy, rm, del})).ok());
  delta::AddFile compacted = copy;
  compacted.path = "compacted.parquet";
  compacted.data_change = false;
  delta::RemoveFile rm_copy;
  rm_copy.path = copy.path;
  rm_copy.data_change = false;
  delta::CommitInfo opt;
  opt.json = {{"operation", "OPTIMIZE"}};
  ASSERT_TRUE(s->PutIfAbsent(delta::CommitPath(4), delta::SerializeCommit({compacted, rm_copy, opt})).ok());
  {
    auto table = delta::Table::Open(s).value();
    auto w = table->NewWriter();
    ASSERT_TRUE(w->Write(*testing::SatelliteBatch(100, 2)).ok());
    ASSERT_TRUE(table->Append({.adds = *w->Finish()}).ok());
  }
  auto after = *LoadForReading(*s, "mem");
  ASSERT_EQ(after.version(), 5);
  auto steps = ChangesAfter(*s, before, after, {"seq"});
  ASSERT_TRUE(steps.ok()) << steps.status().ToString();
  ASSERT_EQ(steps->size(), 3u);
  EXPECT_FALSE((*steps)[0].rows);
  EXPECT_FALSE((*steps)[1].rows);
  ASSERT_TRUE((*steps)[2].rows);

  std::string announcements;
  EXPECT_EQ(FollowText(*steps, Format::kTable, {3}, &announcements),
            "-- version 3 DELETE: 1 file added (3 rows), 1 file removed (3 rows); deleted_rows=0 copied_rows=3\n"
            "-- version 4 OPTIMIZE: 1 file added (3 rows), 1 file removed (3 rows), data unchanged\n"
            "100\n101\n");
  EXPECT_EQ(announcements, "");
  EXPECT_EQ(FollowText(*steps, Format::kJson, {}, &announcements), "{\"seq\":100}\n{\"seq\":101}\n");
  EXPECT_EQ(announcements,
            "version 3 DELETE: 1 file added (3 rows), 1 file removed (3 rows); deleted_rows=0 copied_rows=3\n"
            "version 4 OPTIMIZE: 1 file added (3 rows), 1 file removed (3 rows), data unchanged\n");
}

TEST(TableViews, HistoryCountsRowsAndFilesPerCommit) {
  auto s = KnownTable();
  auto h = HistoryRows(*s);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_EQ(h->rows.size(), 3u);
  auto csv = Render(*h, Format::kCsv);
  EXPECT_NE(csv.find("version,time,operation,files_added,files_removed,rows_added,rows_removed,bytes_added,"
                     "bytes_removed,metrics\n2,"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find(",WRITE,1,0,3,0,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",CREATE TABLE,0,0,0,0,0,0,{}\n"), std::string::npos) << csv;
}

TEST(TableViews, HistoryShowsWhatRewritesRemovedAndTheirMetrics) {
  auto s = KnownTable();
  auto snap = *LoadForReading(*s, "mem");
  // v3 compacts both files into one (dataChange=false), v4 deletes part of it.
  delta::AddFile big = snap.files().begin()->second;
  big.path = "big.parquet";
  big.data_change = false;
  big.stats = R"({"numRecords":6})";
  std::vector<delta::Action> optimize{big};
  for (const auto& [path, add] : snap.files()) {
    delta::RemoveFile rm;
    rm.path = path;
    rm.data_change = false;
    optimize.push_back(rm);
  }
  delta::CommitInfo opt;
  opt.json = {{"operation", "OPTIMIZE"}, {"operationMetrics", {{"numFilesAdded", 1}, {"numFilesRemoved", 2}}}};
  optimize.push_back(opt);
  ASSERT_TRUE(s->PutIfAbsent(delta::CommitPath(3), delta::SerializeCommit(optimize)).ok());
  delta::AddFile kept = big;
  kept.path = "kept.parquet";
  kept.data_change = true;
  kept.stats = R"({"numRecords":4})";
  delta::RemoveFile rm_big;
  rm_big.path = big.path;
  delta::CommitInfo del;  // Spark writes metric values as strings
  del.json = {{"operation", "DELETE"},
              {"operationMetrics", {{"numRemovedFiles", "1"}, {"numDeletedRows", "2"}, {"numCopiedRows", "4"}}}};
  ASSERT_TRUE(s->PutIfAbsent(delta::CommitPath(4), delta::SerializeCommit({kept, rm_big, del})).ok());

  auto h = HistoryRows(*s, 2);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_EQ(h->rows.size(), 2u);
  std::string json = Render(*h, Format::kJson);
  auto del_row = nlohmann::json::parse(json.substr(0, json.find('\n')));
  EXPECT_EQ(del_row["version"], 4);
  EXPECT_EQ(del_row["files_added"], 1);
  EXPECT_EQ(del_row["files_removed"], 1);
  EXPECT_EQ(del_row["rows_added"], 4);
  EXPECT_EQ(del_row["rows_removed"], 6);
  EXPECT_EQ(del_row["metrics"], (nlohmann::json{{"deleted_rows", 2}, {"copied_rows", 4}}));
  auto opt_row = nlohmann::json::parse(json.substr(json.find('\n') + 1));
  EXPECT_EQ(opt_row["operation"], "OPTIMIZE");
  EXPECT_EQ(opt_row["files_added"], 1);
  EXPECT_EQ(opt_row["files_removed"], 2);
  EXPECT_EQ(opt_row["rows_removed"], 6);  // the window starts at v3: v2's files are known
  std::string table = Render(*h, Format::kTable);
  EXPECT_NE(table.find("deleted_rows=2 copied_rows=4\n"), std::string::npos) << table;

  EXPECT_EQ(HistoryRows(*s, 0)->rows.size(), 5u);  // 0 = every commit
  EXPECT_EQ(HistoryRows(*s, -1).status().code(), StatusCode::kInvalidArgument);
}

TEST(TableViews, HistoryDefaultsToTheNewest20Commits) {
  auto s = KnownTable();
  auto table = delta::Table::Open(s).value();
  for (int i = 0; i < 20; ++i) {
    auto w = table->NewWriter();
    ASSERT_TRUE(w->Write(*testing::SatelliteBatch(10 + i, 1)).ok());
    ASSERT_TRUE(table->Append({.adds = *w->Finish()}).ok());
  }
  auto h = HistoryRows(*s);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->rows.size(), static_cast<size_t>(kDefaultHistoryLimit));
  EXPECT_EQ(h->rows.front()[0].text, "22");
  EXPECT_EQ(h->rows.back()[0].text, "3");
  EXPECT_EQ(HistoryRows(*s, 0)->rows.size(), 23u);
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
  // No checkpoint yet: every commit is replayed.
  EXPECT_TRUE((*d)["last_checkpoint"].is_null());
  EXPECT_EQ((*d)["commits_after_checkpoint"], 3);
  EXPECT_NE(text.find("last checkpoint    none (3 commits replayed on load)"), std::string::npos) << text;
  auto table = delta::Table::Open(s);
  ASSERT_TRUE(table.ok());
  ASSERT_TRUE((*table)->Checkpoint().ok());
  auto after = Describe(*s, snap, "mem");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)["last_checkpoint"], 2);
  EXPECT_EQ((*after)["commits_after_checkpoint"], 0);
  EXPECT_NE(DescribeText(*after).find("last checkpoint    version 2 (0 commits after it)"), std::string::npos);
  EXPECT_NE(DescribeCsv(*after).find("last_checkpoint,2\n"), std::string::npos);
  (*d)["name"] = "evil\x1b[2J";  // another writer's table name reaches the terminal escaped
  EXPECT_NE(DescribeText(*d).find("name               evil\\x1b[2J\n"), std::string::npos) << DescribeText(*d);
}

TEST(TableViews, ParseAsOfTakesRfc3339AndDates) {
  EXPECT_EQ(*ParseAsOf("1970-01-02"), 86'400'000);
  EXPECT_EQ(*ParseAsOf("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(*ParseAsOf("1970-01-01 00:00:01.2345"), 1234) << "no zone: UTC; fraction cut to ms";
  EXPECT_EQ(*ParseAsOf("1970-01-01T01:00:01+01:00"), 1000);
  EXPECT_EQ(*ParseAsOf("1969-12-31T23:00:00.5-01:00"), 500);
  EXPECT_EQ(*ParseAsOf("2026-12-03T11:50:00.250Z"), 1'796'298'600'250);
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-12-03T25:00:00Z", "2026-12-03T11:50:00+1:00",
                          "2026-12-03T11:50:00+01:60", "2026-12-03T11:50", "1796385000"}) {
    auto r = ParseAsOf(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("RFC 3339"), std::string::npos) << r.status().ToString();
  }
}

TEST(TableViews, TimeTravelReadsAnOlderVersionByNumberOrTime) {
  auto s = KnownTable();  // versions 0 (create), 1 and 2 (3 rows each)
  auto v1 = LoadForReading(*s, "mem", {.version = 1});
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->version(), 1);
  EXPECT_EQ(TailRows(*s, *v1, 100)->rows.size(), 3u);
  auto d = Describe(*s, *v1, "mem");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)["version"], 1);
  EXPECT_EQ((*d)["latest_version"], 2);
  EXPECT_EQ((*d)["rows"], 3);
  EXPECT_NE(DescribeText(*d).find("version            1 (time travel; latest 2)"), std::string::npos) << DescribeText(*d);
  auto latest = LoadForReading(*s, "mem", {.as_of_ms = std::numeric_limits<int64_t>::max()});
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->version(), 2);
  auto missing = LoadForReading(*s, "mem", {.version = 7});
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("has no version 7 (latest 2)"), std::string::npos)
      << missing.status().ToString();
  auto before = LoadForReading(*s, "mem", {.as_of_ms = 0});
  EXPECT_EQ(before.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(before.status().message().find("before the first commit"), std::string::npos) << before.status().ToString();
  storage::MemoryStorage empty;
  EXPECT_NE(LoadForReading(empty, "/tmp/x", {.as_of_ms = 0}).status().message().find("/tmp/x is not a Delta table"),
            std::string::npos);
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
