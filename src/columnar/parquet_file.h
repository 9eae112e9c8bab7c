// Whole-table Parquet files: write an Arrow table with Snappy, read one back.
//
// This is the small, general entry point (smoke pipeline, tools, tests). The ingester's
// streaming data-file writer, with row groups and per-file statistics, builds on the
// same writer properties (ParquetProperties()) so every file orbitlake writes looks the
// same to readers: Snappy, TIMESTAMP(MICROS, isAdjustedToUTC=true), Parquet 2.6.
//
// Arrow/Parquet types appear only in src/columnar and the components that write or read
// files.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace arrow {
class Schema;
class Table;
}  // namespace arrow
namespace parquet {
class WriterProperties;
class ArrowWriterProperties;
}  // namespace parquet

namespace orbitlake::columnar {

struct ParquetWriteOptions {
  // Rows per row group. Larger groups compress better and make fewer, larger column
  // chunks (cheaper for Spark/DuckDB to plan); smaller ones bound writer memory.
  // Default 1 Mi rows (about 50-100 MB of satellite data uncompressed).
  int64_t row_group_rows = 1 << 20;
  // Target size of a data page before compression. The writer holds one page per
  // column uncompressed plus its compressed copy, so with many columns this is most of
  // its memory besides the open row group. Default 256 KiB: a quarter of Parquet's
  // default, which cut the ingester's peak RSS by ~25 MB at the same speed; readers
  // still read pages of tens of thousands of values.
  int64_t data_page_bytes = 256 << 10;
  // Write page statistics (min/max per column chunk) so readers can skip. Default on.
  bool statistics = true;
};

// Writer properties for a file of `schema`. Dictionary encoding is enabled only for
// string and binary columns: names, topics and categories repeat and shrink a lot,
// while offsets, timestamps, sequence numbers and measurements are nearly unique, where
// a dictionary only costs hashing (it was the top CPU cost of ingestion) before Parquet
// falls back to plain encoding anyway.
std::shared_ptr<parquet::WriterProperties> ParquetProperties(const ParquetWriteOptions& options,
                                                             const arrow::Schema& schema);
std::shared_ptr<parquet::ArrowWriterProperties> ArrowProperties();

// Writes `table` to `path` (replacing a file there). The file is written to
// "<path>.tmp" and renamed, so a crash never leaves a truncated file under `path`.
// Returns the size of the file in bytes.
Result<int64_t> WriteParquetFile(const arrow::Table& table, const std::string& path,
                                 const ParquetWriteOptions& options = {});

Result<std::shared_ptr<arrow::Table>> ReadParquetFile(const std::string& path);

}  // namespace orbitlake::columnar

namespace orbitlake::columnar {
// Reads a whole Parquet file held in memory (e.g. from storage::Storage::Read).
// `name` only labels errors.
Result<std::shared_ptr<arrow::Table>> ReadParquetBytes(std::string bytes, const std::string& name);
}  // namespace orbitlake::columnar
