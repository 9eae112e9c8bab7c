#include "ingest/batch_policy.h"

#include <gtest/gtest.h>

namespace orbitlake::ingest {
namespace {

using std::chrono::milliseconds;

TEST(BatchPolicyTest, EmptyBatchNeverCloses) {
  ManualClock clock;
  BatchPolicy p({.interval = milliseconds(100)}, clock);
  clock.Advance(std::chrono::hours(1));
  EXPECT_EQ(p.ShouldClose(), CloseReason::kNone);
  EXPECT_EQ(p.DeadlineIn(milliseconds(250)), milliseconds(250));
}

TEST(BatchPolicyTest, IntervalStartsAtTheFirstRowAndBoundsThePollTimeout) {
  ManualClock clock;
  BatchPolicy p({.interval = milliseconds(1000)}, clock);
  clock.Advance(milliseconds(700));  // idle time before the first row does not count
  p.OnRows(1, 0);
  EXPECT_EQ(p.DeadlineIn(milliseconds(250)), milliseconds(250));
  clock.Advance(milliseconds(900));
  EXPECT_EQ(p.ShouldClose(), CloseReason::kNone);
  EXPECT_EQ(p.DeadlineIn(milliseconds(250)), milliseconds(100));
  clock.Advance(milliseconds(100));
  EXPECT_EQ(p.ShouldClose(), CloseReason::kInterval);
  EXPECT_EQ(p.DeadlineIn(milliseconds(250)), milliseconds(0));
  p.Reset();
  EXPECT_EQ(p.ShouldClose(), CloseReason::kNone);
  EXPECT_EQ(p.rows(), 0);
}

TEST(BatchPolicyTest, RowAndEncodedByteLimitsCloseEarly) {
  ManualClock clock;
  BatchPolicy p({.interval = milliseconds(5000), .max_rows = 10, .max_bytes = 1000}, clock);
  p.OnRows(9, 100);
  EXPECT_EQ(p.ShouldClose(), CloseReason::kNone);
  p.OnRows(1, 120);
  EXPECT_EQ(p.ShouldClose(), CloseReason::kRows);
  p.Reset();
  p.OnRows(3, 1000);
  EXPECT_EQ(p.ShouldClose(), CloseReason::kBytes);
}

}  // namespace
}  // namespace orbitlake::ingest
