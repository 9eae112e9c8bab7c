// Arithmetic expressions of derived columns: `expr = "temperature_c * 9 / 5 + 32"`.
//
// The language is deliberately small, what unit conversion and simple derived metrics
// need and nothing a reader could misread:
//   numbers        42, 2.5, 1e-3 (decimal, no sign: -x is the unary minus)
//   column names   another column of the same table, read as a number after its own
//                  decoding (integer, long, short, byte, float, double, decimal columns)
//   operators      + - * / with the usual precedence, unary -, parentheses
//   functions      abs(x), round(x), round(x, digits), floor(x), ceil(x),
//                  min(a, b, ...), max(a, b, ...)
// Evaluation is in IEEE double. A null (or missing) operand makes the result null, as in
// SQL; a division by zero or a result that is not finite (overflow) rejects the message
// with a reason naming the column, so bad data is quarantined, not written as inf/NaN.
//
// Thread safety: an Expr is immutable after Parse(); Evaluate() is reentrant.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace orbitlake::pipeline {

class Expr {
 public:
  // Parses `text`. InvalidArgument names the 1-based character and what was expected;
  // `error_offset` receives the 0-based offset on failure.
  static Result<std::shared_ptr<const Expr>> Parse(std::string_view text, size_t* error_offset = nullptr);

  // The column names the expression reads, each once, in order of first use.
  const std::vector<std::string>& columns() const { return columns_; }
  const std::string& text() const { return text_; }

  // The value, given each referenced column's value by its index in columns() (nullopt:
  // null). nullopt result: null. InvalidArgument for a division by zero or a result that
  // is not a finite number (the message says which).
  Result<std::optional<double>> Evaluate(const std::function<std::optional<double>(size_t)>& column) const;

  struct Node;
  ~Expr();

 private:
  Expr() = default;
  std::string text_;
  std::vector<std::string> columns_;
  std::vector<Node> nodes_;  // postfix order; the last node is the root
};

}  // namespace orbitlake::pipeline
