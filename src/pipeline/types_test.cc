#include "pipeline/types.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pipeline/suggest.h"

namespace orbitlake::pipeline {
namespace {

using ::testing::HasSubstr;
using Kind = DeltaType::Kind;

std::string Canonical(std::string_view text) {
  auto t = ParseDeltaType(text);
  EXPECT_TRUE(t.ok()) << text << ": " << t.status().ToString();
  return t.ok() ? ToString(**t) : "";
}

std::string ErrorOf(std::string_view text, size_t* offset = nullptr) {
  auto t = ParseDeltaType(text, offset);
  EXPECT_FALSE(t.ok()) << text << " parsed as " << (t.ok() ? ToString(**t) : "");
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument) << text;
  return t.status().message();
}

TEST(ParseDeltaTypeTest, EveryPrimitive) {
  const std::pair<const char*, Kind> cases[] = {
      {"string", Kind::kString},   {"long", Kind::kLong},       {"integer", Kind::kInteger},
      {"short", Kind::kShort},     {"byte", Kind::kByte},       {"double", Kind::kDouble},
      {"float", Kind::kFloat},     {"boolean", Kind::kBoolean}, {"binary", Kind::kBinary},
      {"date", Kind::kDate},       {"timestamp", Kind::kTimestamp}, {"timestamp_ntz", Kind::kTimestampNtz}};
  for (const auto& [text, kind] : cases) {
    auto t = ParseDeltaType(text);
    ASSERT_TRUE(t.ok()) << text << ": " << t.status().ToString();
    EXPECT_EQ((*t)->kind, kind) << text;
    EXPECT_TRUE(IsPrimitive(**t));
    EXPECT_EQ(ToString(**t), text);
    EXPECT_EQ(ToSchemaJson(**t), std::string("\"") + text + "\"");
  }
}

TEST(ParseDeltaTypeTest, Decimal) {
  auto t = ParseDeltaType("decimal(12,2)");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->kind, Kind::kDecimal);
  EXPECT_EQ((*t)->precision, 12);
  EXPECT_EQ((*t)->scale, 2);
  EXPECT_TRUE(IsNumeric(**t));
  EXPECT_FALSE(IsIntegral(**t));
  EXPECT_EQ(Canonical(" decimal ( 38 , 0 ) "), "decimal(38,0)");
  EXPECT_EQ(Canonical("decimal(1,1)"), "decimal(1,1)");
  EXPECT_THAT(ErrorOf("decimal(0,0)"), HasSubstr("precision 0 is not in 1..38"));
  EXPECT_THAT(ErrorOf("decimal(39,2)"), HasSubstr("precision 39 is not in 1..38"));
  EXPECT_THAT(ErrorOf("decimal(5,6)"), HasSubstr("scale 6 is larger than its precision 5"));
  EXPECT_THAT(ErrorOf("decimal(5,-1)"), HasSubstr("expected the scale"));
  EXPECT_THAT(ErrorOf("decimal"), HasSubstr("decimal needs a precision and a scale, e.g. decimal(12,2)"));
  EXPECT_THAT(ErrorOf("decimal(12)"), HasSubstr("expected ',' between decimal's precision and scale, found ')'"));
  EXPECT_THAT(ErrorOf("decimal(99999,1)"), HasSubstr("out of range"));
}

TEST(ParseDeltaTypeTest, NestedTypesRoundTrip) {
  for (const char* canonical :
       {"array<string>", "array<struct<sku:string,qty:integer>>", "map<string,long>",
        "map<string,array<map<integer,decimal(10,3)>>>", "struct<a:struct<b:struct<c:array<date>>>>",
        "struct<id:string not null,tags:array<string>,attrs:map<string,string>>"}) {
    auto t = ParseDeltaType(canonical);
    ASSERT_TRUE(t.ok()) << canonical << ": " << t.status().ToString();
    EXPECT_FALSE(IsPrimitive(**t));
    EXPECT_EQ(ToString(**t), canonical);
    auto again = ParseDeltaType(ToString(**t));
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(SameType(**t, **again)) << canonical;
  }
  EXPECT_EQ(Canonical("  array <  struct< sku : string ,qty:integer > >  "), "array<struct<sku:string,qty:integer>>");
  EXPECT_EQ(Canonical("map<\tstring ,\n long>"), "map<string,long>");
  EXPECT_EQ(Canonical("struct<a:long   not   null>"), "struct<a:long not null>");
}

TEST(ParseDeltaTypeTest, StructureOfNestedTypes) {
  auto t = ParseDeltaType("array<struct<sku:string,qty:integer not null>>");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ((*t)->children.size(), 1u);
  EXPECT_EQ((*t)->children[0].name, "element");
  EXPECT_TRUE((*t)->children[0].nullable);
  const DeltaType& s = *(*t)->children[0].type;
  ASSERT_EQ(s.kind, Kind::kStruct);
  ASSERT_EQ(s.children.size(), 2u);
  EXPECT_EQ(s.children[0].name, "sku");
  EXPECT_EQ(s.children[0].type->kind, Kind::kString);
  EXPECT_TRUE(s.children[0].nullable);
  EXPECT_EQ(s.children[1].name, "qty");
  EXPECT_FALSE(s.children[1].nullable);

  auto m = ParseDeltaType("map<string,double>");
  ASSERT_TRUE(m.ok());
  ASSERT_EQ((*m)->children.size(), 2u);
  EXPECT_EQ((*m)->children[0].name, "key");
  EXPECT_FALSE((*m)->children[0].nullable);
  EXPECT_EQ((*m)->children[1].name, "value");
  EXPECT_TRUE((*m)->children[1].nullable);
}

TEST(ParseDeltaTypeTest, SchemaJsonIsTheProtocols) {
  auto t = ParseDeltaType("struct<items:array<struct<sku:string,qty:integer>>,m:map<string,decimal(12,2)>>");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(ToSchemaJson(**t),
            R"j({"fields":[{"metadata":{},"name":"items","nullable":true,"type":{"containsNull":true,)j"
            R"j("elementType":{"fields":[{"metadata":{},"name":"sku","nullable":true,"type":"string"},)j"
            R"j({"metadata":{},"name":"qty","nullable":true,"type":"integer"}],"type":"struct"},"type":"array"}},)j"
            R"j({"metadata":{},"name":"m","nullable":true,"type":{"keyType":"string","type":"map",)j"
            R"j("valueContainsNull":true,"valueType":"decimal(12,2)"}}],"type":"struct"})j");
}

TEST(ParseDeltaTypeTest, OtherSpellingsAreRefusedWithTheDeltaName) {
  EXPECT_THAT(ErrorOf("int"), HasSubstr("unknown type 'int' (did you mean integer?)"));
  EXPECT_THAT(ErrorOf("bigint"), HasSubstr("(did you mean long?)"));
  EXPECT_THAT(ErrorOf("bool"), HasSubstr("(did you mean boolean?)"));
  EXPECT_THAT(ErrorOf("varchar"), HasSubstr("(did you mean string?)"));
  EXPECT_THAT(ErrorOf("datetime"), HasSubstr("(did you mean timestamp?)"));
  EXPECT_THAT(ErrorOf("STRING"), HasSubstr("type names are lowercase: did you mean string?"));
  EXPECT_THAT(ErrorOf("Array<string>"), HasSubstr("did you mean array?"));
  EXPECT_THAT(ErrorOf("strnig"), HasSubstr("type 'strnig', character 1: unknown type 'strnig' (did you mean string?)"));
  EXPECT_THAT(ErrorOf("timestamp_tz"), HasSubstr("did you mean timestamp_ntz?"));
  EXPECT_THAT(ErrorOf("uuid"), ::testing::Not(HasSubstr("did you mean")));
}

TEST(ParseDeltaTypeTest, ErrorsNameThePosition) {
  size_t offset = 99;
  EXPECT_THAT(ErrorOf("array<struct<sku:strin,qty:integer>>", &offset),
              HasSubstr("type 'array<struct<sku:strin,qty:integer>>', character 18: unknown type 'strin' "
                        "(did you mean string?)"));
  EXPECT_EQ(offset, 17u);
  EXPECT_THAT(ErrorOf("array<string", &offset), HasSubstr("character 13: expected '>' to close array<, found the end"));
  EXPECT_EQ(offset, 12u);
  EXPECT_THAT(ErrorOf("array<>", &offset), HasSubstr("character 7: expected a type, found '>'"));
  EXPECT_EQ(offset, 6u);
  EXPECT_THAT(ErrorOf("", &offset), HasSubstr("character 1: expected a type, found the end"));
  EXPECT_EQ(offset, 0u);
  EXPECT_THAT(ErrorOf("string string"), HasSubstr("character 8: unexpected 'string' after the type"));
  EXPECT_THAT(ErrorOf("struct<>"), HasSubstr("a struct needs at least one field"));
  EXPECT_THAT(ErrorOf("struct<a:string,A:long>"), HasSubstr("duplicate struct field 'A'"));
  EXPECT_THAT(ErrorOf("struct<1a:string>"), HasSubstr("expected a field name"));
  EXPECT_THAT(ErrorOf("struct<a string>"), HasSubstr("expected ':' after field name 'a'"));
  EXPECT_THAT(ErrorOf("struct<a:string not nul>"), HasSubstr("expected 'not null'"));
  EXPECT_THAT(ErrorOf("struct<a:string;b:long>"), HasSubstr("expected '>' to close struct< (or ',' and another field)"));
  EXPECT_THAT(ErrorOf("map<string>"), HasSubstr("expected ',' between map's key and value types"));
  EXPECT_THAT(ErrorOf("map<array<string>,long>"), HasSubstr("a map key must be a primitive type, not array<string>"));
}

TEST(ParseDeltaTypeTest, DeepNestingIsBounded) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "array<";
  deep += "long";
  for (int i = 0; i < 100; ++i) deep += ">";
  EXPECT_THAT(ErrorOf(deep), HasSubstr("nested deeper than 64 levels"));
  std::string ok;
  for (int i = 0; i < 10; ++i) ok += "array<";
  ok += "long" + std::string(10, '>');
  EXPECT_EQ(Canonical(ok), ok);
}

TEST(CanDeriveColumnTest, TheDocumentedConversions) {
  auto t = [](const char* s) { return *ParseDeltaType(s); };
  EXPECT_TRUE(CanDeriveColumn(*t("date"), *t("timestamp")));
  EXPECT_TRUE(CanDeriveColumn(*t("date"), *t("timestamp_ntz")));
  EXPECT_TRUE(CanDeriveColumn(*t("long"), *t("integer")));
  EXPECT_TRUE(CanDeriveColumn(*t("integer"), *t("byte")));
  EXPECT_TRUE(CanDeriveColumn(*t("double"), *t("float")));
  EXPECT_TRUE(CanDeriveColumn(*t("array<string>"), *t("array<string>")));
  EXPECT_TRUE(CanDeriveColumn(*t("decimal(5,2)"), *t("decimal(5,2)")));
  EXPECT_FALSE(CanDeriveColumn(*t("decimal(6,2)"), *t("decimal(5,2)")));
  EXPECT_FALSE(CanDeriveColumn(*t("integer"), *t("long")));
  EXPECT_FALSE(CanDeriveColumn(*t("timestamp"), *t("date")));
  EXPECT_FALSE(CanDeriveColumn(*t("string"), *t("long")));
  EXPECT_FALSE(CanDeriveColumn(*t("double"), *t("long")));
  EXPECT_FALSE(CanDeriveColumn(*t("array<long>"), *t("array<integer>")));
}

TEST(SuggestTest, ClosestMatch) {
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("ab", "ba"), 1u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(ClosestMatch("topic", {"name", "topics", "format"}), "topics");
  EXPECT_EQ(ClosestMatch("Name", {"name", "topics"}), "name");
  EXPECT_EQ(ClosestMatch("partitions", {"partition_by", "path"}), "partition_by");
  EXPECT_EQ(ClosestMatch("columns", {"name", "path"}), std::nullopt);
  EXPECT_EQ(DidYouMean("pth", {"path", "name"}), " (did you mean path?)");
  EXPECT_EQ(DidYouMean("zzzz", {"path", "name"}), "");
  EXPECT_EQ(OneLine("a\nb\tc\x01" "d\\n"), "a\\nb\\tc\\x01d\\n");
  EXPECT_EQ(ErrorOf("long\nlong"), "type 'long\\nlong', character 6: unexpected 'long' after the type");
}

}  // namespace
}  // namespace orbitlake::pipeline
