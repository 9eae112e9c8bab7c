// Decoded telemetry events accumulated column-wise (Arrow builders), grouped by the
// table's partition value (the event's UTC date), ready to be written as Parquet.
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
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace arrow {
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

// Rows of one partition value: `partition_value` is "YYYY-MM-DD" (or "" when the table
// is not partitioned), `batch` has RawTableSchema() minus the partition column.
struct Chunk {
  std::string partition_value;
  std::shared_ptr<arrow::RecordBatch> batch;
};

struct EventRowsOptions {
  // Partition the rows by event date (`date` column). Default on; off = one group.
  bool partition_by_date = true;
};

class EventRows {
 public:
  explicit EventRows(EventRowsOptions options = {});
  ~EventRows();

  // Decodes and validates `payload`; appends one row or returns why it was rejected
  // (Corruption: not a telemetry event; InvalidArgument: impossible values). On error
  // nothing is appended.
  Status Append(std::span<const uint8_t> payload, const KafkaMeta& meta, int64_t ingest_time_us);

  // Rows appended since the last TakeChunks().
  int64_t rows() const { return rows_; }
  // The accumulated rows as record batches, one per partition value; empties the builders.
  Result<std::vector<Chunk>> TakeChunks();

 private:
  struct Builders;
  Builders& BuildersFor(int32_t day);

  EventRowsOptions options_;
  std::map<int32_t, std::unique_ptr<Builders>> groups_;
  int32_t last_day_ = INT32_MIN;
  Builders* last_ = nullptr;
  int64_t rows_ = 0;
};

// "YYYY-MM-DD" for days since the epoch (proleptic Gregorian, UTC).
std::string DayToIsoDate(int32_t days);

// Accumulates rejected messages for the quarantine table.
class QuarantineRows {
 public:
  QuarantineRows();
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
