#include "ingest/event_rows.h"

#include <cmath>
#include <limits>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "support/failing_pool.h"
#include "telemetry/event.h"

namespace orbitlake::ingest {
namespace {

constexpr int64_t kNoon = 1'763'899'200'000'000'000LL;  // 2025-11-23T12:00:00Z in ns

std::vector<uint8_t> Encode(const std::string& sat, uint64_t seq, int64_t ts_ns, double battery = 50) {
  telemetry::EventEncoder enc;
  auto bytes = enc.Encode({sat, seq, ts_ns, {21.5, battery, 800.25, 0.5, 0.49, 0.51}});
  return {bytes.begin(), bytes.end()};
}

TEST(EventRowsTest, DayToIsoDate) {
  EXPECT_EQ(DayToIsoDate(0), "1970-01-01");
  EXPECT_EQ(DayToIsoDate(20415), "2025-11-23");
  EXPECT_EQ(DayToIsoDate(-1), "1969-12-31");
  EXPECT_EQ(DayToIsoDate(11016), "2000-02-29");
}

TEST(EventRowsTest, DecodesEventsIntoColumnsWithKafkaMetadata) {
  EventRows rows;
  auto e = Encode("sat3", 42, kNoon + 123'456'789);
  ASSERT_TRUE(rows.Append(e, {"sat-data", 4, 1000, 1'763'899'200'500}, 1'763'899'201'000'000).ok());
  EXPECT_EQ(rows.rows(), 1);
  auto batch = rows.TakeBatch();
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ((*batch)->num_rows(), 1);
  EXPECT_TRUE((*batch)->schema()->Equals(*RawTableSchema()));
  auto col = [&](const char* name) { return (*batch)->GetColumnByName(name); };
  EXPECT_EQ(std::static_pointer_cast<arrow::StringArray>(col("satellite"))->GetString(0), "sat3");
  EXPECT_EQ(std::static_pointer_cast<arrow::Int64Array>(col("sequence"))->Value(0), 42);
  EXPECT_EQ(std::static_pointer_cast<arrow::TimestampArray>(col("event_time"))->Value(0), (kNoon + 123'456'789) / 1000);
  EXPECT_EQ(std::static_pointer_cast<arrow::Int64Array>(col("event_time_ns"))->Value(0), kNoon + 123'456'789);
  EXPECT_EQ(std::static_pointer_cast<arrow::DoubleArray>(col("altitude"))->Value(0), 800.25);
  EXPECT_EQ(std::static_pointer_cast<arrow::Int32Array>(col("kafka_partition"))->Value(0), 4);
  EXPECT_EQ(std::static_pointer_cast<arrow::Int64Array>(col("kafka_offset"))->Value(0), 1000);
  EXPECT_EQ(std::static_pointer_cast<arrow::TimestampArray>(col("kafka_timestamp"))->Value(0), 1'763'899'200'500'000);
  EXPECT_EQ(std::static_pointer_cast<arrow::Date32Array>(col("date"))->Value(0), 20415);
  EXPECT_EQ(rows.rows(), 0);
  // Builders are reusable after TakeBatch().
  ASSERT_TRUE(rows.Append(e, {"sat-data", 4, 1001, 0}, 0).ok());
  EXPECT_EQ((*rows.TakeBatch())->num_rows(), 1);
}

TEST(EventRowsTest, TheDateIsTheEventsUtcDay) {
  EventRows rows;
  const int64_t midnight = kNoon + 12LL * 3600 * 1'000'000'000;
  ASSERT_TRUE(rows.Append(Encode("a", 1, midnight - 1), {"t", 0, 1, 0}, 0).ok());
  ASSERT_TRUE(rows.Append(Encode("a", 2, midnight), {"t", 0, 2, 0}, 0).ok());
  auto batch = rows.TakeBatch();
  ASSERT_TRUE(batch.ok());
  auto date = std::static_pointer_cast<arrow::Date32Array>((*batch)->GetColumnByName("date"));
  EXPECT_EQ(DayToIsoDate(date->Value(0)), "2025-11-23");
  EXPECT_EQ(DayToIsoDate(date->Value(1)), "2025-11-24");
}

TEST(EventRowsTest, BadEventsAreRejectedWithAReasonAndNotAppended) {
  EventRows rows;
  std::vector<uint8_t> garbage = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  Status s = rows.Append(garbage, {"t", 0, 1, 0}, 0);
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  EXPECT_EQ(rows.Append({}, {"t", 0, 1, 0}, 0).code(), StatusCode::kCorruption);
  Status nan = rows.Append(Encode("a", 1, kNoon, std::nan("")), {"t", 0, 2, 0}, 0);
  EXPECT_EQ(nan.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(nan.message().find("battery_charge_pct"), std::string::npos);
  EXPECT_FALSE(rows.Append(Encode("a", 1, kNoon, 140), {"t", 0, 3, 0}, 0).ok());
  EXPECT_FALSE(rows.Append(Encode("a", 1, kNoon, std::numeric_limits<double>::infinity()), {"t", 0, 4, 0}, 0).ok());
  EXPECT_FALSE(rows.Append(Encode("a", 1, -5), {"t", 0, 5, 0}, 0).ok());
  Status utf8 = rows.Append(Encode("sat\xf6\xb0", 1, kNoon), {"t", 0, 6, 0}, 0);
  EXPECT_EQ(utf8.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(utf8.message().find("UTF-8"), std::string::npos);
  EXPECT_EQ(rows.rows(), 0);
  EXPECT_EQ((*rows.TakeBatch())->num_rows(), 0);
}

TEST(EventRowsTest, AllocationFailuresAreNotRejectionsOfTheMessage) {
  // Whichever allocation fails first (a reserve, a string append), Append reports a
  // failure that is not the message's fault, so the caller stops instead of
  // quarantining a good event; a batch taken afterwards is never silently short.
  for (int64_t budget = 0; budget < 48; ++budget) {
    testing::FailingPool pool(budget);
    EventRows rows(&pool);
    Status failure;
    int64_t appended = 0;
    for (int i = 0; i < 20'000 && failure.ok(); ++i) {
      failure = rows.Append(Encode("sat-with-a-long-name-" + std::to_string(i), i, kNoon + i), {"t", 0, i, 0}, 0);
      if (failure.ok()) ++appended;
    }
    ASSERT_FALSE(failure.ok()) << "budget " << budget << " never ran out";
    EXPECT_FALSE(IsRejection(failure)) << "budget " << budget << ": " << failure.ToString();
    auto batch = rows.TakeBatch();
    if (batch.ok()) {
      EXPECT_EQ((*batch)->num_rows(), appended) << "budget " << budget;
    }
  }
}

TEST(EventRowsTest, QuarantineKeepsTheRawBytesAndReason) {
  QuarantineRows q;
  std::vector<uint8_t> bad = {0xde, 0xad};
  q.Append(bad, "sat9", {"sat-data", 2, 77, 1000}, "Corruption: too short", 5);
  auto batch = q.Take();
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ((*batch)->num_rows(), 1);
  auto payload = std::static_pointer_cast<arrow::BinaryArray>((*batch)->GetColumnByName("payload"));
  EXPECT_EQ(payload->GetString(0), std::string("\xde\xad"));
  EXPECT_EQ(std::static_pointer_cast<arrow::StringArray>((*batch)->GetColumnByName("reason"))->GetString(0),
            "Corruption: too short");
  EXPECT_EQ(std::static_pointer_cast<arrow::Int64Array>((*batch)->GetColumnByName("kafka_offset"))->Value(0), 77);
  EXPECT_EQ(q.rows(), 0);
}

}  // namespace
}  // namespace orbitlake::ingest
