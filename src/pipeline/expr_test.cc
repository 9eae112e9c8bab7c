#include "pipeline/expr.h"

#include <gtest/gtest.h>

namespace orbitlake::pipeline {
namespace {

Result<std::optional<double>> Eval(std::string_view text, std::vector<std::optional<double>> values = {}) {
  auto e = Expr::Parse(text);
  if (!e.ok()) return e.status();
  return (*e)->Evaluate([&](size_t i) { return i < values.size() ? values[i] : std::nullopt; });
}

double Value(std::string_view text, std::vector<std::optional<double>> values = {}) {
  auto v = Eval(text, std::move(values));
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v.ok() && v->has_value()) << text;
  return v.ok() && *v ? **v : -999999;
}

TEST(ExprTest, UnitConversionWithPrecedence) {
  auto e = Expr::Parse("temperature_c * 9 / 5 + 32");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->columns(), std::vector<std::string>{"temperature_c"});
  EXPECT_DOUBLE_EQ(Value("temperature_c * 9 / 5 + 32", {100.0}), 212.0);
  EXPECT_DOUBLE_EQ(Value("temperature_c * 9 / 5 + 32", {-40.0}), -40.0);
  EXPECT_DOUBLE_EQ(Value("2 + 3 * 4"), 14);
  EXPECT_DOUBLE_EQ(Value("(2 + 3) * 4"), 20);
  EXPECT_DOUBLE_EQ(Value("10 - 4 - 3"), 3);  // left-associative
  EXPECT_DOUBLE_EQ(Value("-2 * -3"), 6);
  EXPECT_DOUBLE_EQ(Value("1.5e3 / 1000"), 1.5);
}

TEST(ExprTest, FunctionsAndColumnsUsedTwice) {
  auto e = Expr::Parse("max(a, b) - min(a, b) + abs(a - b)");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->columns(), (std::vector<std::string>{"a", "b"}));
  EXPECT_DOUBLE_EQ(Value("max(a, b) - min(a, b) + abs(a - b)", {3.0, 7.0}), 8);
  EXPECT_DOUBLE_EQ(Value("round(x, 2)", {1.23456}), 1.23);
  EXPECT_DOUBLE_EQ(Value("round(x)", {2.5}), 3);
  EXPECT_DOUBLE_EQ(Value("floor(x) + ceil(x)", {1.2}), 3);
}

TEST(ExprTest, NullOperandGivesNull) {
  auto v = Eval("a * 2 + 1", {std::nullopt});
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->has_value());
  v = Eval("-a", {std::nullopt});
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->has_value());
}

TEST(ExprTest, DivisionByZeroAndOverflowAreErrors) {
  auto v = Eval("a / b", {1.0, 0.0});
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("division by zero"), std::string::npos);
  v = Eval("a * a", {1e200});
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("not a finite number"), std::string::npos);
}

TEST(ExprTest, SyntaxErrorsNameTheCharacter) {
  size_t at = 0;
  auto e = Expr::Parse("a * (b + 1", &at);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("expected ')'"), std::string::npos) << e.status().message();
  EXPECT_EQ(at, 10u);
  e = Expr::Parse("a $ b", &at);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(at, 2u);
  EXPECT_NE(e.status().message().find("character 3"), std::string::npos);
  e = Expr::Parse("sqrt(a)", &at);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("unknown function 'sqrt'"), std::string::npos);
  e = Expr::Parse("round(a, 1, 2)");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("1 to 2 arguments"), std::string::npos);
  EXPECT_FALSE(Expr::Parse("").ok());
  EXPECT_FALSE(Expr::Parse("1..2").ok());
  EXPECT_FALSE(Expr::Parse(std::string(200, '(') + "1" + std::string(200, ')')).ok());  // too deep
}

}  // namespace
}  // namespace orbitlake::pipeline
