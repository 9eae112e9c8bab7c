// ParquetStitcher: merges Parquet files into one by copying their row groups' bytes,
// without decoding or re-encoding a value.
//
// The output's row groups are the inputs' row groups, in order, byte for byte (pages,
// dictionaries, compression and encodings unchanged); only the footer is new: the
// first input's schema and key/value metadata (Arrow's schema), the row groups of every
// input with their offsets moved to where their bytes now are, and the sum of the rows.
// Merging costs a copy of the bytes (no CPU for encoding), which is why the background
// compaction of a busy ingester uses it (maintenance/optimize.h); the price is that row
// groups stay as small as the inputs' (readers pay per row group, a little), so a full
// rewrite compacts better when CPU is free.
//
// What is not carried over: page indexes (column/offset index) and bloom filters, which
// live outside the row groups' bytes; readers fall back to row-group statistics, which
// are kept. Encrypted files and row groups whose chunks live in other files are refused.
//
// Errors: an input whose Parquet schema or key/value metadata differs from the first's
// gives Unsupported (nothing of it was written: the caller can rewrite instead);
// a malformed input gives Corruption naming it and what is wrong. After any error the
// stitcher must be abandoned (destroyed without Finish(): nothing becomes visible).
// Crash guarantees: those of storage::WritableFile: the file appears only at Finish().
// Thread safety: one stitcher per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/storage.h"

namespace orbitlake::columnar {

struct StitchResult {
  int64_t size = 0;        // bytes of the merged file
  int64_t rows = 0;
  int64_t row_groups = 0;
};

class ParquetStitcher {
 public:
  // Starts `path` in `storage`. REQUIRES: `storage` outlives the stitcher.
  static Result<std::unique_ptr<ParquetStitcher>> Open(storage::Storage* storage, std::string path);
  ~ParquetStitcher();

  // Appends every row group of `file` (a whole Parquet file's bytes). `name` labels
  // errors.
  Status Add(std::string_view file, std::string_view name);
  // Writes the footer and publishes the file. REQUIRES: at least one Add() succeeded.
  Result<StitchResult> Finish();

  int64_t rows() const;
  int64_t row_groups() const;

 private:
  struct State;
  explicit ParquetStitcher(std::unique_ptr<State> state);
  std::unique_ptr<State> s_;
};

// The number of row groups of a Parquet file (its whole bytes), read from its footer.
Result<int64_t> CountRowGroups(std::string_view file, std::string_view name);

}  // namespace orbitlake::columnar
