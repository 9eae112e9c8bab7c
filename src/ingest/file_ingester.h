// File ingester: a pipeline's file sources (folders of JSON files) -> its Delta tables,
// each file exactly once (docs/pipelines.md, "File sources").
//
// Roles: Landing (src/files) decides when a file is complete; records.h splits it into
// JSON documents (JSON Lines, whole-file arrays, gzip); the source's Decoder makes rows
// and rejections of each document exactly as for Kafka messages (a document's "offset"
// is its line, its "topic" the file name); Committer writes and commits on its thread.
//
// Exactly once: the tables are the only record of what was ingested. A file is one
// range of a batch (topic FileRangeTopic(name), partition 0), so every data table of
// the source commits txn "<app_id>:file:<name>:0" with the file's rows, or alone when
// the file gave that table nothing; quarantine tables commit first, with the same txns,
// when they got rows. A file counts as ingested when every data table of its source
// holds its txn. A crash at any point leaves each table at its last commit: on restart,
// a file some tables hold is read again for the tables that lack it only (quarantine
// rows too are skipped by a table that holds the file). Each batch is committed before
// the next is read, and files are archived or deleted only after the commit that
// recorded them (a crash in between: the file is still there, already recorded, and is
// archived or deleted at the next start without being read again).
// Several ingesters on one folder are safe: the second commit of a file is fenced (it
// finds the txn) and its batch is dropped and re-planned.
//
// Unreadable files (permissions, corrupt gzip, too large) are reported on stderr,
// counted and skipped until their size or modification time changes.
//
// Shutdown: when StopRequested() (SIGINT/SIGTERM) the batch being read is committed
// first; with until_caught_up, when a listing finds no file left to ingest.
// Thread safety: RunFileIngest() runs on the calling thread plus the committer's.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"
#include "ingest/ingester.h"
#include "ingest/pipeline_sinks.h"
#include "metrics/metrics.h"
#include "pipeline/spec.h"

namespace arrow {
class MemoryPool;
}

namespace orbitlake::ingest {

struct FileIngestOptions {
  // Every source must be a file source (SourceSpec::files). Required.
  pipeline::PipelineSpec pipeline;
  // Opens each table's storage from its path. Default (null): storage::OpenTableStorage.
  TableOpener open_table;
  // Opens the landing and archive folders from their URIs (second argument unused).
  // Default (null): storage::OpenTableStorage.
  TableOpener open_folder;
  // Names the files in the tables' txns ("<app_id>:file:<name>:0"). Default "orbitlake".
  std::string app_id = "orbitlake";
  // How often the folders are listed. A file is read one interval after it stops
  // changing at the earliest (see files/landing.h). Default 5 s.
  std::chrono::milliseconds interval{5000};
  // A batch (one commit per table) takes files until it holds this many bytes of
  // file text, or max_batch_files; a bigger file is a batch of its own. Default 256 MiB.
  int64_t max_batch_bytes = int64_t{256} << 20;
  int max_batch_files = 1000;  // default 1000
  // A (decompressed) file larger than this is unreadable (reported, skipped). Default 2 GiB.
  int64_t max_file_bytes = int64_t{2} << 30;
  // Stop once a listing finds no file left to ingest; the first listing's files count as
  // complete (no writer is expected). Default off (run until signalled).
  bool until_caught_up = false;
  // After a file's commit: move it into this folder (a folder or file:// URI; same
  // name), or delete it. Default: leave it in place.
  std::string archive_dir;
  bool delete_after = false;
  // Rows decoded before they are handed to the writer thread. Default 16,384.
  int64_t chunk_rows = 16'384;
  // Parquet row group size. Default 131,072 rows.
  int64_t row_group_rows = 131'072;
  // Page compression of the data files (IngestOptions::compression). Default Snappy.
  columnar::Compression compression = columnar::Compression::kSnappy;
  // Metrics registry to update; may be null.
  metrics::Registry* metrics = nullptr;
  // Arrow memory pool for decoded rows; null = Arrow's default pool.
  arrow::MemoryPool* memory_pool = nullptr;
};

// Runs until stopped (see file comment). IngestStats: `messages` counts records read,
// `bytes` their file bytes, `input_files` files ingested, `skipped` files found already
// in the tables, `unreadable_files` files reported unreadable. `on_progress` (optional)
// is called from the loop about every listing.
Result<IngestSummary> RunFileIngest(const FileIngestOptions& options,
                                    std::function<void(const IngestStats&)> on_progress = nullptr);

}  // namespace orbitlake::ingest
