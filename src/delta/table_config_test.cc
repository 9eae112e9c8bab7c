#include "delta/table_config.h"

#include <gtest/gtest.h>

namespace orbitlake::delta {
namespace {

using namespace std::chrono_literals;

Metadata With(const std::string& key, const std::string& value) {
  Metadata m;
  m.configuration[key] = value;
  return m;
}

TEST(TableConfigTest, TargetFileSizeDefaultsAndParses) {
  EXPECT_EQ(*TargetFileSize(Metadata{}), 100 << 20);
  EXPECT_EQ(*TargetFileSize(With("delta.targetFileSize", "268435456")), 268435456);
  EXPECT_EQ(*TargetFileSize(With("delta.targetFileSize", "128mb")), 128 << 20);
  EXPECT_EQ(*TargetFileSize(With("delta.targetFileSize", "1g")), 1 << 30);
  for (const char* bad : {"", "0", "-5", "12 parsecs", "10xb", "99999999999999999999"}) {
    auto st = TargetFileSize(With("delta.targetFileSize", bad)).status();
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("delta.targetFileSize"), std::string::npos) << st.message();
  }
}

TEST(TableConfigTest, RetentionUsesSparkIntervals) {
  EXPECT_EQ(*DeletedFileRetention(Metadata{}), 168h);
  EXPECT_EQ(*DeletedFileRetention(With("delta.deletedFileRetentionDuration", "interval 7 days")), 168h);
  EXPECT_EQ(*DeletedFileRetention(With("delta.deletedFileRetentionDuration", "interval 1 weeks")), 168h);
  EXPECT_EQ(*DeletedFileRetention(With("delta.deletedFileRetentionDuration", "INTERVAL 1 day 12 hours")), 36h);
  EXPECT_EQ(*DeletedFileRetention(With("delta.deletedFileRetentionDuration", "30 minutes")), 30min);
  EXPECT_EQ(*ParseCalendarInterval("interval 0 seconds"), 0ms);
  EXPECT_EQ(*ParseCalendarInterval("interval 1500 milliseconds"), 1500ms);
  for (const char* bad : {"", "interval", "interval 7", "interval days 7", "interval 1 month", "interval 2 fortnights",
                          "interval -1 days", "interval 1.5 days"}) {
    EXPECT_EQ(ParseCalendarInterval(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  auto st = DeletedFileRetention(With("delta.deletedFileRetentionDuration", "a week")).status();
  EXPECT_NE(st.message().find("delta.deletedFileRetentionDuration"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace orbitlake::delta
