// A filter on partition values, for commands that work on some partitions only
// (`optimize --where "date >= '2026-11-01'"`).
//
// Syntax: comparisons joined by AND (letter case of keywords ignored):
//   column = 'value'    also ==, !=, <>, <, <=, >, >=
//   column IS NULL      column IS NOT NULL
// Values are 'quoted' ('' for a quote inside) or bare (numbers, true/false). Columns
// must be partition columns; values are parsed as the column's type, so dates, numbers
// and timestamps compare by value ('2026-11-01' < '2026-11-10', 9 < 10), strings by
// bytes. A comparison with a null partition value is false (as in SQL).
//
// Thread safety: an immutable value once parsed.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"
#include "delta/actions.h"

namespace arrow {
class DataType;
class Schema;
}  // namespace arrow

namespace orbitlake::delta {

class PartitionFilter {
 public:
  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kIsNull, kIsNotNull };

  // The filter that matches every partition.
  PartitionFilter() = default;
  // Parses `text` for a table of `schema` partitioned by `partition_columns`.
  // InvalidArgument naming the position, the column or the value when `text` does not
  // parse, names a column that is not a partition column, or holds a value that is not
  // of the column's type.
  static Result<PartitionFilter> Parse(std::string_view text, const arrow::Schema& schema,
                                       const std::vector<std::string>& partition_columns);

  bool Matches(const PartitionValues& values) const;
  bool empty() const { return terms_.empty(); }
  // One string per comparison, normalised ("date >= '2026-11-01'"): what Spark and
  // delta-rs put in commitInfo.operationParameters.predicate.
  std::vector<std::string> Describe() const;

  // A value parsed as its column's type; values of one column compare by value
  // (decimals as their 128-bit unscaled integer: high word signed, then low word).
  using Key = std::variant<int64_t, double, bool, std::string, std::pair<int64_t, uint64_t>>;

 private:
  struct Term {
    std::string column;
    Op op = Op::kEq;
    std::string literal;  // as written (unquoted), for Describe()
    bool quoted = false;
    Key key;              // the literal parsed as the column's type
    std::shared_ptr<arrow::DataType> type;
  };
  std::vector<Term> terms_;
};

}  // namespace orbitlake::delta
