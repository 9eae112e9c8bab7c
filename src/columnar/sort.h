// Sorting the rows of an Arrow table by one column, for compaction that clusters rows
// (`orbitlake optimize --sort-by event_time`) so readers skip row groups and files by
// their min/max statistics.
//
// Done here by hand rather than with Arrow's compute kernels, which orbitlake does not
// link (libarrow_compute is a separate library of several hundred kernels; a stable sort
// of one column and a gather need neither).
//
// Thread safety: pure function of its input.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace arrow {
class DataType;
class Table;
}  // namespace arrow

namespace orbitlake::columnar {

// `table` with its rows ordered by `column`, ascending, stable (equal keys keep their
// order), NaN after every number and nulls last. Every column is carried along,
// nested ones included. Columns of type integer, float, boolean, string, binary, date32
// and timestamp can be sort keys. InvalidArgument naming the column when it is not in
// the table; Unsupported naming its type when it cannot be a key.
Result<std::shared_ptr<arrow::Table>> SortTableBy(const arrow::Table& table, const std::string& column);

// OK when a column of `type` can be a sort key of SortTableBy (for checking a request
// before reading any data).
Status CheckSortKeyType(const std::string& column, const std::shared_ptr<arrow::DataType>& type);

}  // namespace orbitlake::columnar
