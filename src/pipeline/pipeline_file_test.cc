#include "pipeline/pipeline_file.h"

#include <fstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pipeline/from.h"
#include "pipeline/types.h"
#include "support/test_env.h"

namespace orbitlake::pipeline {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Kind = DeltaType::Kind;

std::string ExamplePath() { return (testing::SourceDir() / "examples" / "pipelines" / "clickstream.toml").string(); }

const ColumnSpec& Column(const TableSpec& t, std::string_view name) {
  for (const auto& c : t.columns) {
    if (c.name == name) return c;
  }
  ADD_FAILURE() << "no column " << name;
  static const ColumnSpec kNone;
  return kNone;
}

TEST(PipelineFileTest, TheIssuesExampleAsWritten) {
  auto loaded = LoadPipelineFile(ExamplePath());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const PipelineSpec& p = *loaded;
  EXPECT_EQ(p.file, ExamplePath());
  EXPECT_EQ(p.kafka.brokers, "127.0.0.1:9092");
  EXPECT_EQ(p.kafka.group, "clickstream");
  EXPECT_EQ(p.kafka.app_id, "orbitlake");
  EXPECT_TRUE(p.kafka.properties.empty());

  ASSERT_EQ(p.sources.size(), 1u);
  EXPECT_EQ(p.sources[0].name, "events");
  EXPECT_THAT(p.sources[0].topics, ElementsAre("raw_events"));
  EXPECT_EQ(p.sources[0].format, Format::kJson);
  EXPECT_EQ(p.sources[0].quarantine_path, "./data/delta-tables/clickstream/events-quarantine");

  ASSERT_EQ(p.tables.size(), 2u);
  const TableSpec& pv = p.tables[0];
  EXPECT_EQ(pv.name, "page_view");
  EXPECT_EQ(pv.path, "./data/delta-tables/clickstream/page_view");
  EXPECT_EQ(pv.source, "events");
  ASSERT_TRUE(pv.where.has_value());
  EXPECT_THAT(pv.where->field, ElementsAre("event_type"));
  EXPECT_EQ(pv.where->equals_json, "\"page_view\"");
  EXPECT_FALSE(pv.default_route);
  EXPECT_THAT(pv.partition_by, ElementsAre("date"));
  EXPECT_EQ(pv.quarantine_path, "./data/delta-tables/clickstream/page_view-quarantine");
  ASSERT_EQ(pv.columns.size(), 8u);
  std::vector<std::string> names, types;
  for (const auto& c : pv.columns) {
    names.push_back(c.name);
    types.push_back(ToString(*c.type));
  }
  EXPECT_THAT(names, ElementsAre("event_id", "user_id", "url", "duration_ms", "event_time", "date", "kafka_partition",
                                 "kafka_offset"));
  EXPECT_THAT(types, ElementsAre("string", "long", "string", "integer", "timestamp", "date", "integer", "long"));
  EXPECT_TRUE(Column(pv, "event_id").required);
  EXPECT_FALSE(Column(pv, "user_id").required);
  EXPECT_THAT(std::get<FromJsonPath>(Column(pv, "url").from).segments, ElementsAre("page", "url"));
  EXPECT_EQ(Column(pv, "event_time").unit, EpochUnit::kMillis);
  EXPECT_EQ(std::get<FromColumn>(Column(pv, "date").from).name, "event_time");
  EXPECT_EQ(std::get<FromKafka>(Column(pv, "kafka_partition").from).field, FromKafka::Field::kPartition);
  EXPECT_EQ(std::get<FromKafka>(Column(pv, "kafka_offset").from).field, FromKafka::Field::kOffset);
  ASSERT_EQ(pv.checks.size(), 2u);
  EXPECT_EQ(pv.checks[0].text, "user_id >= 0");
  EXPECT_EQ(pv.checks[0].column, "user_id");
  EXPECT_EQ(pv.checks[0].op, CheckSpec::Op::kGe);
  EXPECT_EQ(pv.checks[0].literal_json, "0");
  EXPECT_EQ(pv.checks[1].column, "duration_ms");
  EXPECT_EQ(pv.checks[1].op, CheckSpec::Op::kLe);
  EXPECT_EQ(pv.checks[1].literal_json, "86400000");

  const TableSpec& pu = p.tables[1];
  EXPECT_EQ(pu.name, "purchase");
  EXPECT_EQ(pu.where->equals_json, "\"purchase\"");
  EXPECT_TRUE(pu.partition_by.empty());
  EXPECT_TRUE(pu.checks.empty());
  ASSERT_EQ(pu.columns.size(), 5u);
  const DeltaType& amount = *Column(pu, "amount").type;
  EXPECT_EQ(amount.kind, Kind::kDecimal);
  EXPECT_EQ(amount.precision, 12);
  EXPECT_EQ(amount.scale, 2);
  EXPECT_EQ(ToString(*Column(pu, "items").type), "array<struct<sku:string,qty:integer>>");
  EXPECT_EQ(pu.quarantine_path, "./data/delta-tables/clickstream/purchase-quarantine");
}

TEST(PipelineFileTest, StartingOffsetsPerSource) {
  constexpr std::string_view kBase = R"([[source]]
name = "s"
topics = ["t"]
{}
[[table]]
name = "x"
path = "x"
source = "s"
columns = [{{ name = "a", type = "long" }}]
)";
  auto none = ParsePipeline(fmt::format(kBase, ""), "p.toml");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->sources[0].starting_offsets.has_value());
  auto latest = ParsePipeline(fmt::format(kBase, "starting_offsets = \"latest\""), "p.toml");
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ(latest->sources[0].starting_offsets, StartFrom::kLatest);
  auto bad = ParsePipeline(fmt::format(kBase, "starting_offsets = \"lates\""), "p.toml");
  EXPECT_THAT(bad.status().message(), HasSubstr("p.toml:4:20: source[0].starting_offsets: 'lates' is not earliest or latest"));
}

TEST(PipelineFileTest, FileSources) {
  constexpr std::string_view kBase = R"([[source]]
name = "landing"
{}
[[table]]
name = "bronze"
path = "lake/bronze"
columns = [{{ name = "a", type = "long" }}, {{ name = "f", type = "string", from = "file.name" }}]
)";
  auto plain = ParsePipeline(fmt::format(kBase, "files = \"./data/landing\""), "p.toml");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  ASSERT_TRUE(plain->sources[0].files.has_value());
  EXPECT_TRUE(plain->sources[0].topics.empty());
  EXPECT_EQ(plain->sources[0].files->dir, "./data/landing");
  EXPECT_EQ(plain->sources[0].files->starting, StartFiles::kAll);
  EXPECT_THAT(plain->sources[0].files->patterns, ::testing::Contains("*.json.gz"));
  auto globbed = ParsePipeline(fmt::format(kBase, "files = \"in\"\nglob = [\"*.ndjson\", \"x-*.json\"]\n"
                                                  "starting_files = \"new\""), "p.toml");
  ASSERT_TRUE(globbed.ok()) << globbed.status().ToString();
  EXPECT_EQ(globbed->sources[0].files->patterns, (std::vector<std::string>{"*.ndjson", "x-*.json"}));
  EXPECT_EQ(globbed->sources[0].files->starting, StartFiles::kNew);
  auto one_glob = ParsePipeline(fmt::format(kBase, "files = \"in\"\nglob = \"*.log\""), "p.toml");
  ASSERT_TRUE(one_glob.ok()) << one_glob.status().ToString();
  EXPECT_EQ(one_glob->sources[0].files->patterns, std::vector<std::string>{"*.log"});

  auto error = [&](const std::string& keys) {
    return ParsePipeline(fmt::format(kBase, keys), "p.toml").status().message();
  };
  EXPECT_THAT(error("files = \"in\"\ntopics = [\"t\"]"), HasSubstr("either topics or files"));
  EXPECT_THAT(error("topics = [\"t\"]\nglob = \"*.json\""), HasSubstr("source[0].glob: only for a file source"));
  EXPECT_THAT(error("files = \"in\"\nstarting_offsets = \"latest\""), HasSubstr("starting_files"));
  EXPECT_THAT(error("files = \"in\"\nstarting_files = \"old\""), HasSubstr("'old' is not all or new"));
  EXPECT_THAT(error("files = \"in\"\nformat = \"telemetry\""), HasSubstr("a file source reads JSON"));
  EXPECT_THAT(error("files = \"in\"\nglob = \"sub/*.json\""), HasSubstr("no '/'"));
  EXPECT_THAT(error("files = \"\""), HasSubstr("empty"));
  EXPECT_THAT(error(""), HasSubstr("files = \"DIR\""));  // neither: the hint names both
}

TEST(PipelineFileTest, DedupKeyAndWindow) {
  constexpr std::string_view kBase = R"([[source]]
name = "s"
topics = ["t"]
[[table]]
name = "x"
path = "x"
columns = [{{ name = "device", type = "string" }}, {{ name = "seq", type = "long" }}, {{ name = "tags", type = "array<string>" }}]
{}
)";
  auto ok = ParsePipeline(fmt::format(kBase, R"(dedup = { key = ["device", "seq"], within = "2h" })"), "p.toml");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  ASSERT_TRUE(ok->tables[0].dedup.has_value());
  EXPECT_EQ(ok->tables[0].dedup->key, (std::vector<std::string>{"device", "seq"}));
  EXPECT_EQ(ok->tables[0].dedup->within, std::chrono::hours(2));
  auto default_window = ParsePipeline(fmt::format(kBase, R"(dedup = { key = ["seq"] })"), "p.toml");
  ASSERT_TRUE(default_window.ok()) << default_window.status().ToString();
  EXPECT_EQ(default_window->tables[0].dedup->within, std::chrono::hours(1));

  auto error = [&](std::string_view dedup) {
    return ParsePipeline(fmt::format(kBase, dedup), "p.toml").status().message();
  };
  EXPECT_EQ(error(R"(dedup = { key = ["device", "sequence"] })"),
            "p.toml:8:28: table[0].dedup.key[1]: 'sequence' is not a column of table 'x'");
  EXPECT_EQ(error(R"(dedup = { key = ["tags"] })"),
            "p.toml:8:18: table[0].dedup.key[0]: cannot dedup on 'tags': its type array<string> is not primitive");
  EXPECT_EQ(error(R"(dedup = { key = [] })"), "p.toml:8:17: table[0].dedup.key: empty: name at least one column");
  EXPECT_EQ(error(R"(dedup = { within = "1h" })"),
            "p.toml:8:9: table[0].dedup.key: missing: the columns that identify a row, e.g. key = [\"device\", \"seq\"]");
  EXPECT_EQ(error(R"(dedup = { key = ["seq"], within = "8d" })"),
            "p.toml:8:35: table[0].dedup.within: duration '8d' is longer than 7 days");
  EXPECT_EQ(error(R"(dedup = { key = ["seq"], windw = "1h" })"),
            "p.toml:8:26: table[0].dedup.windw: unknown key; table[0].dedup takes key, within");
}

TEST(PipelineFileTest, ExprAndTransformColumns) {
  constexpr std::string_view kBase = R"([[source]]
name = "s"
topics = ["t"]
[[table]]
name = "x"
path = "x"
columns = [{{ name = "c", type = "double" }}, {{ name = "id", type = "string" }}, {}]
)";
  auto ok = ParsePipeline(fmt::format(kBase, R"({ name = "f", type = "double", expr = "c * 9 / 5 + 32" })"), "p.toml");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(std::get<FromExpr>(ok->tables[0].columns[2].from).text, "c * 9 / 5 + 32");
  auto cleaned = ParsePipeline(fmt::format(kBase, R"({ name = "n", type = "string", from = "$.n", transform = ["trim", "lower"] })"), "p.toml");
  ASSERT_TRUE(cleaned.ok()) << cleaned.status().ToString();
  EXPECT_EQ(cleaned->tables[0].columns[2].transform,
            (std::vector<StringTransform>{StringTransform::kTrim, StringTransform::kLower}));
  auto one = ParsePipeline(fmt::format(kBase, R"({ name = "n", type = "string", transform = "upper" })"), "p.toml");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->tables[0].columns[2].transform, std::vector<StringTransform>{StringTransform::kUpper});

  auto error = [&](std::string_view col) { return ParsePipeline(fmt::format(kBase, col), "p.toml").status().message(); };
  EXPECT_THAT(error(R"({ name = "f", type = "double", expr = "c * (9" })"),
              ::testing::HasSubstr("table[0].columns[2].expr: expression 'c * (9', character 7: expected ')'"));
  EXPECT_THAT(error(R"({ name = "f", type = "double", expr = "cc + 1" })"),
              ::testing::HasSubstr("'cc' is not a column of table 'x' (did you mean c?)"));
  EXPECT_THAT(error(R"({ name = "f", type = "double", expr = "id + 1" })"),
              ::testing::HasSubstr("'id' is string: expressions read numeric columns"));
  EXPECT_THAT(error(R"({ name = "f", type = "string", expr = "c" })"),
              ::testing::HasSubstr("an expr column is double, float or an integer type, not string"));
  EXPECT_THAT(error(R"({ name = "f", type = "double", expr = "c", from = "$.f" })"),
              ::testing::HasSubstr("a column has one of from"));
  EXPECT_THAT(error(R"({ name = "f", type = "double", expr = "f2" }, { name = "f2", type = "double", expr = "f" })"),
              ::testing::HasSubstr("cycle"));
  EXPECT_THAT(error(R"({ name = "n", type = "string", transform = ["trim", "lowr"] })"),
              ::testing::HasSubstr("table[0].columns[2].transform[1]: unknown transform 'lowr' (did you mean lower?)"));
  EXPECT_THAT(error(R"({ name = "n", type = "long", transform = "trim" })"),
              ::testing::HasSubstr("transforms apply to string columns, not long"));
}

TEST(PipelineFileTest, DeltaSourcesNamedAndInline) {
  auto named = ParsePipeline(R"([[source]]
name = "bronze"
delta = "/lake/bronze"
starting_offsets = "latest"
[[table]]
name = "silver"
path = "/lake/silver"
columns = [{ name = "a", type = "string" }]
)", "p.toml");
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  ASSERT_TRUE(named->sources[0].delta.has_value());
  EXPECT_EQ(named->sources[0].delta->path, "/lake/bronze");
  EXPECT_TRUE(named->sources[0].topics.empty());
  EXPECT_EQ(named->sources[0].starting_offsets, StartFrom::kLatest);
  auto inline_source = ParsePipeline(R"([[table]]
name = "silver"
path = "/lake/silver"
source = { delta = "/lake/bronze" }
columns = [{ name = "a", type = "string" }]
)", "p.toml");
  ASSERT_TRUE(inline_source.ok()) << inline_source.status().ToString();
  ASSERT_EQ(inline_source->sources.size(), 1u);
  EXPECT_EQ(inline_source->sources[0].name, "silver-source");
  EXPECT_EQ(inline_source->tables[0].source, "silver-source");
  EXPECT_EQ(inline_source->sources[0].delta->path, "/lake/bronze");
  auto both = ParsePipeline(R"([[source]]
name = "s"
delta = "/lake/bronze"
topics = ["t"]
[[table]]
name = "x"
path = "/lake/x"
columns = [{ name = "a", type = "string" }]
)", "p.toml");
  EXPECT_THAT(both.status().message(), ::testing::HasSubstr("source[0].topics: a source reads one of topics, files or a Delta table"));
  auto bad_key = ParsePipeline(R"([[table]]
name = "x"
path = "/lake/x"
source = { delta = "/lake/bronze", glob = "*.json" }
columns = [{ name = "a", type = "string" }]
)", "p.toml");
  EXPECT_THAT(bad_key.status().message(), ::testing::HasSubstr("table[0].source.glob: only for a file source"));
}

TEST(PipelineFileTest, MissingFileIsNotFound) {
  auto r = LoadPipelineFile("/nonexistent/p.toml");
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr("/nonexistent/p.toml"));
}

TEST(PipelineFileTest, LoadNamesTheFileAsGiven) {
  testing::TempDir dir;
  std::string path = dir.str() + "/bad.toml";
  std::ofstream(path) << "[[source]]\nname = \"s\"\ntopics = [\"t\"]\nformat = \"xml\"\n";
  auto r = LoadPipelineFile(path);
  EXPECT_EQ(r.status().message(), path + ":4:10: source[0].format: unknown format 'xml'; one of json, telemetry");
}

constexpr char kSource[] = "[[source]]\nname = \"s\"\ntopics = [\"t\"]\n";  // lines 1-3

std::string ErrorOf(const std::string& toml) {
  auto r = ParsePipeline(toml, "p.toml");
  EXPECT_FALSE(r.ok()) << "parsed:\n" << toml;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

// A source (lines 1-3) and one table whose columns line (line 7) is `columns`.
std::string WithColumns(const std::string& columns, const std::string& after = "") {
  return std::string(kSource) + "[[table]]\nname = \"t\"\npath = \"/lake/t\"\ncolumns = " + columns + "\n" + after;
}

TEST(PipelineFileTest, ErrorsNameFileLineColumnAndKey) {
  struct Case {
    std::string toml;
    std::string error;  // the whole message
  };
  const Case cases[] = {
      {"[kafka]\nbrokers = \"x\"\ngroupe = \"g\"\n",
       "p.toml:3:1: kafka.groupe: unknown key (did you mean group?); kafka takes brokers, group, app_id, properties"},
      {"[kafka]\nbrokers = 9092\n", "p.toml:2:11: kafka.brokers: expected a string, got an integer"},
      {"sources = []\n", "p.toml:1:1: sources: unknown key (did you mean source?); the file takes kafka, source, table"},
      {"[kafka]\n", "p.toml:1:1: source: missing: a pipeline reads at least one [[source]] (name, topics, format)"},
      {"[source]\nname = \"s\"\n",
       "p.toml:1:1: source: write [[source]] (each one is an entry of an array of tables), not [source]"},
      {std::string(kSource), "p.toml:1:1: table: missing: a pipeline writes at least one [[table]] (name, path, columns)"},
      {"[[source]]\nname = \"s\"\ntopics = \"t\"\n",
       "p.toml:3:10: source[0].topics: expected an array of strings, got a string (write [\"t\"])"},
      {"[[source]]\nname = \"s\"\ntopics = [\"a b\"]\n",
       "p.toml:3:11: source[0].topics[0]: 'a b' is not a Kafka topic name (1 to 249 letters, digits, '.', '_', '-')"},
      {"[[source]]\ntopics = [\"t\"]\n", "p.toml:1:1: source[0].name: missing: the source's name (tables refer to it)"},
      {std::string(kSource) + "[[source]]\nname = \"s\"\ntopics = [\"u\"]\n",
       "p.toml:5:8: source[1].name: duplicate source name 's'"},
      {std::string(kSource) + "[[source]]\nname = \"s2\"\ntopics = [\"t\"]\n",
       "p.toml:6:11: source[1].topics[0]: topic 't' is already read by source 's'; one source per topic (give both "
       "sets of tables that source)"},
      {"[[source]]\nname = \"s\"\ntopics = [\"t\"]\nformat = \"jsno\"\n",
       "p.toml:4:10: source[0].format: unknown format 'jsno' (did you mean json?); one of json, telemetry"},
      {WithColumns("[{ name = \"a\", type = \"strin\" }]"),
       "p.toml:7:34: table[0].columns[0].type: type 'strin', character 1: unknown type 'strin' (did you mean string?)"},
      {WithColumns("[{ name = \"a\", type = \"int\" }]"),
       "p.toml:7:34: table[0].columns[0].type: type 'int', character 1: unknown type 'int' (did you mean integer?)"},
      {WithColumns("[{ name = \"a\", type = \"array<struct<sku:strng>>\" }]"),
       "p.toml:7:51: table[0].columns[0].type: type 'array<struct<sku:strng>>', character 18: unknown type 'strng' "
       "(did you mean string?)"},
      {WithColumns("[{ name = \"a\", type = \"decimal(40,2)\" }]"),
       "p.toml:7:42: table[0].columns[0].type: type 'decimal(40,2)', character 9: decimal precision 40 is not in 1..38"},
      {WithColumns("[{ name = \"a\", typ = \"string\" }]"),
       "p.toml:7:26: table[0].columns[0].typ: unknown key (did you mean type?); table[0].columns[0] takes name, type, "
       "from, value, expr, transform, required, unit"},
      {WithColumns("[{ name = \"a\" }]"),
       "p.toml:7:12: table[0].columns[0].type: missing: the column's Delta type, e.g. \"string\""},
      {WithColumns("[{ name = \"a b\", type = \"string\" }]"),
       "p.toml:7:21: table[0].columns[0].name: 'a b' is not a valid column name (letters, digits and _, starting with "
       "a letter or _)"},
      {WithColumns("[{ name = \"a\", type = \"string\" },\n { name = \"A\", type = \"long\" }]"),
       "p.toml:8:11: table[0].columns[1].name: column 'A' duplicates 'a' (Delta compares column names ignoring case)"},
      {WithColumns("[{ name = \"a\", type = \"string\", from = \"kafka.offest\" }]"),
       "p.toml:7:57: table[0].columns[0].from: from 'kafka.offest': unknown Kafka field 'offest' (did you mean "
       "offset?); one of kafka.topic, kafka.partition, kafka.offset, kafka.timestamp, kafka.key, kafka.header.NAME"},
      {WithColumns("[{ name = \"a\", type = \"integer\", from = \"kafka.offset\" }]"),
       "p.toml:7:51: table[0].columns[0].from: kafka.offset fills long columns, not integer"},
      {WithColumns("[{ name = \"a\", type = \"string\", from = \"kafka.partition\" }]"),
       "p.toml:7:50: table[0].columns[0].from: kafka.partition fills integer or long columns, not string"},
      {WithColumns("[{ name = \"a\", type = \"date\", from = \"kafka.timestamp\" }]"),
       "p.toml:7:48: table[0].columns[0].from: kafka.timestamp fills timestamp or long (epoch ms) columns, not date"},
      {WithColumns("[{ name = \"a\", type = \"long\", from = \"kafka.key\" }]"),
       "p.toml:7:48: table[0].columns[0].from: kafka.key fills string or binary columns, not long"},
      {WithColumns("[{ name = \"a\", type = \"long\", from = \"ingest_time\" }]"),
       "p.toml:7:48: table[0].columns[0].from: ingest_time fills timestamp, timestamp_ntz or date columns, not long"},
      {WithColumns("[{ name = \"a\", type = \"string\", from = \"$.x[0]\" }]"),
       "p.toml:7:54: table[0].columns[0].from: path '$.x[0]', character 4: array elements are not addressed by path: "
       "declare the array column instead"},
      {WithColumns("[{ name = \"a\", type = \"date\", from = \"evnt_time\" },\n"
                   " { name = \"event_time\", type = \"timestamp\" }]"),
       "p.toml:7:48: table[0].columns[0].from: 'evnt_time' is not a column of table 't' (did you mean event_time?); a "
       "message field is written $.evnt_time, see also kafka.*, ingest_time, and value = for a constant"},
      {WithColumns("[{ name = \"a\", type = \"date\", from = \"a\" }]"),
       "p.toml:7:48: table[0].columns[0].from: column 'a' cannot come from itself"},
      {WithColumns("[{ name = \"a\", type = \"long\", from = \"b\" },\n { name = \"b\", type = \"long\", from = \"a\" }]"),
       "p.toml:7:48: table[0].columns[0].from: columns come from each other in a cycle: a -> b -> a"},
      {WithColumns("[{ name = \"a\", type = \"timestamp\", from = \"b\" },\n { name = \"b\", type = \"date\" }]"),
       "p.toml:7:53: table[0].columns[0].from: a timestamp column cannot come from 'b' (date): a column may copy one of "
       "the same type, take the date of a timestamp, or widen an integer or float"},
      {WithColumns("[{ name = \"a\", type = \"string\", from = \"$.a\", value = \"x\" }]"),
       "p.toml:7:65: table[0].columns[0].value: a column has one of from (where its value comes from), value (a "
       "constant) or expr (arithmetic over other columns)"},
      {WithColumns("[{ name = \"a\", type = \"byte\", value = 300 }]"),
       "p.toml:7:49: table[0].columns[0].value: 300 is out of range for byte (-128..127)"},
      {WithColumns("[{ name = \"a\", type = \"long\", value = \"1\" }]"),
       "p.toml:7:49: table[0].columns[0].value: a long value is an integer, got a string"},
      {WithColumns("[{ name = \"a\", type = \"timestamp\", value = 2024-01-01T00:00:00 }]"),
       "p.toml:7:54: table[0].columns[0].value: a timestamp is UTC: give the date-time a Z or an offset"},
      {WithColumns("[{ name = \"a\", type = \"struct<x:long>\", value = { y = 1 } }]"),
       "p.toml:7:61: table[0].columns[0].value.y: unknown key; table[0].columns[0].value takes x"},
      {WithColumns("[{ name = \"a\", type = \"string\", required = \"yes\" }]"),
       "p.toml:7:54: table[0].columns[0].required: expected true or false, got a string"},
      {WithColumns("[{ name = \"a\", type = \"timestamp\", unit = \"sec\" }]"),
       "p.toml:7:53: table[0].columns[0].unit: unknown unit 'sec'; one of s, ms, us, ns"},
      {WithColumns("[{ name = \"a\", type = \"long\", unit = \"ms\" }]"),
       "p.toml:7:48: table[0].columns[0].unit: unit applies to timestamp, timestamp_ntz and date columns (epoch "
       "numbers), not long"},
      {WithColumns("[{ name = \"a\", type = \"timestamp\", from = \"ingest_time\", unit = \"ms\" }]"),
       "p.toml:7:75: table[0].columns[0].unit: unit applies to values read from the message ($. paths)"},
      {WithColumns("[]"), "p.toml:7:11: table[0].columns: empty: a table needs at least one column"},
      {WithColumns("[{ name = \"a\", type = \"string\" }]", "partition_by = [\"b\"]\n"),
       "p.toml:8:17: table[0].partition_by[0]: 'b' is not a column of table 't'"},
      {WithColumns("[{ name = \"a\", type = \"string\" }, { name = \"m\", type = \"map<string,long>\" }]",
                   "partition_by = [\"m\"]\n"),
       "p.toml:8:17: table[0].partition_by[0]: cannot partition by 'm': its type map<string,long> is not primitive"},
      {WithColumns("[{ name = \"a\", type = \"string\" }]", "partition_by = [\"a\"]\n"),
       "p.toml:8:16: table[0].partition_by: every column is a partition column: a table needs at least one column "
       "that is not"},
      {WithColumns("[{ name = \"user_id\", type = \"long\" }]", "checks = [\"user_id >= \"]\n"),
       "p.toml:8:23: table[0].checks[0]: check 'user_id >= ', character 12: expected a literal (a number, 'text', true "
       "or false), found the end"},
      {WithColumns("[{ name = \"user_id\", type = \"long\" }]", "checks = [\"usr_id >= 0\"]\n"),
       "p.toml:8:12: table[0].checks[0]: check 'usr_id >= 0': 'usr_id' is not a column of table 't' (did you mean "
       "user_id?)"},
      {WithColumns("[{ name = \"user_id\", type = \"long\" }]", "checks = [\"user_id >= 0\", \"user_id = 'x'\"]\n"),
       "p.toml:8:27: table[0].checks[1]: check 'user_id = 'x'': 'user_id' is long: compare it with a number"},
      {WithColumns("[{ name = \"d\", type = \"date\" }]", "checks = [\"d >= '2024-13-01'\"]\n"),
       "p.toml:8:11: table[0].checks[0]: check 'd >= '2024-13-01'': 'd' is date: compare it with a date like "
       "'2024-01-31'"},
      {WithColumns("[{ name = \"a\", type = \"string\" }]", "where = { field = \"kind\", equal = \"x\" }\n"),
       "p.toml:8:27: table[0].where.equal: unknown key (did you mean equals?); table[0].where takes field, equals"},
      {WithColumns("[{ name = \"a\", type = \"string\" }]", "where = { field = \"kind\" }\n"),
       "p.toml:8:9: table[0].where.equals: missing: the value the field must have"},
      {WithColumns("[{ name = \"a\", type = \"string\" }]", "where = { field = \"a..b\", equals = 1 }\n"),
       "p.toml:8:22: table[0].where.field: field 'a..b', character 3: expected a member name after '.', found '.'"},
      {WithColumns("[{ name = \"a\", type = \"string\" }]", "where = \"kind = x\"\n"),
       "p.toml:8:9: table[0].where: expected a table like { field = \"event_type\", equals = \"page_view\" }, got a "
       "string"},
      {WithColumns("[{ name = \"a\", type = \"string\" }]", "where = { field = \"k\", equals = [1] }\n"),
       "p.toml:8:33: table[0].where.equals: expected a string, a finite number or a boolean, got an array"},
      {std::string(kSource) + "[[table]]\nname = \"t\"\npath = \"/lake/t\"\nsource = \"src\"\n"
                              "columns = [{ name = \"a\", type = \"string\" }]\n",
       "p.toml:7:10: table[0].source: no source named 'src'"},
      {std::string(kSource) + "[[table]]\nname = \"t\"\ncolumns = [{ name = \"a\", type = \"string\" }]\n",
       "p.toml:4:1: table[0].path: missing: the Delta table's folder or URI"},
      {std::string(kSource) + "[[table]]\nname = \"t\"\npath = \"/lake/t\"\ncolums = []\n",
       "p.toml:7:1: table[0].colums: unknown key (did you mean columns?); table[0] takes name, path, source, where, "
       "default, partition_by, columns, checks, quarantine, dedup"},
      {WithColumns("[{ name = \"a\", type = \"string\" }]", "[[table]]\nname = \"t\"\npath = \"/lake/u\"\n"
                                                           "columns = [{ name = \"a\", type = \"string\" }]\n"),
       "p.toml:9:8: table[1].name: duplicate table name 't'"},
      {WithColumns("[{ name = \"a\", type = \"string\" }]", "[[table]]\nname = \"u\"\npath = \"/lake/./t/\"\n"
                                                           "columns = [{ name = \"a\", type = \"string\" }]\n"),
       "p.toml:10:8: table[1].path: table 't' already writes to '/lake/./t/'"},
      {WithColumns("[{ name = \"a\", type = \"string\" }]", "[[table]]\nname = \"u\"\npath = \"/lake/t-quarantine\"\n"
                                                           "columns = [{ name = \"a\", type = \"string\" }]\n"),
       "p.toml:4:1: table[0].quarantine: quarantine path '/lake/t-quarantine' is table 'u''s path"},
      {WithColumns("[{ name = \"a\", type = \"string\" }]", "where = { field = \"k\", equals = 1 }\ndefault = true\n"),
       "p.toml:9:11: table[0].default: a default table takes the messages no other table takes: it has no where"},
      {WithColumns("[{ name = \"a\", type = \"string\" }]", "default = true\n[[table]]\nname = \"u\"\npath = \"/lake/u\"\n"
                                                           "default = true\ncolumns = [{ name = \"a\", type = \"string\" }]\n"),
       "p.toml:12:11: table[1].default: source 's' already has a default table ('t'): at most one per source"},
      {WithColumns("[{ name = \"a\", type = \"string\" }]", "default = true\n[[table]]\nname = \"u\"\npath = \"/lake/u\"\n"
                                                           "columns = [{ name = \"a\", type = \"string\" }]\n"),
       "p.toml:8:11: table[0].default: table 'u' takes every message of source 's' (it has no where), so the default "
       "table would never get one"},
      {std::string(kSource) + "[[source]]\nname = \"unused\"\ntopics = [\"u\"]\n[[table]]\nname = \"t\"\n"
                              "path = \"/lake/t\"\nsource = \"s\"\ncolumns = [{ name = \"a\", type = \"string\" }]\n",
       "p.toml:4:1: source[1]: source 'unused' feeds no table (set source = \"unused\" on a [[table]])"},
      {std::string(kSource) + "[[source]]\nname = \"s2\"\ntopics = [\"u\"]\n[[table]]\nname = \"t\"\n"
                              "path = \"/lake/t\"\ncolumns = [{ name = \"a\", type = \"string\" }]\n",
       "p.toml:7:1: table[0].source: missing: which source feeds this table (s, s2)"},
      {std::string(kSource) + "[[table]]\nname = \"t\"\npath = \"s3://bucket\"\n"
                              "columns = [{ name = \"a\", type = \"string\" }]\n",
       "p.toml:1:1: source[0].quarantine: cannot derive a quarantine path next to 's3://bucket': set quarantine"},
      {"[kafka]\nproperties = { \"group.id\" = \"x\" }\n",
       "p.toml:2:16: kafka.properties.group.id: set the group with kafka.group"},
      {"[kafka]\nproperties = { security.protocol = \"SSL\" }\n",
       "p.toml:2:16: kafka.properties.security: a table; quote librdkafka keys that contain dots: \"security.…\" = "
       "\"value\""},
      {WithColumns("[{ name = \"a\", type = \"\"\"long\nlong\"\"\" }]"),
       "p.toml:7:33: table[0].columns[0].type: type 'long\\nlong', character 6: unexpected 'long' after the type"},
      {"[kafka\n", "p.toml:1:7: invalid TOML: Error while parsing table header: expected ']', saw '\\n'"},
  };
  for (const auto& c : cases) EXPECT_EQ(ErrorOf(c.toml), c.error) << c.toml;
}

TEST(PipelineFileTest, DefaultsAndOptionalKeys) {
  auto r = ParsePipeline(R"(
[kafka]
app_id = "clicks-v2"
properties = { "security.protocol" = "SASL_SSL", "fetch.max.bytes" = 1048576, "enable.idempotence" = true }

[[source]]
name = "events"
topics = ["a", "b"]
format = "telemetry"
quarantine = "/q/events"

[[table]]
name = "all_events"
path = "file:///lake/all/"
columns = [
  { name = "id", type = "string" },
  { name = "ts", type = "timestamp_ntz", from = "$['event.ts']", unit = "us" },
  { name = "day", type = "date", from = "ts" },
  { name = "n", type = "long", from = "small" },
  { name = "small", type = "integer" },
  { name = "env", type = "string", value = "prod" },
  { name = "tags", type = "array<string>", value = ["a", "b"] },
  { name = "when", type = "timestamp", value = 2024-01-31T12:00:00Z },
  { name = "day0", type = "date", value = 2024-01-31 },
  { name = "pt", type = "struct<x:long,y:double not null>", value = { y = 1.5 } },
  { name = "attrs", type = "map<string,integer>", value = { a = 1 } },
  { name = "trace", type = "binary", from = "kafka.header.trace-id" },
  { name = "got", type = "timestamp", from = "ingest_time" },
]
checks = ["id is not null", "day >= '2024-01-01'", "when < '2024-02-01T00:00:00Z'", "env != 'dev'", "pt is null"]

[[table]]
name = "rest"
path = "rest"
default = false
quarantine = "/q/events"
columns = [{ name = "raw", type = "string", from = "kafka.key" }]
)", "p.toml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kafka.brokers, "127.0.0.1:9092");
  EXPECT_EQ(r->kafka.group, "orbitlake");
  EXPECT_EQ(r->kafka.app_id, "clicks-v2");
  using KV = std::pair<std::string, std::string>;
  EXPECT_THAT(r->kafka.properties, ElementsAre(KV{"security.protocol", "SASL_SSL"}, KV{"fetch.max.bytes", "1048576"},
                                               KV{"enable.idempotence", "true"}));
  EXPECT_EQ(r->sources[0].format, Format::kTelemetry);
  EXPECT_EQ(r->sources[0].quarantine_path, "/q/events");
  const TableSpec& t = r->tables[0];
  EXPECT_EQ(t.source, "events");  // the only source
  EXPECT_FALSE(t.where.has_value());
  EXPECT_EQ(t.quarantine_path, "file:///lake/all-quarantine");
  EXPECT_THAT(std::get<FromJsonPath>(Column(t, "id").from).segments, ElementsAre("id"));  // default: $.<name>
  EXPECT_THAT(std::get<FromJsonPath>(Column(t, "ts").from).segments, ElementsAre("event.ts"));
  EXPECT_EQ(Column(t, "ts").unit, EpochUnit::kMicros);
  EXPECT_EQ(std::get<FromColumn>(Column(t, "n").from).name, "small");  // a column declared later
  EXPECT_EQ(std::get<FromConstant>(Column(t, "env").from).json, "\"prod\"");
  EXPECT_EQ(std::get<FromConstant>(Column(t, "tags").from).json, R"(["a","b"])");
  EXPECT_EQ(std::get<FromConstant>(Column(t, "when").from).json, R"("2024-01-31T12:00:00Z")");
  EXPECT_EQ(std::get<FromConstant>(Column(t, "day0").from).json, R"("2024-01-31")");
  EXPECT_EQ(std::get<FromConstant>(Column(t, "pt").from).json, R"({"y":1.5})");
  EXPECT_EQ(std::get<FromConstant>(Column(t, "attrs").from).json, R"({"a":1})");
  EXPECT_EQ(std::get<FromKafka>(Column(t, "trace").from).header, "trace-id");
  EXPECT_TRUE(std::holds_alternative<FromIngestTime>(Column(t, "got").from));
  EXPECT_EQ(t.checks.size(), 5u);
  EXPECT_EQ(t.checks[1].literal_json, "\"2024-01-01\"");
  const TableSpec& rest = r->tables[1];
  EXPECT_FALSE(rest.default_route);
  EXPECT_EQ(rest.quarantine_path, "/q/events");  // quarantines may be shared
}

TEST(PipelineFileTest, WhereAsASubTable) {
  auto r = ParsePipeline(std::string(kSource) + "[[table]]\nname = \"t\"\npath = \"/lake/t\"\n"
                                                "columns = [{ name = \"a\", type = \"string\" }]\n"
                                                "[table.where]\nfield = \"$['kind.v']\"\nequals = 2.5\n",
                         "p.toml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->tables[0].where.has_value());
  EXPECT_THAT(r->tables[0].where->field, ElementsAre("kind.v"));
  EXPECT_EQ(r->tables[0].where->equals_json, "2.5");
}

TEST(PipelineFileTest, SourceQuarantineIsNextToItsFirstTable) {
  auto r = ParsePipeline(std::string(kSource) + "[[table]]\nname = \"t\"\npath = \"lake\"\n"
                                                "columns = [{ name = \"a\", type = \"string\" }]\n",
                         "p.toml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->sources[0].quarantine_path, "s-quarantine");
  EXPECT_EQ(r->tables[0].quarantine_path, "lake-quarantine");
  r = ParsePipeline(std::string(kSource) + "[[table]]\nname = \"t\"\npath = \"s3://bucket/lake/t/\"\n"
                                           "columns = [{ name = \"a\", type = \"string\" }]\n",
                    "p.toml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->sources[0].quarantine_path, "s3://bucket/lake/s-quarantine");
  EXPECT_EQ(r->tables[0].quarantine_path, "s3://bucket/lake/t-quarantine");
}

TEST(PipelineFileTest, ColumnsOfStringsWithEscapesPointAtTheString) {
  // The position inside the string is only exact for plain literals: with an escape
  // the error points at the string's opening quote instead.
  std::string msg = ErrorOf(WithColumns("[{ name = \"a\", type = \"arr\\u0061y<strin>\" }]"));
  EXPECT_THAT(msg, StartsWith("p.toml:7:33: table[0].columns[0].type: type 'array<strin>', character 7:"));
}

TEST(PipelineFileTest, TableSchemaDocument) {
  auto t = ParseTableSchema("columns = [\n  { name = \"id\", type = \"string\", required = true },\n"
                            "  { name = \"n\", type = \"long\", from = \"$.count\" },\n]\nchecks = [\"n >= 0\"]\n",
                            "s.toml", "page_view");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->name, "page_view");
  ASSERT_EQ(t->columns.size(), 2u);
  EXPECT_TRUE(t->columns[0].required);
  ASSERT_EQ(t->checks.size(), 1u);
  EXPECT_TRUE(t->path.empty());

  auto bad = ParseTableSchema("columns = [{ name = \"id\", type = \"strin\" }]\n", "s.toml", "x");
  EXPECT_THAT(bad.status().message(), StartsWith("s.toml:1:35: columns[0].type: type 'strin'"));
  auto unknown = ParseTableSchema("columns = [{ name = \"id\", type = \"string\" }]\npath = \"/x\"\n", "s.toml", "x");
  EXPECT_THAT(unknown.status().message(), StartsWith("s.toml:2:1: path: unknown key"));
  auto none = ParseTableSchema("checks = []\n", "s.toml", "x");
  EXPECT_THAT(none.status().message(), ::testing::HasSubstr("columns: missing"));
}

}  // namespace
}  // namespace orbitlake::pipeline
