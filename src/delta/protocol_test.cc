#include "delta/protocol.h"

#include <gtest/gtest.h>

namespace orbitlake::delta {
namespace {

Metadata Md() {
  Metadata m;
  m.id = "x";
  m.schema_string = R"({"type":"struct","fields":[{"name":"a","type":"long","nullable":true,"metadata":{}}]})";
  return m;
}

Protocol Features(std::vector<std::string> reader, std::vector<std::string> writer) {
  Protocol p{3, 7, std::move(reader), std::move(writer)};
  return p;
}

void ExpectRefused(const Status& st, const std::string& feature) {
  EXPECT_EQ(st.code(), StatusCode::kUnsupported) << st.ToString();
  EXPECT_NE(st.message().find(feature), std::string::npos) << st.ToString();
}

TEST(ProtocolTest, PlainTablesAreReadableAndWritable) {
  EXPECT_TRUE(CheckReadSupported(Protocol{}, Md()).ok());
  EXPECT_TRUE(CheckWriteSupported(Protocol{}, Md()).ok());
  EXPECT_TRUE(CheckWriteSupported(Protocol{1, 4}, Md()).ok());
  EXPECT_TRUE(CheckWriteSupported(Features({}, {"appendOnly", "invariants", "changeDataFeed"}), Md()).ok());
}

TEST(ProtocolTest, RefusesUnsupportedReaderFeaturesByName) {
  ExpectRefused(CheckReadSupported(Features({"deletionVectors"}, {"deletionVectors"}), Md()), "deletionVectors");
  ExpectRefused(CheckReadSupported(Features({"v2Checkpoint"}, {"v2Checkpoint"}), Md()), "v2Checkpoint");
  ExpectRefused(CheckReadSupported(Features({"typeWidening"}, {}), Md()), "typeWidening");
  auto m = Md();
  m.configuration["delta.columnMapping.mode"] = "name";
  ExpectRefused(CheckReadSupported(Protocol{2, 5}, m), "columnMapping");
  EXPECT_EQ(CheckReadSupported(Protocol{4, 7}, Md()).code(), StatusCode::kUnsupported);
  EXPECT_TRUE(CheckReadSupported(Features({"timestampNtz"}, {"timestampNtz"}), Md()).ok());
}

TEST(ProtocolTest, RefusesWriterFeaturesItCannotHonour) {
  ExpectRefused(CheckWriteSupported(Features({}, {"domainMetadata"}), Md()), "domainMetadata");
  ExpectRefused(CheckWriteSupported(Features({"timestampNtz"}, {"timestampNtz", "rowTracking"}), Md()), "rowTracking");
  auto m = Md();
  m.configuration["delta.constraints.positive"] = "a > 0";
  ExpectRefused(CheckWriteSupported(Protocol{1, 3}, m), "checkConstraints");
  auto inv = Md();
  inv.schema_string = R"({"type":"struct","fields":[{"name":"a","type":"long","nullable":true,"metadata":{"delta.invariants":"{}"}}]})";
  ExpectRefused(CheckWriteSupported(Protocol{1, 2}, inv), "invariants");
}

TEST(ProtocolTest, AppendOnlyForbidsRemovesOnly) {
  auto m = Md();
  m.configuration["delta.appendOnly"] = "true";
  EXPECT_TRUE(CheckWriteSupported(Protocol{}, m).ok());
  auto st = CheckWriteSupported(Protocol{}, m, /*removes_data=*/true);
  EXPECT_EQ(st.code(), StatusCode::kUnsupported);
  EXPECT_NE(st.message().find("append-only"), std::string::npos);
}

TEST(ProtocolTest, CheckpointIntervalDefaultsToTen) {
  EXPECT_EQ(CheckpointInterval(Md()), 10);
  auto m = Md();
  m.configuration["delta.checkpointInterval"] = "3";
  EXPECT_EQ(CheckpointInterval(m), 3);
  m.configuration["delta.checkpointInterval"] = "junk";
  EXPECT_EQ(CheckpointInterval(m), 10);
}

}  // namespace
}  // namespace orbitlake::delta
