// Ingester: a pipeline's Kafka topics -> micro-batches -> Parquet/Snappy -> its Delta
// tables, exactly once.
//
// A pipeline (pipeline/spec.h) has sources (topics + a message format) and tables
// (declared columns, a route, checks), each table with a quarantine table, and each
// source with one for messages no table can take. The satellite pipeline is the
// built-in one (telemetry_pipeline.h); declared ones come from a pipeline file.
//
// Roles (each its own class): Consumer (src/kafka) fetches; this class's loop hands each
// message to its source's Decoder (decoder.h: format + routing -> rows per table),
// quarantines rejections and decides when a batch closes (BatchPolicy); Committer writes
// Parquet and commits every table the batch touches, on its own thread.
//
// Where reading starts (docs/exactly-once.md, "Many tables"): the Delta tables are the
// source of truth. Every table's commits carry a txn per source partition. On every
// partition assignment the loop loads each table's txn version for that partition and
// starts at the lowest data table's version + 1 (a data table that never held the
// partition makes it start at `starting_offsets`: with earliest, a table added to a
// pipeline gets what Kafka still has); each table, and each quarantine table, skips the
// offsets it already holds. A data table that gets no rows still commits its txns
// (txn-only) at most `txn_commit_interval` after its last commit, and at every shutdown
// and rebalance, so a rarely routed table holds back the resume point by that much at
// most. Messages at or below every table's version are skipped undecoded.
// After each commit, Kafka is told the offsets (asynchronously) so lag tools show real
// lag; Kafka's committed offsets are never read back.
//
// Rebalance: before partitions are revoked, the open batch is sealed and committed
// (waiting for it), so a partition's rows are committed by the old owner or re-read by
// the new one, never both; commits are fenced (see Committer) against zombie owners.
//
// Offsets the tables hold that Kafka no longer has: when a partition's end offset is at
// or below a table's txn version (the topic was deleted and recreated, or truncated),
// assigning it fails with both offsets named, unless its topic is in
// `reset_offsets_for`: then a txn-only "RESET OFFSETS" commit (in every table holding
// them) sets the partition back to its earliest offset, recorded in the log, and it is
// ingested from there. Offsets deleted by retention before they were ingested (the
// partition's earliest offset is above the resume point) are reported and counted.
//
// Start-up checks: an empty app id, and an app id that is new to a table that already
// holds offsets of the same topic under another app id (that would ingest the topic a
// second time), are refused unless `allow_new_app_id`. Tables that exist must have the
// declared columns (new nullable columns are added, see Committer). With
// `until_caught_up`, a topic that does not exist is an error (otherwise it is waited
// for). Tables are created with their first commit, never before.
//
// Failures of the decoders' own buffers (allocation) stop the ingester before any
// offset of the rows they held can be committed; those rows are read again next run.
//
// Shutdown: when StopRequested() (SIGINT/SIGTERM) or, with until_caught_up, when every
// assigned partition reached the end offsets seen at assignment, the open batch is
// committed and Run() returns.
//
// Thread safety: Run() is called once, from one thread; it starts the committer thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "ingest/batch_policy.h"
#include "ingest/committer.h"
#include "ingest/pipeline_sinks.h"
#include "kafka/client.h"
#include "maintenance/background_optimize.h"
#include "metrics/latency_recorder.h"
#include "metrics/metrics.h"
#include "pipeline/message_meta.h"
#include "pipeline/spec.h"
#include "storage/storage.h"

namespace arrow {
class MemoryPool;
}

namespace orbitlake::ingest {

enum class StartingOffsets { kEarliest, kLatest };


struct IngestOptions {
  kafka::ClientOptions client;
  // What to ingest: sources (topics, format) and tables. Required: at least one source
  // and table (e.g. TelemetryPipeline() or pipeline::LoadPipelineFile()). Its `kafka`
  // section is not read here: the caller puts it into client/group_id/app_id.
  pipeline::PipelineSpec pipeline;
  // Opens each table's storage from its path. Default (null): storage::OpenTableStorage.
  TableOpener open_table;
  // Kafka consumer group; ingesters of one group share the partitions. Default "orbitlake".
  std::string group_id = "orbitlake";
  // Names this pipeline's offsets in its tables (txn appId "<app_id>:<topic>:<partition>").
  // Two pipelines writing one table from the same topic need different app ids.
  // Default "orbitlake".
  std::string app_id = "orbitlake";
  // Accept an app id that holds no offsets in a table where another app id holds
  // offsets of the same topic (a second pipeline: it reads the topic again from
  // `starting_offsets`). Default off: that is refused, because it usually means a typo
  // that would duplicate the topic in the table.
  bool allow_new_app_id = false;
  // Topics whose partitions may be reset to their earliest offset when a table holds
  // offsets beyond the partition's end (see the file comment). Safe to leave set: a
  // partition is reset only while that condition holds. Default empty (it is an error).
  std::vector<std::string> reset_offsets_for;
  // A data table that received no rows commits its offsets (txn only) at most this long
  // after its previous commit, bounding how far it holds back where a restart resumes.
  // Shorter = less re-reading after a crash, more commits of rarely routed tables.
  // Default 1 min.
  std::chrono::milliseconds txn_commit_interval{60'000};
  BatchPolicyOptions batch;
  // Where partitions the table has never seen start. Default earliest.
  StartingOffsets starting_offsets = StartingOffsets::kEarliest;
  // Stop once every assigned partition reached the end offsets seen when it was
  // assigned (a one-shot backfill). Default off (run until signalled).
  bool until_caught_up = false;
  // Rows decoded before they are handed to the writer thread. Smaller = smoother
  // pipelining and less memory (up to 6 chunks are alive: queued, being encoded, being
  // filled); larger = fewer hand-offs. Default 16,384 (about 2 MB of Arrow data).
  int64_t chunk_rows = 16'384;
  // Parquet row group size. Row groups are buffered in memory until full, so this
  // bounds the writer's memory and is the resolution of the batch size limit
  // (max_bytes counts flushed row groups). Default 131,072 rows (about 4 MB of
  // satellite data), large enough for readers to scan efficiently.
  int64_t row_group_rows = 131'072;
  // Page compression of the data files written (and of the background compactions'
  // files). zstd makes smaller files for more CPU, lz4/none cheaper writes
  // (bench/RESULTS.md has bytes per row and rate of each). Default Snappy.
  columnar::Compression compression = columnar::Compression::kSnappy;
  // Longest single wait for messages, so signals and batch deadlines are noticed.
  // Default 100 ms.
  std::chrono::milliseconds poll_timeout{100};
  // How long the start-up check waits for the brokers to answer. Default 15 s.
  std::chrono::milliseconds startup_timeout{15'000};
  // Compact, in the background, the partitions this ingester wrote to after every this
  // many commits of a table (maintenance/background_optimize.h: a thread of its own,
  // never blocking the consume/commit loop, unable to conflict with the appends).
  // Default 0: off (compact with `orbitlake optimize` instead).
  int64_t optimize_every = 0;
  // Target file size of those compactions. Default nullopt: the table's
  // delta.targetFileSize, else 100 MiB.
  std::optional<int64_t> optimize_target_size;
  // How those compactions merge files. Default kAuto: copy row groups (no re-encoding)
  // while batches fill up before their interval (a backlog), rewrite when caught up.
  maintenance::CompactionMethod optimize_method = maintenance::CompactionMethod::kAuto;
  // Share of the ingester's CPU those compactions may use while it has a backlog
  // (BackgroundOptimizeOptions::backlog_cpu_share). Default 0.05; 0 = no limit.
  double optimize_backlog_cpu_share = 0.05;
  // Pipelines whose tables change while running (ingest --registry, registry_ingest.h).
  // Asked, on the loop's thread, before a message that no table's route takes (and no
  // default table) goes to its source's quarantine; it may rewrite `reason`. Returning
  // true ends Run() before that message, as a signal does: the open batch (without it)
  // is committed and Run() returns OK; the message and those after it are read again
  // by the next run, since no table recorded their offsets. Default null: quarantine.
  std::function<bool(const pipeline::MessageMeta& meta, std::span<const uint8_t> payload, std::string* reason)>
      on_no_route;
  // Polled once per poll round; true ends Run() like a signal (the open batch is
  // committed). Default null: never.
  std::function<bool()> should_stop;
  // Metrics registry to update; may be null.
  metrics::Registry* metrics = nullptr;
  // Arrow memory pool for decoded rows; null = Arrow's default pool. Tests pass one that
  // fails to allocate.
  arrow::MemoryPool* memory_pool = nullptr;
};

// Per table of the pipeline (data and quarantine tables), in pipeline order.
struct TableStats {
  std::string name;
  std::string path;
  bool quarantine = false;
  int64_t rows = 0;
  int64_t duplicates = 0;  // rows dropped by the table's dedup window
  int64_t commits = 0;
  int64_t version = -1;  // latest version this run committed
};

struct IngestStats {
  int64_t messages = 0;      // consumed (including skipped and quarantined)
  int64_t bytes = 0;         // payload bytes consumed
  int64_t skipped = 0;       // already in the table (at or below its txn version)
  int64_t rows = 0;          // rows committed to the raw table
  int64_t quarantined = 0;   // messages committed to the quarantine table
  int64_t duplicates = 0;    // rows dropped by dedup windows (every table)
  int64_t commits = 0;
  int64_t files = 0;
  int64_t parquet_bytes = 0;
  int64_t dropped_batches = 0;  // fenced or resynced
  int64_t missed = 0;           // offsets Kafka deleted (retention) before they were ingested
  int64_t resets = 0;           // partitions reset by reset_offsets_for
  int64_t first_version = -1;   // first and last version this run committed (first table)
  int64_t last_version = -1;
  int64_t lag = -1;             // messages behind the partition ends (-1: unknown)
  int64_t optimize_commits = 0;  // OPTIMIZE commits of --optimize-every
  int64_t optimized_files = 0;   // small files they compacted away
  int64_t optimize_copied = 0;   // compacted files made by copying row groups (the rest: rewritten)
  std::chrono::milliseconds optimize_budget_wait{0};  // time compactions waited for their CPU share
  int assigned_partitions = 0;
  int64_t input_files = 0;       // file sources: files ingested
  int64_t unreadable_files = 0;  // file sources: files reported unreadable and skipped
  double seconds = 0;
  std::vector<TableStats> tables;
};

struct IngestSummary {
  IngestStats stats;
  metrics::LatencyRecorder latency;  // event timestamp -> commit, per row
  metrics::LatencyRecorder commit_duration;  // batch sealed -> committed, per commit
};

// Adds a committed batch to `stats` (per table and the totals); a fenced batch adds
// nothing. Shared by the Kafka and the file ingester.
void AddCommitToStats(const CommitResult& r, IngestStats* stats);

// Runs the ingester until stopped (see file comment). `on_progress` (optional) is called
// from the loop about every poll with the current stats, for a status line.
Result<IngestSummary> RunIngest(const IngestOptions& options,
                                std::function<void(const IngestStats&)> on_progress = nullptr);

}  // namespace orbitlake::ingest
