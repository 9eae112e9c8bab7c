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
  for (const char* bad : {"", "5", "ms", "5 ms", "-5ms", "5min", "abc", "2days"}) {
    EXPECT_EQ(ParseDuration(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace orbitlake
