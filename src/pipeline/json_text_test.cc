#include "pipeline/json_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace orbitlake::pipeline::json_text {
namespace {

using ::testing::HasSubstr;

TEST(JsonNumberTest, FollowsTheJsonGrammar) {
  for (std::string_view ok : {"0", "-0", "7", "-12", "1.5", "0.25", "1e3", "1E+3", "2.5e-7", "123456789012345678901234"}) {
    EXPECT_TRUE(ParseJsonNumber(ok).has_value()) << ok;
  }
  for (std::string_view bad : {"", "-", "01", "+1", "1.", ".5", "1e", "1e+", "NaN", "Infinity", "0x10", "1 ", "--1", "1.5.2"}) {
    EXPECT_FALSE(ParseJsonNumber(bad).has_value()) << bad;
  }
  auto n = ParseJsonNumber("-12.50e-3");
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->negative);
  EXPECT_EQ(n->int_digits, "12");
  EXPECT_EQ(n->frac_digits, "50");
  EXPECT_EQ(n->exponent, -3);
}

TEST(IntegerTest, OnlyIntegerLiteralsWithinRange) {
  int64_t v = 0;
  ASSERT_TRUE(ParseInteger("42", INT64_MIN, INT64_MAX, "long", &v).ok());
  EXPECT_EQ(v, 42);
  ASSERT_TRUE(ParseInteger("-9223372036854775808", INT64_MIN, INT64_MAX, "long", &v).ok());
  EXPECT_EQ(v, INT64_MIN);
  ASSERT_TRUE(ParseInteger("9223372036854775807", INT64_MIN, INT64_MAX, "long", &v).ok());
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_THAT(ParseInteger("9223372036854775808", INT64_MIN, INT64_MAX, "long", &v).message(),
              HasSubstr("out of range for long"));
  EXPECT_THAT(ParseInteger("2.5", INT64_MIN, INT64_MAX, "long", &v).message(), HasSubstr("2.5 is not an integer"));
  EXPECT_THAT(ParseInteger("2.0", INT64_MIN, INT64_MAX, "long", &v).message(), HasSubstr("2.0 is not an integer"));
  EXPECT_THAT(ParseInteger("1e3", INT64_MIN, INT64_MAX, "long", &v).message(), HasSubstr("1e3 is not an integer"));
  ASSERT_TRUE(ParseInteger("127", -128, 127, "byte", &v).ok());
  EXPECT_EQ(ParseInteger("128", -128, 127, "byte", &v).message(), "128 is out of range for byte (-128..127)");
  EXPECT_EQ(ParseInteger("99999999999999999999999", -128, 127, "byte", &v).code(), StatusCode::kInvalidArgument);
}

TEST(FloatingTest, RefusesOverflowAndUnderflow) {
  double d = 0;
  ASSERT_TRUE(ParseDouble("1.5", &d).ok());
  EXPECT_EQ(d, 1.5);
  ASSERT_TRUE(ParseDouble("-0", &d).ok());
  EXPECT_EQ(ParseDouble("1e400", &d).message(), "1e400 is out of range for double");
  EXPECT_FALSE(ParseDouble("1e-400", &d).ok());
  float f = 0;
  ASSERT_TRUE(ParseFloat("0.1", &f).ok());
  EXPECT_EQ(f, 0.1f);
  EXPECT_EQ(ParseFloat("1e39", &f).message(), "1e39 is out of range for float");
}

__int128 Dec(std::string_view text, int p, int s) {
  __int128 v = -999;
  Status st = ParseDecimal(text, p, s, &v);
  EXPECT_TRUE(st.ok()) << text << ": " << st.ToString();
  return v;
}

TEST(DecimalTest, ExactFromTheTextNeverRounded) {
  EXPECT_EQ(Dec("12.34", 12, 2), 1234);
  EXPECT_EQ(Dec("12.340", 12, 2), 1234);  // extra zeros lose nothing
  EXPECT_EQ(Dec("-0.01", 12, 2), -1);
  EXPECT_EQ(Dec("12", 12, 2), 1200);
  EXPECT_EQ(Dec("1.2e3", 12, 2), 120000);
  EXPECT_EQ(Dec("12345e-2", 12, 2), 12345);
  EXPECT_EQ(Dec("0e999999", 5, 2), 0);
  EXPECT_EQ(Dec("0.1", 1, 1), 1);
  // 0.1 + 0.2 through a double is 0.30000000000000004; exactly it is 0.3.
  EXPECT_EQ(Dec("0.30000000000000004", 38, 17), static_cast<__int128>(30000000000000004LL));
  const __int128 max38 = Dec("99999999999999999999999999999999999999", 38, 0);
  EXPECT_EQ(static_cast<uint64_t>(max38 % 1000000000000000000LL), 999999999999999999ULL);
  __int128 v = 0;
  EXPECT_EQ(ParseDecimal("12.345", 12, 2, &v).message(), "12.345 has more than 2 decimals");
  EXPECT_EQ(ParseDecimal("1.5", 5, 0, &v).message(), "1.5 is not a whole number");
  EXPECT_THAT(ParseDecimal("12345678901", 12, 2, &v).message(), HasSubstr("does not fit decimal(12,2)"));
  EXPECT_FALSE(ParseDecimal("1e10", 12, 2, &v).ok());
  EXPECT_FALSE(ParseDecimal("100000000000000000000000000000000000000", 38, 0, &v).ok());
  EXPECT_FALSE(ParseDecimal("1e999999999999", 38, 0, &v).ok());
  EXPECT_FALSE(ParseDecimal("abc", 5, 2, &v).ok());
}

TEST(EpochTest, ExactUnitsRoundedDownBelowAMicrosecond) {
  int64_t us = 0;
  ASSERT_TRUE(EpochToMicros("1700000000", EpochUnit::kSeconds, &us).ok());
  EXPECT_EQ(us, 1'700'000'000'000'000);
  ASSERT_TRUE(EpochToMicros("1700000000123", EpochUnit::kMillis, &us).ok());
  EXPECT_EQ(us, 1'700'000'000'123'000);
  ASSERT_TRUE(EpochToMicros("1700000000123456", EpochUnit::kMicros, &us).ok());
  EXPECT_EQ(us, 1'700'000'000'123'456);
  ASSERT_TRUE(EpochToMicros("1700000000123456789", EpochUnit::kNanos, &us).ok());
  EXPECT_EQ(us, 1'700'000'000'123'456);
  ASSERT_TRUE(EpochToMicros("1700000000.5", EpochUnit::kSeconds, &us).ok());
  EXPECT_EQ(us, 1'700'000'000'500'000);
  ASSERT_TRUE(EpochToMicros("1.7e9", EpochUnit::kSeconds, &us).ok());
  EXPECT_EQ(us, 1'700'000'000'000'000);
  ASSERT_TRUE(EpochToMicros("-1500", EpochUnit::kNanos, &us).ok());
  EXPECT_EQ(us, -2);  // toward the past
  EXPECT_THAT(EpochToMicros("1e30", EpochUnit::kSeconds, &us).message(), HasSubstr("outside the timestamp range"));
  EXPECT_FALSE(EpochToMicros("9223372036854775807", EpochUnit::kMillis, &us).ok());
}

int64_t Ts(std::string_view text, OffsetRule rule = OffsetRule::kOptionalUtc) {
  int64_t us = -1;
  Status st = ParseIsoTimestamp(text, rule, &us);
  EXPECT_TRUE(st.ok()) << text << ": " << st.ToString();
  return us;
}

TEST(IsoTimestampTest, OffsetsFractionsAndCalendar) {
  constexpr int64_t k2024 = 1'704'067'200'000'000;  // 2024-01-01T00:00:00Z
  EXPECT_EQ(Ts("2024-01-01T00:00:00Z"), k2024);
  EXPECT_EQ(Ts("2024-01-01T00:00:00"), k2024);  // no offset: UTC
  EXPECT_EQ(Ts("2024-01-01 00:00:00z"), k2024);
  EXPECT_EQ(Ts("2024-01-01T00:00Z"), k2024);
  EXPECT_EQ(Ts("2024-01-01T02:00:00+02:00"), k2024);
  EXPECT_EQ(Ts("2023-12-31T18:30:00-0530"), k2024);
  EXPECT_EQ(Ts("2024-01-01T01:00:00+01"), k2024);
  EXPECT_EQ(Ts("2024-01-01T00:00:00.5Z"), k2024 + 500'000);
  EXPECT_EQ(Ts("2024-01-01T00:00:00.123456789Z"), k2024 + 123'456);  // ns dropped
  EXPECT_EQ(Ts("1969-12-31T23:59:59.999999Z"), -1);
  EXPECT_EQ(Ts("2024-02-29T00:00:00Z"), k2024 + 59LL * 86'400'000'000);
  EXPECT_EQ(Ts("2024-01-01T00:00:00", OffsetRule::kForbidden), k2024);
  int64_t us = 0;
  for (std::string_view bad : {"2024-01-01", "2024-01-01T00:00:00.1234567890Z", "2024-13-01T00:00:00Z",
                               "2023-02-29T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T23:59:60Z",
                               "2024-01-01T00:00:00+24:00", "2024-01-01T00:00:00 Z", "24-01-01T00:00:00Z",
                               "2024-01-01T00:00:00.Z", "2024-01-01T0:00:00Z", "2024-01-01T00:00:00+1", ""}) {
    EXPECT_EQ(ParseIsoTimestamp(bad, OffsetRule::kOptionalUtc, &us).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_THAT(ParseIsoTimestamp("2024-13-01T00:00:00Z", OffsetRule::kOptionalUtc, &us).message(), HasSubstr("month 13"));
  EXPECT_THAT(ParseIsoTimestamp("2024-01-01T00:00:00Z", OffsetRule::kForbidden, &us).message(),
              HasSubstr("has a UTC offset, but timestamp_ntz"));
}

TEST(IsoDateTest, RealCalendarDays) {
  int32_t d = 0;
  ASSERT_TRUE(ParseIsoDate("1970-01-01", &d).ok());
  EXPECT_EQ(d, 0);
  ASSERT_TRUE(ParseIsoDate("2024-03-01", &d).ok());
  EXPECT_EQ(d, 19783);
  ASSERT_TRUE(ParseIsoDate("1969-12-31", &d).ok());
  EXPECT_EQ(d, -1);
  EXPECT_THAT(ParseIsoDate("2023-02-29", &d).message(), HasSubstr("day 29 of 2023-02"));
  EXPECT_FALSE(ParseIsoDate("2024-1-01", &d).ok());
  EXPECT_FALSE(ParseIsoDate("2024-01-01T00:00:00Z", &d).ok());
  EXPECT_EQ(FormatIsoDate(19783), "2024-03-01");
  EXPECT_EQ(DayOfMicros(-1), -1);
  EXPECT_EQ(FormatMicros(1'704'067'200'000'001, true), "2024-01-01T00:00:00.000001Z");
}

TEST(Base64Test, StandardAlphabetPaddingOptional) {
  std::string out;
  ASSERT_TRUE(DecodeBase64("aGVsbG8=", &out).ok());
  EXPECT_EQ(out, "hello");
  out.clear();
  ASSERT_TRUE(DecodeBase64("aGVsbG8", &out).ok());
  EXPECT_EQ(out, "hello");
  out.clear();
  ASSERT_TRUE(DecodeBase64("", &out).ok());
  EXPECT_EQ(out, "");
  ASSERT_TRUE(DecodeBase64("+/8=", &out).ok());
  EXPECT_EQ(out, "\xfb\xff");
  out.clear();
  EXPECT_THAT(DecodeBase64("aGVs bG8", &out).message(), HasSubstr("byte 4 is not in the alphabet"));
  EXPECT_FALSE(DecodeBase64("-_8=", &out).ok());  // URL-safe alphabet
  EXPECT_FALSE(DecodeBase64("aGVsb", &out).ok());
  EXPECT_FALSE(DecodeBase64("aG=sbG8=", &out).ok());
  EXPECT_FALSE(DecodeBase64("aGVsbG8==", &out).ok());
}

TEST(SyntaxErrorTest, NamesTheFirstBadByte) {
  struct Case {
    std::string text;
    size_t offset;
    std::string what;
  };
  const std::vector<Case> cases = {
      {R"({"a":1)", 6, "unexpected end of input inside an object"},
      {R"({"a":1} x)", 8, "trailing content after the JSON value"},
      {R"({"a" 1})", 5, "expected ':'"},
      {R"({"a":1,})", 7, "expected a string key"},
      {R"({"a":[1,,2]})", 8, "unexpected character ','"},
      {R"({"a":01})", 5, "invalid number"},
      {R"({"a":tru})", 5, "invalid literal (expected true, false or null)"},
      {"{\"a\":\"x\xff\"}", 7, "invalid UTF-8"},
      {"{\"a\":\"\xed\xa0\x80\"}", 6, "invalid UTF-8"},  // an encoded surrogate
      {"{\"a\":\"\xc0\xaf\"}", 6, "invalid UTF-8"},      // overlong
      {R"({"a":"x)", 5, "unclosed string"},
      {"{\"a\":\"\t\"}", 6, "control character in a string (escape it)"},
      {R"({"a":"\ud800"})", 6, "unpaired surrogate in a \\u escape"},
      {R"({"a":"\q"})", 6, "invalid escape"},
      {"", 0, "unexpected end of input, expected a value"},
      {"\xef\xbb\xbf{}", 0, "unexpected byte 0xef"},
  };
  for (const Case& c : cases) {
    auto e = FindSyntaxError(c.text, 64);
    ASSERT_TRUE(e.has_value()) << c.text;
    EXPECT_EQ(e->offset, c.offset) << c.text;
    EXPECT_EQ(e->what, c.what) << c.text;
  }
  EXPECT_FALSE(FindSyntaxError(R"({"a":[1,2,{"b":null}],"c":"\ud83d\ude00 é","d":-1.5e3,"e":true} )", 64));
  const std::string deep = std::string(65, '[') + std::string(65, ']');
  auto e = FindSyntaxError(deep, 64);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->offset, 64u);
  EXPECT_EQ(e->what, "nesting deeper than 64 levels");
  EXPECT_FALSE(FindSyntaxError(std::string(64, '[') + std::string(64, ']'), 64));
  EXPECT_FALSE(MayNestDeeperThan(std::string(64, '[') + std::string(64, ']'), 64));
  EXPECT_TRUE(MayNestDeeperThan(deep, 64));
  EXPECT_FALSE(MayNestDeeperThan(std::string(1000, ' '), 64));
}

TEST(TypeNameTest, NestedTypes) {
  auto str = std::make_shared<DeltaType>(DeltaType{DeltaType::Kind::kString});
  auto i32 = std::make_shared<DeltaType>(DeltaType{DeltaType::Kind::kInteger});
  auto st = std::make_shared<DeltaType>(DeltaType{DeltaType::Kind::kStruct, 0, 0, {{"sku", str}, {"qty", i32}}});
  DeltaType arr{DeltaType::Kind::kArray, 0, 0, {{"element", st}}};
  EXPECT_EQ(TypeName(arr), "array<struct<sku:string,qty:integer>>");
  EXPECT_EQ(TypeName(DeltaType{DeltaType::Kind::kDecimal, 12, 2, {}}), "decimal(12,2)");
  EXPECT_EQ(Excerpt(std::string(100, 'x'), 10), "xxxxxxxxxx...");
  EXPECT_EQ(Excerpt("aaaaaaaaa\xc3\xa9", 10), "aaaaaaaaa...");  // not inside a UTF-8 sequence
}

}  // namespace
}  // namespace orbitlake::pipeline::json_text
