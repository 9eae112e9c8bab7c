// A declared pipeline: Kafka settings, sources (topics + message format), and tables
// (columns with their types and where each value comes from, a route, checks).
//
// This header is the vocabulary shared by the pipeline file reader (pipeline_file.h:
// TOML -> PipelineSpec, validated), the decoders (json_decoder.h: one message -> one
// row of a table's columns) and the ingester. It holds plain values only: no TOML, no
// JSON parser, no Arrow, so every component can include it.
//
// Thread safety: plain values; share const instances freely.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace orbitlake::pipeline {

// A Delta Lake column type (the protocol's schema serialization): primitives,
// decimal(p,s), and the nested struct, array and map.
struct DeltaType {
  enum class Kind {
    kString,
    kLong,
    kInteger,
    kShort,
    kByte,
    kDouble,
    kFloat,
    kBoolean,
    kBinary,
    kDate,
    kTimestamp,     // microseconds since the epoch, UTC
    kTimestampNtz,  // microseconds, no time zone (protocol feature timestampNtz)
    kDecimal,       // precision 1..38, scale 0..precision
    kStruct,
    kArray,
    kMap,
  };
  struct Field {
    std::string name;
    std::shared_ptr<const DeltaType> type;
    bool nullable = true;
  };

  Kind kind = Kind::kString;
  int precision = 0;  // kDecimal
  int scale = 0;      // kDecimal
  // kStruct: the fields; kArray: one field "element" (its nullable = containsNull);
  // kMap: two fields "key" (never null) and "value" (nullable = valueContainsNull).
  std::vector<Field> children;
};

// Where a column's value comes from (the `from` key of a column).
struct FromJsonPath {
  // `$.page.url` -> {"page", "url"}; every segment is an object member name (array
  // elements are not addressed by path: declare the array column instead).
  std::vector<std::string> segments;
};
struct FromKafka {
  enum class Field { kTopic, kPartition, kOffset, kTimestamp, kKey, kHeader } field = Field::kOffset;
  std::string header;  // kHeader: the header's name (`kafka.header.NAME`)
};
struct FromIngestTime {};  // the wall-clock time the ingester read the message
struct FromColumn {        // another column of the same table, e.g. a date from a timestamp
  std::string name;
};
struct FromConstant {  // the same value in every row, as written in the file (JSON text)
  std::string json;
};
struct FromExpr {  // `expr = "temperature_c * 9 / 5 + 32"`: arithmetic over other columns (expr.h)
  std::string text;
};
using From = std::variant<FromJsonPath, FromKafka, FromIngestTime, FromColumn, FromConstant, FromExpr>;

// `transform = ["trim", "lower"]` of a string column, applied in order to its value.
// Case mapping changes ASCII letters only (other characters are kept as they are).
enum class StringTransform { kTrim, kLower, kUpper, kEmptyToNull };

// Unit of epoch numbers coerced to a timestamp or date column.
enum class EpochUnit { kSeconds, kMillis, kMicros, kNanos };

struct ColumnSpec {
  std::string name;
  std::shared_ptr<const DeltaType> type;
  From from;
  // A missing or null value rejects the message (quarantine) instead of a null.
  bool required = false;
  // For timestamp/date columns fed by JSON numbers: the epoch unit. Default ms.
  EpochUnit unit = EpochUnit::kMillis;
  // String columns: cleaning applied to the value before `required` and the checks.
  // Default none.
  std::vector<StringTransform> transform;
};

// `checks = ["user_id >= 0", "x is not null"]`: one comparison of a declared column
// with a literal, or a null test.
struct CheckSpec {
  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kIsNull, kIsNotNull };
  std::string text;    // as written, for reasons in the quarantine table
  std::string column;
  Op op = Op::kEq;
  std::string literal_json;  // the right-hand side as a JSON literal; empty for null tests
};

// `where = { field = "event_type", equals = "page_view" }`: a message goes to a table
// when the JSON value at `field` (a path like FromJsonPath) equals the literal.
struct RouteSpec {
  std::vector<std::string> field;  // path segments
  std::string equals_json;         // JSON literal ("\"page_view\"", "3", "true")
};

enum class Format { kJson, kTelemetry };

// Where a source's partitions that no table of it has seen start reading.
enum class StartFrom { kEarliest, kLatest };

// Which files of a file source's folder the first start takes (see FilesSpec).
enum class StartFiles { kAll, kNew };

// `files = "DIR"`: a folder of JSON files instead of Kafka topics (docs/pipelines.md,
// "File sources"). Each file is ingested once, as a whole, in one commit per table.
struct FilesSpec {
  std::string dir;  // a folder or file:// URI
  // File name patterns (fnmatch(3), on the name only; files in sub-folders are not read).
  std::vector<std::string> patterns = {"*.json", "*.jsonl", "*.ndjson", "*.json.gz", "*.jsonl.gz", "*.ndjson.gz"};
  // kNew: the files present at the first start (no table holds any file yet) are
  // recorded as skipped, not read. Default kAll.
  StartFiles starting = StartFiles::kAll;
};

// `delta = "PATH"`: a Delta table read as a stream (docs/pipelines.md, "Delta sources"):
// the rows of files its appends added (dataChange = true), commit by commit, in version
// order; compaction (dataChange = false) is not read again. The source version a table
// holds is its txn "<app_id>:delta:<source>:0".
struct DeltaSourceSpec {
  std::string path;  // table URI (a folder, file://, s3://)
};

struct SourceSpec {
  std::string name;
  std::vector<std::string> topics;  // empty for a file or Delta source
  std::optional<FilesSpec> files;   // set: a file source (no topics)
  std::optional<DeltaSourceSpec> delta;  // set: a Delta table source (no topics)
  Format format = Format::kJson;
  // Where messages of this source that no table takes (no route) and undecodable ones
  // go. Default "<first table's folder>/../<source>-quarantine" is decided by the file
  // reader and always set after loading.
  std::string quarantine_path;
  // `starting_offsets = "earliest" | "latest"`; none: the ingester's --starting-offsets.
  // For a Delta source: from its first version, or only the commits after the first start.
  std::optional<StartFrom> starting_offsets;
};

// `dedup = { key = ["device", "seq"], within = "1h" }`: a row whose key the table got
// within the window (by commit time) is dropped (ingest/dedup.h).
struct DedupSpec {
  std::vector<std::string> key;  // column names of the table
  std::chrono::seconds within{3600};
};

struct TableSpec {
  std::string name;
  std::string path;    // table URI (a folder, file://...)
  std::string source;  // SourceSpec::name
  std::optional<RouteSpec> where;  // none: every message of the source
  bool default_route = false;      // takes the source's messages no other table takes
  std::vector<std::string> partition_by;
  std::vector<ColumnSpec> columns;
  std::vector<CheckSpec> checks;
  // Messages this table rejects (coercion, required, check). Default "<path>-quarantine".
  std::string quarantine_path;
  std::optional<DedupSpec> dedup;  // none: every row is kept
};

struct KafkaSpec {
  std::string brokers = "127.0.0.1:9092";
  std::string group = "orbitlake";
  std::string app_id = "orbitlake";
  std::vector<std::pair<std::string, std::string>> properties;  // librdkafka key=value
};

struct PipelineSpec {
  std::string file;  // where it was read from, for messages
  KafkaSpec kafka;
  std::vector<SourceSpec> sources;
  std::vector<TableSpec> tables;
};

}  // namespace orbitlake::pipeline
