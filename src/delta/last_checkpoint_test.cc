#include "delta/last_checkpoint.h"

#include <gtest/gtest.h>

namespace orbitlake::delta {
namespace {

TEST(LastCheckpointTest, ParsesWhatSparkAndDeltaRsWrite) {
  // Spark 3.5 / delta-spark 3.x and delta-rs write these fields (plus ones we ignore).
  auto lc = ParseLastCheckpoint(
      R"({"version":10,"size":14,"sizeInBytes":21435,"numOfAddFiles":10,"checkpointSchema":{"type":"struct","fields":[]},"checksum":"x"})",
      "t/_last_checkpoint");
  ASSERT_TRUE(lc.ok()) << lc.status().ToString();
  EXPECT_EQ(lc->version, 10);
  EXPECT_EQ(lc->size, 14);
  EXPECT_EQ(lc->size_in_bytes, 21435);
  EXPECT_EQ(lc->num_of_add_files, 10);
  EXPECT_FALSE(lc->parts);
}

TEST(LastCheckpointTest, RoundTrips) {
  LastCheckpoint lc{.version = 7, .size = 3, .parts = 2, .size_in_bytes = 99, .num_of_add_files = 1};
  auto back = ParseLastCheckpoint(SerializeLastCheckpoint(lc), "x");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, lc);
}

TEST(LastCheckpointTest, RefusesMalformedHintsNamingFileAndField) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : {
           Case{"{garbage", "t/_last_checkpoint: not JSON"},
           Case{"[1]", "t/_last_checkpoint: not a JSON object"},
           Case{R"({"size":1})", "t/_last_checkpoint: no 'version'"},
           Case{R"({"version":-1})", "'version' is -1"},
           Case{R"({"version":1.5})", "'version' is 1.5"},
           Case{R"({"version":1,"parts":1e300})", "'parts' is 1e+300"},
           Case{R"({"version":1,"parts":0})", "'parts' is 0, expected an integer from 1"},
           Case{R"({"version":1,"parts":4294967296})", "'parts' is 4294967296"},
           Case{R"({"version":18446744073709551615})", "'version' is 18446744073709551615"},
           Case{R"({"version":true})", "'version' is true"},
           Case{R"({"version":"3"})", "'version' is \"3\""},
       }) {
    auto lc = ParseLastCheckpoint(c.text, "t/_last_checkpoint");
    ASSERT_FALSE(lc.ok()) << c.text;
    EXPECT_EQ(lc.status().code(), StatusCode::kCorruption) << c.text;
    EXPECT_NE(lc.status().message().find(c.message), std::string::npos)
        << c.text << " -> " << lc.status().message();
    EXPECT_NE(lc.status().message().find("t/_last_checkpoint"), std::string::npos) << lc.status().message();
  }
}

TEST(LastCheckpointTest, DeeplyNestedFieldIsCorruptionNotAStackOverflow) {
  // Printing the bad value in the error recursed once per level (found by hand, run
  // through last_checkpoint_fuzz under ASan).
  const std::string text = R"({"version":)" + std::string(1'000'000, '[') + std::string(1'000'000, ']') + "}";
  auto lc = ParseLastCheckpoint(text, "t/_last_checkpoint");
  ASSERT_FALSE(lc.ok());
  EXPECT_EQ(lc.status().message(), "t/_last_checkpoint: JSON nested deeper than 256 levels (at byte 267)");
  // A long bad value is shown cut short.
  auto long_value = ParseLastCheckpoint(R"({"version":")" + std::string(10'000, 'x') + "\"}", "t/_last_checkpoint");
  ASSERT_FALSE(long_value.ok());
  EXPECT_LT(long_value.status().message().size(), 200u) << long_value.status().message();
}

}  // namespace
}  // namespace orbitlake::delta
