// Decoded telemetry events accumulated column-wise (Arrow builders), ready to be
// written as Parquet by the Delta table writer.
//
// Each Kafka message is verified and decoded zero-copy (telemetry::DecodeEvent) and its
// fields appended straight into the builders; the message can be released right after.
// Events that fail decoding or validation are not appended: the caller quarantines them
// with the returned reason.
//
// Memory: builders grow geometrically and are reused after TakeChunks(), so steady state
// appends do not allocate per message.
// Thread safety: none; owned by the consume loop.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace arrow {
class MemoryPool;
class RecordBatch;
class Schema;
}  // namespace arrow

namespace orbitlake::ingest {

// Where a message came from, kept in every row (the seed keeps Kafka's own timestamp).
struct KafkaMeta {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  // Kafka's message timestamp (broker append time or producer create time), ms.
  int64_t timestamp_ms = 0;
};

// The raw table's columns, in order. `date` (the event's UTC date) is the default
// partition column; data files hold every column but the partition columns.
std::shared_ptr<arrow::Schema> RawTableSchema();
// The quarantine table: the message as received plus why it was rejected.
std::shared_ptr<arrow::Schema> QuarantineTableSchema();

// True when Append() refused the message itself (Corruption: not a telemetry event;
// InvalidArgument: impossible values): quarantine it. Any other error is a failure of
// the builders (allocation): the rows accumulated since the last TakeBatch() are
// unusable and their offsets must never be committed.
bool IsRejection(const Status& append_status);

class EventRows {
 public:
  // `pool` (default Arrow's default pool) holds the builders' buffers; tests pass one
  // that fails to allocate.
  explicit EventRows(arrow::MemoryPool* pool = nullptr);
  ~EventRows();

  // Decodes and validates `payload`; appends one row or returns why not (see
  // IsRejection). On a rejection nothing is appended; after a builder failure the
  // builders may be out of step, and TakeBatch() fails.
  // `event_time_ns` (optional) receives the event's timestamp when a row was appended.
  Status Append(std::span<const uint8_t> payload, const KafkaMeta& meta, int64_t ingest_time_us,
                int64_t* event_time_ns = nullptr);

  // Rows appended since the last TakeBatch().
  int64_t rows() const { return rows_; }
  // The accumulated rows as one record batch with RawTableSchema(); empties the
  // builders. Splitting by partition value is the table writer's job.
  Result<std::shared_ptr<arrow::RecordBatch>> TakeBatch();

 private:
  Status Reserve();

  struct Builders;
  std::unique_ptr<Builders> b_;
  int64_t rows_ = 0;
  int64_t reserved_ = 0;  // rows every builder has capacity for
};

// "YYYY-MM-DD" for days since the epoch (proleptic Gregorian, UTC).
std::string DayToIsoDate(int32_t days);

// Accumulates rejected messages for the quarantine table.
class QuarantineRows {
 public:
  explicit QuarantineRows(arrow::MemoryPool* pool = nullptr);
  ~QuarantineRows();
  void Append(std::span<const uint8_t> payload, std::string_view key, const KafkaMeta& meta, std::string_view reason,
              int64_t ingest_time_us);
  int64_t rows() const { return rows_; }
  // The rows as one record batch (QuarantineTableSchema()); empties the builders.
  Result<std::shared_ptr<arrow::RecordBatch>> Take();

 private:
  struct Builders;
  std::unique_ptr<Builders> b_;
  int64_t rows_ = 0;
};

}  // namespace orbitlake::ingest
