// Streaming Parquet data-file writer: Arrow record batches in, one Parquet file
// (through storage::Storage) and its per-column statistics out.
//
// Many batches go into the same row group until ParquetWriteOptions::row_group_rows is
// reached (small Kafka batches do not become tiny row groups). Files use the same
// properties as every other orbitlake Parquet file (ParquetProperties(),
// ArrowProperties()): the options' codec and encodings, timestamps as
// TIMESTAMP(MICROS, isAdjustedToUTC=true).
//
// Statistics are computed from the Arrow data as it is written (not from the Parquet
// footer), for top-level columns of types with a meaningful order: integers, floats
// (NaN ignored), strings (min cut to a prefix, max dropped when longer than
// kMaxStatStringBytes), dates and timestamps. Other columns only get a null count.
//
// Crash guarantees: the file becomes visible only when Finish() succeeds (storage
// contract); a writer destroyed before that leaves nothing behind.
// Thread safety: one writer per thread; different writers are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "columnar/parquet_file.h"
#include "common/status.h"
#include "storage/storage.h"

namespace arrow {
class DataType;
class RecordBatch;
class Schema;
}  // namespace arrow

namespace orbitlake::columnar {

// Longest string kept in min/max statistics (Delta readers only use them to skip files).
inline constexpr size_t kMaxStatStringBytes = 32;

// int64_t for integers, dates (days) and timestamps (in the column's unit); double for
// floats; std::string for strings; monostate when unknown (all null, or no order).
using StatValue = std::variant<std::monostate, int64_t, double, std::string>;

struct ColumnStats {
  std::string name;
  std::shared_ptr<arrow::DataType> type;
  StatValue min;
  StatValue max;
  int64_t null_count = 0;
};

struct DataFileStats {
  int64_t num_records = 0;
  std::vector<ColumnStats> columns;  // one per top-level column, in schema order
};

struct DataFileResult {
  std::string path;   // as given to Open()
  int64_t size = 0;   // bytes
  DataFileStats stats;
};

class DataFileWriter {
 public:
  // Starts `path` in `storage`. REQUIRES: `storage` outlives the writer.
  static Result<std::unique_ptr<DataFileWriter>> Open(storage::Storage* storage, std::string path,
                                                      std::shared_ptr<arrow::Schema> schema,
                                                      const ParquetWriteOptions& options = {});
  virtual ~DataFileWriter() = default;

  // REQUIRES: batch.schema() has the writer's field names and types.
  virtual Status Write(const arrow::RecordBatch& batch) = 0;
  // Closes the file, publishes it and returns its size and statistics.
  virtual Result<DataFileResult> Finish() = 0;
  virtual int64_t rows() const = 0;
  // Compressed bytes already flushed to the file: every closed row group. The open row
  // group is buffered in memory until it reaches row_group_rows (or Finish()), so this
  // trails the final size by at most one row group.
  virtual int64_t bytes() const = 0;
};

}  // namespace orbitlake::columnar
