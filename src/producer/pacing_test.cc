#include "producer/pacing.h"

#include <gtest/gtest.h>

namespace orbitlake::producer {
namespace {

using namespace std::chrono_literals;


TEST(ParseSleepRangeTest, RangeOrFixed) {
  EXPECT_EQ(*ParseSleepRange("5ms..50ms"), (SleepRange{5ms, 50ms}));
  EXPECT_EQ(*ParseSleepRange("20ms"), (SleepRange{20ms, 20ms}));
  EXPECT_EQ(*ParseSleepRange("1us..1s"), (SleepRange{1us, 1s}));
  EXPECT_FALSE(ParseSleepRange("50ms..5ms").ok());
  EXPECT_FALSE(ParseSleepRange("5ms..").ok());
  EXPECT_FALSE(ParseSleepRange("..5ms").ok());
  EXPECT_FALSE(ParseSleepRange("5ms...50ms").ok());
}

TEST(SleepUntilTest, SleepsToTheDeadlineOrStops) {
  ManualClock clock;
  EXPECT_TRUE(SleepUntil(clock, clock.Now() + 1s, {}));
  EXPECT_EQ(clock.slept(), 1s);
  int polls = 0;
  EXPECT_FALSE(SleepUntil(clock, clock.Now() + 10s, [&] { return ++polls > 3; }));
  EXPECT_EQ(clock.slept(), 1s + 300ms);  // three 100 ms slices, then the stop
}

TEST(RateLimiterTest, HoldsTheRateWithoutBursting) {
  ManualClock clock;
  RateLimiter limiter(100, clock);  // one event every 10 ms
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.Acquire());
  EXPECT_EQ(clock.slept(), 9990ms);  // the first goes at once
}

TEST(RateLimiterTest, CatchesUpAtMostTheCatchUpWindowAfterAPause) {
  ManualClock clock;
  RateLimiter limiter(100, clock, 50ms);
  ASSERT_TRUE(limiter.Acquire());
  clock.Advance(1s);  // e.g. a slow disk read
  int immediate = 0;
  for (int i = 0; i < 20; ++i) {
    auto before = clock.slept();
    ASSERT_TRUE(limiter.Acquire());
    if (clock.slept() == before) ++immediate;
  }
  EXPECT_EQ(immediate, 6);  // 50 ms of credit = 5 events, plus the one due now
}

TEST(RateLimiterTest, StopInterruptsTheWait) {
  ManualClock clock;
  RateLimiter limiter(0.01, clock);  // one event per 100 s
  ASSERT_TRUE(limiter.Acquire());
  EXPECT_FALSE(limiter.Acquire([&] { return clock.slept() >= 1s; }));
  EXPECT_LT(clock.slept(), 2s);
}

TEST(ScheduleTest, WithoutPausesSatellitesTakeTurns) {
  ManualClock clock;
  Schedule s(3, std::nullopt, 1, clock);
  std::vector<size_t> order;
  for (int i = 0; i < 7; ++i) {
    order.push_back(s.Next().first);
    s.Sent();
  }
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 0, 1, 2, 0}));
  EXPECT_EQ(clock.slept(), 0ns);
}

TEST(ScheduleTest, EachSatelliteHasItsOwnTimeline) {
  ManualClock clock;
  const auto t0 = clock.Now();
  Schedule s(2, SleepRange{10ms, 10ms}, 1, clock);
  EXPECT_EQ(s.Next(), std::make_pair(size_t{0}, t0));
  s.Sent();
  EXPECT_EQ(s.Next(), std::make_pair(size_t{1}, t0));
  clock.Advance(2ms);
  s.Sent();  // satellite 1 sent at t0 + 2 ms: next at t0 + 12 ms
  EXPECT_EQ(s.Next(), std::make_pair(size_t{0}, t0 + 10ms));
  clock.Advance(8ms);
  s.Sent();
  EXPECT_EQ(s.Next(), std::make_pair(size_t{1}, t0 + 12ms));
  s.Finished();
  EXPECT_EQ(s.Next(), std::make_pair(size_t{0}, t0 + 20ms));
  s.Finished();
  EXPECT_TRUE(s.empty());
}

TEST(ScheduleTest, RandomPausesStayInTheRange) {
  ManualClock clock;
  Schedule s(1, SleepRange{5ms, 50ms}, 42, clock);
  std::chrono::nanoseconds lo = 1h, hi = 0ns;
  for (int i = 0; i < 2000; ++i) {
    auto [sat, due] = s.Next();
    clock.Advance(due - clock.Now());
    auto sent_at = clock.Now();
    s.Sent();
    auto pause = s.Next().second - sent_at;
    lo = std::min(lo, pause);
    hi = std::max(hi, pause);
  }
  EXPECT_GE(lo, 5ms);
  EXPECT_LE(hi, 50ms);
  EXPECT_LT(lo, 7ms);  // the whole range is used
  EXPECT_GT(hi, 48ms);
}

}  // namespace
}  // namespace orbitlake::producer
