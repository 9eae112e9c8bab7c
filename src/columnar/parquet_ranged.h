// Reading a Parquet file through byte-range reads instead of loading it whole: the
// footer first, then only the column chunks of the columns asked for, coalesced by
// Arrow's pre-buffering into few large ranges (holes up to 8 KiB read through, ranges
// up to 32 MiB). On object storage that is a handful of ranged GETs for the columns a
// reader needs, never the whole object.
//
// Thread safety: ReadParquetRanges is reentrant; `read_range` may be called from Arrow's
// I/O threads, so it must be safe to call concurrently (storage::Storage::ReadRange is).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace arrow {
class Table;
}

namespace orbitlake::columnar {

// Bytes [offset, offset + length) of the file (fewer only at its end).
using RangeReader = std::function<Result<std::string>(int64_t offset, int64_t length)>;

// Reads the columns named in `columns` (all when empty; names not in the file are
// skipped: the caller fills them) of the `size`-byte Parquet file. `name` labels errors.
Result<std::shared_ptr<arrow::Table>> ReadParquetRanges(int64_t size, RangeReader read_range,
                                                        const std::vector<std::string>& columns,
                                                        const std::string& name);

}  // namespace orbitlake::columnar
