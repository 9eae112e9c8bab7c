#include "pipeline/json_text.h"

#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <vector>

#include <fmt/format.h>

namespace orbitlake::pipeline::json_text {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The digits of a JSON number, integer part then fraction, as one sequence.
struct Digits {
  std::string_view a, b;
  size_t size() const { return a.size() + b.size(); }
  char operator[](size_t i) const { return i < a.size() ? a[i] : b[i - a.size()]; }
};

// The number's value as digits * 10^shift, after applying `extra_power` (the scale of a
// decimal, the unit of an epoch): shift = exponent - #fraction digits + extra_power.
int64_t Shift(const JsonNumber& n, int extra_power) {
  return n.exponent - static_cast<int64_t>(n.frac_digits.size()) + extra_power;
}

// Index of the first non-zero digit in [0, end), or end.
size_t FirstNonZero(const Digits& d, size_t end) {
  size_t i = 0;
  while (i < end && d[i] == '0') ++i;
  return i;
}

Status NotANumber(std::string_view text) {
  return Status::InvalidArgument(fmt::format("{} is not a JSON number", Excerpt(text)));
}

// digits[from, to) followed by `zeros` zeros, as a non-negative 128-bit integer.
// REQUIRES: at most 38 digits in all (decimal precision <= 38; epochs <= 19).
unsigned __int128 Accumulate(const Digits& d, size_t from, size_t to, int64_t zeros) {
  unsigned __int128 v = 0;
  for (size_t i = from; i < to; ++i) v = v * 10 + static_cast<unsigned>(d[i] - '0');
  for (int64_t i = 0; i < zeros; ++i) v *= 10;
  return v;
}


}  // namespace

std::optional<JsonNumber> ParseJsonNumber(std::string_view t) {
  JsonNumber n;
  size_t i = 0;
  const size_t e = t.size();
  if (i < e && t[i] == '-') {
    n.negative = true;
    ++i;
  }
  const size_t int_start = i;
  if (i < e && t[i] == '0') {
    ++i;
  } else if (i < e && t[i] >= '1' && t[i] <= '9') {
    while (i < e && IsDigit(t[i])) ++i;
  } else {
    return std::nullopt;
  }
  n.int_digits = t.substr(int_start, i - int_start);
  if (i < e && t[i] == '.') {
    const size_t s = ++i;
    while (i < e && IsDigit(t[i])) ++i;
    if (i == s) return std::nullopt;
    n.frac_digits = t.substr(s, i - s);
  }
  if (i < e && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    n.has_exponent = true;
    bool neg = false;
    if (i < e && (t[i] == '+' || t[i] == '-')) neg = t[i++] == '-';
    const size_t s = i;
    int64_t x = 0;
    constexpr int64_t kCap = 1'000'000'000;
    while (i < e && IsDigit(t[i])) {
      if (x < kCap) x = x * 10 + (t[i] - '0');
      ++i;
    }
    if (i == s) return std::nullopt;
    if (x > kCap) x = kCap;
    n.exponent = neg ? -x : x;
  }
  if (i != e) return std::nullopt;
  return n;
}

Status ParseInteger(std::string_view text, int64_t min, int64_t max, std::string_view type_name, int64_t* out) {
  const auto n = ParseJsonNumber(text);
  if (!n) return NotANumber(text);
  if (!n->frac_digits.empty() || n->has_exponent) {
    return Status::InvalidArgument(fmt::format("{} is not an integer", Excerpt(text)));
  }
  auto out_of_range = [&] {
    return Status::InvalidArgument(
        fmt::format("{} is out of range for {} ({}..{})", Excerpt(text), type_name, min, max));
  };
  if (n->int_digits.size() > 19) return out_of_range();
  unsigned __int128 v = 0;
  for (char c : n->int_digits) v = v * 10 + static_cast<unsigned>(c - '0');
  const __int128 s = n->negative ? -static_cast<__int128>(v) : static_cast<__int128>(v);
  if (s < min || s > max) return out_of_range();
  *out = static_cast<int64_t>(s);
  return Status::OK();
}

template <typename F>
static Status ParseFloating(std::string_view text, std::string_view type_name, F* out) {
  if (!ParseJsonNumber(text)) return NotANumber(text);
  F v{};
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec == std::errc::result_out_of_range) {
    return Status::InvalidArgument(fmt::format("{} is out of range for {}", Excerpt(text), type_name));
  }
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return NotANumber(text);
  *out = v;
  return Status::OK();
}

Status ParseDouble(std::string_view text, double* out) { return ParseFloating(text, "double", out); }
Status ParseFloat(std::string_view text, float* out) { return ParseFloating(text, "float", out); }

Status ParseDecimal(std::string_view text, int precision, int scale, __int128* unscaled) {
  const auto n = ParseJsonNumber(text);
  if (!n) return NotANumber(text);
  const Digits d{n->int_digits, n->frac_digits};
  const int64_t shift = Shift(*n, scale);
  size_t keep = d.size();
  int64_t zeros = 0;
  if (shift < 0) {
    // The last -shift digits fall below the scale: they must all be zeros.
    const size_t drop = static_cast<size_t>(std::min<int64_t>(-shift, static_cast<int64_t>(d.size())));
    keep = d.size() - drop;
    for (size_t i = keep; i < d.size(); ++i) {
      if (d[i] != '0') {
        if (scale == 0) return Status::InvalidArgument(fmt::format("{} is not a whole number", Excerpt(text)));
        return Status::InvalidArgument(fmt::format("{} has more than {} decimals", Excerpt(text), scale));
      }
    }
  } else {
    zeros = shift;
  }
  const size_t first = FirstNonZero(d, keep);
  if (first == keep) {  // zero
    *unscaled = 0;
    return Status::OK();
  }
  const int64_t significant = static_cast<int64_t>(keep - first) + zeros;
  if (significant > precision) {
    return Status::InvalidArgument(fmt::format("{} does not fit decimal({},{}) (at most {} digits before the point)",
                                               Excerpt(text), precision, scale, precision - scale));
  }
  const unsigned __int128 v = Accumulate(d, first, keep, zeros);
  *unscaled = n->negative ? -static_cast<__int128>(v) : static_cast<__int128>(v);
  return Status::OK();
}

Status EpochToMicros(std::string_view text, EpochUnit unit, int64_t* micros) {
  const auto n = ParseJsonNumber(text);
  if (!n) return NotANumber(text);
  int power = 0;
  const char* unit_name = "";
  switch (unit) {
    case EpochUnit::kSeconds: power = 6, unit_name = "s"; break;
    case EpochUnit::kMillis: power = 3, unit_name = "ms"; break;
    case EpochUnit::kMicros: power = 0, unit_name = "us"; break;
    case EpochUnit::kNanos: power = -3, unit_name = "ns"; break;
  }
  auto out_of_range = [&] {
    return Status::InvalidArgument(
        fmt::format("{} (epoch {}) is outside the timestamp range", Excerpt(text), unit_name));
  };
  const Digits d{n->int_digits, n->frac_digits};
  const int64_t shift = Shift(*n, power);
  size_t keep = d.size();
  int64_t zeros = 0;
  bool dropped_nonzero = false;
  if (shift < 0) {
    const size_t drop = static_cast<size_t>(std::min<int64_t>(-shift, static_cast<int64_t>(d.size())));
    keep = d.size() - drop;
    for (size_t i = keep; i < d.size(); ++i) dropped_nonzero |= d[i] != '0';
  } else {
    zeros = shift;
  }
  const size_t first = FirstNonZero(d, keep);
  __int128 v = 0;
  if (first < keep) {
    if (static_cast<int64_t>(keep - first) + zeros > 19) return out_of_range();
    v = static_cast<__int128>(Accumulate(d, first, keep, zeros));
  }
  if (n->negative) {
    v = -v;
    if (dropped_nonzero) v -= 1;  // round toward the past
  }
  if (v < std::numeric_limits<int64_t>::min() || v > std::numeric_limits<int64_t>::max()) return out_of_range();
  *micros = static_cast<int64_t>(v);
  return Status::OK();
}

int32_t DayOfMicros(int64_t micros) {
  constexpr int64_t kMicrosPerDay = 86'400'000'000LL;
  int64_t d = micros / kMicrosPerDay;
  if (micros % kMicrosPerDay < 0) --d;
  return static_cast<int32_t>(d);
}

std::string FormatMicros(int64_t micros, bool utc) {
  constexpr int64_t kMicrosPerDay = 86'400'000'000LL;
  const int32_t day = DayOfMicros(micros);
  const auto in_day = static_cast<int64_t>(static_cast<__int128>(micros) - static_cast<__int128>(day) * kMicrosPerDay);
  const int64_t s = in_day / 1'000'000;
  return fmt::format("{}T{:02}:{:02}:{:02}.{:06}{}", FormatIsoDate(day), s / 3600, s / 60 % 60, s % 60,
                     in_day % 1'000'000, utc ? "Z" : "");
}

namespace {

// Reads `count` digits at t[*i]; false when they are not all digits.
bool ReadDigits(std::string_view t, size_t* i, int count, int* out) {
  if (*i + static_cast<size_t>(count) > t.size()) return false;
  int v = 0;
  for (int k = 0; k < count; ++k) {
    const char c = t[*i + static_cast<size_t>(k)];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *i += static_cast<size_t>(count);
  *out = v;
  return true;
}

bool Expect(std::string_view t, size_t* i, char c) {
  if (*i < t.size() && t[*i] == c) {
    ++*i;
    return true;
  }
  return false;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// YYYY-MM-DD at t[*i]; an empty string or the problem.
std::string ReadDate(std::string_view t, size_t* i, int64_t* days) {
  int y = 0, m = 0, d = 0;
  if (!ReadDigits(t, i, 4, &y) || !Expect(t, i, '-') || !ReadDigits(t, i, 2, &m) || !Expect(t, i, '-') ||
      !ReadDigits(t, i, 2, &d)) {
    return "format";
  }
  if (m < 1 || m > 12) return fmt::format("month {:02}", m);
  if (d < 1 || d > DaysInMonth(y, m)) return fmt::format("day {:02} of {:04}-{:02}", d, y, m);
  *days = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return {};
}

}  // namespace

Status ParseIsoDate(std::string_view text, int32_t* days) {
  size_t i = 0;
  int64_t d = 0;
  std::string problem = ReadDate(text, &i, &d);
  if (problem.empty() && i != text.size()) problem = "format";
  if (!problem.empty()) {
    return Status::InvalidArgument(fmt::format("\"{}\" is not a date (YYYY-MM-DD){}", Excerpt(text),
                                               problem == "format" ? "" : ": " + problem));
  }
  *days = static_cast<int32_t>(d);
  return Status::OK();
}

Status ParseIsoTimestamp(std::string_view t, OffsetRule rule, int64_t* micros) {
  auto bad = [&](std::string_view problem) {
    return Status::InvalidArgument(fmt::format(
        "\"{}\" is not an ISO-8601 timestamp (YYYY-MM-DDThh:mm:ss[.fraction]{}){}{}", Excerpt(t),
        rule == OffsetRule::kOptionalUtc ? "[Z|+hh:mm|-hh:mm]" : "", problem.empty() ? "" : ": ", problem));
  };
  size_t i = 0;
  int64_t days = 0;
  std::string problem = ReadDate(t, &i, &days);
  if (!problem.empty()) return bad(problem == "format" ? "" : problem);
  if (i >= t.size() || (t[i] != 'T' && t[i] != 't' && t[i] != ' ')) return bad("");
  ++i;
  int hh = 0, mm = 0, ss = 0;
  if (!ReadDigits(t, &i, 2, &hh) || !Expect(t, &i, ':') || !ReadDigits(t, &i, 2, &mm)) return bad("");
  if (Expect(t, &i, ':') && !ReadDigits(t, &i, 2, &ss)) return bad("");
  if (hh > 23) return bad(fmt::format("hour {:02}", hh));
  if (mm > 59) return bad(fmt::format("minute {:02}", mm));
  if (ss > 59) return bad(fmt::format("second {:02}", ss));
  int64_t frac_us = 0;
  if (Expect(t, &i, '.')) {
    int count = 0;
    while (i < t.size() && IsDigit(t[i])) {
      if (count < 6) frac_us = frac_us * 10 + (t[i] - '0');
      ++count, ++i;
    }
    if (count == 0) return bad("");
    if (count > 9) return bad("more than 9 fractional digits");
    for (int k = count; k < 6; ++k) frac_us *= 10;
  }
  int64_t offset_s = 0;
  if (i < t.size()) {
    const char c = t[i];
    if (rule == OffsetRule::kForbidden && (c == 'Z' || c == 'z' || c == '+' || c == '-')) {
      return Status::InvalidArgument(fmt::format(
          "\"{}\" has a UTC offset, but timestamp_ntz holds wall-clock times without one", Excerpt(t)));
    }
    if (c == 'Z' || c == 'z') {
      ++i;
    } else if (c == '+' || c == '-') {
      ++i;
      int oh = 0, om = 0;
      if (!ReadDigits(t, &i, 2, &oh)) return bad("");
      if (i < t.size()) {
        Expect(t, &i, ':');
        if (!ReadDigits(t, &i, 2, &om)) return bad("");
      }
      if (oh > 23 || om > 59) return bad(fmt::format("offset {:02}:{:02}", oh, om));
      offset_s = (oh * 3600 + om * 60) * (c == '-' ? -1 : 1);
    }
    if (i != t.size()) return bad("");
  }
  *micros = ((days * 86400 + hh * 3600 + mm * 60 + ss) - offset_s) * 1'000'000 + frac_us;
  return Status::OK();
}

Status DecodeBase64(std::string_view text, std::string* out) {
  static constexpr auto kTable = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(a[i])] = static_cast<int8_t>(i);
    return t;
  }();
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(fmt::format("\"{}\" is not base64: {}", Excerpt(text), why));
  };
  std::string_view s = text;
  if (!s.empty() && s.back() == '=') {
    if (s.size() % 4 != 0) return bad("padding at a wrong place");
    s.remove_suffix(1);
    if (!s.empty() && s.back() == '=') s.remove_suffix(1);
  }
  if (s.size() % 4 == 1) return bad("truncated");
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const int8_t v = kTable[static_cast<uint8_t>(s[i])];
    if (v < 0) return bad(fmt::format("byte {} is not in the alphabet", i));
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return Status::OK();
}

namespace {

// The syntax checker's cursor. Only used to explain a refusal: clarity over speed.
class Checker {
 public:
  Checker(std::string_view t, int max_depth) : t_(t), max_depth_(max_depth) {}

  std::optional<SyntaxError> Run() {
    enum class Next { kValue, kAfterValue };
    Next next = Next::kValue;
    while (!err_) {
      if (next == Next::kValue) {
        Ws();
        if (End()) return Fail(t_.size(), "unexpected end of input, expected a value");
        const char c = t_[i_];
        if (c == '{' || c == '[') {
          if (static_cast<int>(stack_.size()) >= max_depth_) {
            return Fail(i_, fmt::format("nesting deeper than {} levels", max_depth_));
          }
          stack_.push_back(c);
          ++i_;
          Ws();
          if (!End() && t_[i_] == (c == '{' ? '}' : ']')) {
            ++i_;
            stack_.pop_back();
            next = Next::kAfterValue;
          } else if (c == '{') {
            if (!Key()) break;
          }
          continue;  // '[': a value next; '{': Key() read the key and ':'
        }
        if (c == '"') {
          String();
        } else if (c == '-' || IsDigit(c)) {
          Number();
        } else if (c == 't' || c == 'f' || c == 'n') {
          Literal();
        } else {
          Unexpected();
        }
        next = Next::kAfterValue;
        continue;
      }
      Ws();
      if (stack_.empty()) {
        if (!End()) return Fail(i_, "trailing content after the JSON value");
        return std::nullopt;
      }
      const bool obj = stack_.back() == '{';
      if (End()) return Fail(t_.size(), obj ? "unexpected end of input inside an object"
                                             : "unexpected end of input inside an array");
      const char c = t_[i_];
      if (c == ',') {
        ++i_;
        if (obj && !Key()) break;
        next = Next::kValue;
      } else if (c == (obj ? '}' : ']')) {
        ++i_;
        stack_.pop_back();
      } else {
        return Fail(i_, obj ? "expected ',' or '}'" : "expected ',' or ']'");
      }
    }
    return err_;
  }

 private:
  bool End() const { return i_ >= t_.size(); }
  void Ws() {
    while (!End() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
  }
  std::optional<SyntaxError> Fail(size_t at, std::string what) {
    err_ = SyntaxError{at, std::move(what)};
    return err_;
  }
  void Unexpected() {
    const auto b = static_cast<uint8_t>(t_[i_]);
    if (b >= 0x20 && b < 0x7f) {
      Fail(i_, fmt::format("unexpected character '{}'", static_cast<char>(b)));
    } else {
      Fail(i_, fmt::format("unexpected byte 0x{:02x}", b));
    }
  }
  // A key, then ':'. False on error.
  bool Key() {
    Ws();
    if (End()) return Fail(t_.size(), "unexpected end of input, expected a string key"), false;
    if (t_[i_] != '"') return Fail(i_, "expected a string key"), false;
    if (!String()) return false;
    Ws();
    if (End()) return Fail(t_.size(), "unexpected end of input, expected ':'"), false;
    if (t_[i_] != ':') return Fail(i_, "expected ':'"), false;
    ++i_;
    return true;
  }
  int Hex4(size_t at) {
    if (at + 4 > t_.size()) return -1;
    int v = 0;
    for (size_t k = at; k < at + 4; ++k) {
      const char c = t_[k];
      int d = IsDigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    return v;
  }
  bool String() {
    const size_t start = i_++;
    while (true) {
      if (End()) return Fail(start, "unclosed string"), false;
      const auto c = static_cast<uint8_t>(t_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return Fail(i_, "control character in a string (escape it)"), false;
      if (c == '\\') {
        if (i_ + 1 >= t_.size()) return Fail(start, "unclosed string"), false;
        const char e = t_[i_ + 1];
        if (e == 'u') {
          const int u = Hex4(i_ + 2);
          if (u < 0) return Fail(i_, "invalid \\u escape"), false;
          if (u >= 0xDC00 && u <= 0xDFFF) return Fail(i_, "unpaired surrogate in a \\u escape"), false;
          if (u >= 0xD800 && u <= 0xDBFF) {
            const bool pair = i_ + 7 < t_.size() && t_[i_ + 6] == '\\' && t_[i_ + 7] == 'u';
            const int low = pair ? Hex4(i_ + 8) : -1;
            if (low < 0xDC00 || low > 0xDFFF) return Fail(i_, "unpaired surrogate in a \\u escape"), false;
            i_ += 12;
          } else {
            i_ += 6;
          }
          continue;
        }
        if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
          return Fail(i_, "invalid escape"), false;
        }
        i_ += 2;
        continue;
      }
      if (c < 0x80) {
        ++i_;
        continue;
      }
      const size_t len = Utf8Sequence(i_);
      if (len == 0) return Fail(i_, "invalid UTF-8"), false;
      i_ += len;
    }
  }
  // Length of the valid UTF-8 sequence at `at` (no overlong forms, no surrogates, at
  // most U+10FFFF), or 0.
  size_t Utf8Sequence(size_t at) const {
    auto b = [&](size_t k) -> int { return at + k < t_.size() ? static_cast<uint8_t>(t_[at + k]) : -1; };
    auto cont = [&](int x) { return x >= 0x80 && x <= 0xBF; };
    const int c0 = b(0);
    if (c0 >= 0xC2 && c0 <= 0xDF) return cont(b(1)) ? 2 : 0;
    if (c0 >= 0xE0 && c0 <= 0xEF) {
      const int c1 = b(1);
      const int lo = c0 == 0xE0 ? 0xA0 : 0x80, hi = c0 == 0xED ? 0x9F : 0xBF;
      return c1 >= lo && c1 <= hi && cont(b(2)) ? 3 : 0;
    }
    if (c0 >= 0xF0 && c0 <= 0xF4) {
      const int c1 = b(1);
      const int lo = c0 == 0xF0 ? 0x90 : 0x80, hi = c0 == 0xF4 ? 0x8F : 0xBF;
      return c1 >= lo && c1 <= hi && cont(b(2)) && cont(b(3)) ? 4 : 0;
    }
    return 0;
  }
  void Number() {
    const size_t start = i_;
    while (!End()) {
      const char c = t_[i_];
      if (!(IsDigit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E')) break;
      ++i_;
    }
    if (!ParseJsonNumber(t_.substr(start, i_ - start))) Fail(start, "invalid number");
  }
  void Literal() {
    for (std::string_view lit : {"true", "false", "null"}) {
      if (t_.substr(i_, lit.size()) == lit) {
        const size_t after = i_ + lit.size();
        if (after < t_.size() && (std::isalnum(static_cast<unsigned char>(t_[after])) || t_[after] == '_')) break;
        i_ = after;
        return;
      }
    }
    Fail(i_, "invalid literal (expected true, false or null)");
  }

  std::string_view t_;
  int max_depth_;
  size_t i_ = 0;
  std::vector<char> stack_;
  std::optional<SyntaxError> err_;
};

}  // namespace

std::optional<SyntaxError> FindSyntaxError(std::string_view text, int max_depth) {
  return Checker(text, max_depth).Run();
}

bool MayNestDeeperThan(std::string_view text, int max_depth) {
  if (text.size() <= static_cast<size_t>(max_depth)) return false;
  size_t opens = 0;
  for (char c : text) opens += (c == '[') | (c == '{');
  return opens > static_cast<size_t>(max_depth);
}

std::string TypeName(const DeltaType& t) {
  using K = DeltaType::Kind;
  auto child = [&](size_t i) { return i < t.children.size() && t.children[i].type ? TypeName(*t.children[i].type) : "?"; };
  switch (t.kind) {
    case K::kString: return "string";
    case K::kLong: return "long";
    case K::kInteger: return "integer";
    case K::kShort: return "short";
    case K::kByte: return "byte";
    case K::kDouble: return "double";
    case K::kFloat: return "float";
    case K::kBoolean: return "boolean";
    case K::kBinary: return "binary";
    case K::kDate: return "date";
    case K::kTimestamp: return "timestamp";
    case K::kTimestampNtz: return "timestamp_ntz";
    case K::kDecimal: return fmt::format("decimal({},{})", t.precision, t.scale);
    case K::kArray: return "array<" + child(0) + ">";
    case K::kMap: return "map<" + child(0) + "," + child(1) + ">";
    case K::kStruct: {
      std::string s = "struct<";
      for (size_t i = 0; i < t.children.size(); ++i) {
        if (i) s += ',';
        s += t.children[i].name + ":" + child(i);
      }
      return s + ">";
    }
  }
  return "?";
}

std::string Excerpt(std::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  size_t cut = max;
  while (cut > 0 && (static_cast<uint8_t>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

}  // namespace orbitlake::pipeline::json_text
