#include "delta/schema.h"

#include <arrow/api.h>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace orbitlake::delta {
namespace {

TEST(SchemaTest, ArrowToSparkTypeNamesAndBack) {
  auto schema = arrow::schema({
      arrow::field("id", arrow::int64(), false), arrow::field("n", arrow::int32()), arrow::field("s", arrow::int16()),
      arrow::field("b", arrow::int8()), arrow::field("x", arrow::float64()), arrow::field("f", arrow::float32()),
      arrow::field("ok", arrow::boolean()), arrow::field("name", arrow::utf8()), arrow::field("raw", arrow::binary()),
      arrow::field("date", arrow::date32()), arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
      arrow::field("d", arrow::decimal128(10, 2)),
      arrow::field("pos", arrow::struct_({arrow::field("lat", arrow::float64())})),
      arrow::field("tags", arrow::list(arrow::utf8())),
      arrow::field("m", arrow::map(arrow::utf8(), arrow::int64())),
  });
  auto s = ToSchemaString(*schema);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto j = nlohmann::json::parse(*s);
  std::vector<std::string> names;
  for (const auto& f : j["fields"]) names.push_back(f["type"].is_string() ? f["type"].get<std::string>() : f["type"]["type"].get<std::string>());
  EXPECT_EQ(names, (std::vector<std::string>{"long", "integer", "short", "byte", "double", "float", "boolean", "string",
                                             "binary", "date", "timestamp", "decimal(10,2)", "struct", "array", "map"}));
  EXPECT_EQ(j["fields"][0]["nullable"], false);
  EXPECT_TRUE(j["fields"][0]["metadata"].is_object());
  auto back = FromSchemaString(*s);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ((*back)->num_fields(), schema->num_fields());
  for (int i = 0; i < schema->num_fields(); ++i) {
    if (schema->field(i)->type()->id() == arrow::Type::LIST || schema->field(i)->type()->id() == arrow::Type::MAP) continue;
    EXPECT_TRUE((*back)->field(i)->Equals(*schema->field(i))) << (*back)->field(i)->ToString();
  }
}

TEST(SchemaTest, TimestampWithoutZoneIsTimestampNtzBothWays) {
  auto s = ToSchemaString(*arrow::schema({arrow::field("t", arrow::timestamp(arrow::TimeUnit::MICRO))}));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_NE(s->find(R"("type":"timestamp_ntz")"), std::string::npos) << *s;
  auto back = FromSchemaString(*s);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE((*back)->field(0)->type()->Equals(*arrow::timestamp(arrow::TimeUnit::MICRO)));
}

TEST(SchemaTest, BadSchemaStringIsCorruption) {
  EXPECT_EQ(FromSchemaString("{").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(FromSchemaString(R"({"type":"struct","fields":[{"name":"v","type":"variant"}]})").status().code(),
            StatusCode::kUnsupported);
}

TEST(SchemaTest, DeltaTypeNamesAreSparkSimpleStrings) {
  EXPECT_EQ(DeltaTypeName(*arrow::int64()), "long");
  EXPECT_EQ(DeltaTypeName(*arrow::decimal128(10, 2)), "decimal(10,2)");
  EXPECT_EQ(DeltaTypeName(*arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")), "timestamp");
  EXPECT_EQ(DeltaTypeName(*arrow::timestamp(arrow::TimeUnit::MICRO)), "timestamp_ntz");
  EXPECT_EQ(DeltaTypeName(*arrow::list(arrow::utf8())), "array<string>");
  EXPECT_EQ(DeltaTypeName(*arrow::map(arrow::utf8(), arrow::int32())), "map<string,integer>");
  EXPECT_EQ(DeltaTypeName(*arrow::struct_({arrow::field("lat", arrow::float64()), arrow::field("n", arrow::int8())})),
            "struct<lat:double,n:byte>");
}

TEST(SchemaTest, FirstSchemaDifferenceNamesTheColumnInOneLine) {
  auto base = arrow::schema({arrow::field("sat", arrow::utf8()), arrow::field("seq", arrow::int64()),
                             arrow::field("temp_c", arrow::float64())});
  EXPECT_EQ(FirstSchemaDifference(*base, *base), std::nullopt);

  auto retyped = arrow::schema({arrow::field("sat", arrow::utf8()), arrow::field("seq", arrow::int64()),
                                arrow::field("temp_c", arrow::utf8())});
  EXPECT_EQ(FirstSchemaDifference(*retyped, *base), "column 'temp_c' is string in the table, expected double");

  auto missing = arrow::schema({arrow::field("sat", arrow::utf8()), arrow::field("temp_c", arrow::float64())});
  EXPECT_EQ(FirstSchemaDifference(*missing, *base), "column 'seq' (long) is missing from the table");

  auto extra = arrow::schema({arrow::field("sat", arrow::utf8()), arrow::field("seq", arrow::int64()),
                              arrow::field("temp_c", arrow::float64()), arrow::field("note", arrow::utf8())});
  EXPECT_EQ(FirstSchemaDifference(*extra, *base), "the table has an extra column 'note' (string)");

  auto not_null = arrow::schema({arrow::field("sat", arrow::utf8()), arrow::field("seq", arrow::int64(), false),
                                 arrow::field("temp_c", arrow::float64())});
  EXPECT_EQ(FirstSchemaDifference(*not_null, *base), "column 'seq' is not null in the table, expected nullable");

  auto reordered = arrow::schema({arrow::field("seq", arrow::int64()), arrow::field("sat", arrow::utf8()),
                                  arrow::field("temp_c", arrow::float64())});
  EXPECT_EQ(FirstSchemaDifference(*reordered, *base),
            "columns are in another order: the table has seq, sat, temp_c; expected sat, seq, temp_c");

  auto nested_a = arrow::schema({arrow::field("pos", arrow::struct_({arrow::field("lat", arrow::float64())}))});
  auto nested_b = arrow::schema({arrow::field("pos", arrow::struct_({arrow::field("lat", arrow::float64(), false)}))});
  EXPECT_EQ(FirstSchemaDifference(*nested_a, *nested_b),
            "column 'pos' is struct<lat:double> in the table, expected struct<lat:double> (nested nullability "
            "differs)");
}

}  // namespace
}  // namespace orbitlake::delta
