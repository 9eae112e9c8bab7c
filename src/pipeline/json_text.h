// The text-level rules of the JSON decoder (json_decoder.h), apart from any JSON parser
// or Arrow so they can be tested and fuzzed on their own: the JSON number grammar, exact
// integer / decimal / epoch conversions from a number's text, ISO-8601 dates and
// timestamps, base64, and a slow but precise JSON syntax checker used only to explain
// why a message was refused (the byte offset of the first error).
//
// Every function takes the exact text (no surrounding whitespace) and either stores the
// value or returns InvalidArgument whose message describes the problem without naming
// a column ("2.5 is not an integer"); the decoder prefixes the column and its path.
// The rules themselves are documented in docs/json-coercion.md.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/civil_date.h"
#include "common/status.h"
#include "pipeline/spec.h"

namespace orbitlake::pipeline::json_text {

// A JSON number split into its parts: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
struct JsonNumber {
  bool negative = false;
  std::string_view int_digits;   // at least one digit
  std::string_view frac_digits;  // empty without a '.'
  int64_t exponent = 0;          // saturated to +-10^9 (far outside every type's range)
  bool has_exponent = false;
};
// nullopt when `text` is not exactly one JSON number ("01", "-", "1.", ".5", "+1", "NaN").
std::optional<JsonNumber> ParseJsonNumber(std::string_view text);

// An integer literal (no fraction, no exponent: "2.0" and "1e3" are refused) within
// [min, max]; `type_name` appears in the out-of-range message.
Status ParseInteger(std::string_view text, int64_t min, int64_t max, std::string_view type_name, int64_t* out);

// The nearest double / float; numbers whose magnitude overflows the type (1e400) or is
// not zero but rounds to zero (1e-400) are refused.
Status ParseDouble(std::string_view text, double* out);
Status ParseFloat(std::string_view text, float* out);

// decimal(precision, scale) exactly from a number's text: the unscaled value
// (value * 10^scale) in two's complement 128 bits. More fractional digits than `scale`
// are refused unless they are zeros ("12.340" is 12.34; "12.345" is refused, never
// rounded); more than precision - scale integer digits are refused.
Status ParseDecimal(std::string_view text, int precision, int scale, __int128* unscaled);

// An epoch number in `unit` (integer or not, exponent allowed: exact decimal
// arithmetic) -> microseconds, rounded down (toward the past) below a microsecond.
// Outside the int64 microsecond range: refused.
Status EpochToMicros(std::string_view text, EpochUnit unit, int64_t* micros);

// How an ISO-8601 timestamp's offset is treated.
enum class OffsetRule {
  kOptionalUtc,  // `timestamp`: Z / +hh:mm / -hh:mm applied; none means UTC
  kForbidden,    // `timestamp_ntz`: a wall-clock time; an offset is refused
};
// YYYY-MM-DD(T| )hh:mm[:ss[.fraction of 1..9 digits]][Z|z|+hh:mm|-hh:mm|+hhmm|-hhmm|+hh|-hh]
// -> microseconds since 1970-01-01T00:00:00 (UTC, or wall clock for kForbidden); digits
// below the microsecond are dropped (rounded down). Years 0000..9999, real calendar
// days, no leap second (ss <= 59), offsets up to +-23:59.
Status ParseIsoTimestamp(std::string_view text, OffsetRule rule, int64_t* micros);
// YYYY-MM-DD -> days since 1970-01-01.
Status ParseIsoDate(std::string_view text, int32_t* days);

// The UTC day of a microsecond instant (rounded down for instants before 1970). Civil
// dates <-> days: common/civil_date.h (DaysFromCivil, FormatIsoDate).
int32_t DayOfMicros(int64_t micros);

// "YYYY-MM-DDThh:mm:ss.ffffff" (+ "Z" when `utc`) of microseconds since the epoch. For
// values in reasons.
std::string FormatMicros(int64_t micros, bool utc);

// RFC 4648 base64, standard alphabet ('+', '/'); the '=' padding is optional, no
// whitespace, no URL-safe alphabet. Appends the bytes to `out`.
Status DecodeBase64(std::string_view text, std::string* out);
// An upper bound of DecodeBase64's output size for an input of `n` characters.
inline size_t Base64DecodedMax(size_t n) { return (n / 4 + 1) * 3; }

// The first syntax error of `text` as one JSON value (RFC 8259, UTF-8 strings, at most
// `max_depth` nested arrays/objects), or nullopt when it is valid.
struct SyntaxError {
  size_t offset = 0;  // byte offset of the offending byte (text.size() when it ended early)
  std::string what;   // "expected ',' or '}'", "invalid UTF-8", ...
};
std::optional<SyntaxError> FindSyntaxError(std::string_view text, int max_depth);

// True when `text` may nest more than `max_depth` arrays/objects: a cheap count of '['
// and '{' (false means certainly not deeper; true means FindSyntaxError decides).
bool MayNestDeeperThan(std::string_view text, int max_depth);

// "decimal(12,2)", "array<struct<sku:string,qty:integer>>", "map<string,long>".
std::string TypeName(const DeltaType& type);

// `text` cut to at most `max` bytes (on a UTF-8 boundary) with "..." when cut: values in
// reasons stay short.
std::string Excerpt(std::string_view text, size_t max = 64);

}  // namespace orbitlake::pipeline::json_text
