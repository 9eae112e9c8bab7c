// The read-side views of a Delta table behind the CLI readers (tail, history,
// describe) and the demo's summary: each returns plain data (TextTable, JSON) that
// text_table.h renders.
//
// Thread safety: reentrant; everything only reads `storage`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "delta/snapshot.h"
#include "readers/text_table.h"
#include "storage/storage.h"

namespace orbitlake::readers {

// The latest snapshot, with errors a person can act on: NotFound "PATH is not a Delta
// table (...)", Unsupported "PATH uses a Delta feature orbitlake cannot read: ...".
// `path` is only used in the messages.
Result<delta::Snapshot> LoadForReading(storage::Storage& storage, const std::string& path);

// The column ordering rows in time when the table has it (orbitlake's raw table).
inline constexpr const char* kTimeColumn = "event_time";

// The `n` most recent rows (by kTimeColumn when present, else in file order), oldest
// first. `columns`: only these (all when empty).
Result<TextTable> TailRows(storage::Storage& storage, const delta::Snapshot& snapshot, int64_t n,
                           const std::vector<std::string>& columns = {});

// Rows appended by the commits after `after_version` up to `snapshot`'s version, oldest
// first (for tail --follow).
Result<TextTable> RowsAddedAfter(storage::Storage& storage, const delta::Snapshot& snapshot, int64_t after_version,
                                 const std::vector<std::string>& columns = {});

// One row per commit, newest first: version, time, operation, files_added, rows_added,
// bytes_added (rows from the adds' numRecords statistics; null when unknown).
// `limit`: the newest that many commits (all when nullopt).
Result<TextTable> HistoryRows(storage::Storage& storage, std::optional<int64_t> limit = std::nullopt);

// Everything `describe` shows, as one JSON object: path, version, created/last commit
// times, name/description, schema (name, type, nullable), partition_columns, protocol,
// configuration, files, bytes, rows, and kafka_offsets: one entry per txn action
// ({app_id, topic, partition, offset, last_updated}; topic/partition null for appIds
// orbitlake did not write).
Result<nlohmann::json> Describe(storage::Storage& storage, const delta::Snapshot& snapshot,
                                const std::string& path);
// The describe JSON for people (sections with aligned keys) and as field,value CSV.
std::string DescribeText(const nlohmann::json& d);
std::string DescribeCsv(const nlohmann::json& d);

}  // namespace orbitlake::readers
