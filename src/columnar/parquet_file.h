// Whole-table Parquet files: write an Arrow table (Snappy unless told otherwise), read one back.
//
// This is the small, general entry point (smoke pipeline, tools, tests). The ingester's
// streaming data-file writer, with row groups and per-file statistics, builds on the
// same writer properties (ParquetProperties()) so every file orbitlake writes looks the
// same to readers: Snappy by default, TIMESTAMP(MICROS, isAdjustedToUTC=true), Parquet
// 2.6, per-column encodings that Spark 3.5 and delta-rs both read (ParquetProperties()).
//
// Arrow/Parquet types appear only in src/columnar and the components that write or read
// files.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

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

// The page compression codec of a data file. Every one is read by Spark 3.5
// (parquet-mr 1.13) and delta-rs (tests/python/test_parquet_layout.py checks it).
enum class Compression {
  kSnappy,  // fast, moderate ratio: the default (what Spark and delta-rs write too)
  kZstd,    // zstd level 1: ~20-30 % smaller files than Snappy for a little more CPU
  kLz4,     // LZ4_RAW (not the deprecated Hadoop-framed LZ4): about Snappy's speed
  kNone,    // uncompressed: largest files, cheapest to write and read
};

// "snappy", "zstd", "lz4" or "none" (any letter case) -> Compression; InvalidArgument
// naming the value and the choices otherwise.
Result<Compression> ParseCompression(std::string_view name);
// The lower-case name ParseCompression accepts.
std::string_view CompressionName(Compression c);

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
  // Page compression. Default Snappy (orbitlake's original format, Spark's default).
  Compression compression = Compression::kSnappy;
  // DELTA_BINARY_PACKED for integer, date and timestamp columns: offsets, sequence
  // numbers and event times grow by small steps, so their deltas pack into a few bits
  // each before compression (PLAIN spends 8 bytes a value and leaves the rest to
  // Snappy). Spark 3.5's vectorized reader and delta-rs read it. Default on; off writes
  // them PLAIN, as orbitlake did before.
  bool delta_encode_integers = true;
  // BYTE_STREAM_SPLIT for float and double columns (the bytes of each value split into
  // separate streams, which the codec then compresses better). Default OFF: Spark 3.5's
  // vectorized Parquet reader (its default, used by Delta) fails on it with
  // "Unsupported encoding: BYTE_STREAM_SPLIT"; delta-rs reads it. Turn on only for
  // tables no Spark 3.x reads; bench/RESULTS.md gives what it saves.
  bool byte_stream_split_floats = false;
};

// Writer properties for a file of `schema`. Dictionary encoding is enabled only for
// string and binary columns: names, topics and categories repeat and shrink a lot
// (satellite, kafka_topic: a few distinct values per row group), while offsets,
// timestamps, sequence numbers and measurements are nearly unique, where a dictionary
// only costs hashing (it was the top CPU cost of ingestion) before Parquet falls back
// to plain encoding anyway. Those get the encodings the options above choose.
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
