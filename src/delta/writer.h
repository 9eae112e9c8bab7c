// TableWriter: turns Arrow record batches into Parquet data files for one commit, one
// file per partition value per flush, and the `add` actions (with statistics) that
// publish them. It writes files only; Table::Append() commits them.
//
// Partition columns are not stored in the data files (like Spark): their values live in
// partitionValues and in the Hive-style folder name. Rows may arrive in any order; each
// run of equal partition values goes to that partition's open file, so a partition's
// batches share row groups instead of making one tiny row group per batch.
//
// Crash guarantees: files become visible only in Finish(); a writer destroyed before
// that leaves none. Files finished but never committed are invisible to every Delta
// reader (only the log names the table's files); VACUUM removes them.
// Thread safety: one thread per writer.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "columnar/data_file_writer.h"
#include "common/clock.h"
#include "common/status.h"
#include "delta/actions.h"
#include "storage/storage.h"

namespace arrow {
class RecordBatch;
class Schema;
}  // namespace arrow

namespace orbitlake::delta {

class TableWriter {
 public:
  // REQUIRES: `storage` and `clock` outlive the writer; `schema` is the table schema and
  // contains every partition column.
  TableWriter(storage::Storage* storage, std::shared_ptr<arrow::Schema> schema,
              std::vector<std::string> partition_columns, columnar::ParquetWriteOptions parquet, Clock* clock);
  ~TableWriter();

  // REQUIRES: batch has the table schema (names and types; metadata ignored).
  // InvalidArgument (nothing written) when a string column holds invalid UTF-8.
  Status Write(const arrow::RecordBatch& batch);
  // Finishes every open file and returns one `add` (dataChange=true, stats) per file.
  Result<std::vector<AddFile>> Finish();

  int64_t rows() const { return rows_; }
  // Compressed Parquet bytes flushed so far over all open files (see
  // DataFileWriter::bytes(): exact to one row group per file).
  int64_t bytes() const;

 private:
  struct OpenFile;
  Result<OpenFile*> FileFor(const PartitionValues& values);

  storage::Storage* storage_;
  std::shared_ptr<arrow::Schema> schema_;
  std::shared_ptr<arrow::Schema> file_schema_;  // without partition columns
  std::vector<std::string> partition_columns_;
  std::vector<int> partition_indices_;
  columnar::ParquetWriteOptions parquet_;
  Clock* clock_;
  std::map<PartitionValues, std::unique_ptr<OpenFile>> files_;
  int64_t rows_ = 0;
};

// A fresh data file path (decoded, relative to the table root) in the Hive-style
// folder of `values`: "date=2026-01-01/part-00000-<uuid>-c000.snappy.parquet", the
// name Spark gives its files, with Spark's codec tag (snappy, zstd, lz4raw; none for
// uncompressed files). Never the same twice (random UUID).
std::string NewDataFilePath(const std::vector<std::string>& partition_columns, const PartitionValues& values,
                            columnar::Compression compression = columnar::Compression::kSnappy);

// Delta's `stats` JSON for a data file: numRecords, minValues, maxValues, nullCount.
// Timestamps are ISO-8601 UTC with milliseconds, the min rounded down and the max up so
// they stay valid bounds for readers that skip files with them.
std::string StatsJson(const columnar::DataFileStats& stats);

}  // namespace orbitlake::delta
