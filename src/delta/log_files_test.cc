#include "delta/log_files.h"

#include <gtest/gtest.h>

namespace orbitlake::delta {
namespace {

TEST(LogFilesTest, NamesAreZeroPadded) {
  EXPECT_EQ(CommitPath(7), "_delta_log/00000000000000000007.json");
  EXPECT_EQ(CheckpointPath(10), "_delta_log/00000000000000000010.checkpoint.parquet");
  EXPECT_EQ(LastCheckpointPath(), "_delta_log/_last_checkpoint");
  EXPECT_LT(VersionPrefix(10), CommitPath(10));
  EXPECT_LT(VersionPrefix(10), CheckpointPath(10));
  EXPECT_GT(VersionPrefix(10), CommitPath(9));
}

TEST(LogFilesTest, ParsesCommitAndCheckpointNames) {
  auto c = ParseLogFileName(CommitPath(123));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, LogFile::Kind::kCommit);
  EXPECT_EQ(c->version, 123);
  auto cp = ParseLogFileName("00000000000000000010.checkpoint.parquet");
  ASSERT_TRUE(cp);
  EXPECT_EQ(cp->kind, LogFile::Kind::kCheckpoint);
  auto mp = ParseLogFileName("_delta_log/00000000000000000010.checkpoint.0000000002.0000000003.parquet");
  ASSERT_TRUE(mp);
  EXPECT_EQ(mp->kind, LogFile::Kind::kMultiPartCheckpoint);
  EXPECT_EQ(mp->part, 2);
  EXPECT_EQ(mp->parts, 3);
  EXPECT_FALSE(ParseLogFileName("_delta_log/_last_checkpoint"));
  EXPECT_FALSE(ParseLogFileName("_delta_log/00000000000000000010.crc"));
  EXPECT_FALSE(ParseLogFileName("_delta_log/00000000000000000010.json.tmp-123"));
  EXPECT_FALSE(ParseLogFileName("_delta_log/0000000000000000001x.json"));
}

}  // namespace
}  // namespace orbitlake::delta
