// Committer: the writer thread of the ingester. It encodes decoded rows into Parquet
// data files as they arrive and, when a micro-batch is sealed, commits each table the
// batch touches ("sinks": the pipeline's tables and their quarantine tables), each in one
// atomic commit of its files plus one txn per Kafka partition it covers.
//
// Pipeline: the consume loop (one thread) decodes messages into Arrow record batches
// and Submit()s them; this class writes them on its own thread, so decoding and
// Parquet encoding + committing use both cores. The queue between them is bounded:
// when commits are slow the consume loop blocks instead of buffering without limit.
//
// Exactly-once (docs/exactly-once.md, "Many tables"): a sealed batch covers, per
// partition, the offsets [first, last]. A sink's commit carries txn{appId(topic,
// partition), version = last} for every covered partition of its sources; it is fenced:
// if the sink already holds that appId at a version >= the first offset the consume loop
// believes it lacks, another ingester committed part of the same range and the batch is
// dropped (Outcome::kFenced), never written twice. Within a batch the quarantine sinks
// commit first, then the data sinks, in the order given: a crash between two commits
// leaves some sinks ahead; the consume loop resumes at the lowest data sink's offset and
// every sink skips what it already holds.
//
// After a dropped batch (fenced, or a commit that failed) every later item of the same
// epoch is dropped too, until the consume loop calls Resync() with a new epoch after
// seeking back to the tables' offsets.
//
// Crash guarantees: data files are visible to readers only through a commit; a crash
// at any point leaves each table at its last commit (orphan files at most).
// Thread safety: Submit/Seal/Resync/Refresh/fatal/encoded_bytes from the consume thread;
// the on_commit callback runs on the committer's thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/bounded_queue.h"
#include "common/clock.h"
#include "common/status.h"
#include "delta/table.h"
#include "ingest/dedup.h"
#include "metrics/latency_recorder.h"
#include "metrics/metrics.h"
#include "storage/storage.h"

namespace arrow {
class RecordBatch;
}

namespace orbitlake::ingest {

// The offsets of one partition that a sealed batch covers.
struct PartitionRange {
  std::string topic;
  int32_t partition = 0;
  int64_t first = 0;
  int64_t last = 0;
};

// "<app_id>:<topic>:<partition>", the txn appId under which a partition's offset is kept.
std::string TxnAppId(const std::string& app_id, const std::string& topic, int32_t partition);
// The inverse; nullopt for appIds orbitlake did not write.
struct ParsedAppId {
  std::string app_id;
  std::string topic;
  int32_t partition = 0;
};
std::optional<ParsedAppId> ParseTxnAppId(const std::string& txn_app_id);

// File sources (file_ingester.h) commit one range per landed file: topic
// FileRangeTopic(name), partition 0, offsets 0..N (N = the file's record count, the
// txn version), so a file is recorded in the table's log like a Kafka partition, as txn
// "<app_id>:file:<name>:0" (':' and '%' in the name percent-encoded).
inline constexpr std::string_view kFileRangePrefix = "file:";
std::string FileRangeTopic(std::string_view file_name);

// Delta table sources (file_ingester.h) commit one range per batch of source commits:
// topic DeltaRangeTopic(source), partition 0, offsets = the source table's versions, so
// the last source version a table holds is its txn "<app_id>:delta:<source>:0".
inline constexpr std::string_view kDeltaRangePrefix = "delta:";
std::string DeltaRangeTopic(std::string_view source_name);

// One table the committer writes.
struct SinkOptions {
  std::string name;  // for messages and stats, e.g. "page_view" or "page_view quarantine"
  std::shared_ptr<storage::Storage> storage;
  // The table's columns (partition columns included) and its partitioning when created.
  std::shared_ptr<arrow::Schema> schema;
  std::vector<std::string> partition_columns;
  // A quarantine table: committed before the data tables of a batch.
  bool quarantine = false;
  // The topics whose partitions this sink's commits carry txns for.
  std::vector<std::string> topics;
  // Its commits also carry txns for file ranges (FileRangeTopic) of a seal.
  bool file_ranges = false;
  // Drop rows whose key the table got within a window (dedup.h). Default none.
  std::optional<DedupOptions> dedup;
};

struct CommitterOptions {
  // Every table of the pipeline; Submit/Seal refer to them by index. Required.
  std::vector<SinkOptions> sinks;
  // Prefix of txn appIds (TxnAppId). Default "orbitlake".
  std::string app_id = "orbitlake";
  // Chunks waiting to be encoded at most (back-pressure). Default 4.
  size_t queue_capacity = 4;
  delta::TableOptions table_options;
  // Existing tables whose schema lacks some of a sink's columns get them (nullable
  // columns only, by a metaData commit at Start()). Default on; off refuses any
  // difference.
  bool add_new_columns = true;
  Clock* clock = nullptr;  // default SystemClock()
  // Observes every committed row's event -> commit latency in seconds; may be null.
  metrics::Histogram* latency_histogram = nullptr;
};

enum class Outcome { kCommitted, kAlreadyCommitted, kFenced, kEmpty };

// What one sink's commit of a batch did.
struct SinkResult {
  int sink = 0;
  Outcome outcome = Outcome::kEmpty;
  int64_t version = -1;
  int64_t rows = 0;
  int64_t duplicates = 0;  // rows dropped by the sink's dedup window
  int64_t files = 0;
  int64_t bytes = 0;
  // Distinct partition values of the files added (for --optimize-every).
  std::vector<delta::PartitionValues> partitions;
};

struct CommitResult {
  Outcome outcome = Outcome::kEmpty;  // kCommitted when every sink committed or had it already
  int64_t version = -1;             // the first data sink's version (committed or found)
  int64_t rows = 0;                 // rows committed to data sinks
  int64_t quarantined = 0;          // rows committed to quarantine sinks
  int64_t files = 0;
  int64_t bytes = 0;                // Parquet bytes written
  std::chrono::nanoseconds duration{0};  // seal to commit
  std::vector<PartitionRange> ranges;
  std::vector<SinkResult> sinks;    // the sinks committed, in commit order
  // Rows dropped by dedup windows, per sink index (sinks with none left out).
  std::vector<std::pair<int, int64_t>> duplicates;
  std::string detail;               // why, for fenced/already committed
};

// A sink to commit in a sealed batch, and from where it lacks each range's offsets.
struct SinkCommit {
  int sink = 0;
  // Per range of the seal (same order): the first offset this sink does not hold yet;
  // above the range's last, the sink gets no txn for that partition.
  std::vector<int64_t> first;
};

// Rows for one sink (its schema), handed over by the consume loop.
struct SinkRows {
  int sink = 0;
  std::shared_ptr<arrow::RecordBatch> rows;
};

class Committer {
 public:
  // Opens every sink's table that exists and checks its schema and partitioning (adding
  // new nullable columns when add_new_columns); a missing table is created at the first
  // commit that needs it, so a run that ingests nothing leaves no table behind.
  // `on_commit` is called on the committer thread after each sealed batch.
  static Result<std::unique_ptr<Committer>> Start(CommitterOptions options,
                                                  std::function<void(const CommitResult&)> on_commit);
  ~Committer();

  // Hands rows of the open batch to the writer thread, with the event times of the
  // messages they came from (for the event -> commit latency). Blocks when the queue is
  // full.
  void Submit(int64_t epoch, std::vector<SinkRows> rows, std::vector<int64_t> event_ns);
  // Closes the open batch: commits `commits` (the sinks with rows, and any the consume
  // loop wants to carry txns only), covering `ranges`. Returns a future set once it is
  // committed or dropped.
  std::future<Status> Seal(int64_t epoch, std::vector<PartitionRange> ranges, std::vector<SinkCommit> commits);
  // Starts epoch `epoch`: the writer stops dropping items (see class comment).
  void Resync(int64_t epoch);
  // Re-reads every table's log before the next commit: another writer changed them in a
  // way the next commit must see (e.g. offsets reset to a lower version). A failed read
  // is fatal.
  void Refresh();

  // A batch was dropped (fenced or failed) and the consume loop must resync.
  bool resync_needed() const { return resync_needed_.load(); }
  // A fatal error (a table cannot be written); the ingester must stop.
  Status fatal() const;
  // Parquet bytes of the open batch so far (the batch policy's size limit).
  int64_t encoded_bytes() const { return encoded_bytes_.load(); }

  // Commits nothing more; drains the queue (dropping unsealed rows) and joins.
  void Stop();

  // Produce->commit latency of every committed row (event timestamp to commit time).
  // Call after Stop().
  const metrics::LatencyRecorder& latency() const { return latency_; }
  const std::vector<SinkOptions>& sinks() const { return options_.sinks; }

 private:
  struct Item {
    enum class Kind { kRows, kSeal, kResync, kRefresh } kind = Kind::kRows;
    int64_t epoch = 0;
    std::vector<SinkRows> rows;
    std::vector<int64_t> event_ns;
    std::vector<PartitionRange> ranges;
    std::vector<SinkCommit> commits;
    std::shared_ptr<std::promise<Status>> done;
  };
  struct Sink {
    std::unique_ptr<delta::Table> table;  // null until the first commit when it did not exist
    std::unique_ptr<delta::TableWriter> writer;  // files of the open batch
    std::unique_ptr<KeyWindow> window;            // SinkOptions::dedup; loaded with the table
    int64_t rows = 0;                             // rows written to `writer`
    int64_t duplicates = 0;                       // rows of the open batch dropped by `window`
    int64_t bytes_before = 0;                     // writer bytes already counted in encoded_bytes_
  };

  Committer(CommitterOptions options, std::function<void(const CommitResult&)> on_commit);
  void Loop();
  Status WriteRows(const Item& item);
  // Opens or creates sink `i`'s table.
  Status EnsureTable(int i);
  // Commits the open batch; returns the result or a fatal error.
  Result<CommitResult> CommitBatch(const std::vector<PartitionRange>& ranges, const std::vector<SinkCommit>& commits);
  // Commits one sink: its files (if any) with one fenced txn per range it lacks.
  Result<SinkResult> CommitSink(const std::vector<PartitionRange>& ranges, const SinkCommit& commit,
                                std::string* detail);
  void DropBatch(const std::string& why);
  std::chrono::system_clock::time_point WallTime();

  CommitterOptions options_;
  std::function<void(const CommitResult&)> on_commit_;
  Clock& clock_;
  std::vector<Sink> sinks_;
  BoundedQueue<Item> queue_;
  std::thread thread_;

  // Writer-thread state of the open batch.
  std::vector<int64_t> event_ns_;  // event timestamps of the open batch, for latency
  int64_t epoch_ = 0;
  bool dropping_ = false;

  std::atomic<bool> resync_needed_{false};
  std::atomic<int64_t> encoded_bytes_{0};
  mutable std::mutex mu_;
  Status fatal_;  // GUARDED_BY(mu_)
  metrics::LatencyRecorder latency_;
};

}  // namespace orbitlake::ingest
