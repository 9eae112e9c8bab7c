#include "devices/board.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>

namespace orbitlake::devices {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::system_clock;

// 2026-12-03T00:00:00Z
const Clock::time_point kMidnight = Clock::time_point(seconds(1796256000));

std::vector<Reading> Simulate(BoardOptions o, Clock::time_point start, Clock::duration length, milliseconds step) {
  Board b(std::move(o), start);
  std::vector<Reading> out;
  for (auto t = start; t < start + length; t += step) b.Advance(t, &out);
  b.Advance(start + length, &out);
  return out;
}

BoardOptions Options(std::string device = "board-1") {
  BoardOptions o;
  o.device = std::move(device);
  o.mean_object_interval = milliseconds(5000);
  return o;
}

TEST(BoardTest, SamplesOnScheduleWithOneSequenceInTimeOrder) {
  auto got = Simulate(Options(), kMidnight, seconds(60), milliseconds(7));
  std::map<Sensor, int> count;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].seq, static_cast<int64_t>(i));
    if (i > 0) {
      EXPECT_GE(got[i].ts_ms, got[i - 1].ts_ms);
    }
    ++count[got[i].sensor];
    auto j = nlohmann::json::parse(got[i].payload);
    EXPECT_EQ(j["device"], "board-1");
    EXPECT_EQ(j["seq"], got[i].seq);
    EXPECT_EQ(j["ts"], got[i].ts_ms);
  }
  EXPECT_EQ(count[Sensor::kDht11], 61);       // 1 Hz, both ends included
  EXPECT_EQ(count[Sensor::kSr04], 60 * 20 + 1);  // 20 Hz
  EXPECT_GT(count[Sensor::kPir], 0) << "objects every ~5 s must trigger the PIR in a minute";
}

TEST(BoardTest, ValuesStayInTheSensorsRangesAndResolution) {
  BoardOptions o = Options();
  o.dht11_period = milliseconds(60'000);  // a day, sampled sparsely to keep the test fast
  o.sr04_period = milliseconds(1000);
  auto got = Simulate(o, kMidnight, seconds(24 * 3600), milliseconds(60'000));
  bool pir_on = false;
  double min_d = 1e9, max_d = 0;
  int min_t = 99, max_t = -99;
  for (const Reading& r : got) {
    auto j = nlohmann::json::parse(r.payload);
    switch (r.sensor) {
      case Sensor::kDht11:
        ASSERT_TRUE(j["temperature_c"].is_number_integer());
        ASSERT_TRUE(j["humidity_pct"].is_number_integer());
        EXPECT_GE(j["temperature_c"], 0);
        EXPECT_LE(j["temperature_c"], 50);
        EXPECT_GE(j["humidity_pct"], 20);
        EXPECT_LE(j["humidity_pct"], 90);
        min_t = std::min(min_t, j["temperature_c"].get<int>());
        max_t = std::max(max_t, j["temperature_c"].get<int>());
        break;
      case Sensor::kSr04: {
        const double d = j["distance_cm"];
        EXPECT_GE(d, 2.0);
        EXPECT_LE(d, 400.0);
        min_d = std::min(min_d, d);
        max_d = std::max(max_d, d);
        break;
      }
      case Sensor::kPir:
        // Events alternate: on, off, on, ...
        EXPECT_EQ(j["motion"].get<bool>(), !pir_on) << r.payload;
        pir_on = j["motion"].get<bool>();
        break;
    }
  }
  EXPECT_GE(max_t - min_t, 8) << "a day must show the daily temperature cycle";
  EXPECT_LT(min_d, 150) << "objects approach";
  EXPECT_GT(max_d, 290) << "and the wall shows when none is there";
}

TEST(BoardTest, WarmestInTheAfternoonColdestAtNight) {
  auto temp_at = [](int hour) {
    auto got = Simulate(Options(), kMidnight + std::chrono::hours(hour), seconds(600), milliseconds(1000));
    double sum = 0;
    int n = 0;
    for (const Reading& r : got) {
      if (r.sensor != Sensor::kDht11) continue;
      sum += nlohmann::json::parse(r.payload)["temperature_c"].get<double>();
      ++n;
    }
    return sum / n;
  };
  EXPECT_GT(temp_at(15), temp_at(3) + 6);
}

TEST(BoardTest, DeterministicPerSeedAndRateScalesTheSampling) {
  auto a = Simulate(Options(), kMidnight, seconds(10), milliseconds(100));
  auto b = Simulate(Options(), kMidnight, seconds(10), milliseconds(333));  // called at other moments
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].payload, b[i].payload);
  BoardOptions other = Options();
  other.seed = 2;
  auto c = Simulate(other, kMidnight, seconds(10), milliseconds(100));
  bool differs = false;
  for (size_t i = 0; i < std::min(a.size(), c.size()); ++i) differs = differs || a[i].payload != c[i].payload;
  EXPECT_TRUE(differs);

  BoardOptions fast = Options();
  fast.rate = 10;
  fast.first_seq = 1000;
  auto f = Simulate(fast, kMidnight, seconds(10), milliseconds(100));
  int sr04 = 0;
  for (const Reading& r : f) sr04 += r.sensor == Sensor::kSr04;
  EXPECT_EQ(sr04, 10 * 200 + 1);
  EXPECT_EQ(f.front().seq, 1000);
}

}  // namespace
}  // namespace orbitlake::devices
