// What the dashboard charts for one table, chosen from its schema: the time axis, the
// column that splits rows into series (one per device/satellite), the numeric columns
// (one chart each) and their units.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace arrow {
class Schema;
}

namespace orbitlake::dashboard {

struct LayoutOptions {
  // The column whose values name the series (one line per value). Empty: the first of
  // satellite, device, sensor_id, device_id, sat_id, sensor, source that the table has,
  // else none (one series, "all"). Default: empty.
  std::string group_column;
  // The numeric columns to chart, in this order. Empty: every numeric column except
  // bookkeeping ones (kafka_*, sequence/seq, *_ns, *_id, the group column). Default: empty.
  std::vector<std::string> value_columns;
};

struct TableLayout {
  // A timestamp column: event_time, ts, timestamp, time or event_ts when the table has one
  // of them, else its first timestamp column (kafka_timestamp and ingest_time last).
  // Empty when the table has no timestamp column: nothing can be charted.
  std::string time_column;
  std::string group_column;  // empty: no grouping
  std::vector<std::string> value_columns;
  // Unit per value column, from its name's suffix (temp_c -> °C, battery_charge_pct -> %,
  // altitude -> km, *_ms -> ms, *_hpa / pressure -> hPa, humidity -> %); "" when unknown.
  std::map<std::string, std::string> units;
  // Every column as "name type", for the page's "no numeric columns" message.
  std::vector<std::string> all_columns;
};

// InvalidArgument naming the column when an option names a column the table lacks or a
// value column that is not numeric.
Result<TableLayout> ChooseLayout(const arrow::Schema& schema, const LayoutOptions& options = {});

// The unit ChooseLayout gives a column name ("" when unknown).
std::string UnitOf(const std::string& column);

}  // namespace orbitlake::dashboard
