// KeyWindow: drops rows whose key a table already holds, for the keys committed within
// a time window (`dedup = { key = [...], within = "1h" }` of a pipeline table).
//
// Why: offsets make the Kafka -> Delta step exactly once, but a producer that sends the
// same reading twice (an at-least-once MQTT bridge redelivering after a crash, a device
// re-sending after a reconnect) puts two messages with two offsets into Kafka. A key
// window turns that into one row: a row whose key was committed to the table within
// `within` (by commit time), or appears earlier in the same batch, is dropped.
//
// Lifecycle, driven by the committer's writer thread: Load() once from the table (the
// keys of the files added within the window: after a crash the window is rebuilt from
// what the table holds, so a re-send after a restart is still caught), Filter() every
// chunk of rows of the open batch, then Commit() when the batch's commit landed or
// Abort() when it was dropped. Keys are compared exactly (no hashing shortcut).
//
// Cost: memory is proportional to the keys committed within the window (about 40 bytes
// plus the key's bytes each): 3 devices at 20 Hz for 1 h is 216,000 keys, about 15 MB.
//
// Thread safety: none; one thread (the committer's) owns an instance.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/status.h"

namespace arrow {
class RecordBatch;
class Schema;
}  // namespace arrow

namespace orbitlake::delta {
class Table;
}

namespace orbitlake::ingest {

struct DedupOptions {
  // The key columns (of the table's schema), in order. Required, non-empty; primitive
  // types only.
  std::vector<std::string> key;
  // A key committed longer ago than this no longer drops a row. Required, > 0.
  std::chrono::seconds within{0};
};

class KeyWindow {
 public:
  // InvalidArgument when a key column is missing from `schema` or not primitive.
  static Result<std::unique_ptr<KeyWindow>> Make(DedupOptions options, const arrow::Schema& schema);

  // Rebuilds the window from `table`: the keys of its live files whose modification time
  // is within the window of `now`. Replaces what the window held.
  Status Load(delta::Table& table, std::chrono::system_clock::time_point now);

  // `rows` without the rows whose key is in the window or pending (earlier in the open
  // batch); the kept keys become pending. Returns `rows` itself when nothing is dropped.
  // `dropped` (optional) is increased by the rows dropped.
  Result<std::shared_ptr<arrow::RecordBatch>> Filter(const std::shared_ptr<arrow::RecordBatch>& rows,
                                                     int64_t* dropped);

  // The open batch was committed at `at`: its pending keys join the window, and keys
  // older than the window are forgotten.
  void Commit(std::chrono::system_clock::time_point at);
  // The open batch was dropped: its pending keys are forgotten.
  void Abort();

  size_t size() const { return keys_.size(); }

 private:
  explicit KeyWindow(DedupOptions options) : options_(std::move(options)) {}
  // The key of each row of `rows`, in row order.
  Result<std::vector<std::string>> Keys(const arrow::RecordBatch& rows) const;
  void Expire(std::chrono::system_clock::time_point now);

  DedupOptions options_;
  std::unordered_set<std::string> keys_;  // in the window or pending
  struct Entry {
    std::chrono::system_clock::time_point at;
    std::string key;
  };
  std::deque<Entry> committed_;      // oldest first
  std::vector<std::string> pending_;  // kept by Filter() since the last Commit/Abort
};

}  // namespace orbitlake::ingest
