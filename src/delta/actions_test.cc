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

TEST(ActionsTest, IntegerFieldsMustBeIntegersInRange) {
  // 1e300 as an int was undefined behaviour (actions_fuzz, UBSan); true and 2.5 were
  // silently read as 1 and 2.
  struct Case {
    const char* line;
    const char* message;
  };
  for (const Case& c : {
           Case{R"({"protocol":{"minReaderVersion":1e300,"minWriterVersion":2}})", "'minReaderVersion' is 1e+300"},
           Case{R"({"protocol":{"minReaderVersion":1,"minWriterVersion":4294967298}})", "'minWriterVersion' is 4294967298"},
           Case{R"({"add":{"path":"a","size":true}})", "'size' is true, expected an integer"},
           Case{R"({"add":{"path":"a","size":2.5}})", "'size' is 2.5"},
           Case{R"({"txn":{"appId":"a","version":18446744073709551615}})", "'version' is 18446744073709551615"},
           Case{R"({"remove":{"path":"a","deletionTimestamp":-1e19}})", "'deletionTimestamp' is -1e+19"},
       }) {
    auto r = ParseCommit(std::string(c.line) + "\n", "t/_delta_log/00000000000000000003.json");
    ASSERT_FALSE(r.ok()) << c.line;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
    EXPECT_NE(r.status().message().find(c.message), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("00000000000000000003.json line 1"), std::string::npos) << r.status().message();
  }
  auto big = ParseCommit(R"({"txn":{"appId":"a","version":9223372036854775807}})", "x");
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  EXPECT_EQ(std::get<Txn>((*big)[0]).version, INT64_MAX);
}

TEST(ActionsTest, DeeplyNestedJsonIsCorruptionNotAStackOverflow) {
  // Copying or printing this value recursed once per level and overflowed the stack
  // (a hand-made input, run through actions_fuzz under ASan).
  const int deep = 1'000'000;
  const std::string line = R"({"commitInfo":{"a":)" + std::string(deep, '[') + std::string(deep, ']') + "}}";
  auto r = ParseCommit("{\"txn\":{\"appId\":\"a\",\"version\":1}}\n" + line + "\n", "t/00000000000000000004.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(r.status().message(),
            "t/00000000000000000004.json line 2: JSON nested deeper than 256 levels (at byte 274)");

  // kMaxJsonDepth itself is fine, and brackets inside strings (escaped quotes too) do not count.
  const int inner = kMaxJsonDepth - 2;
  const std::string ok_line = R"({"commitInfo":{"s":"[[[{\"[[[","a":)" + std::string(inner, '[') +
                              std::string(inner, ']') + "}}";
  auto ok = ParseCommit(ok_line, "x");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(std::get<CommitInfo>((*ok)[0]).json["s"], "[[[{\"[[[");
  EXPECT_FALSE(ParseCommit(R"({"commitInfo":{"a":)" + std::string(inner + 1, '[') + std::string(inner + 1, ']') + "}}",
                           "x")
                   .ok());
}

TEST(ActionsTest, PathsArePercentEncoded) {
  EXPECT_EQ(EncodePath("p=a%3Ab/part 1.parquet"), "p=a%253Ab/part%201.parquet");
  EXPECT_EQ(DecodePath("p=a%253Ab/part%201.parquet"), "p=a%3Ab/part 1.parquet");
  EXPECT_NE(NewUuid(), NewUuid());
  EXPECT_EQ(NewUuid().size(), 36u);
}

}  // namespace
}  // namespace orbitlake::delta
