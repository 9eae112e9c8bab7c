#include "dashboard/layout.h"

#include <algorithm>
#include <array>

#include <arrow/api.h>

#include "delta/schema.h"

namespace orbitlake::dashboard {
namespace {

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool StartsWith(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

bool IsNumeric(const arrow::DataType& t) {
  switch (t.id()) {
    case arrow::Type::INT8: case arrow::Type::INT16: case arrow::Type::INT32: case arrow::Type::INT64:
    case arrow::Type::UINT8: case arrow::Type::UINT16: case arrow::Type::UINT32: case arrow::Type::UINT64:
    case arrow::Type::FLOAT: case arrow::Type::DOUBLE: case arrow::Type::HALF_FLOAT:
      return true;
    default:
      return false;
  }
}

// Numeric columns that are identifiers or bookkeeping, not measurements: a chart of
// Kafka offsets or sequence numbers per satellite is a straight line that hides the rest.
bool IsBookkeeping(const std::string& name) {
  return StartsWith(name, "kafka_") || name == "sequence" || name == "seq" || name == "reading_id" ||
         EndsWith(name, "_ns") || EndsWith(name, "_id") || name == "id";
}

}  // namespace

std::string UnitOf(const std::string& c) {
  if (EndsWith(c, "_c") || c == "temperature" || c == "temp") return "°C";
  if (EndsWith(c, "_f")) return "°F";
  if (EndsWith(c, "_pct") || EndsWith(c, "_percent") || c == "humidity") return "%";
  if (EndsWith(c, "_km") || c == "altitude") return "km";
  if (EndsWith(c, "_ms")) return "ms";
  if (EndsWith(c, "_s") || EndsWith(c, "_seconds")) return "s";
  if (EndsWith(c, "_m")) return "m";
  if (EndsWith(c, "_hpa") || c == "pressure") return "hPa";
  if (EndsWith(c, "_v") || c == "voltage") return "V";
  if (EndsWith(c, "_bytes")) return "B";
  return "";
}

Result<TableLayout> ChooseLayout(const arrow::Schema& schema, const LayoutOptions& options) {
  TableLayout l;
  for (const auto& f : schema.fields()) l.all_columns.push_back(f->name() + " " + delta::DeltaTypeName(*f->type()));

  auto is_time = [&](const std::string& n) {
    auto f = schema.GetFieldByName(n);
    return f != nullptr && f->type()->id() == arrow::Type::TIMESTAMP;
  };
  for (const char* n : {"event_time", "ts", "timestamp", "time", "event_ts"}) {
    if (is_time(n)) { l.time_column = n; break; }
  }
  if (l.time_column.empty()) {
    std::string fallback;
    for (const auto& f : schema.fields()) {
      if (f->type()->id() != arrow::Type::TIMESTAMP) continue;
      if (f->name() == "kafka_timestamp" || f->name() == "ingest_time") {
        if (fallback.empty()) fallback = f->name();
        continue;
      }
      l.time_column = f->name();
      break;
    }
    if (l.time_column.empty()) l.time_column = fallback;
  }

  if (!options.group_column.empty()) {
    if (schema.GetFieldByName(options.group_column) == nullptr) {
      return Status::InvalidArgument("--group: the table has no column '" + options.group_column + "'");
    }
    l.group_column = options.group_column;
  } else {
    for (const char* n : {"satellite", "device", "sensor_id", "device_id", "sat_id", "sensor", "source"}) {
      if (schema.GetFieldByName(n) != nullptr) { l.group_column = n; break; }
    }
  }

  if (!options.value_columns.empty()) {
    for (const auto& c : options.value_columns) {
      auto f = schema.GetFieldByName(c);
      if (f == nullptr) return Status::InvalidArgument("--columns: the table has no column '" + c + "'");
      if (!IsNumeric(*f->type())) {
        return Status::InvalidArgument("--columns: column '" + c + "' is " + delta::DeltaTypeName(*f->type()) +
                                       ", not a number");
      }
      l.value_columns.push_back(c);
    }
  } else {
    for (const auto& f : schema.fields()) {
      if (IsNumeric(*f->type()) && !IsBookkeeping(f->name()) && f->name() != l.group_column) {
        l.value_columns.push_back(f->name());
      }
    }
  }
  for (const auto& c : l.value_columns) l.units[c] = UnitOf(c);
  return l;
}

}  // namespace orbitlake::dashboard
