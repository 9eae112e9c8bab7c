#include "delta/partition.h"

#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

#include <arrow/api.h>
#include <arrow/util/decimal.h>
#include <arrow/util/utf8.h>

#include "columnar/arrow_status.h"

namespace orbitlake::delta {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kSecondsPerDay = 86'400;
constexpr int kMaxFractionDigits = 6;

bool IsMicroTimestamp(const arrow::DataType& type) {
  return type.id() == arrow::Type::TIMESTAMP &&
         static_cast<const arrow::TimestampType&>(type).unit() == arrow::TimeUnit::MICRO;
}

bool HasZone(const arrow::DataType& type) {
  return !static_cast<const arrow::TimestampType&>(type).timezone().empty();
}

// Parses all of `s`, digits only (no sign, no spaces), into `out`.
template <typename T>
bool ParseFixedDigits(std::string_view s, T* out) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty() && std::from_chars(s.data(), s.data() + s.size(), *out).ec == std::errc();
}

// All of `s` as a T: integers range-checked (no '+'), floats rounded once from the text.
template <typename T>
std::optional<T> ParseWhole(std::string_view s) {
  T v{};
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Spark's spellings for the non-finite values (Java's Double.toString); from_chars reads
// these and delta-rs' "inf"/"-inf"/"NaN" alike.
template <typename F>
std::string FormatFloating(F v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  return std::string(buf, res.ptr);
}

template <typename F>
std::optional<F> ParseFloating(std::string_view s) {
  // from_chars takes no leading '+'; nobody writes one, but Java's parser accepts it.
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  return ParseWhole<F>(s);
}

std::optional<bool> ParseBool(std::string_view s) {
  auto equals_lower = [](std::string_view a, std::string_view lower) {
    if (a.size() != lower.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(a[i])) != lower[i]) return false;
    }
    return true;
  };
  if (equals_lower(s, "true")) return true;
  if (equals_lower(s, "false")) return false;
  return std::nullopt;
}

std::optional<arrow::Decimal128> ParseDecimal(std::string_view s, const arrow::Decimal128Type& type) {
  arrow::Decimal128 v;
  int32_t precision = 0, scale = 0;
  if (!arrow::Decimal128::FromString(s, &v, &precision, &scale).ok()) return std::nullopt;
  auto rescaled = v.Rescale(scale, type.scale());  // fails instead of dropping digits
  if (!rescaled.ok() || !rescaled->FitsInPrecision(type.precision())) return std::nullopt;
  return *rescaled;
}

template <typename BuilderT, typename V>
Result<std::shared_ptr<arrow::Array>> Repeat(const std::shared_ptr<arrow::DataType>& type, const std::optional<V>& v,
                                             int64_t n) {
  BuilderT b(type, arrow::default_memory_pool());
  ORBIT_RETURN_IF_ERROR(columnar::FromArrow(b.Reserve(n), "partition column"));
  for (int64_t i = 0; i < n; ++i) {
    if (v) {
      ORBIT_RETURN_IF_ERROR(columnar::FromArrow(b.Append(*v), "partition column"));
    } else {
      ORBIT_RETURN_IF_ERROR(columnar::FromArrow(b.AppendNull(), "partition column"));
    }
  }
  std::shared_ptr<arrow::Array> out;
  ORBIT_RETURN_IF_ERROR(columnar::FromArrow(b.Finish(&out), "partition column"));
  return out;
}

// `value` parsed by `parse` (nullopt = not a valid value) repeated `n` times; null and
// the empty string are null.
template <typename BuilderT, typename Parse>
Result<std::shared_ptr<arrow::Array>> ParseAndRepeat(const std::optional<std::string>& value,
                                                     const std::shared_ptr<arrow::DataType>& type, int64_t n,
                                                     Parse parse) {
  using V = typename decltype(parse(std::string_view{}))::value_type;
  std::optional<V> v;
  if (value && !value->empty()) {
    v = parse(std::string_view(*value));
    if (!v) return Status::Corruption("partition value '" + *value + "' is not a valid " + type->ToString());
  }
  return Repeat<BuilderT, V>(type, v, n);
}

}  // namespace

Status CheckPartitionType(const std::string& column, const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::STRING:
    case arrow::Type::DATE32:
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::INT64:
    case arrow::Type::BOOL:
    case arrow::Type::FLOAT:
    case arrow::Type::DOUBLE:
    case arrow::Type::DECIMAL128:
    case arrow::Type::BINARY:
      return Status::OK();
    case arrow::Type::TIMESTAMP:
      if (IsMicroTimestamp(type)) return Status::OK();
      break;
    default:
      break;
  }
  return Status::Unsupported("partition column '" + column + "' has type " + type.ToString() +
                             "; orbitlake partitions by string, integer, boolean, date, timestamp(us), decimal, "
                             "float, double or binary columns");
}

std::string FormatDate(int64_t days) {
  std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<int64_t> ParseDate(std::string_view s) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (!ParseFixedDigits(s.substr(0, 4), &y) || !ParseFixedDigits(s.substr(5, 2), &m) ||
      !ParseFixedDigits(s.substr(8, 2), &d)) {
    return std::nullopt;
  }
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

std::string FormatTimestampMicros(int64_t micros, char separator, std::string_view zone_suffix) {
  // Floor division: pre-1970 values belong to the earlier second and day.
  int64_t secs = micros / kMicrosPerSecond, frac = micros % kMicrosPerSecond;
  if (frac < 0) frac += kMicrosPerSecond, --secs;
  int64_t days = secs / kSecondsPerDay, sod = secs % kSecondsPerDay;
  if (sod < 0) sod += kSecondsPerDay, --days;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%c%02lld:%02lld:%02lld.%06lld", FormatDate(days).c_str(), separator,
                static_cast<long long>(sod / 3600), static_cast<long long>(sod / 60 % 60),
                static_cast<long long>(sod % 60), static_cast<long long>(frac));
  return std::string(buf) + std::string(zone_suffix);
}

std::optional<int64_t> ParseTimestampMicros(std::string_view s, bool allow_zone) {
  // YYYY-MM-DD?HH:MM:SS[.f{1,6}][Z]
  if (allow_zone && !s.empty() && s.back() == 'Z') s.remove_suffix(1);
  if (s.size() < 19 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':') return std::nullopt;
  auto days = ParseDate(s.substr(0, 10));
  int hh = 0, mm = 0, ss = 0;
  if (!days || !ParseFixedDigits(s.substr(11, 2), &hh) || !ParseFixedDigits(s.substr(14, 2), &mm) ||
      !ParseFixedDigits(s.substr(17, 2), &ss) || hh > 23 || mm > 59 || ss > 59) {
    return std::nullopt;
  }
  int64_t frac = 0;
  if (s.size() > 19) {
    std::string_view digits = s.substr(20);
    if (s[19] != '.' || digits.empty() || digits.size() > kMaxFractionDigits || !ParseFixedDigits(digits, &frac)) {
      return std::nullopt;
    }
    for (size_t i = digits.size(); i < kMaxFractionDigits; ++i) frac *= 10;
  }
  return (*days * kSecondsPerDay + hh * 3600 + mm * 60 + ss) * kMicrosPerSecond + frac;
}

Result<std::optional<std::string>> FormatPartitionValue(const arrow::Array& a, int64_t i) {
  if (a.IsNull(i)) return std::optional<std::string>();
  switch (a.type_id()) {
    case arrow::Type::STRING: {
      auto v = static_cast<const arrow::StringArray&>(a).GetView(i);
      if (v.empty()) return std::optional<std::string>();
      return std::optional<std::string>(std::string(v));
    }
    case arrow::Type::DATE32: return std::optional<std::string>(FormatDate(static_cast<const arrow::Date32Array&>(a).Value(i)));
    case arrow::Type::INT8: return std::optional<std::string>(std::to_string(static_cast<const arrow::Int8Array&>(a).Value(i)));
    case arrow::Type::INT16: return std::optional<std::string>(std::to_string(static_cast<const arrow::Int16Array&>(a).Value(i)));
    case arrow::Type::INT32: return std::optional<std::string>(std::to_string(static_cast<const arrow::Int32Array&>(a).Value(i)));
    case arrow::Type::INT64: return std::optional<std::string>(std::to_string(static_cast<const arrow::Int64Array&>(a).Value(i)));
    case arrow::Type::BOOL:
      return std::optional<std::string>(static_cast<const arrow::BooleanArray&>(a).Value(i) ? "true" : "false");
    case arrow::Type::FLOAT: return std::optional<std::string>(FormatFloating(static_cast<const arrow::FloatArray&>(a).Value(i)));
    case arrow::Type::DOUBLE: return std::optional<std::string>(FormatFloating(static_cast<const arrow::DoubleArray&>(a).Value(i)));
    case arrow::Type::DECIMAL128: {
      const auto& d = static_cast<const arrow::Decimal128Array&>(a);
      const int32_t scale = static_cast<const arrow::Decimal128Type&>(*a.type()).scale();
      return std::optional<std::string>(arrow::Decimal128(d.GetValue(i)).ToString(scale));
    }
    case arrow::Type::TIMESTAMP: {
      if (!IsMicroTimestamp(*a.type())) break;
      const int64_t us = static_cast<const arrow::TimestampArray&>(a).Value(i);
      // With a zone: ISO 8601 in UTC, unambiguous in every reader (delta-spark 3 writes
      // the same); without: the wall-clock form the protocol gives.
      return std::optional<std::string>(HasZone(*a.type()) ? FormatTimestampMicros(us, 'T', "Z")
                                                           : FormatTimestampMicros(us, ' ', ""));
    }
    case arrow::Type::BINARY: {
      auto v = static_cast<const arrow::BinaryArray&>(a).GetView(i);
      [[maybe_unused]] static const bool utf8_ready = (arrow::util::InitializeUTF8(), true);  // once, thread-safe
      if (!arrow::util::ValidateUTF8(v)) {
        return Status::InvalidArgument("binary partition value of " + std::to_string(v.size()) +
                                       " bytes is not valid UTF-8; Delta stores partition values as text and "
                                       "readers would not get these bytes back");
      }
      return std::optional<std::string>(std::string(v));
    }
    default:
      break;
  }
  return Status::Unsupported("partition column of type " + a.type()->ToString());
}

Result<std::shared_ptr<arrow::Array>> PartitionValueArray(const std::optional<std::string>& value,
                                                          const std::shared_ptr<arrow::DataType>& type,
                                                          int64_t length) {
  switch (type->id()) {
    case arrow::Type::STRING:
    case arrow::Type::BINARY: {
      // Spark never writes "" (it writes null), delta-rs writes "" and reads it as null.
      std::optional<std::string> v = value && !value->empty() ? value : std::nullopt;
      if (type->id() == arrow::Type::STRING) return Repeat<arrow::StringBuilder, std::string>(type, v, length);
      return Repeat<arrow::BinaryBuilder, std::string>(type, v, length);
    }
    case arrow::Type::DATE32:
      return ParseAndRepeat<arrow::Date32Builder>(value, type, length, [](std::string_view s) -> std::optional<int32_t> {
        auto d = ParseDate(s);
        if (!d) return std::nullopt;
        return static_cast<int32_t>(*d);  // years 0000-9999 fit in int32 days
      });
    case arrow::Type::INT8: return ParseAndRepeat<arrow::Int8Builder>(value, type, length, ParseWhole<int8_t>);
    case arrow::Type::INT16: return ParseAndRepeat<arrow::Int16Builder>(value, type, length, ParseWhole<int16_t>);
    case arrow::Type::INT32: return ParseAndRepeat<arrow::Int32Builder>(value, type, length, ParseWhole<int32_t>);
    case arrow::Type::INT64: return ParseAndRepeat<arrow::Int64Builder>(value, type, length, ParseWhole<int64_t>);
    case arrow::Type::BOOL: return ParseAndRepeat<arrow::BooleanBuilder>(value, type, length, ParseBool);
    case arrow::Type::FLOAT: return ParseAndRepeat<arrow::FloatBuilder>(value, type, length, ParseFloating<float>);
    case arrow::Type::DOUBLE: return ParseAndRepeat<arrow::DoubleBuilder>(value, type, length, ParseFloating<double>);
    case arrow::Type::DECIMAL128: {
      const auto& dt = static_cast<const arrow::Decimal128Type&>(*type);
      return ParseAndRepeat<arrow::Decimal128Builder>(value, type, length,
                                                      [&dt](std::string_view s) { return ParseDecimal(s, dt); });
    }
    case arrow::Type::TIMESTAMP: {
      if (!IsMicroTimestamp(*type)) break;
      const bool zone = HasZone(*type);
      return ParseAndRepeat<arrow::TimestampBuilder>(
          value, type, length, [zone](std::string_view s) { return ParseTimestampMicros(s, zone); });
    }
    default:
      break;
  }
  return Status::Unsupported("partition column of type " + type->ToString());
}

std::string PartitionDir(const std::vector<std::string>& columns, const PartitionValues& values) {
  auto escape = [](std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    static constexpr std::string_view kSpecial = "\"#%'*/:=?\\{[]^";
    std::string out;
    for (unsigned char c : s) {
      if (c < 0x20 || c == 0x7f || kSpecial.find(static_cast<char>(c)) != std::string_view::npos) {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      } else {
        out += static_cast<char>(c);
      }
    }
    return out;
  };
  std::string dir;
  for (const auto& c : columns) {
    if (!dir.empty()) dir += '/';
    auto it = values.find(c);
    dir += escape(c) + "=";
    dir += (it == values.end() || !it->second) ? std::string("__HIVE_DEFAULT_PARTITION__") : escape(*it->second);
  }
  return dir;
}

}  // namespace orbitlake::delta
