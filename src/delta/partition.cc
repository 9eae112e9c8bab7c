#include "delta/partition.h"

#include <charconv>
#include <chrono>
#include <cstdio>

#include <arrow/api.h>

#include "columnar/arrow_status.h"

namespace orbitlake::delta {

Status CheckPartitionType(const std::string& column, const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::STRING:
    case arrow::Type::DATE32:
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::INT64:
    case arrow::Type::BOOL:
      return Status::OK();
    default:
      return Status::Unsupported("partition column '" + column + "' has type " + type.ToString() +
                                 "; orbitlake partitions by string, date, integer or boolean columns");
  }
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
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (std::from_chars(s.data(), s.data() + 4, y).ec != std::errc() ||
      std::from_chars(s.data() + 5, s.data() + 7, m).ec != std::errc() ||
      std::from_chars(s.data() + 8, s.data() + 10, d).ec != std::errc()) {
    return std::nullopt;
  }
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

std::optional<std::string> FormatPartitionValue(const arrow::Array& a, int64_t i) {
  if (a.IsNull(i)) return std::nullopt;
  switch (a.type_id()) {
    case arrow::Type::STRING: {
      auto v = static_cast<const arrow::StringArray&>(a).GetView(i);
      if (v.empty()) return std::nullopt;
      return std::string(v);
    }
    case arrow::Type::DATE32: return FormatDate(static_cast<const arrow::Date32Array&>(a).Value(i));
    case arrow::Type::INT8: return std::to_string(static_cast<const arrow::Int8Array&>(a).Value(i));
    case arrow::Type::INT16: return std::to_string(static_cast<const arrow::Int16Array&>(a).Value(i));
    case arrow::Type::INT32: return std::to_string(static_cast<const arrow::Int32Array&>(a).Value(i));
    case arrow::Type::INT64: return std::to_string(static_cast<const arrow::Int64Array&>(a).Value(i));
    case arrow::Type::BOOL: return static_cast<const arrow::BooleanArray&>(a).Value(i) ? "true" : "false";
    default: return std::nullopt;
  }
}

namespace {

template <typename BuilderT, typename V>
Result<std::shared_ptr<arrow::Array>> Repeat(const std::shared_ptr<arrow::DataType>& type, std::optional<V> v,
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

}  // namespace

Result<std::shared_ptr<arrow::Array>> PartitionValueArray(const std::optional<std::string>& value,
                                                          const std::shared_ptr<arrow::DataType>& type,
                                                          int64_t length) {
  auto bad = [&]() {
    return Status::Corruption("partition value '" + value.value_or("") + "' is not a " + type->ToString());
  };
  std::optional<int64_t> i;
  if (value && type->id() != arrow::Type::STRING && type->id() != arrow::Type::BOOL) {
    if (type->id() == arrow::Type::DATE32) {
      i = ParseDate(*value);
    } else {
      int64_t parsed = 0;
      if (std::from_chars(value->data(), value->data() + value->size(), parsed).ec == std::errc()) i = parsed;
    }
    if (!i) return bad();
  }
  switch (type->id()) {
    case arrow::Type::STRING: {
      std::optional<std::string> v = value;
      return Repeat<arrow::StringBuilder, std::string>(type, v, length);
    }
    case arrow::Type::DATE32: return Repeat<arrow::Date32Builder, int32_t>(type, i, length);
    case arrow::Type::INT8: return Repeat<arrow::Int8Builder, int8_t>(type, i, length);
    case arrow::Type::INT16: return Repeat<arrow::Int16Builder, int16_t>(type, i, length);
    case arrow::Type::INT32: return Repeat<arrow::Int32Builder, int32_t>(type, i, length);
    case arrow::Type::INT64: return Repeat<arrow::Int64Builder, int64_t>(type, i, length);
    case arrow::Type::BOOL: {
      std::optional<bool> b;
      if (value) b = (*value == "true");
      return Repeat<arrow::BooleanBuilder, bool>(type, b, length);
    }
    default: return Status::Unsupported("partition column of type " + type->ToString());
  }
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
