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

TEST(ProtocolTest, AcceptsFeaturesThatNeedNothingFromAReader) {
  // What Spark 3.5 / delta-spark 3.3 writes for a timestamp_ntz column, and with
  // delta.feature.vacuumProtocolCheck=supported.
  auto ntz = Features({"timestampNtz"}, {"timestampNtz", "appendOnly", "invariants"});
  auto vacuum = Features({"vacuumProtocolCheck"}, {"vacuumProtocolCheck", "appendOnly", "invariants"});
  auto both = Features({"timestampNtz", "vacuumProtocolCheck"}, {"timestampNtz", "vacuumProtocolCheck"});
  for (const auto& p : {ntz, vacuum, both}) {
    EXPECT_TRUE(CheckReadSupported(p, Md()).ok());
    // orbitlake never vacuums and only appends: it may commit to these tables too.
    EXPECT_TRUE(CheckWriteSupported(p, Md()).ok()) << CheckWriteSupported(p, Md()).ToString();
  }
  // Writer-only features never stop a reader, even those orbitlake cannot write.
  auto writer_only = Features({}, {"appendOnly", "invariants", "checkConstraints", "generatedColumns",
                                   "identityColumns", "domainMetadata", "rowTracking", "inCommitTimestamp"});
  EXPECT_TRUE(CheckReadSupported(writer_only, Md()).ok());
  ExpectRefused(CheckWriteSupported(writer_only, Md()), "domainMetadata");
  auto constrained = Md();
  constrained.configuration["delta.constraints.positive"] = "a > 0";
  EXPECT_TRUE(CheckReadSupported(Features({}, {"checkConstraints"}), constrained).ok());
  ExpectRefused(CheckWriteSupported(Features({}, {"checkConstraints"}), constrained), "checkConstraints");
}

TEST(ProtocolTest, RefusesEveryReaderFeatureItCannotReadOnBothPaths) {
  for (const std::string f : {"deletionVectors", "v2Checkpoint", "typeWidening", "typeWidening-preview",
                              "variantType", "variantType-preview", "someFutureFeature"}) {
    auto p = Features({"timestampNtz", f, "vacuumProtocolCheck"}, {"timestampNtz", f, "vacuumProtocolCheck"});
    ExpectRefused(CheckReadSupported(p, Md()), f);
    ExpectRefused(CheckWriteSupported(p, Md()), f);
  }
  auto mapped = Md();
  mapped.configuration["delta.columnMapping.mode"] = "id";
  ExpectRefused(CheckReadSupported(Features({"columnMapping"}, {"columnMapping"}), mapped), "columnMapping");
  // Listed but unused ("none") is readable.
  auto unmapped = Md();
  unmapped.configuration["delta.columnMapping.mode"] = "none";
  EXPECT_TRUE(CheckReadSupported(Features({"columnMapping"}, {"columnMapping"}), unmapped).ok());
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
