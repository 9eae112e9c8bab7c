// Decoder: one message format (a source's `format`), turning Kafka messages into rows of
// the tables that source feeds. Routing is part of decoding (a JSON route reads the
// payload), so a Decoder owns the row builders of its source's tables and decides, per
// message, which tables take it.
//
// The consume loop is format-blind: it hands every message of a source to that source's
// Decoder with the set of tables that still need the message's offset (a table that
// already holds it after a crash between commits must not get it twice), and it
// quarantines what the Decoder rejects:
//   - a rejection of the message itself (undecodable, or no table's route matches it
//     and there is no default table) goes to the source's quarantine table;
//   - a rejection by one table (a coercion, `required` or a check failed) goes to that
//     table's quarantine table; the message may still land in other tables.
//
// Formats: `telemetry` (the satellite FlatBuffers event, one fixed table schema) and
// `json` (declared columns, simdjson On-Demand). A new format is a new Decoder made by
// MakeDecoder(); nothing in the consume loop changes.
//
// Memory: builders are reused across batches; steady-state decoding does not allocate
// per message.
// Thread safety: none; one Decoder per source, owned by the consume loop.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "pipeline/message_meta.h"
#include "pipeline/spec.h"

namespace arrow {
class MemoryPool;
class RecordBatch;
class Schema;
}  // namespace arrow

namespace orbitlake::ingest {

// A source feeds at most this many tables (the wanted/appended sets are bit masks).
inline constexpr int kMaxTablesPerSource = 64;
using TableMask = uint64_t;
inline constexpr TableMask kAllTables = ~TableMask{0};

// What became of one message. Reused across messages (Clear() keeps capacity).
struct DecodeResult {
  struct Rejection {
    int table = -1;  // index into the source's tables; -1: the message itself (source quarantine)
    std::string reason;
    bool no_route = false;  // table -1 because no table's route took it (not undecodable)
  };
  TableMask appended = 0;  // tables that got a row
  std::vector<Rejection> rejections;
  // The event's time in ns since the epoch, for the event -> commit latency; the Kafka
  // timestamp when the format has none of its own. 0 when unknown.
  int64_t event_time_ns = 0;

  void Clear() {
    appended = 0;
    rejections.clear();
    event_time_ns = 0;
  }
};

class Decoder {
 public:
  virtual ~Decoder() = default;

  // Decodes `payload` for the tables in `wanted` (bit t = the source's table t), appending
  // one row to each table that takes it, and records in `out` what happened (`out` is
  // cleared first). Tables outside `wanted` are neither appended to nor asked, but a
  // message that only they would take is not a "no route" rejection either.
  // Returns non-OK only when a builder failed (allocation): the rows decoded since the
  // last TakeBatch() are unusable and their offsets must never be committed.
  virtual Status Decode(std::span<const uint8_t> payload, const pipeline::MessageMeta& meta,
                        int64_t ingest_time_us, TableMask wanted, DecodeResult* out) = 0;

  // Whether Decode() reads meta.headers (the loop only collects them then).
  virtual bool needs_headers() const = 0;

  virtual int tables() const = 0;
  // Rows appended to table `t` since its last TakeBatch().
  virtual int64_t rows(int t) const = 0;
  // Table `t`'s schema (the Delta table's columns, partition columns included).
  virtual std::shared_ptr<arrow::Schema> schema(int t) const = 0;
  // Table `t`'s rows as one batch with schema(t); empties its builders. A failure
  // (allocation) is fatal like a failed Decode().
  virtual Result<std::shared_ptr<arrow::RecordBatch>> TakeBatch(int t) = 0;
};

// The decoder of `source`'s format for `tables` (the source's tables, in pipeline order;
// at most kMaxTablesPerSource). InvalidArgument when a table cannot be decoded from that
// format (e.g. a telemetry table whose columns differ from the event's).
// `pool` (default Arrow's) holds the builders' buffers.
Result<std::unique_ptr<Decoder>> MakeDecoder(const pipeline::SourceSpec& source,
                                             const std::vector<const pipeline::TableSpec*>& tables,
                                             arrow::MemoryPool* pool = nullptr);

}  // namespace orbitlake::ingest
