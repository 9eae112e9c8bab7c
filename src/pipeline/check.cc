#include "pipeline/check.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pipeline/suggest.h"

namespace orbitlake::pipeline {
namespace {

using Op = CheckSpec::Op;

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

class CheckParser {
 public:
  explicit CheckParser(std::string_view text) : text_(text) {}

  Result<CheckSpec> Parse(size_t* error_offset) {
    auto check = ParseCheck();
    if (!check.ok() && error_offset != nullptr) *error_offset = error_offset_;
    return check;
  }

 private:
  Status Fail(size_t at, std::string what) {
    error_offset_ = at;
    return Status::InvalidArgument(OneLine(fmt::format("check '{}', character {}: {}", text_, at + 1, what)));
  }
  std::string Found() const {
    if (pos_ >= text_.size()) return "the end";
    std::string_view rest = text_.substr(pos_);
    return "'" + (rest.size() > 12 ? std::string(rest.substr(0, 12)) + "..." : std::string(rest)) + "'";
  }
  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  std::string_view Word() {
    SkipSpace();
    size_t start = pos_;
    if (pos_ < text_.size() && IsNameStart(text_[pos_])) {
      while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
    }
    return text_.substr(start, pos_ - start);
  }
  bool AtEnd() {
    SkipSpace();
    return pos_ >= text_.size();
  }

  Result<CheckSpec> ParseCheck() {
    CheckSpec check;
    check.text = std::string(text_);
    SkipSpace();
    if (pos_ >= text_.size()) return Fail(pos_, "empty check; write e.g. 'user_id >= 0' or 'user_id is not null'");
    check.column = std::string(Word());
    if (check.column.empty()) return Fail(pos_, fmt::format("expected a column name, found {}", Found()));
    const size_t op_at = (SkipSpace(), pos_);
    std::string_view word = Word();
    if (!word.empty()) {
      if (!EqualsIgnoreCase(word, "is")) {
        return Fail(op_at, fmt::format("expected a comparison (= != < <= > >=) or 'is [not] null', found '{}'", word));
      }
      const size_t after_is = (SkipSpace(), pos_);
      word = Word();
      check.op = Op::kIsNull;
      if (EqualsIgnoreCase(word, "not")) {
        check.op = Op::kIsNotNull;
        SkipSpace();
        word = Word();
      }
      if (!EqualsIgnoreCase(word, "null")) {
        return Fail(after_is, fmt::format("expected 'null' or 'not null' after 'is', found {}",
                                          word.empty() ? Found() : "'" + std::string(word) + "'"));
      }
      if (!AtEnd()) return Fail(pos_, fmt::format("unexpected {} after the check", Found()));
      return check;
    }
    ORBIT_ASSIGN_OR_RETURN(check.op, ParseOp());
    ORBIT_ASSIGN_OR_RETURN(check.literal_json, ParseLiteral());
    if (!AtEnd()) {
      return Fail(pos_, fmt::format("unexpected {} after the literal (one comparison per check; "
                                    "write two checks for 'and')", Found()));
    }
    return check;
  }

  Result<Op> ParseOp() {
    SkipSpace();
    std::string_view rest = text_.substr(pos_);
    struct Spelling {
      std::string_view text;
      Op op;
    };
    // Two-character operators first, so "<=" is not read as "<".
    static constexpr Spelling kOps[] = {{"==", Op::kEq}, {"!=", Op::kNe}, {"<>", Op::kNe}, {"<=", Op::kLe},
                                        {">=", Op::kGe}, {"=", Op::kEq},  {"<", Op::kLt},  {">", Op::kGt}};
    const size_t op_at = pos_;
    for (const auto& s : kOps) {
      if (!rest.starts_with(s.text)) continue;
      pos_ += s.text.size();
      if (pos_ < text_.size() && std::string_view("<>=!").find(text_[pos_]) != std::string_view::npos) {
        std::string written(text_.substr(op_at, s.text.size() + 1));
        std::string hint = written == "=>" ? " (did you mean >=?)" : written == "=<" ? " (did you mean <=?)" : "";
        return Fail(op_at, fmt::format("unknown comparison '{}'{}", written, hint));
      }
      return s.op;
    }
    if (rest.starts_with("!")) return Fail(op_at, "unknown comparison '!' (did you mean != ?)");
    return Fail(pos_, fmt::format("expected a comparison (= != < <= > >=) or 'is [not] null', found {}", Found()));
  }

  Result<std::string> ParseLiteral() {
    SkipSpace();
    const size_t start = pos_;
    if (pos_ >= text_.size()) return Fail(pos_, "expected a literal (a number, 'text', true or false), found the end");
    char c = text_[pos_];
    if (c == '\'' || c == '"') return ParseString(c);
    if (IsDigit(c) || c == '-' || c == '+' || c == '.') return ParseNumber();
    std::string_view word = Word();
    if (EqualsIgnoreCase(word, "true")) return std::string("true");
    if (EqualsIgnoreCase(word, "false")) return std::string("false");
    if (EqualsIgnoreCase(word, "null")) {
      return Fail(start, "comparing with null is never true: write 'is null' or 'is not null'");
    }
    if (!word.empty()) {
      return Fail(start, fmt::format("expected a literal, found '{}' (checks compare a column with a constant; "
                                     "quote text: '{}')", word, word));
    }
    return Fail(start, fmt::format("expected a literal (a number, 'text', true or false), found {}", Found()));
  }

  Result<std::string> ParseString(char quote) {
    const size_t start = pos_++;
    std::string value;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      char c = text_[pos_++];
      if (c != '\\') {
        value += c;
        continue;
      }
      if (pos_ >= text_.size()) break;
      char e = text_[pos_++];
      switch (e) {
        case '\\': case '\'': case '"': value += e; break;
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        default: return Fail(pos_ - 2, fmt::format("unknown escape '\\{}' in the string", e));
      }
    }
    if (pos_ >= text_.size()) return Fail(start, fmt::format("unterminated string (no closing {})", quote));
    ++pos_;
    return nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  // JSON's number syntax: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  Result<std::string> ParseNumber() {
    const size_t start = pos_;
    auto digits = [&] {
      size_t from = pos_;
      while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
      return pos_ - from;
    };
    auto bad = [&](std::string why) { return Fail(start, fmt::format("malformed number: {}", why)); };
    if (text_[pos_] == '+') return bad("no leading '+' (write 5, not +5)");
    if (text_[pos_] == '-') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '.') return bad("write a digit before the '.' (0.5, not .5)");
    const size_t int_at = pos_;
    if (digits() == 0) return bad("expected digits");
    if (pos_ - int_at > 1 && text_[int_at] == '0') return bad("no leading zeros");
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) return bad("expected digits after the '.'");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (digits() == 0) return bad("expected digits in the exponent");
    }
    if (pos_ < text_.size() && (IsNameChar(text_[pos_]) || text_[pos_] == '.')) {
      return bad(fmt::format("unexpected '{}'", text_[pos_]));
    }
    std::string number(text_.substr(start, pos_ - start));
    if (!std::isfinite(std::strtod(number.c_str(), nullptr))) return bad("out of range of a double");
    return number;
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t error_offset_ = 0;
};

}  // namespace

Result<CheckSpec> ParseCheck(std::string_view text, size_t* error_offset) {
  return CheckParser(text).Parse(error_offset);
}

std::string_view CheckOpName(CheckSpec::Op op) {
  switch (op) {
    case Op::kEq: return "=";
    case Op::kNe: return "!=";
    case Op::kLt: return "<";
    case Op::kLe: return "<=";
    case Op::kGt: return ">";
    case Op::kGe: return ">=";
    case Op::kIsNull: return "is null";
    case Op::kIsNotNull: return "is not null";
  }
  return "?";
}

}  // namespace orbitlake::pipeline
