#include "delta/actions.h"

#include <gtest/gtest.h>

namespace orbitlake::delta {
namespace {

TEST(ActionsTest, RoundTripsEveryActionThroughJson) {
  Metadata md;
  md.id = "id-1";
  md.schema_string = R"({"type":"struct","fields":[]})";
  md.partition_columns = {"date"};
  md.configuration = {{"delta.checkpointInterval", "5"}};
  md.created_time = 42;
  AddFile add;
  add.path = "date=2026-01-01/part-1.parquet";
  add.partition_values = {{"date", "2026-01-01"}, {"sat", std::nullopt}};
  add.size = 10;
  add.modification_time = 11;
  add.stats = R"({"numRecords":3})";
  RemoveFile rm;
  rm.path = "old.parquet";
  rm.deletion_timestamp = 99;
  Txn txn{"app", 7, 123};
  std::vector<Action> actions = {Protocol{}, md, add, rm, txn, CommitInfo{{{"operation", "WRITE"}}}};
  auto back = ParseCommit(SerializeCommit(actions), "x");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), actions.size());
  EXPECT_EQ(std::get<Protocol>((*back)[0]).min_writer_version, 2);
  EXPECT_EQ(std::get<Metadata>((*back)[1]).configuration.at("delta.checkpointInterval"), "5");
  const auto& add2 = std::get<AddFile>((*back)[2]);
  EXPECT_EQ(add2.partition_values, add.partition_values);
  EXPECT_EQ(add2.stats, add.stats);
  EXPECT_EQ(std::get<RemoveFile>((*back)[3]).deletion_timestamp, 99);
  EXPECT_EQ(std::get<Txn>((*back)[4]).version, 7);
  EXPECT_EQ(std::get<CommitInfo>((*back)[5]).json["operation"], "WRITE");
}

TEST(ActionsTest, UnknownActionsAndFieldsAreIgnored) {
  auto back = ParseCommit(
      "{\"cdc\":{\"path\":\"x\"}}\n"
      "{\"domainMetadata\":{\"domain\":\"d\"}}\n"
      "{\"add\":{\"path\":\"a\",\"size\":1,\"modificationTime\":2,\"dataChange\":true,\"futureField\":[1]}}\n\n",
      "x");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ(std::get<AddFile>((*back)[0]).path, "a");
}

TEST(ActionsTest, MalformedKnownActionIsCorruption) {
  EXPECT_EQ(ParseCommit("{\"add\":{\"size\":1}}\n", "x").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ParseCommit("not json\n", "x").status().code(), StatusCode::kCorruption);
}

TEST(ActionsTest, PathsArePercentEncoded) {
  EXPECT_EQ(EncodePath("p=a%3Ab/part 1.parquet"), "p=a%253Ab/part%201.parquet");
  EXPECT_EQ(DecodePath("p=a%253Ab/part%201.parquet"), "p=a%3Ab/part 1.parquet");
  EXPECT_NE(NewUuid(), NewUuid());
  EXPECT_EQ(NewUuid().size(), 36u);
}

}  // namespace
}  // namespace orbitlake::delta
