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
#include "delta/changes.h"
#include "delta/snapshot.h"
#include "readers/text_table.h"
#include "storage/storage.h"

namespace orbitlake::readers {

// Which version a reader reads (tail/describe --version / --as-of): the latest by
// default. At most one of the two is set.
struct TimeTravel {
  // This version. Default: none.
  std::optional<int64_t> version;
  // The latest version committed at or before this time, ms since the epoch (Delta's
  // timestampAsOf, see delta::VersionAsOf). Default: none.
  std::optional<int64_t> as_of_ms;
};

// --as-of's value as ms since the epoch: an RFC 3339 time ("2026-12-03T11:50:00Z",
// "2026-12-03T12:50:00.250+01:00"; ' ' may replace 'T'; up to 6 fraction digits, cut to
// ms; no zone means UTC) or an ISO date ("2026-12-03", its midnight UTC).
// InvalidArgument naming the accepted forms otherwise.
Result<int64_t> ParseAsOf(std::string_view text);

// The latest snapshot, or the one `at` picks, with errors a person can act on: NotFound
// "PATH is not a Delta table (...)", Unsupported "PATH uses a Delta feature orbitlake
// cannot read: ...", InvalidArgument for a version the table does not have or no longer
// has (log cleaned up after a checkpoint) and for a time before its first commit.
// `path` is only used in the messages.
Result<delta::Snapshot> LoadForReading(storage::Storage& storage, const std::string& path, const TimeTravel& at = {});

// The column ordering rows in time when the table has it (orbitlake's raw table).
inline constexpr const char* kTimeColumn = "event_time";

// The `n` most recent rows (by kTimeColumn when present, else in file order), oldest
// first. `columns`: only these (all when empty).
Result<TextTable> TailRows(storage::Storage& storage, const delta::Snapshot& snapshot, int64_t n,
                           const std::vector<std::string>& columns = {});

// What `tail --follow` shows for one commit: the rows of an append, or (rows nullopt)
// the commit's summary for every other commit (DELETE, UPDATE, MERGE, OPTIMIZE,
// overwrite, metadata changes), whose added files hold rows the reader has seen.
struct FollowStep {
  delta::CommitChanges commit;
  std::optional<TextTable> rows;
};
// One step per commit after `before` up to `after`, oldest first; append rows are read
// with `after`'s schema.
Result<std::vector<FollowStep>> ChangesAfter(storage::Storage& storage, const delta::Snapshot& before,
                                             const delta::Snapshot& after,
                                             const std::vector<std::string>& columns = {});
// The steps as output: append rows rendered without header (kTable with `widths`, so
// they line up with the first page), and one line per other commit
// (delta::DescribeChanges, terminal-safe). In kTable those lines go into the result as
// "-- version 7 DELETE: ..."; in kCsv and kJson they are appended to `announcements`
// instead (for stderr), so that the output stays valid CSV / JSON Lines.
std::string FollowText(const std::vector<FollowStep>& steps, Format format, const std::vector<size_t>& widths,
                       std::string* announcements);

// `history` without a limit shows this many commits.
inline constexpr int64_t kDefaultHistoryLimit = 20;

// One row per commit, newest first: version, time, operation, files_added,
// files_removed, rows_added, rows_removed, bytes_added, bytes_removed, metrics (see
// delta::CommitChanges: files counted whether dataChange or not, rows and bytes of the
// files added and removed, null when statistics are missing; metrics the key
// operationMetrics, a JSON object, "k=v ..." in kTable).
// `limit`: the newest that many commits; nullopt = kDefaultHistoryLimit, 0 = all;
// InvalidArgument when negative.
Result<TextTable> HistoryRows(storage::Storage& storage, std::optional<int64_t> limit = std::nullopt);

// Everything `describe` shows, as one JSON object: path, version (the snapshot's),
// latest_version (the table's newest, larger when time travelling), created/last commit
// times, name/description, schema (name, type, nullable), partition_columns, protocol,
// configuration, files, bytes, rows, last_checkpoint (the newest checkpoint's version,
// null when none) and commits_after_checkpoint (what a reader replays), and kafka_offsets: one entry per txn action
// ({app_id, topic, partition, offset, last_updated}; topic/partition null for appIds
// orbitlake did not write).
Result<nlohmann::json> Describe(storage::Storage& storage, const delta::Snapshot& snapshot,
                                const std::string& path);
// The Kafka offset committed per partition, from the snapshot's txn actions: one
// {app_id, topic, partition, offset, last_updated} per txn, sorted by topic and partition
// (topic/partition null for appIds orbitlake did not write). Describe's kafka_offsets; the
// dashboard's health view.
nlohmann::json KafkaOffsets(const delta::Snapshot& snapshot);
// The describe JSON for people (sections with aligned keys) and as field,value CSV.
std::string DescribeText(const nlohmann::json& d);
std::string DescribeCsv(const nlohmann::json& d);

}  // namespace orbitlake::readers
