#include "medallion/sensor_feed.h"

#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace orbitlake::medallion {
namespace {

using Clock = std::chrono::system_clock;

TEST(SensorFeedTest, CleanReadingsHaveEveryFieldInRange) {
  SensorFeed feed({.sensors = 2, .dirty_share = 0.0});
  const auto t0 = Clock::time_point(std::chrono::seconds(1796299200));
  for (int i = 0; i < 200; ++i) {
    Message m = feed.Next(i % 2, t0 + std::chrono::seconds(i));
    ASSERT_EQ(m.kind, Kind::kClean);
    auto j = nlohmann::json::parse(m.json);
    EXPECT_EQ(j["sensor_id"], m.sensor_id);
    EXPECT_EQ(j["reading_id"].get<int64_t>(), 1 + i / 2);
    EXPECT_EQ(j["timestamp"].get<std::string>().size(), 24u);
    EXPECT_GT(j["temperature"].get<double>(), -10);
    EXPECT_LT(j["temperature"].get<double>(), 40);
    EXPECT_GE(j["humidity"].get<double>(), 0);
    EXPECT_LE(j["humidity"].get<double>(), 100);
    EXPECT_NEAR(j["pressure"].get<double>(), 1013, 5);
  }
  EXPECT_EQ(feed.counts()[0], 200);
  EXPECT_EQ(feed.next_ids(), (std::vector<int64_t>{101, 101}));
}

TEST(SensorFeedTest, DirtyShareGivesEveryKindAndTheCountsReconcile) {
  SensorFeed feed({.sensors = 3, .dirty_share = 0.5, .seed = 7});
  const auto t0 = Clock::time_point(std::chrono::seconds(1796299200));
  std::array<int64_t, kKinds> seen{};
  std::set<std::pair<std::string, int64_t>> ids;
  for (int i = 0; i < 3000; ++i) {
    Message m = feed.Next(i % 3, t0 + std::chrono::milliseconds(i * 333));
    seen[static_cast<int>(m.kind)]++;
    auto j = nlohmann::json::parse(m.json, nullptr, /*allow_exceptions=*/false);
    if (m.kind == Kind::kMalformed) {
      EXPECT_TRUE(j.is_discarded()) << m.json;
      continue;
    }
    ASSERT_FALSE(j.is_discarded()) << m.json;
    auto key = std::make_pair(j["sensor_id"].get<std::string>(), j["reading_id"].get<int64_t>());
    if (m.kind == Kind::kDuplicate) {
      EXPECT_TRUE(ids.count(key)) << "a duplicate repeats an earlier reading";
    } else {
      EXPECT_TRUE(ids.insert(key).second) << "reading ids are unique per sensor";
    }
    if (m.kind == Kind::kNull) {
      EXPECT_TRUE(j["temperature"].is_null());
    }
    if (m.kind == Kind::kBadTimestamp) {
      EXPECT_EQ(j["timestamp"], "not-a-time");
    }
    if (m.kind == Kind::kOutOfRange) {
      EXPECT_TRUE(j["temperature"].get<double>() > 100 || j["humidity"].get<double>() > 100) << m.json;
    }
  }
  EXPECT_EQ(seen, feed.counts());
  for (int k = 0; k < kKinds; ++k) EXPECT_GT(seen[k], 100) << KindName(static_cast<Kind>(k));
}

TEST(SensorFeedTest, SameOptionsSameMessages) {
  const auto t0 = Clock::time_point(std::chrono::seconds(1796299200));
  SensorFeed a({.dirty_share = 0.3, .seed = 3}), b({.dirty_share = 0.3, .seed = 3});
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.Next(i % 3, t0).json, b.Next(i % 3, t0).json);
}

}  // namespace
}  // namespace orbitlake::medallion
