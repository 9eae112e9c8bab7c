// Reading a table's rows into Arrow (CLI `tail`, tests, streaming readers).
//
// Thread safety: the functions are reentrant; they only read `storage`.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "common/status.h"
#include "delta/snapshot.h"

namespace arrow {
class Table;
}

namespace orbitlake::delta {

struct ReadOptions {
  // Only the newest rows (files by modification time, newest first, until this many
  // rows); all rows when nullopt. Default: all.
  std::optional<int64_t> last_rows;
  // Only these columns (in the schema's order; unknown names are an error); all when
  // empty. On storage that prefers ranged reads (S3) only the footer and their byte
  // ranges are fetched (a few ranged GETs); all columns: one GET per file.
  std::vector<std::string> columns;
};
// Reads the snapshot's live files into one Arrow table with snapshot.schema():
// partition columns are rebuilt from partition values, timestamps normalised to
// microseconds UTC, missing columns filled with nulls.
Result<std::shared_ptr<arrow::Table>> ReadTable(storage::Storage& storage, const Snapshot& snapshot,
                                                const ReadOptions& options = {});
// Reads the given files (e.g. from FilesAddedAfter) the same way; `columns` as in
// ReadOptions.
Result<std::shared_ptr<arrow::Table>> ReadFiles(storage::Storage& storage, const Snapshot& snapshot,
                                                const std::vector<AddFile>& files,
                                                const std::vector<std::string>& columns = {});

}  // namespace orbitlake::delta
