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

// The arrival now on `clock`, and an event `age` before it.
BatchPolicy::Arrival Now(ManualClock& clock) { return {clock.Now(), clock.WallNow()}; }
std::chrono::nanoseconds Ago(ManualClock& clock, milliseconds age) { return clock.WallNow() - age; }

TEST(BatchPolicyTest, DeadlineCountsFromTheEventTimeNotTheArrival) {
  // The demo's tail (bench/RESULTS.md): rows that reached the ingester 1.7 s after their
  // event waited a full interval more. Their batch must close interval after the event.
  ManualClock clock;
  BatchPolicy p({.interval = milliseconds(5000)}, clock);
  p.OnRows(1, 0, Now(clock), Ago(clock, milliseconds(1700)));
  EXPECT_EQ(p.DeadlineIn(milliseconds(10'000)), milliseconds(3300));
  clock.Advance(milliseconds(3299));
  EXPECT_EQ(p.ShouldClose(), CloseReason::kNone);
  clock.Advance(milliseconds(1));
  EXPECT_EQ(p.ShouldClose(), CloseReason::kInterval);
}

TEST(BatchPolicyTest, TheOldestRowOfTheBatchSetsTheDeadlineWhicheverArrivesFirst) {
  ManualClock clock;
  BatchPolicy p({.interval = milliseconds(1000)}, clock);
  p.OnRows(1, 0, Now(clock), Ago(clock, milliseconds(100)));  // due in 900 ms
  clock.Advance(milliseconds(200));
  // Another partition's older row, arriving later: due in 1000 - 600 = 400 ms.
  p.OnRows(1, 0, Now(clock), Ago(clock, milliseconds(600)));
  EXPECT_EQ(p.DeadlineIn(milliseconds(10'000)), milliseconds(400));
  // A fresh row never pushes the deadline back.
  p.OnRows(1, 0, Now(clock), Ago(clock, milliseconds(0)));
  EXPECT_EQ(p.DeadlineIn(milliseconds(10'000)), milliseconds(400));
  clock.Advance(milliseconds(400));
  EXPECT_EQ(p.ShouldClose(), CloseReason::kInterval);
  p.Reset();
  EXPECT_FALSE(p.deadline().has_value());
}

TEST(BatchPolicyTest, ABacklogCountsFromTheArrivalSoCatchingUpMakesFullBatches) {
  ManualClock clock;
  BatchPolicy p({.interval = milliseconds(1000)}, clock);
  p.OnRows(10'000, 0, Now(clock), Ago(clock, std::chrono::hours(2)));  // a backfill
  EXPECT_EQ(p.DeadlineIn(milliseconds(10'000)), milliseconds(1000));
  p.Reset();
  p.OnRows(1, 0, Now(clock), Ago(clock, milliseconds(1000)));  // exactly one interval old
  EXPECT_EQ(p.DeadlineIn(milliseconds(10'000)), milliseconds(1000));
}

TEST(BatchPolicyTest, UnknownOrFutureEventTimesCountFromTheArrival) {
  ManualClock clock;
  BatchPolicy p({.interval = milliseconds(1000)}, clock);
  p.OnRows(1, 0, Now(clock), std::chrono::nanoseconds(0));
  EXPECT_EQ(p.DeadlineIn(milliseconds(10'000)), milliseconds(1000));
  p.Reset();
  // A producer clock 3 s ahead of ours: not a reason to wait 4 s.
  p.OnRows(1, 0, Now(clock), clock.WallNow() + std::chrono::seconds(3));
  EXPECT_EQ(p.DeadlineIn(milliseconds(10'000)), milliseconds(1000));
}

TEST(BatchPolicyTest, ALateRowKeepsTheBatchOpenATenthOfTheInterval) {
  // An ingester lagging by nearly the interval: at most kMinOpenDivisor commits per
  // interval, not one per poll round.
  ManualClock clock;
  BatchPolicy p({.interval = milliseconds(1000)}, clock);
  p.OnRows(1, 0, Now(clock), Ago(clock, milliseconds(990)));
  EXPECT_EQ(p.DeadlineIn(milliseconds(10'000)), milliseconds(1000 / kMinOpenDivisor));
}

TEST(BatchPolicyTest, ArrivalIsTheRoundsNotTheClockAtTheCall) {
  // The loop reads the clock once per poll round and passes it for every row.
  ManualClock clock;
  BatchPolicy p({.interval = milliseconds(1000)}, clock);
  const auto round = Now(clock);
  clock.Advance(milliseconds(30));  // decoding the round's messages took 30 ms
  p.OnRows(1, 0, round, round.wall - milliseconds(100));
  EXPECT_EQ(p.DeadlineIn(milliseconds(10'000)), milliseconds(870));
}

TEST(BatchPolicyTest, DeadlineInRoundsUpSoAPollDoesNotSpinBeforeTheDeadline) {
  ManualClock clock;
  BatchPolicy p({.interval = milliseconds(1000)}, clock);
  p.OnRows(1, 0);
  clock.Advance(std::chrono::microseconds(999'500));
  EXPECT_EQ(p.DeadlineIn(milliseconds(250)), milliseconds(1));
  EXPECT_EQ(p.ShouldClose(), CloseReason::kNone);
}

}  // namespace
}  // namespace orbitlake::ingest
