#include "readers/text_table.h"

#include <algorithm>
#include <cmath>
#include <chrono>
#include <numeric>

#include <arrow/api.h>
#include <arrow/util/base64.h>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include "common/civil_date.h"

namespace orbitlake::readers {
namespace {

int64_t ToMicros(int64_t v, arrow::TimeUnit::type unit) {
  switch (unit) {
    case arrow::TimeUnit::SECOND: return v * 1'000'000;
    case arrow::TimeUnit::MILLI: return v * 1'000;
    case arrow::TimeUnit::MICRO: return v;
    case arrow::TimeUnit::NANO: return v >= 0 ? v / 1'000 : -((-v + 999) / 1'000);
  }
  return v;
}

std::string Double(double v) {
  if (std::isnan(v) || std::isinf(v)) return fmt::format("{}", v);
  return fmt::format("{}", v);  // shortest round-trip form
}

Cell CellAt(const arrow::Array& a, int64_t i);

// The UTF-8 sequence starting at s[i]: its length and code point, or 0 when the bytes
// there are not valid UTF-8 (overlong forms, surrogates and values past U+10FFFF are
// invalid too).
size_t Utf8At(std::string_view s, size_t i, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t n;
  uint32_t v, min;
  if ((c & 0xE0) == 0xC0) {
    n = 2, v = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, v = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b(k) & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

// C0 controls, DEL and the C1 controls (U+0080..U+009F): what a terminal may act on.
bool IsControl(uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// `s` with every invalid UTF-8 byte replaced by U+FFFD.
std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    size_t n = Utf8At(s, i, &cp);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

// Code points of valid UTF-8 text: the columns it takes in a terminal (wide East Asian
// characters count one; good enough for alignment of telemetry).
size_t DisplayWidth(std::string_view s) {
  size_t w = 0;
  for (unsigned char ch : s) w += (ch & 0xC0) != 0x80;
  return w;
}

constexpr size_t kBinaryPreviewBytes = 8;

std::string HexPreview(std::string_view bytes) {
  std::string out = "0x";
  for (size_t i = 0; i < bytes.size() && i < kBinaryPreviewBytes; ++i) {
    out += fmt::format("{:02x}", static_cast<unsigned char>(bytes[i]));
  }
  if (bytes.size() > kBinaryPreviewBytes) out += fmt::format("\u2026 ({} bytes)", bytes.size());
  return out;
}

Cell BinaryCell(std::string_view bytes) {
  Cell c = Cell::String(arrow::util::base64_encode(bytes));
  c.short_text = HexPreview(bytes);
  return c;
}

std::string NumberJson(const std::string& text) {
  // NaN and infinities are not JSON numbers.
  return (text == "nan" || text == "inf" || text == "-inf") ? JsonString(text) : text;
}

template <typename ListArray>
void AppendListJson(const ListArray& a, int64_t i, std::string* out);
void AppendMapJson(const arrow::MapArray& a, int64_t i, std::string* out);

// Value i of `a` as JSON text: what nested columns print in every format.
void AppendJson(const arrow::Array& a, int64_t i, std::string* out) {
  if (a.IsNull(i)) {
    *out += "null";
    return;
  }
  switch (a.type_id()) {
    case arrow::Type::STRUCT: {
      const auto& st = static_cast<const arrow::StructArray&>(a);
      *out += '{';
      for (int k = 0; k < st.num_fields(); ++k) {
        if (k) *out += ',';
        *out += JsonString(st.struct_type()->field(k)->name()) + ':';
        AppendJson(*st.field(k), i, out);  // field() is sliced to the struct's offset
      }
      *out += '}';
      return;
    }
    case arrow::Type::MAP: AppendMapJson(static_cast<const arrow::MapArray&>(a), i, out); return;
    case arrow::Type::LIST: AppendListJson(static_cast<const arrow::ListArray&>(a), i, out); return;
    case arrow::Type::LARGE_LIST: AppendListJson(static_cast<const arrow::LargeListArray&>(a), i, out); return;
    case arrow::Type::FIXED_SIZE_LIST:
      AppendListJson(static_cast<const arrow::FixedSizeListArray&>(a), i, out);
      return;
    default: break;
  }
  Cell c = CellAt(a, i);
  switch (c.kind) {
    case Cell::Kind::kNull: *out += "null"; break;
    case Cell::Kind::kString: *out += JsonString(c.text); break;
    case Cell::Kind::kNumber: *out += NumberJson(c.text); break;
    case Cell::Kind::kBool:
    case Cell::Kind::kJson: *out += c.text; break;
  }
}

template <typename ListArray>
void AppendListJson(const ListArray& a, int64_t i, std::string* out) {
  *out += '[';
  const auto& values = *a.values();
  for (int64_t k = 0; k < a.value_length(i); ++k) {
    if (k) *out += ',';
    AppendJson(values, a.value_offset(i) + k, out);
  }
  *out += ']';
}

// Maps with string keys are objects ({"k":v}, keys in stored order); other maps are
// arrays of {"key":k,"value":v}, since JSON object keys can only be strings.
void AppendMapJson(const arrow::MapArray& a, int64_t i, std::string* out) {
  const auto& keys = *a.keys();
  const auto& items = *a.items();
  const bool object = keys.type_id() == arrow::Type::STRING || keys.type_id() == arrow::Type::LARGE_STRING;
  *out += object ? '{' : '[';
  for (int64_t k = 0; k < a.value_length(i); ++k) {
    const int64_t j = a.value_offset(i) + k;
    if (k) *out += ',';
    if (object) {
      AppendJson(keys, j, out);
      *out += ':';
      AppendJson(items, j, out);
    } else {
      *out += "{\"key\":";
      AppendJson(keys, j, out);
      *out += ",\"value\":";
      AppendJson(items, j, out);
      *out += '}';
    }
  }
  *out += object ? '}' : ']';
}

Cell CellAt(const arrow::Array& a, int64_t i) {
  if (a.IsNull(i)) return Cell::Null();
  switch (a.type_id()) {
    case arrow::Type::BOOL: return Cell::Bool(static_cast<const arrow::BooleanArray&>(a).Value(i));
    case arrow::Type::INT8: return Cell::Int(static_cast<const arrow::Int8Array&>(a).Value(i));
    case arrow::Type::INT16: return Cell::Int(static_cast<const arrow::Int16Array&>(a).Value(i));
    case arrow::Type::INT32: return Cell::Int(static_cast<const arrow::Int32Array&>(a).Value(i));
    case arrow::Type::INT64: return Cell::Int(static_cast<const arrow::Int64Array&>(a).Value(i));
    case arrow::Type::UINT8: return Cell::Int(static_cast<const arrow::UInt8Array&>(a).Value(i));
    case arrow::Type::UINT16: return Cell::Int(static_cast<const arrow::UInt16Array&>(a).Value(i));
    case arrow::Type::UINT32: return Cell::Int(static_cast<const arrow::UInt32Array&>(a).Value(i));
    case arrow::Type::UINT64:
      return Cell::Number(std::to_string(static_cast<const arrow::UInt64Array&>(a).Value(i)));
    case arrow::Type::FLOAT: return Cell::Number(Double(static_cast<const arrow::FloatArray&>(a).Value(i)));
    case arrow::Type::DOUBLE: return Cell::Number(Double(static_cast<const arrow::DoubleArray&>(a).Value(i)));
    case arrow::Type::DECIMAL128:
      return Cell::Number(static_cast<const arrow::Decimal128Array&>(a).FormatValue(i));
    case arrow::Type::STRING: return Cell::String(std::string(static_cast<const arrow::StringArray&>(a).GetView(i)));
    case arrow::Type::LARGE_STRING:
      return Cell::String(std::string(static_cast<const arrow::LargeStringArray&>(a).GetView(i)));
    case arrow::Type::BINARY: return BinaryCell(static_cast<const arrow::BinaryArray&>(a).GetView(i));
    case arrow::Type::LARGE_BINARY: return BinaryCell(static_cast<const arrow::LargeBinaryArray&>(a).GetView(i));
    case arrow::Type::FIXED_SIZE_BINARY:
      return BinaryCell(static_cast<const arrow::FixedSizeBinaryArray&>(a).GetView(i));
    case arrow::Type::DATE32:
      return Cell::String(FormatIsoDate(static_cast<const arrow::Date32Array&>(a).Value(i)));
    case arrow::Type::TIMESTAMP: {
      const auto& t = static_cast<const arrow::TimestampArray&>(a);
      const auto& type = static_cast<const arrow::TimestampType&>(*a.type());
      int64_t us = ToMicros(t.Value(i), type.unit());
      std::string full = IsoTimestampMicros(us, 6, 'T');
      if (type.timezone().empty()) full.pop_back();  // timestamp_ntz: a wall-clock time, no 'Z'
      Cell c = Cell::String(std::move(full));
      c.short_text = IsoTimestampMicros(us, 3, ' ');
      return c;
    }
    case arrow::Type::STRUCT:
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST:
    case arrow::Type::FIXED_SIZE_LIST:
    case arrow::Type::MAP: {
      std::string json;
      AppendJson(a, i, &json);
      return Cell::Json(std::move(json));
    }
    default: {
      auto s = a.GetScalar(i);
      if (!s.ok()) return Cell::String("?");
      return Cell::String((*s)->ToString());
    }
  }
}

bool IsNumericRight(const Cell& c) { return c.kind == Cell::Kind::kNumber; }

}  // namespace

Result<Format> ParseFormat(std::string_view name) {
  if (name == "table") return Format::kTable;
  if (name == "csv") return Format::kCsv;
  if (name == "json") return Format::kJson;
  return Status::InvalidArgument(fmt::format("unknown format '{}' (table, csv or json)", name));
}

std::string IsoTimestampMicros(int64_t micros, int digits, char sep) {
  int64_t secs = micros / 1'000'000, frac = micros % 1'000'000;
  if (frac < 0) {
    frac += 1'000'000;
    --secs;
  }
  std::chrono::sys_seconds tp{std::chrono::seconds(secs)};
  std::string out = fmt::format("{:%Y-%m-%d}{}{:%H:%M:%S}", tp, sep, tp);
  if (digits == 3) out += fmt::format(".{:03d}", frac / 1'000);
  if (digits == 6) out += fmt::format(".{:06d}", frac);
  if (sep == 'T') out += 'Z';
  return out;
}

Result<TextTable> FromArrow(const arrow::Table& table, const std::vector<std::string>& columns) {
  TextTable out;
  std::vector<int> idx;
  if (columns.empty()) {
    for (int i = 0; i < table.num_columns(); ++i) idx.push_back(i);
  } else {
    for (const auto& name : columns) {
      int i = table.schema()->GetFieldIndex(name);
      if (i < 0) {
        std::string have;
        for (const auto& f : table.schema()->fields()) have += (have.empty() ? "" : ", ") + f->name();
        return Status::InvalidArgument(fmt::format("no column '{}' (the table has: {})", name, have));
      }
      idx.push_back(i);
    }
  }
  for (int i : idx) out.columns.push_back(table.schema()->field(i)->name());
  out.rows.assign(static_cast<size_t>(table.num_rows()), std::vector<Cell>(idx.size()));
  for (size_t c = 0; c < idx.size(); ++c) {
    size_t row = 0;
    for (const auto& chunk : table.column(idx[c])->chunks()) {
      for (int64_t i = 0; i < chunk->length(); ++i) out.rows[row++][c] = CellAt(*chunk, i);
    }
  }
  return out;
}

void SortRowsBy(const arrow::Table& table, const std::string& column, TextTable* rows) {
  auto col = table.GetColumnByName(column);
  if (!col || (col->type()->id() != arrow::Type::INT64 && col->type()->id() != arrow::Type::TIMESTAMP)) return;
  std::vector<std::optional<int64_t>> keys;
  keys.reserve(static_cast<size_t>(col->length()));
  for (const auto& chunk : col->chunks()) {
    // The view must outlive `a`: a reference into the temporary Result's array was a
    // use-after-free (found by ASan).
    arrow::Result<std::shared_ptr<arrow::Array>> view = chunk->View(arrow::int64());
    if (!view.ok()) return;  // cannot happen for INT64/TIMESTAMP; then keep the order
    const auto& a = static_cast<const arrow::NumericArray<arrow::Int64Type>&>(**view);
    for (int64_t i = 0; i < a.length(); ++i) keys.push_back(a.IsNull(i) ? std::nullopt : std::optional(a.Value(i)));
  }
  if (keys.size() != rows->rows.size()) return;
  std::vector<size_t> order(keys.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  std::vector<std::vector<Cell>> sorted;
  sorted.reserve(order.size());
  for (size_t i : order) sorted.push_back(std::move(rows->rows[i]));
  rows->rows = std::move(sorted);
}

std::vector<size_t> ColumnWidths(const TextTable& t) {
  std::vector<size_t> w;
  for (const auto& c : t.columns) w.push_back(DisplayWidth(TerminalText(c)));
  for (const auto& row : t.rows) {
    for (size_t c = 0; c < row.size() && c < w.size(); ++c) w[c] = std::max(w[c], DisplayWidth(TableText(row[c])));
  }
  return w;
}

std::string CsvField(std::string_view s) {
  std::string valid = ValidUtf8(s);
  bool quote = false;
  for (unsigned char ch : valid) quote |= ch == ',' || ch == '"' || ch < 0x20 || ch == 0x7F;
  if (!quote) return valid;
  std::string out = "\"";
  for (char ch : valid) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    const size_t n = Utf8At(s, i, &cp);
    if (n == 0) {  // not UTF-8: JSON text cannot carry the byte
      out += "\\ufffd";
      ++i;
      continue;
    }
    switch (cp) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        // Controls, and the line/paragraph separators JavaScript does not accept raw.
        if (IsControl(cp) || cp == 0x2028 || cp == 0x2029) {
          out += fmt::format("\\u{:04x}", cp);
        } else {
          out.append(s.substr(i, n));
        }
    }
    i += n;
  }
  return out + "\"";
}

std::string TerminalText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    const size_t n = Utf8At(s, i, &cp);
    if (n == 0) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(s[i]));
      ++i;
      continue;
    }
    if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp < 0x80 && IsControl(cp)) {
      out += fmt::format("\\x{:02x}", cp);
    } else if (IsControl(cp)) {
      out += fmt::format("\\u{:04x}", cp);
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string TableText(const Cell& c) {
  if (c.kind == Cell::Kind::kNull) return "null";
  return TerminalText(c.short_text.empty() ? c.text : c.short_text);
}

std::string Render(const TextTable& t, Format format, bool header, std::vector<size_t> widths) {
  std::string out;
  switch (format) {
    case Format::kTable: {
      if (widths.size() != t.columns.size()) widths = ColumnWidths(t);
      auto line = [&](auto&& cell_text, auto&& right) {
        std::string l;
        for (size_t c = 0; c < t.columns.size(); ++c) {
          std::string s = cell_text(c);
          // Padded by display width (fmt would count bytes of escaped text differently).
          std::string pad(widths[c] > DisplayWidth(s) ? widths[c] - DisplayWidth(s) : 0, ' ');
          if (c > 0) l += "  ";
          if (right(c)) {
            l += pad + s;
          } else if (c + 1 < t.columns.size()) {
            l += s + pad;
          } else {
            l += s;
          }
        }
        while (!l.empty() && l.back() == ' ') l.pop_back();
        out += l + "\n";
      };
      // A column is right-aligned when its cells are numbers.
      std::vector<bool> numeric(t.columns.size(), false);
      for (size_t c = 0; c < t.columns.size(); ++c) {
        for (const auto& row : t.rows) {
          if (row[c].kind != Cell::Kind::kNull) {
            numeric[c] = IsNumericRight(row[c]);
            break;
          }
        }
      }
      if (header) line([&](size_t c) { return TerminalText(t.columns[c]); }, [&](size_t c) { return bool(numeric[c]); });
      for (const auto& row : t.rows) {
        line([&](size_t c) { return TableText(row[c]); }, [&](size_t c) { return bool(numeric[c]); });
      }
      break;
    }
    case Format::kCsv: {
      auto join = [&](auto&& f) {
        std::string l;
        for (size_t c = 0; c < t.columns.size(); ++c) l += (c ? "," : "") + f(c);
        out += l + "\n";
      };
      if (header) join([&](size_t c) { return CsvField(t.columns[c]); });
      for (const auto& row : t.rows) {
        join([&](size_t c) { return row[c].kind == Cell::Kind::kNull ? std::string() : CsvField(row[c].text); });
      }
      break;
    }
    case Format::kJson: {
      for (const auto& row : t.rows) {
        std::string l = "{";
        for (size_t c = 0; c < t.columns.size(); ++c) {
          if (c) l += ",";
          l += JsonString(t.columns[c]) + ":";
          const Cell& x = row[c];
          switch (x.kind) {
            case Cell::Kind::kNull: l += "null"; break;
            case Cell::Kind::kString: l += JsonString(x.text); break;
            case Cell::Kind::kNumber: l += NumberJson(x.text); break;
            case Cell::Kind::kBool:
            case Cell::Kind::kJson: l += x.text; break;
          }
        }
        out += l + "}\n";
      }
      break;
    }
  }
  return out;
}

}  // namespace orbitlake::readers
