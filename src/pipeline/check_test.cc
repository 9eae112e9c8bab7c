#include "pipeline/check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace orbitlake::pipeline {
namespace {

using ::testing::HasSubstr;
using Op = CheckSpec::Op;

CheckSpec Parsed(std::string_view text) {
  auto c = ParseCheck(text);
  EXPECT_TRUE(c.ok()) << text << ": " << c.status().ToString();
  return c.ok() ? *c : CheckSpec{};
}

std::string ErrorOf(std::string_view text, size_t* offset = nullptr) {
  auto c = ParseCheck(text, offset);
  EXPECT_FALSE(c.ok()) << text;
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << text;
  return c.status().message();
}

TEST(ParseCheckTest, Comparisons) {
  struct Case {
    const char* text;
    const char* column;
    Op op;
    const char* literal;
  };
  const Case cases[] = {
      {"user_id >= 0", "user_id", Op::kGe, "0"},
      {"duration_ms <= 86400000", "duration_ms", Op::kLe, "86400000"},
      {"col = 'x'", "col", Op::kEq, "\"x\""},
      {"col == 'x'", "col", Op::kEq, "\"x\""},
      {"col != \"x\"", "col", Op::kNe, "\"x\""},
      {"col <> 'x'", "col", Op::kNe, "\"x\""},
      {"t<-1.5e3", "t", Op::kLt, "-1.5e3"},
      {"  t  >  0.25  ", "t", Op::kGt, "0.25"},
      {"ok = true", "ok", Op::kEq, "true"},
      {"ok != FALSE", "ok", Op::kNe, "false"},
      {"s = 'it\\'s \"q\"'", "s", Op::kEq, R"("it's \"q\"")"},
      {"s = ''", "s", Op::kEq, R"("")"},
      {"s = 'a\\nb'", "s", Op::kEq, R"("a\nb")"},
  };
  for (const auto& c : cases) {
    CheckSpec check = Parsed(c.text);
    EXPECT_EQ(check.text, c.text);
    EXPECT_EQ(check.column, c.column) << c.text;
    EXPECT_EQ(check.op, c.op) << c.text;
    EXPECT_EQ(check.literal_json, c.literal) << c.text;
  }
}

TEST(ParseCheckTest, NullTests) {
  CheckSpec a = Parsed("user_id is not null");
  EXPECT_EQ(a.column, "user_id");
  EXPECT_EQ(a.op, Op::kIsNotNull);
  EXPECT_EQ(a.literal_json, "");
  CheckSpec b = Parsed(" url IS NULL ");
  EXPECT_EQ(b.column, "url");
  EXPECT_EQ(b.op, Op::kIsNull);
  EXPECT_EQ(CheckOpName(Op::kIsNotNull), "is not null");
  EXPECT_EQ(CheckOpName(Op::kNe), "!=");
}

TEST(ParseCheckTest, ErrorsNameThePositionAndWhatWasExpected) {
  size_t offset = 99;
  EXPECT_THAT(ErrorOf("user_id >= ", &offset),
              HasSubstr("check 'user_id >= ', character 12: expected a literal (a number, 'text', true or false), "
                        "found the end"));
  EXPECT_EQ(offset, 11u);
  EXPECT_THAT(ErrorOf("user_id => 0", &offset), HasSubstr("character 9: unknown comparison '=>' (did you mean >=?)"));
  EXPECT_EQ(offset, 8u);
  EXPECT_THAT(ErrorOf("user_id ~ 0"), HasSubstr("expected a comparison (= != < <= > >=)"));
  EXPECT_THAT(ErrorOf("user_id ! 0"), HasSubstr("did you mean != ?"));
  EXPECT_THAT(ErrorOf(""), HasSubstr("empty check"));
  EXPECT_THAT(ErrorOf(">= 0"), HasSubstr("expected a column name, found '>= 0'"));
  EXPECT_THAT(ErrorOf("x = null"), HasSubstr("write 'is null' or 'is not null'"));
  EXPECT_THAT(ErrorOf("x is nul"), HasSubstr("expected 'null' or 'not null' after 'is', found 'nul'"));
  EXPECT_THAT(ErrorOf("x is"), HasSubstr("found the end"));
  EXPECT_THAT(ErrorOf("x is not null y"), HasSubstr("unexpected 'y' after the check"));
  EXPECT_THAT(ErrorOf("x between 1"), HasSubstr("found 'between'"));
  EXPECT_THAT(ErrorOf("x = page_view"), HasSubstr("quote text: 'page_view'"));
  EXPECT_THAT(ErrorOf("x = 'abc"), HasSubstr("unterminated string (no closing ')"));
  EXPECT_THAT(ErrorOf("x = 'a\\qb'"), HasSubstr("unknown escape '\\q'"));
  EXPECT_THAT(ErrorOf("x >= 0 and y >= 0"), HasSubstr("write two checks for 'and'"));
  EXPECT_THAT(ErrorOf("x = +5"), HasSubstr("no leading '+'"));
  EXPECT_THAT(ErrorOf("x = .5"), HasSubstr("0.5, not .5"));
  EXPECT_THAT(ErrorOf("x = 007"), HasSubstr("no leading zeros"));
  EXPECT_THAT(ErrorOf("x = 1."), HasSubstr("expected digits after the '.'"));
  EXPECT_THAT(ErrorOf("x = 1e"), HasSubstr("expected digits in the exponent"));
  EXPECT_THAT(ErrorOf("x = 12ms"), HasSubstr("unexpected 'm'"));
  EXPECT_THAT(ErrorOf("x = -"), HasSubstr("expected digits"));
  EXPECT_THAT(ErrorOf("x > 1e999"), HasSubstr("malformed number: out of range of a double"));
  EXPECT_THAT(ErrorOf("x > -1e400"), HasSubstr("out of range of a double"));
}

}  // namespace
}  // namespace orbitlake::pipeline
