// Rows as text: the readers' output (CLI tail/history/describe, the demo's summary).
//
// A TextTable is column names plus rows of typed cells, rendered three ways:
//   kTable  aligned columns for people (numbers right-aligned, strings left, "null");
//   kCsv    RFC 4180 (a header line, quotes only where needed, empty for null);
//   kJson   JSON Lines: one object per row, numbers and booleans unquoted, null as null.
// FromArrow() turns an Arrow table into one; timestamps become ISO 8601 UTC (to the
// millisecond in kTable, to the microsecond otherwise), dates YYYY-MM-DD, doubles the
// shortest text that reads back to the same value. Binary values are base64 (RFC 4648,
// padded) in kCsv and kJson and a hex preview in kTable: "0x0a1b" whole up to 8 bytes,
// else the first 8 and the length ("0x0001020304050607… (300 bytes)"). Nested values
// (struct, list, map) are JSON in every format: structs objects, lists arrays, maps with
// string keys objects (keys in stored order) and other maps arrays of
// {"key":k,"value":v}; inside them binary is base64 and timestamps ISO 8601.
//
// Untrusted text (strings from data files, column names, commitInfo fields) cannot break
// the output: kJson is valid UTF-8 JSON (invalid bytes become U+FFFD, control
// characters \uXXXX); kCsv is valid UTF-8 (invalid bytes U+FFFD) with fields holding
// control characters quoted; kTable shows control characters and invalid bytes escaped
// (\n, \t, \x1b, \xff, \u009b) so that nothing reaches the terminal that it would act on.
//
// Thread safety: plain values; no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace arrow {
class Table;
}

namespace orbitlake::readers {

enum class Format { kTable, kCsv, kJson };
// "table", "csv", "json"; InvalidArgument otherwise.
Result<Format> ParseFormat(std::string_view name);

struct Cell {
  // kJson: `text` is a JSON value (nested columns, metrics), embedded as is in kJson.
  enum class Kind { kNull, kString, kNumber, kBool, kJson };
  Kind kind = Kind::kNull;
  std::string text;  // the value as text (numbers and booleans as JSON would write them)
  // What kTable shows instead of `text` (timestamps to the millisecond, binary as a hex
  // preview); empty when the same as `text`.
  std::string short_text;

  static Cell Null() { return {}; }
  static Cell String(std::string s) { return {Kind::kString, std::move(s), {}}; }
  static Cell Number(std::string s) { return {Kind::kNumber, std::move(s), {}}; }
  static Cell Int(int64_t v) { return Number(std::to_string(v)); }
  static Cell Bool(bool v) { return {Kind::kBool, v ? "true" : "false", {}}; }
  // REQUIRES: `json` is one valid JSON value.
  static Cell Json(std::string json, std::string short_text = {}) {
    return {Kind::kJson, std::move(json), std::move(short_text)};
  }
};

struct TextTable {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;  // each row has columns.size() cells
};

// Converts every row of `table`. `columns`: only these, in this order (InvalidArgument
// naming an unknown one); all when empty.
Result<TextTable> FromArrow(const arrow::Table& table, const std::vector<std::string>& columns = {});

// Reorders rows by the numeric value of the int64/timestamp column `column`, oldest
// first (stable; nulls first). No-op when the column is missing or not numeric.
void SortRowsBy(const arrow::Table& table, const std::string& column, TextTable* rows);

// Column widths for kTable: the widest of header and cells.
std::vector<size_t> ColumnWidths(const TextTable& t);

// Renders the table. `header`: print the header line (kTable, kCsv). `widths`: the
// kTable column widths (e.g. kept from an earlier call so followed rows line up);
// computed from `t` when empty. Every line ends with '\n'.
std::string Render(const TextTable& t, Format format, bool header = true, std::vector<size_t> widths = {});

// Quoting helpers, exposed for tests (and for other readers' output).
std::string CsvField(std::string_view s);   // RFC 4180 field, valid UTF-8
std::string JsonString(std::string_view s);  // a JSON string literal, valid UTF-8
// `s` safe to print to a terminal: control characters and invalid UTF-8 escaped.
std::string TerminalText(std::string_view s);
// What kTable shows for a cell ("null", short_text or text), terminal-safe.
std::string TableText(const Cell& c);

// "2026-11-24T00:11:32.123456Z" from microseconds since the epoch (`digits` fractional
// digits: 0, 3 or 6; `sep` between date and time).
std::string IsoTimestampMicros(int64_t micros, int digits = 6, char sep = 'T');

}  // namespace orbitlake::readers
