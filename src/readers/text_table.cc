#include "readers/text_table.h"

#include <algorithm>
#include <cmath>
#include <chrono>
#include <numeric>

#include <arrow/api.h>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include "ingest/event_rows.h"

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

Cell CellAt(const arrow::Array& a, int64_t i) {
  if (a.IsNull(i)) return Cell::Null();
  switch (a.type_id()) {
    case arrow::Type::BOOL: return Cell::Bool(static_cast<const arrow::BooleanArray&>(a).Value(i));
    case arrow::Type::INT8: return Cell::Int(static_cast<const arrow::Int8Array&>(a).Value(i));
    case arrow::Type::INT16: return Cell::Int(static_cast<const arrow::Int16Array&>(a).Value(i));
    case arrow::Type::INT32: return Cell::Int(static_cast<const arrow::Int32Array&>(a).Value(i));
    case arrow::Type::INT64: return Cell::Int(static_cast<const arrow::Int64Array&>(a).Value(i));
    case arrow::Type::FLOAT: return Cell::Number(Double(static_cast<const arrow::FloatArray&>(a).Value(i)));
    case arrow::Type::DOUBLE: return Cell::Number(Double(static_cast<const arrow::DoubleArray&>(a).Value(i)));
    case arrow::Type::STRING: return Cell::String(std::string(static_cast<const arrow::StringArray&>(a).GetView(i)));
    case arrow::Type::LARGE_STRING:
      return Cell::String(std::string(static_cast<const arrow::LargeStringArray&>(a).GetView(i)));
    case arrow::Type::DATE32:
      return Cell::String(ingest::DayToIsoDate(static_cast<const arrow::Date32Array&>(a).Value(i)));
    case arrow::Type::TIMESTAMP: {
      const auto& t = static_cast<const arrow::TimestampArray&>(a);
      int64_t us = ToMicros(t.Value(i), static_cast<const arrow::TimestampType&>(*a.type()).unit());
      Cell c = Cell::String(IsoTimestampMicros(us, 6, 'T'));
      c.short_text = IsoTimestampMicros(us, 3, ' ');
      return c;
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
  for (const auto& c : t.columns) w.push_back(c.size());
  for (const auto& row : t.rows) {
    for (size_t c = 0; c < row.size() && c < w.size(); ++c) {
      const Cell& cell = row[c];
      size_t n = cell.kind == Cell::Kind::kNull ? 4 : (cell.short_text.empty() ? cell.text : cell.short_text).size();
      w[c] = std::max(w[c], n);
    }
  }
  return w;
}

std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (ch < 0x20) {
          out += fmt::format("\\u{:04x}", ch);
        } else {
          out += static_cast<char>(ch);
        }
    }
  }
  return out + "\"";
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
          if (c > 0) l += "  ";
          if (right(c)) {
            l += fmt::format("{:>{}}", s, widths[c]);
          } else if (c + 1 < t.columns.size()) {
            l += fmt::format("{:<{}}", s, widths[c]);
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
      if (header) line([&](size_t c) { return t.columns[c]; }, [&](size_t c) { return bool(numeric[c]); });
      for (const auto& row : t.rows) {
        line(
            [&](size_t c) {
              const Cell& x = row[c];
              if (x.kind == Cell::Kind::kNull) return std::string("null");
              return x.short_text.empty() ? x.text : x.short_text;
            },
            [&](size_t c) { return bool(numeric[c]); });
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
            case Cell::Kind::kNumber:
              // NaN and infinities are not JSON numbers.
              l += (x.text == "nan" || x.text == "inf" || x.text == "-inf") ? JsonString(x.text) : x.text;
              break;
            case Cell::Kind::kBool: l += x.text; break;
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
