// Committer: the writer thread of the ingester. It encodes decoded rows into Parquet
// data files as they arrive and, when a micro-batch is sealed, commits the files and
// one txn per Kafka partition to the Delta table in one atomic commit.
//
// Pipeline: the consume loop (one thread) decodes messages into Arrow record batches
// and Submit()s them; this class writes them on its own thread, so decoding and
// Parquet encoding + committing use both cores. The queue between them is bounded:
// when commits are slow the consume loop blocks instead of buffering without limit.
//
// Exactly-once: a sealed batch covers, per partition, the offsets [first, last]. The
// raw table's commit carries txn{appId(topic, partition), version = last}; it is
// fenced: if the table already holds a txn for that appId at a version >= first,
// another ingester committed part of the same range and the batch is dropped
// (Outcome::kFenced), never written twice. Bad messages go to the quarantine table,
// committed first with its own txns, so a crash between the two commits re-reads
// messages the quarantine table already has, which the consume loop then skips.
//
// After a dropped batch (fenced, or a commit that failed) every later item of the same
// epoch is dropped too, until the consume loop calls Resync() with a new epoch after
// seeking back to the table's offsets.
//
// Crash guarantees: data files are visible to readers only through a commit; a crash
// at any point leaves the table at its last commit (orphan files at most).
// Thread safety: Submit/Seal/Resync/fatal/encoded_bytes from the consume thread; the
// on_commit callback runs on the committer's thread.
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
  // First offset the quarantine table does not have yet: max(first, its txn + 1). It
  // lags or leads the raw table after a crash between the two commits.
  int64_t quarantine_first = 0;
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

struct CommitterOptions {
  std::shared_ptr<storage::Storage> table;       // the raw table's root
  std::shared_ptr<storage::Storage> quarantine;  // the quarantine table's root
  // Prefix of txn appIds (TxnAppId). Default "orbitlake".
  std::string app_id = "orbitlake";
  // Partition columns when the table is created. Default {"date"}.
  std::vector<std::string> partition_columns = {"date"};
  // Chunks waiting to be encoded at most (back-pressure). Default 4.
  size_t queue_capacity = 4;
  delta::TableOptions table_options;
  Clock* clock = nullptr;  // default SystemClock()
  // Observes every committed row's event -> commit latency in seconds; may be null.
  metrics::Histogram* latency_histogram = nullptr;
};

enum class Outcome { kCommitted, kAlreadyCommitted, kFenced, kEmpty };

struct CommitResult {
  Outcome outcome = Outcome::kEmpty;
  int64_t version = -1;             // raw table version (committed or found)
  int64_t rows = 0;
  int64_t quarantined = 0;
  int64_t files = 0;
  int64_t bytes = 0;                // Parquet bytes written
  std::chrono::nanoseconds duration{0};  // seal to commit
  std::vector<PartitionRange> ranges;
  std::string detail;               // why, for fenced/already committed
};

class Committer {
 public:
  // Opens the raw table and checks its schema and partitioning when it exists; a
  // missing raw table is created with the first rows, the quarantine table with the
  // first quarantined message, so a run that ingests nothing leaves no table behind.
  // `on_commit` is called on the committer thread after each sealed batch.
  static Result<std::unique_ptr<Committer>> Start(CommitterOptions options, std::shared_ptr<arrow::Schema> schema,
                                                  std::function<void(const CommitResult&)> on_commit);
  ~Committer();

  // Hands rows (RawTableSchema) and quarantined messages (QuarantineTableSchema) of the
  // open batch to the writer thread. Either may be null. Blocks when the queue is full.
  void Submit(int64_t epoch, std::shared_ptr<arrow::RecordBatch> rows,
              std::shared_ptr<arrow::RecordBatch> quarantine);
  // Closes the open batch: commit everything submitted since the last seal, covering
  // `ranges`. Returns a future set once it is committed or dropped.
  std::future<Status> Seal(int64_t epoch, std::vector<PartitionRange> ranges);
  // Starts epoch `epoch`: the writer stops dropping items (see class comment).
  void Resync(int64_t epoch);
  // Re-reads both tables' logs before the next commit: another writer changed them in a
  // way the next commit must see (e.g. offsets reset to a lower version). A failed read
  // is fatal.
  void Refresh();

  // A batch was dropped (fenced or failed) and the consume loop must resync.
  bool resync_needed() const { return resync_needed_.load(); }
  // A fatal error (the table cannot be written); the ingester must stop.
  Status fatal() const;
  // Parquet bytes of the open batch so far (the batch policy's size limit).
  int64_t encoded_bytes() const { return encoded_bytes_.load(); }

  // Commits nothing more; drains the queue (dropping unsealed rows) and joins.
  void Stop();

  // Produce->commit latency of every committed row (event timestamp to commit time).
  // Call after Stop().
  const metrics::LatencyRecorder& latency() const { return latency_; }
  std::shared_ptr<storage::Storage> table_storage() const { return options_.table; }

 private:
  struct Item {
    enum class Kind { kRows, kSeal, kResync, kRefresh } kind = Kind::kRows;
    int64_t epoch = 0;
    std::shared_ptr<arrow::RecordBatch> rows;
    std::shared_ptr<arrow::RecordBatch> quarantine;
    std::vector<PartitionRange> ranges;
    std::shared_ptr<std::promise<Status>> done;
  };

  Committer(CommitterOptions options, std::function<void(const CommitResult&)> on_commit);
  void Loop();
  Status WriteRows(const Item& item);
  // Creates the raw table (version 0) if Start() found none.
  Status EnsureTable();
  // Commits the open batch; returns the result or a fatal error.
  Result<CommitResult> CommitBatch(const std::vector<PartitionRange>& ranges);
  // Appends with one fenced txn per range: the table must not hold the appId at a
  // version >= the range's first offset (quarantine_first for the quarantine table).
  Result<delta::CommitOutcome> AppendFenced(delta::Table& table, std::vector<delta::AddFile> adds,
                                            const std::vector<PartitionRange>& ranges, bool quarantine);
  Status CommitQuarantine(const std::vector<PartitionRange>& ranges, CommitResult* result);
  void DropBatch(const std::string& why);

  CommitterOptions options_;
  std::function<void(const CommitResult&)> on_commit_;
  Clock& clock_;
  std::shared_ptr<arrow::Schema> schema_;  // the raw table's, for a lazy create
  std::unique_ptr<delta::Table> table_;      // null until EnsureTable() when it did not exist
  std::unique_ptr<delta::Table> quarantine_table_;
  BoundedQueue<Item> queue_;
  std::thread thread_;

  // Writer-thread state of the open batch.
  std::unique_ptr<delta::TableWriter> writer_;
  std::vector<std::shared_ptr<arrow::RecordBatch>> quarantined_;
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
