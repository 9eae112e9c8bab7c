#include "pipeline/from.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace orbitlake::pipeline {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> Path(std::string_view text) {
  auto p = ParseJsonPath(text);
  EXPECT_TRUE(p.ok()) << text << ": " << p.status().ToString();
  return p.ok() ? *p : std::vector<std::string>{};
}

std::string PathError(std::string_view text, size_t* offset = nullptr) {
  auto p = ParseJsonPath(text, offset);
  EXPECT_FALSE(p.ok()) << text;
  return p.status().message();
}

TEST(ParseJsonPathTest, DottedAndQuotedMembers) {
  EXPECT_THAT(Path("$.event_id"), ElementsAre("event_id"));
  EXPECT_THAT(Path("$.page.url"), ElementsAre("page", "url"));
  EXPECT_THAT(Path("$.event-type.x1"), ElementsAre("event-type", "x1"));
  EXPECT_THAT(Path("$['a.b'].c"), ElementsAre("a.b", "c"));
  EXPECT_THAT(Path("$[\"it's\"]"), ElementsAre("it's"));
  EXPECT_EQ(JsonPathToString({"page", "url"}), "$.page.url");
  EXPECT_EQ(JsonPathToString({"a.b", "c d", "it's"}), "$['a.b']['c d'][\"it's\"]");
  for (const char* text : {"$.a.b", "$['a.b'].c", "$['x y']", "$[\"it's\"]"}) {
    EXPECT_EQ(JsonPathToString(Path(text)), text);
  }
}

TEST(ParseJsonPathTest, Errors) {
  size_t offset = 99;
  EXPECT_THAT(PathError("$.items[0]", &offset),
              HasSubstr("path '$.items[0]', character 8: array elements are not addressed by path"));
  EXPECT_EQ(offset, 7u);
  EXPECT_THAT(PathError("$", &offset), HasSubstr("names at least one member"));
  EXPECT_THAT(PathError("$.a..b", &offset), HasSubstr("character 5: expected a member name after '.', found '.'"));
  EXPECT_EQ(offset, 4u);
  EXPECT_THAT(PathError("$.a."), HasSubstr("found the end"));
  EXPECT_THAT(PathError("$.a b"), HasSubstr("expected '.' or '[' in the path, found ' '"));
  EXPECT_THAT(PathError("$['a"), HasSubstr("unterminated '"));
  EXPECT_THAT(PathError("$['a'"), HasSubstr("expected ']'"));
  EXPECT_THAT(PathError("$['']"), HasSubstr("empty member name"));
  EXPECT_THAT(PathError("$[a]"), HasSubstr("expected a quoted member name"));
  EXPECT_THAT(PathError("a.b"), HasSubstr("starts with '$'"));
}

TEST(ParseFieldPathTest, WithOrWithoutTheRoot) {
  EXPECT_THAT(*ParseFieldPath("event_type"), ElementsAre("event_type"));
  EXPECT_THAT(*ParseFieldPath("page.kind"), ElementsAre("page", "kind"));
  EXPECT_THAT(*ParseFieldPath("$.page.kind"), ElementsAre("page", "kind"));
  size_t offset = 99;
  auto bad = ParseFieldPath("page..kind", &offset);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("field 'page..kind', character 6: expected a member name"));
  EXPECT_EQ(offset, 5u);
}

TEST(ParseFromTest, EveryForm) {
  auto kafka = [](std::string_view text) {
    auto f = ParseFrom(text);
    EXPECT_TRUE(f.ok()) << text << ": " << f.status().ToString();
    return f.ok() ? std::get<FromKafka>(*f) : FromKafka{};
  };
  EXPECT_EQ(kafka("kafka.topic").field, FromKafka::Field::kTopic);
  EXPECT_EQ(kafka("kafka.partition").field, FromKafka::Field::kPartition);
  EXPECT_EQ(kafka("kafka.offset").field, FromKafka::Field::kOffset);
  EXPECT_EQ(kafka("kafka.timestamp").field, FromKafka::Field::kTimestamp);
  EXPECT_EQ(kafka("kafka.key").field, FromKafka::Field::kKey);
  // A file source's documents: file name, line and modification time in the same slots.
  EXPECT_EQ(kafka("file.name").field, FromKafka::Field::kTopic);
  EXPECT_EQ(kafka("file.line").field, FromKafka::Field::kOffset);
  EXPECT_EQ(kafka("file.modified").field, FromKafka::Field::kTimestamp);
  FromKafka header = kafka("kafka.header.trace-id.v2");
  EXPECT_EQ(header.field, FromKafka::Field::kHeader);
  EXPECT_EQ(header.header, "trace-id.v2");
  EXPECT_TRUE(std::holds_alternative<FromIngestTime>(*ParseFrom("ingest_time")));
  EXPECT_EQ(std::get<FromColumn>(*ParseFrom("event_time")).name, "event_time");
  EXPECT_THAT(std::get<FromJsonPath>(*ParseFrom("$.page.url")).segments, ElementsAre("page", "url"));
  for (const char* text : {"kafka.topic", "kafka.header.x", "ingest_time", "event_time", "$.page.url", "$['a.b']"}) {
    EXPECT_EQ(ToString(*ParseFrom(text)), text);
  }
  EXPECT_EQ(ToString(From(FromConstant{"\"web\""})), "value \"web\"");
}

TEST(ParseFromTest, Errors) {
  size_t offset = 99;
  auto f = ParseFrom("kafka.partiton", &offset);
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status().message(), HasSubstr("unknown Kafka field 'partiton' (did you mean partition?)"));
  EXPECT_EQ(offset, 6u);
  EXPECT_THAT(ParseFrom("kafka").status().message(), HasSubstr("unknown Kafka field ''"));
  EXPECT_THAT(ParseFrom("kafka.header.").status().message(), HasSubstr("kafka.header needs the header's name"));
  EXPECT_THAT(ParseFrom("page.url").status().message(), HasSubstr("expected a JSON path ($.field)"));
  EXPECT_THAT(ParseFrom("").status().message(), HasSubstr("for a constant, use value = ..."));
  EXPECT_THAT(ParseFrom("$.items[*]").status().message(), HasSubstr("array elements are not addressed"));
}

}  // namespace
}  // namespace orbitlake::pipeline
