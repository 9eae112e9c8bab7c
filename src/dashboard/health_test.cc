#include "dashboard/health.h"

#include <chrono>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "dashboard/test_tables.h"
#include "readers/table_views.h"

namespace orbitlake::dashboard {
namespace {

using testing::CountingStorage;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A raw-table-like commit: `rows` rows produced `age_ms` before now.
void AppendProduced(const std::shared_ptr<storage::Storage>& s, int rows, int64_t age_ms, int64_t first_offset) {
  auto ts = arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
  auto schema = arrow::schema({arrow::field("satellite", arrow::utf8()), arrow::field("event_time", ts),
                               arrow::field("temp_c", arrow::float64()), arrow::field("kafka_timestamp", ts)});
  auto table = delta::Table::OpenOrCreate(s, schema, {.partition_columns = {}});
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  arrow::StringBuilder sat;
  arrow::TimestampBuilder et(ts, arrow::default_memory_pool()), kt(ts, arrow::default_memory_pool());
  arrow::DoubleBuilder temp;
  const int64_t produced_us = (NowMs() - age_ms) * 1000;
  for (int i = 0; i < rows; ++i) {
    ASSERT_TRUE(sat.Append("sat-" + std::to_string(i % 3)).ok());
    ASSERT_TRUE(et.Append(produced_us).ok());
    ASSERT_TRUE(temp.Append(20.0 + i).ok());
    ASSERT_TRUE(kt.Append(produced_us).ok());
  }
  arrow::ArrayVector cols(4);
  ASSERT_TRUE(sat.Finish(&cols[0]).ok());
  ASSERT_TRUE(et.Finish(&cols[1]).ok());
  ASSERT_TRUE(temp.Finish(&cols[2]).ok());
  ASSERT_TRUE(kt.Finish(&cols[3]).ok());
  auto w = (*table)->NewWriter();
  ASSERT_TRUE(w->Write(*arrow::RecordBatch::Make(schema, rows, cols)).ok());
  auto adds = w->Finish();
  ASSERT_TRUE(adds.ok());
  ASSERT_TRUE((*table)->Append({.adds = *adds, .txns = {{"orbitlake:sat-data:2", first_offset + rows - 1}}}).ok());
}

TEST(Health, PercentileIsNearestRank) {
  std::vector<int64_t> v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(Percentile(v, 50), 5);
  EXPECT_EQ(Percentile(v, 90), 9);
  EXPECT_EQ(Percentile(v, 99), 10);
  EXPECT_EQ(Percentile(v, 0), 1);
  EXPECT_FALSE(Percentile({}, 50));
}

TEST(Health, ReportsRowsLatencyOffsetsAndReadsEachCommitOnce) {
  auto memory = std::make_shared<storage::MemoryStorage>();
  auto s = std::make_shared<CountingStorage>(memory);
  AppendProduced(s, 10, 1500, 0);
  AppendProduced(s, 5, 3000, 10);
  HealthTracker tracker;
  auto snap = readers::LoadForReading(*s, "mem").value();
  auto r = tracker.Report(*s, snap, NowMs());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& j = *r;
  EXPECT_EQ(j["version"], snap.version());
  ASSERT_EQ(j["commits"].size(), static_cast<size_t>(snap.version() + 1));  // CREATE TABLE and the appends
  EXPECT_EQ(j["commits"].back()["rows"], 5);
  EXPECT_EQ(j["commits"][j["commits"].size() - 2]["rows"], 10);
  // Latency = commit time - kafka_timestamp: at least the age the rows were given.
  EXPECT_GE(j["latency_ms"]["p50"].get<int64_t>(), 1500);
  EXPECT_GE(j["latency_ms"]["max"].get<int64_t>(), 3000);
  EXPECT_LT(j["latency_ms"]["max"].get<int64_t>(), 3000 + 60'000);
  EXPECT_EQ(j["latency_ms"]["samples"], 15);
  EXPECT_LT(j["last_commit_age_s"].get<double>(), 60.0);
  EXPECT_GT(j["commits_per_minute"].get<double>(), 0.0);
  ASSERT_EQ(j["offsets"].size(), 1u);
  EXPECT_EQ(j["offsets"][0]["topic"], "sat-data");
  EXPECT_EQ(j["offsets"][0]["partition"], 2);
  EXPECT_EQ(j["offsets"][0]["offset"], 14);
  EXPECT_EQ(tracker.files_read(), 2);
  EXPECT_EQ(s->data_reads(), 2);

  // One more commit: only its file is read.
  AppendProduced(s, 4, 100, 15);
  auto again = tracker.Report(*s, readers::LoadForReading(*s, "mem").value(), NowMs());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(tracker.files_read(), 3);
  EXPECT_EQ(s->data_reads(), 3);
  EXPECT_EQ((*again)["latency_ms"]["samples"], 19);
  EXPECT_EQ((*again)["offsets"][0]["offset"], 18);
}

TEST(Health, ATableThatStoppedGrowingShowsTheAgeOfItsLastCommit) {
  auto s = std::make_shared<storage::MemoryStorage>();
  AppendProduced(s, 3, 10, 0);
  HealthTracker tracker;
  auto snap = readers::LoadForReading(*s, "mem").value();
  auto r = tracker.Report(*s, snap, NowMs() + 11 * 60'000);  // eleven minutes later: out of the 10 min window
  ASSERT_TRUE(r.ok());
  EXPECT_GE((*r)["last_commit_age_s"].get<double>(), 659.0);
  EXPECT_EQ((*r)["commits_in_window"], 0);
  EXPECT_EQ((*r)["commits_per_minute"].get<double>(), 0.0);
}

}  // namespace
}  // namespace orbitlake::dashboard
