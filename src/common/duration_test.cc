#include "common/duration.h"

#include <gtest/gtest.h>

namespace orbitlake {
namespace {

using namespace std::chrono_literals;

TEST(ParseDurationTest, UnitsAndErrors) {
  EXPECT_EQ(*ParseDuration("5ms"), 5ms);
  EXPECT_EQ(*ParseDuration("1.5s"), 1500ms);
  EXPECT_EQ(*ParseDuration("200us"), 200us);
  EXPECT_EQ(*ParseDuration("100ns"), 100ns);
  EXPECT_EQ(*ParseDuration("0ms"), 0ns);
  EXPECT_EQ(*ParseDuration("10m"), 10min);
  EXPECT_EQ(*ParseDuration("1.5h"), 90min);
  EXPECT_EQ(*ParseDuration("1d"), 24h);
  for (const char* bad : {"", "5", "ms", "5 ms", "-5ms", "5min", "abc", "2days"}) {
    EXPECT_EQ(ParseDuration(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ParseDuration("25h").status().message(), "duration '25h' is longer than 1 day");
  EXPECT_EQ(*ParseDuration("7d", 168h), 168h);
  EXPECT_EQ(ParseDuration("8d", 168h).status().message(), "duration '8d' is longer than 7 days");
  EXPECT_EQ(ParseDuration("2s", 1500ms).status().message(), "duration '2s' is longer than 1500 milliseconds");
}

}  // namespace
}  // namespace orbitlake
