#include "pipeline/describe.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pipeline/check.h"
#include "pipeline/from.h"
#include "pipeline/types.h"

namespace orbitlake::pipeline {
namespace {

constexpr std::string_view kIndent = "  ";

std::string_view UnitName(EpochUnit unit) {
  switch (unit) {
    case EpochUnit::kSeconds: return "s";
    case EpochUnit::kMillis: return "ms";
    case EpochUnit::kMicros: return "us";
    case EpochUnit::kNanos: return "ns";
  }
  return "?";
}

std::string Joined(const std::vector<std::string>& items, std::string_view sep = ", ") {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

// "label  value" lines with the labels padded to one width.
class Fields {
 public:
  void Add(std::string label, std::string value) { rows_.emplace_back(std::move(label), std::move(value)); }
  std::string Render(std::string_view indent) const {
    size_t width = 0;
    for (const auto& [label, value] : rows_) width = std::max(width, label.size());
    std::string out;
    for (const auto& [label, value] : rows_) out += fmt::format("{}{:<{}}  {}\n", indent, label, width, value);
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::string>> rows_;
};

// Rows of cells with every column padded to its widest cell (the last one unpadded).
std::string Grid(const std::vector<std::vector<std::string>>& rows, std::string_view indent) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line(indent);
    for (size_t i = 0; i < row.size(); ++i) {
      line += i + 1 < row.size() ? fmt::format("{:<{}}  ", row[i], widths[i]) : row[i];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string ColumnFrom(const ColumnSpec& c) {
  std::string from = ToString(c.from);
  DeltaType::Kind k = c.type->kind;
  if (std::holds_alternative<FromJsonPath>(c.from) &&
      (k == DeltaType::Kind::kTimestamp || k == DeltaType::Kind::kTimestampNtz || k == DeltaType::Kind::kDate)) {
    from += fmt::format(" (numbers: epoch {})", UnitName(c.unit));
  }
  static constexpr const char* kTransforms[] = {"trim", "lower", "upper", "empty_to_null"};
  for (size_t i = 0; i < c.transform.size(); ++i) {
    from += (i == 0 ? " | " : ", ");
    from += kTransforms[static_cast<int>(c.transform[i])];
  }
  return from;
}

}  // namespace

std::string_view FormatName(Format format) {
  switch (format) {
    case Format::kJson: return "json";
    case Format::kTelemetry: return "telemetry";
  }
  return "?";
}

std::string DescribeRoute(const TableSpec& table) {
  if (table.where) return fmt::format("{} = {}", JsonPathToString(table.where->field), table.where->equals_json);
  if (table.default_route) return fmt::format("default: messages of source {} no other table takes", table.source);
  return fmt::format("every message of source {}", table.source);
}

std::string DescribePipeline(const PipelineSpec& spec) {
  std::string out;
  Fields kafka;
  kafka.Add("brokers", spec.kafka.brokers);
  kafka.Add("group", spec.kafka.group);
  kafka.Add("app_id", spec.kafka.app_id);
  for (const auto& [key, value] : spec.kafka.properties) kafka.Add("property", key + " = " + value);
  out += "kafka\n" + kafka.Render(kIndent);

  for (const auto& s : spec.sources) {
    Fields f;
    if (s.files) {
      f.Add("files", s.files->dir + "  (" + Joined(s.files->patterns) + ")");
      f.Add("starting files", s.files->starting == StartFiles::kNew ? "new" : "all");
    } else if (s.delta) {
      f.Add("delta", s.delta->path + "  (rows of new appends, in version order)");
    } else {
      f.Add("topics", Joined(s.topics));
    }
    f.Add("format", std::string(FormatName(s.format)));
    if (s.starting_offsets) {
      f.Add("starting offsets", *s.starting_offsets == StartFrom::kLatest ? "latest" : "earliest");
    }
    std::vector<std::string> tables;
    for (const auto& t : spec.tables) {
      if (t.source == s.name) tables.push_back(t.name);
    }
    f.Add("tables", Joined(tables));
    f.Add("quarantine", s.quarantine_path + "  (messages no table takes, undecodable messages)");
    out += fmt::format("\nsource {}\n", s.name) + f.Render(kIndent);
  }

  for (const auto& t : spec.tables) {
    Fields f;
    f.Add("path", t.path);
    f.Add("source", t.source);
    f.Add("route", DescribeRoute(t));
    f.Add("partition_by", t.partition_by.empty() ? std::string("(none)") : Joined(t.partition_by));
    f.Add("quarantine", t.quarantine_path + "  (rejected messages: conversion, required, checks)");
    if (t.dedup) {
      f.Add("dedup", fmt::format("on ({}) within {}s  (a row whose key the table got within the window is dropped)",
                                 fmt::join(t.dedup->key, ", "), t.dedup->within.count()));
    }
    out += fmt::format("\ntable {}\n", t.name) + f.Render(kIndent);
    std::vector<std::vector<std::string>> rows{{"name", "type", "from", "required"}};
    for (const auto& c : t.columns) rows.push_back({c.name, ToString(*c.type), ColumnFrom(c), c.required ? "yes" : "no"});
    out += fmt::format("{}columns\n", kIndent) + Grid(rows, std::string(kIndent) + std::string(kIndent));
    if (!t.checks.empty()) {
      out += fmt::format("{}checks\n", kIndent);
      for (const auto& c : t.checks) {
        out += c.literal_json.empty() ? fmt::format("{0}{0}{1} {2}\n", kIndent, c.column, CheckOpName(c.op))
                                      : fmt::format("{0}{0}{1} {2} {3}\n", kIndent, c.column, CheckOpName(c.op), c.literal_json);
      }
    }
  }
  return out;
}

}  // namespace orbitlake::pipeline
