// JSON Kafka messages -> rows of a declared table (pipeline/spec.h), decoded with
// simdjson's On-Demand API straight into Arrow builders: no DOM, no value per message.
//
// Three pieces, all compiled or allocated once and reused for every message:
//
//   JsonMessage   one message's payload, copied into a reusable padded buffer and
//                 indexed by simdjson (stage 1: structure + UTF-8) once. A route and
//                 any number of tables can then read it (the document is rewound).
//   RouteMatcher  a RouteSpec compiled: does this message's `where` field equal the
//                 literal?
//   TableRows     a TableSpec compiled into a lookup plan (a tree of member names, so
//                 each JSON object is scanned once, fields matched against the plan)
//                 plus one Arrow builder per column. Append() decodes one message into
//                 one row, or rejects it with a reason naming the column and the rule.
//
//   JsonMessage msg;                       // per consumer thread
//   auto rows = TableRows::Make(spec);     // per table
//   for each Kafka message:
//     Status st = msg.Parse(payload);
//     if (st.ok()) st = (*rows)->Append(msg, meta, now_us);
//     if (IsRejection(st)) quarantine(payload, st.message());
//     else if (!st.ok()) stop: rows since the last TakeBatch() are unusable.
//
// Coercion rules (docs/json-coercion.md has the full table and the reasons):
//   string      a JSON string only (numbers and booleans are refused, not stringified)
//   long/integer/short/byte  an integer literal only, range-checked: 2.5, 2.0, 1e3 and
//               "2" are refused
//   double/float  a JSON number; overflow (1e400) or a non-zero value that rounds to
//               zero for the type is refused
//   decimal(p,s)  a JSON number or a string holding one, exactly from its text (never
//               through a double); more than s fractional digits refused unless zeros;
//               more than p-s integer digits refused
//   boolean     true / false only
//   binary      a base64 string (standard alphabet, padding optional)
//   date        "YYYY-MM-DD", or an epoch number in the column's `unit` (the UTC date
//               of that instant)
//   timestamp   ISO-8601 with Z or +-hh:mm (none: UTC), fraction up to 9 digits
//               (below the microsecond dropped), or an epoch number in `unit`
//   timestamp_ntz  ISO-8601 without an offset (an offset is refused), or an epoch number
//   struct      a JSON object; undeclared members ignored, missing ones null
//   array       a JSON array
//   map         a JSON object -> map<string, V> (keys must be declared string)
//   null or missing: null, unless the column is `required` (or a struct field /
//   array element / map value declared not nullable): then the message is rejected.
//   Undeclared fields are ignored; their values are only checked for structure
//   (balanced brackets, closed strings, valid UTF-8), not for the JSON grammar inside.
//   A declared key present twice in one object is rejected (no first/last-wins guess).
//   Nesting deeper than JsonOptions::max_depth, invalid UTF-8, a payload larger than
//   max_message_bytes, anything but one JSON object: rejected.
// Checks (CheckSpec) run on the decoded row: a comparison holds only when the value is
// not null and compares true (as Delta's CHECK constraints: must be true).
//
// Rejections have code Corruption (the payload is not one valid JSON object: the reason
// gives the byte offset) or InvalidArgument (a coercion, `required` or a check failed);
// any other code from Append() is a builder failure (allocation): fatal, as in
// ingest::EventRows.
//
// Memory: steady state appends do not allocate per message: the padded buffer, simdjson's
// indexes and the decoder's scratch grow to the largest message seen and stay; builders
// grow geometrically and restart after TakeBatch().
// Thread safety: none. One JsonMessage per thread; TableRows and RouteMatcher are used by
// one thread at a time (RouteMatcher::Matches is const but mutates the message).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "pipeline/message_meta.h"
#include "pipeline/spec.h"

namespace arrow {
class DataType;
class MemoryPool;
class RecordBatch;
class Schema;
}  // namespace arrow

namespace orbitlake::pipeline {

struct JsonOptions {
  // Payloads larger than this are rejected before parsing (a reason, not a failure).
  // simdjson's buffers grow to the largest accepted message and keep that size, so this
  // also bounds the decoder's memory (about 8x the message size for small-token JSON).
  // Kafka's default message.max.bytes is 1 MiB; the default here leaves room above it.
  size_t max_message_bytes = 16 * 1024 * 1024;
  // Messages nesting arrays/objects deeper than this are rejected (the decoder never
  // recurses on input depth, but such messages are not telemetry). simdjson's default.
  int max_depth = 1024;
};

// The Arrow type a Delta type is stored as, consistent with delta/schema.h:
// timestamp -> timestamp(us, "UTC"), timestamp_ntz -> timestamp(us), date -> date32,
// decimal -> decimal128, array -> list<element>, map -> map<key, value> (key not null).
// Invalid types (decimal precision outside 1..38, an array without its element, ...) are
// InvalidArgument.
Result<std::shared_ptr<arrow::DataType>> ToArrow(const DeltaType& type);

// True when a Parse()/Matches()/Append() error refused the message itself: quarantine
// it. Anything else is a failure of the decoder's memory: stop.
bool IsRejection(const Status& status);

// One message, parsed once. REQUIRES: Parse() before any reader.
class JsonMessage {
 public:
  explicit JsonMessage(JsonOptions options = {});
  ~JsonMessage();
  JsonMessage(const JsonMessage&) = delete;
  JsonMessage& operator=(const JsonMessage&) = delete;

  // Copies `payload` (no reference kept) and indexes it. A rejection (Corruption) when
  // it is too large, empty, not UTF-8 or structurally broken; readers then return the
  // same status. Later syntax errors (inside values) are found by the readers.
  Status Parse(std::span<const uint8_t> payload);
  Status Parse(std::string_view payload) {
    return Parse(std::span(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()));
  }

  // The copied payload (valid until the next Parse()).
  std::string_view text() const;

  struct Impl;

 private:
  friend class RouteMatcher;
  friend class TableRows;
  std::unique_ptr<Impl> impl_;
};

// `where = { field = ..., equals = ... }` compiled once.
class RouteMatcher {
 public:
  // InvalidArgument when the literal is not one JSON string, number, boolean or null, or
  // the path is empty.
  static Result<RouteMatcher> Make(const RouteSpec& route);

  // True when the message's value at the path equals the literal: strings by their
  // unescaped bytes, numbers by exact decimal value (3 == 3.0 == 3e0), booleans, null.
  // A missing field, or a value of another JSON type, is false. A rejection when the
  // message is not a JSON object, the path holds a key twice, or a syntax error is met
  // on the way.
  Result<bool> Matches(JsonMessage& message) const;

  ~RouteMatcher();
  RouteMatcher(RouteMatcher&&) noexcept;
  RouteMatcher& operator=(RouteMatcher&&) noexcept;

  struct Compiled;

 private:
  explicit RouteMatcher(std::unique_ptr<Compiled> c);
  std::unique_ptr<Compiled> c_;
};

// One table's rows accumulated column-wise.
class TableRows {
 public:
  // Compiles `spec` (its columns and checks; where/partition_by/paths are the caller's).
  // InvalidArgument naming the column when the spec cannot be decoded: an invalid type, a
  // `from` that cannot feed the type (kafka.topic into a long), a JSON path that is both
  // a column and the prefix of another column's path (or two columns with one path:
  // derive the second with from = column), a derived column of an unsupported pair
  // (date from timestamp/timestamp_ntz, or the same type), a cycle of derived columns, a
  // constant that does not coerce, a check on an unknown column or with a literal that
  // does not coerce to the column's type, an ordered comparison on a nested column.
  // `pool` (default Arrow's) holds the builders' buffers.
  static Result<std::unique_ptr<TableRows>> Make(const TableSpec& spec, const JsonOptions& options = {},
                                                 arrow::MemoryPool* pool = nullptr);
  ~TableRows();

  // Decodes `message` into one row: every column (JSON paths, Kafka fields from `meta`,
  // `ingest_time_us`, constants, derived columns), then `required`, then the checks, and
  // only then appends to the builders. So on a rejection nothing is appended and the
  // next message decodes as if this one had not been seen. After a builder failure
  // (IsRejection false) the builders may be out of step and TakeBatch() fails.
  // `message` may be read by other tables and routes before and after.
  Status Append(JsonMessage& message, const MessageMeta& meta, int64_t ingest_time_us);

  // Rows appended since the last TakeBatch().
  int64_t rows() const { return rows_; }
  // The columns in the spec's order; a column is nullable unless `required`.
  const std::shared_ptr<arrow::Schema>& schema() const { return schema_; }
  // The accumulated rows as one record batch with schema(); empties the builders.
  Result<std::shared_ptr<arrow::RecordBatch>> TakeBatch();

  struct Plan;

 private:
  TableRows() = default;
  Status Reserve();
  static JsonMessage::Impl& ImplOf(JsonMessage& m);

  std::unique_ptr<Plan> plan_;
  std::shared_ptr<arrow::Schema> schema_;
  int64_t rows_ = 0;
  int64_t reserved_ = 0;
};

}  // namespace orbitlake::pipeline
