#include "delta/changes.h"

#include <gtest/gtest.h>

#include "delta/log_files.h"
#include "delta/snapshot.h"
#include "storage/memory_storage.h"

namespace orbitlake::delta {
namespace {

using nlohmann::json;

AddFile Add(std::string path, int64_t rows, bool data_change = true, int64_t size = 100) {
  AddFile a;
  a.path = std::move(path);
  a.size = size;
  a.data_change = data_change;
  a.stats = json{{"numRecords", rows}}.dump();
  return a;
}

RemoveFile Remove(std::string path, bool data_change = true, std::optional<int64_t> size = std::nullopt) {
  RemoveFile r;
  r.path = std::move(path);
  r.data_change = data_change;
  r.size = size;
  return r;
}

CommitInfo Info(const std::string& op, json metrics = json::object()) {
  CommitInfo ci;
  ci.json = {{"operation", op}, {"timestamp", 1}};
  if (!metrics.empty()) ci.json["operationMetrics"] = std::move(metrics);
  return ci;
}

TEST(CommitChanges, AnAppendAddsDataAndRemovesNone) {
  FileSizes live;
  auto c = SummarizeCommit(1, {Add("a.parquet", 10), Add("b.parquet", 5), Info("WRITE")}, live);
  EXPECT_TRUE(c.IsAppend());
  EXPECT_EQ(c.operation, "WRITE");
  EXPECT_EQ(c.files_added, 2);
  EXPECT_EQ(c.rows_added, 15);
  EXPECT_EQ(c.bytes_added, 200);
  EXPECT_EQ(c.files_removed, 0);
  EXPECT_EQ(c.rows_removed, 0);
  EXPECT_EQ(DescribeChanges(c), "version 1 WRITE: 2 files added (15 rows), 0 files removed");
}

TEST(CommitChanges, DeleteIsNotAnAppendAndCountsWhatItRemoved) {
  FileSizes live;
  live.Add(Add("a.parquet", 10, true, 949));
  live.Add(Add("b%20c.parquet", 5, true, 895));
  // delta-rs: integer metrics, snake_case; the remove's path is spelled differently.
  auto c = SummarizeCommit(2,
                           {Add("new.parquet", 13), Remove("a.parquet", true, 949), Remove("b c.parquet"),
                            Info("DELETE", {{"num_added_files", 1}, {"num_removed_files", 2},
                                            {"num_deleted_rows", 2}, {"num_copied_rows", 13},
                                            {"execution_time_ms", 54}})},
                           live);
  EXPECT_FALSE(c.IsAppend());
  EXPECT_EQ(c.files_added, 1);
  EXPECT_EQ(c.files_removed, 2);
  EXPECT_EQ(c.rows_added, 13);
  EXPECT_EQ(c.rows_removed, 15);
  EXPECT_EQ(c.bytes_removed, 949 + 895);
  ASSERT_EQ(c.metrics.size(), 2u);
  EXPECT_EQ(c.metrics[0], (std::pair<std::string, int64_t>{"deleted_rows", 2}));
  EXPECT_EQ(c.metrics[1], (std::pair<std::string, int64_t>{"copied_rows", 13}));
  EXPECT_EQ(DescribeChanges(c),
            "version 2 DELETE: 1 file added (13 rows), 2 files removed (15 rows); deleted_rows=2 copied_rows=13");
}

TEST(CommitChanges, SparkMetricsAreStringsAndRemovedFilesMayBeUnknown) {
  FileSizes live;  // the removed file was added before the window we know
  auto c = SummarizeCommit(
      7,
      {Add("u.parquet", 4), Remove("old.parquet"),
       Info("UPDATE", {{"numAddedFiles", "1"}, {"numRemovedFiles", "1"}, {"numUpdatedRows", "3"},
                       {"numCopiedRows", "1"}, {"executionTimeMs", "120"}})},
      live);
  EXPECT_FALSE(c.IsAppend());
  EXPECT_EQ(c.rows_removed, std::nullopt);
  EXPECT_EQ(c.bytes_removed, std::nullopt);
  EXPECT_EQ(DescribeChanges(c),
            "version 7 UPDATE: 1 file added (4 rows), 1 file removed (rows unknown); updated_rows=3 copied_rows=1");
}

TEST(CommitChanges, OptimizeRewritesWithoutChangingData) {
  FileSizes live;
  for (const char* p : {"a", "b", "c"}) live.Add(Add(p, 10));
  auto c = SummarizeCommit(3,
                           {Remove("a", false), Remove("b", false), Remove("c", false), Add("big", 30, false),
                            Info("OPTIMIZE", {{"numFilesAdded", 1}, {"numFilesRemoved", 3},
                                              {"partitionsOptimized", 1}, {"totalFilesSkipped", 0}})},
                           live);
  EXPECT_FALSE(c.IsAppend());
  EXPECT_EQ(c.files_added, 1);
  EXPECT_EQ(c.files_removed, 3);
  EXPECT_EQ(c.rows_added, 30);
  EXPECT_EQ(c.rows_removed, 30);
  EXPECT_EQ(DescribeChanges(c),
            "version 3 OPTIMIZE: 1 file added (30 rows), 3 files removed (30 rows), data unchanged; "
            "partitions_optimized=1 skipped_files=0");
}

TEST(CommitChanges, MetadataOnlyAndMissingStatistics) {
  FileSizes live;
  Metadata md;
  md.id = "x";
  auto meta = SummarizeCommit(4, {md}, live);
  EXPECT_FALSE(meta.IsAppend());
  EXPECT_EQ(DescribeChanges(meta), "version 4 (no commitInfo): 0 files added, 0 files removed, table metadata changed");

  AddFile no_stats = Add("n", 0);
  no_stats.stats.reset();
  auto c = SummarizeCommit(5, {no_stats, Info("WRITE")}, live);
  EXPECT_EQ(c.rows_added, std::nullopt);
  // Without statistics, the writer's own row count stands in.
  auto spark = SummarizeCommit(5, {no_stats, Info("WRITE", {{"numFiles", "1"}, {"numOutputRows", "42"}})}, live);
  EXPECT_EQ(spark.rows_added, 42);
  EXPECT_TRUE(spark.metrics.empty());
}

TEST(CommitChanges, FileSizesFollowAddsAndRemoves) {
  FileSizes live;
  live.Track({Add("a", 1), Add("b", 2)});
  live.Track({Remove("a"), Add("c", 3)});
  EXPECT_EQ(live.Find("a"), nullptr);
  ASSERT_NE(live.Find("b"), nullptr);
  EXPECT_EQ(live.Find("b")->rows, 2);
  EXPECT_EQ(live.Find("c")->rows, 3);
}

TEST(CommitChanges, FilesAddedAfterTakesAppendsOnly) {
  storage::MemoryStorage s;
  Metadata md;
  md.id = "t";
  md.schema_string = R"({"type":"struct","fields":[{"name":"x","type":"long","nullable":true,"metadata":{}}]})";
  ASSERT_TRUE(s.PutIfAbsent(CommitPath(0), SerializeCommit({Protocol{}, md})).ok());
  ASSERT_TRUE(s.PutIfAbsent(CommitPath(1), SerializeCommit({Add("a", 10), Info("WRITE")})).ok());
  ASSERT_TRUE(s.PutIfAbsent(CommitPath(2), SerializeCommit({Add("a2", 9), Remove("a"), Info("DELETE")})).ok());
  ASSERT_TRUE(s.PutIfAbsent(CommitPath(3), SerializeCommit({Add("o", 9, false), Remove("a2", false)})).ok());
  ASSERT_TRUE(s.PutIfAbsent(CommitPath(4), SerializeCommit({Add("b", 1), Info("WRITE")})).ok());
  auto files = FilesAddedAfter(s, 0, 4);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].add.path, "a");
  EXPECT_EQ((*files)[1].add.path, "b");
  EXPECT_EQ((*files)[1].version, 4);
}

}  // namespace
}  // namespace orbitlake::delta
