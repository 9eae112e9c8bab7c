#include "pipeline/json_decoder.h"

#include <arrow/api.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "columnar/parquet_file.h"
#include "delta/schema.h"
#include "support/failing_pool.h"
#include "support/test_env.h"

namespace orbitlake::pipeline {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Kind = DeltaType::Kind;
using TypePtr = std::shared_ptr<const DeltaType>;

TypePtr T(Kind k) { return std::make_shared<DeltaType>(DeltaType{k}); }
TypePtr Decimal(int p, int s) { return std::make_shared<DeltaType>(DeltaType{Kind::kDecimal, p, s, {}}); }
TypePtr Struct(std::vector<DeltaType::Field> fields) {
  return std::make_shared<DeltaType>(DeltaType{Kind::kStruct, 0, 0, std::move(fields)});
}
TypePtr Array(TypePtr element, bool contains_null = true) {
  return std::make_shared<DeltaType>(DeltaType{Kind::kArray, 0, 0, {{"element", std::move(element), contains_null}}});
}
TypePtr Map(TypePtr key, TypePtr value, bool value_contains_null = true) {
  return std::make_shared<DeltaType>(
      DeltaType{Kind::kMap, 0, 0, {{"key", std::move(key), false}, {"value", std::move(value), value_contains_null}}});
}

From Path(std::string dotted) {
  FromJsonPath p;
  size_t start = 0;
  while (true) {
    const size_t dot = dotted.find('.', start);
    p.segments.push_back(dotted.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return p;
}

ColumnSpec Col(std::string name, TypePtr type, From from, bool required = false) {
  ColumnSpec c;
  c.name = std::move(name);
  c.type = std::move(type);
  c.from = std::move(from);
  c.required = required;
  return c;
}
ColumnSpec Col(std::string name, TypePtr type) {
  std::string path = name;
  return Col(std::move(name), std::move(type), Path(path));
}

CheckSpec Check(std::string column, CheckSpec::Op op, std::string literal, std::string text) {
  return CheckSpec{std::move(text), std::move(column), op, std::move(literal)};
}

constexpr int64_t kIngestUs = 1'704'067'200'000'000;  // 2024-01-01T00:00:00Z

// A table, a message and a Kafka position: Feed() runs what the ingester will run.
class Decoder {
 public:
  explicit Decoder(TableSpec spec, JsonOptions options = {}) : msg_(options) {
    auto rows = TableRows::Make(spec, options);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    if (rows.ok()) rows_ = std::move(rows).value();
    meta.topic = "clicks";
    meta.partition = 2;
    meta.timestamp_ms = 1'700'000'000'123;
  }
  Status Feed(std::string_view json) {
    Status st = msg_.Parse(json);
    if (st.ok()) st = rows_->Append(msg_, meta, kIngestUs);
    ++meta.offset;
    return st;
  }
  std::shared_ptr<arrow::RecordBatch> Take() {
    auto batch = rows_->TakeBatch();
    EXPECT_TRUE(batch.ok()) << batch.status().ToString();
    return batch.ok() ? *batch : nullptr;
  }
  TableRows& rows() { return *rows_; }
  JsonMessage& message() { return msg_; }
  MessageMeta meta;

 private:
  JsonMessage msg_;
  std::unique_ptr<TableRows> rows_;
};

TableSpec Table(std::vector<ColumnSpec> columns, std::vector<CheckSpec> checks = {}) {
  TableSpec t;
  t.name = "t";
  t.columns = std::move(columns);
  t.checks = std::move(checks);
  return t;
}

// The value of {"v": <value>} decoded into a column of `type`, as Arrow prints it, or
// the rejection's message.
std::string One(TypePtr type, std::string_view value, EpochUnit unit = EpochUnit::kMillis) {
  ColumnSpec c = Col("v", std::move(type));
  c.unit = unit;
  Decoder d(Table({c}));
  Status st = d.Feed("{\"v\":" + std::string(value) + "}");
  if (!st.ok()) return st.ToString();
  auto batch = d.Take();
  auto scalar = batch->column(0)->GetScalar(0);
  return scalar.ok() ? (*scalar)->ToString() : scalar.status().ToString();
}

TEST(JsonDecoderTest, Primitives) {
  EXPECT_EQ(One(T(Kind::kString), R"("h\u00e9llo \"x\"")"), "héllo \"x\"");
  EXPECT_EQ(One(T(Kind::kLong), "-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(One(T(Kind::kInteger), "2147483647"), "2147483647");
  EXPECT_EQ(One(T(Kind::kShort), "-32768"), "-32768");
  EXPECT_EQ(One(T(Kind::kByte), "127"), "127");
  EXPECT_EQ(One(T(Kind::kDouble), "2.5e-3"), "0.0025");
  EXPECT_EQ(One(T(Kind::kDouble), "3"), "3");
  EXPECT_EQ(One(T(Kind::kFloat), "0.5"), "0.5");
  EXPECT_EQ(One(T(Kind::kBoolean), "true"), "true");
  EXPECT_EQ(One(T(Kind::kBinary), R"("aGVsbG8=")"), "hello");
  EXPECT_EQ(One(T(Kind::kDate), R"("2024-03-01")"), "2024-03-01");
  EXPECT_EQ(One(T(Kind::kDate), "1709251200", EpochUnit::kSeconds), "2024-03-01");
  EXPECT_EQ(One(Decimal(12, 2), "12.34"), "12.34");
  EXPECT_EQ(One(Decimal(12, 2), R"("-0.5")"), "-0.50");
  EXPECT_EQ(One(Decimal(38, 0), "99999999999999999999999999999999999999"), "99999999999999999999999999999999999999");
}

int64_t TimestampOf(TypePtr type, std::string_view value, EpochUnit unit = EpochUnit::kMillis) {
  ColumnSpec c = Col("v", std::move(type));
  c.unit = unit;
  Decoder d(Table({c}));
  Status st = d.Feed("{\"v\":" + std::string(value) + "}");
  EXPECT_TRUE(st.ok()) << value << ": " << st.ToString();
  if (!st.ok()) return -1;
  return std::static_pointer_cast<arrow::TimestampArray>(d.Take()->column(0))->Value(0);
}

TEST(JsonDecoderTest, Timestamps) {
  constexpr int64_t k = 1'704'067'200'000'000;
  EXPECT_EQ(TimestampOf(T(Kind::kTimestamp), R"("2024-01-01T01:00:00.25+01:00")"), k + 250'000);
  EXPECT_EQ(TimestampOf(T(Kind::kTimestamp), R"("2024-01-01T00:00:00")"), k);  // no offset: UTC
  EXPECT_EQ(TimestampOf(T(Kind::kTimestamp), "1704067200", EpochUnit::kSeconds), k);
  EXPECT_EQ(TimestampOf(T(Kind::kTimestamp), "1704067200000"), k);  // default unit ms
  EXPECT_EQ(TimestampOf(T(Kind::kTimestamp), "1704067200000001", EpochUnit::kMicros), k + 1);
  EXPECT_EQ(TimestampOf(T(Kind::kTimestamp), "1704067200000001999", EpochUnit::kNanos), k + 1);
  EXPECT_EQ(TimestampOf(T(Kind::kTimestampNtz), R"("2024-01-01T00:00:00.000001")"), k + 1);
  EXPECT_THAT(One(T(Kind::kTimestampNtz), R"("2024-01-01T00:00:00Z")"), HasSubstr("timestamp_ntz holds wall-clock"));
  EXPECT_THAT(One(T(Kind::kTimestamp), R"("yesterday")"), HasSubstr("is not an ISO-8601 timestamp"));
  EXPECT_THAT(One(T(Kind::kTimestamp), "true"), HasSubstr("expected an ISO-8601 string or an epoch number, got true"));
}

TEST(JsonDecoderTest, CoercionRefusalsNameTheColumnAndTheRule) {
  auto reason = [](TypePtr type, std::string_view value) {
    ColumnSpec c = Col("amount", std::move(type));
    Decoder d(Table({c}));
    Status st = d.Feed("{\"amount\":" + std::string(value) + "}");
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << value;
    EXPECT_TRUE(IsRejection(st));
    EXPECT_EQ(d.rows().rows(), 0);
    return st.message();
  };
  EXPECT_EQ(reason(Decimal(12, 2), "12.345"), "column amount (decimal(12,2)) from $.amount: 12.345 has more than 2 decimals");
  EXPECT_THAT(reason(Decimal(12, 2), "1e12"), HasSubstr("does not fit decimal(12,2)"));
  EXPECT_THAT(reason(Decimal(12, 2), R"("12,5")"), HasSubstr("\"12,5\" is not a decimal number"));
  EXPECT_EQ(reason(T(Kind::kLong), "2.5"), "column amount (long) from $.amount: 2.5 is not an integer");
  EXPECT_THAT(reason(T(Kind::kLong), "2.0"), HasSubstr("2.0 is not an integer"));
  EXPECT_THAT(reason(T(Kind::kLong), R"("2")"), HasSubstr("expected an integer, got \"2\""));
  EXPECT_THAT(reason(T(Kind::kByte), "200"), HasSubstr("200 is out of range for byte (-128..127)"));
  EXPECT_THAT(reason(T(Kind::kInteger), "2147483648"), HasSubstr("out of range for integer"));
  EXPECT_THAT(reason(T(Kind::kDouble), "1e400"), HasSubstr("1e400 is out of range for double"));
  EXPECT_THAT(reason(T(Kind::kFloat), "1e39"), HasSubstr("out of range for float"));
  EXPECT_THAT(reason(T(Kind::kDouble), R"("1.5")"), HasSubstr("expected a number"));
  EXPECT_THAT(reason(T(Kind::kString), "42"), HasSubstr("expected a string, got 42"));
  EXPECT_THAT(reason(T(Kind::kString), "{}"), HasSubstr("expected a string, got an object"));
  EXPECT_THAT(reason(T(Kind::kBoolean), R"("true")"), HasSubstr("expected true or false"));
  EXPECT_THAT(reason(T(Kind::kBoolean), "1"), HasSubstr("expected true or false, got 1"));
  EXPECT_THAT(reason(T(Kind::kBinary), R"("not base64!")"), HasSubstr("is not base64"));
  EXPECT_THAT(reason(T(Kind::kDate), R"("2024-02-30")"), HasSubstr("day 30 of 2024-02"));
  EXPECT_THAT(reason(Array(T(Kind::kLong)), "5"), HasSubstr("expected an array, got 5"));
}

TEST(JsonDecoderTest, NestedValues) {
  auto item = Struct({{"sku", T(Kind::kString)}, {"qty", T(Kind::kInteger)}});
  Decoder d(Table({Col("items", Array(item)), Col("attrs", Map(T(Kind::kString), T(Kind::kLong))),
                   Col("page", Struct({{"url", T(Kind::kString), false}, {"ref", T(Kind::kString)}})),
                   Col("tags", Array(T(Kind::kString), false))}));
  ASSERT_TRUE(d.Feed(R"({"items":[{"sku":"a","qty":2,"extra":[1]},{"qty":1},null],
                         "attrs":{"x":1,"y":null},"page":{"url":"/p","junk":{"z":1}},"tags":["t1","t2"]})")
                  .ok());
  ASSERT_TRUE(d.Feed(R"({"items":[],"attrs":{},"page":null})").ok());
  // Every failure names where inside the value it happened, and appends nothing.
  EXPECT_EQ(d.Feed(R"({"items":[{"sku":"a","qty":2},{"sku":"b","qty":2.5}]})").message(),
            "column items (array<struct<sku:string,qty:integer>>) from $.items[1].qty: 2.5 is not an integer");
  EXPECT_THAT(d.Feed(R"({"attrs":{"x":"1"}})").message(), HasSubstr("from $.attrs[\"x\"]: expected an integer"));
  EXPECT_THAT(d.Feed(R"({"attrs":{"x":1,"x":2}})").message(), HasSubstr("map key \"x\" appears twice"));
  EXPECT_THAT(d.Feed(R"({"page":{"ref":"r"}})").message(), HasSubstr("$.page.url: missing, but field url is not nullable"));
  EXPECT_THAT(d.Feed(R"({"page":{"url":"a","url":"b"}})").message(), HasSubstr("$.page.url: the key appears twice"));
  EXPECT_THAT(d.Feed(R"({"tags":["a",null]})").message(), HasSubstr("$.tags[1]: null, but elements are not nullable"));
  std::string big_map = R"({"attrs":{)";
  for (int i = 0; i < 40; ++i) big_map += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  big_map += R"("k7":0}})";
  EXPECT_THAT(d.Feed(big_map).message(), HasSubstr("map key \"k7\" appears twice"));
  auto batch = d.Take();
  ASSERT_EQ(batch->num_rows(), 2);
  ASSERT_TRUE(batch->ValidateFull().ok());
  EXPECT_EQ(batch->column(0)->GetScalar(0).ValueOrDie()->ToString(),
            "list<element: struct<sku: string, qty: int32>>[{sku:string = a, qty:int32 = 2}, "
            "{sku:string = null, qty:int32 = 1}, null]");
  EXPECT_EQ(batch->column(1)->GetScalar(0).ValueOrDie()->ToString(), "map<string, int64>[{key:string = x, value:int64 = 1}, {key:string = y, value:int64 = null}]");
  EXPECT_EQ(batch->column(2)->GetScalar(0).ValueOrDie()->ToString(), "{url:string = /p, ref:string = null}");
  EXPECT_EQ(batch->column(3)->GetScalar(0).ValueOrDie()->ToString(), "list<element: string not null>[t1, t2]");
  EXPECT_EQ(batch->column(0)->GetScalar(1).ValueOrDie()->ToString(), "list<element: struct<sku: string, qty: int32>>[]");
  EXPECT_EQ(batch->column(2)->null_count(), 1);
  EXPECT_TRUE(batch->column(3)->IsNull(1));
}

TEST(JsonDecoderTest, PathsSharePrefixesAndIgnoreUndeclaredFields) {
  Decoder d(Table({Col("url", T(Kind::kString), Path("page.url")), Col("ref", T(Kind::kString), Path("page.ref")),
                   Col("user", T(Kind::kLong), Path("user.id"))}));
  // Undeclared values are skipped by structure only: their inner grammar is not checked.
  ASSERT_TRUE(d.Feed(R"({"x":[1,,2],"page":{"ref":"r","deep":{"a":[{}]},"url":"u"},"user":{"id":7},"y":tru})").ok());
  ASSERT_TRUE(d.Feed(R"({"page":null})").ok());
  ASSERT_TRUE(d.Feed(R"({"p\u0061ge":{"url":"escaped key"}})").ok());
  EXPECT_THAT(d.Feed(R"({"page":"home"})").message(),
              HasSubstr("column url (string) from $.page.url: \"page\" on the way is a string, not an object"));
  EXPECT_THAT(d.Feed(R"({"user":{"id":1},"user":{"id":2}})").message(), HasSubstr("key \"user\" appears twice"));
  EXPECT_THAT(d.Feed(R"({"page":{"url":"a","url":"b"}})").message(), HasSubstr("key \"url\" appears twice"));
  auto batch = d.Take();
  ASSERT_EQ(batch->num_rows(), 3);
  auto url = std::static_pointer_cast<arrow::StringArray>(batch->column(0));
  EXPECT_EQ(url->GetString(0), "u");
  EXPECT_TRUE(url->IsNull(1));
  EXPECT_EQ(url->GetString(2), "escaped key");
  EXPECT_EQ(std::static_pointer_cast<arrow::Int64Array>(batch->column(2))->Value(0), 7);
}

TEST(JsonDecoderTest, EscapedKeysMatchTheirDeclaredNames) {
  // Keys are compared raw first; a key spelled with escapes is unescaped and compared
  // again, at the root and inside structs, and counts for duplicate detection. A
  // declared name holding a backslash (here `x\n`, 3 bytes) never matches raw bytes.
  Decoder d(Table({Col("page", Struct({{"url", T(Kind::kString)}, {"a\"b", T(Kind::kLong)}})),
                   Col("q", T(Kind::kString), Path("x\\n"))}));
  ASSERT_TRUE(d.Feed(R"({"p\u0061ge":{"\u0075rl":"/e","a\"b":1},"x\\n":"x"})").ok());
  ASSERT_TRUE(d.Feed(R"({"page":{"url":"/plain"},"x\n":"a newline key is another name"})").ok());
  EXPECT_THAT(d.Feed(R"({"page":{"url":"/1","\u0075rl":"/2"}})").message(), HasSubstr("the key appears twice"));
  auto batch = d.Take();
  ASSERT_EQ(batch->num_rows(), 2);
  EXPECT_EQ(batch->column(0)->GetScalar(0).ValueOrDie()->ToString(), "{url:string = /e, a\"b:int64 = 1}");
  EXPECT_EQ(std::static_pointer_cast<arrow::StringArray>(batch->column(1))->GetString(0), "x");
  EXPECT_TRUE(batch->column(1)->IsNull(1));
}

TEST(JsonDecoderTest, RequiredMissingAndNull) {
  Decoder d(Table({Col("event_id", T(Kind::kString), Path("event_id"), true), Col("note", T(Kind::kString))}));
  EXPECT_EQ(d.Feed(R"({"note":"x"})").message(), "column event_id is required: missing at $.event_id");
  EXPECT_EQ(d.Feed(R"({"event_id":null})").message(), "column event_id is required: null at $.event_id");
  ASSERT_TRUE(d.Feed(R"({"event_id":"e1"})").ok());
  ASSERT_TRUE(d.Feed(R"({"event_id":"e2","note":null})").ok());
  auto batch = d.Take();
  ASSERT_EQ(batch->num_rows(), 2);
  EXPECT_FALSE(batch->schema()->field(0)->nullable());
  EXPECT_TRUE(batch->schema()->field(1)->nullable());
  EXPECT_EQ(batch->column(1)->null_count(), 2);
}

TEST(JsonDecoderTest, StringTransformsCleanValuesBeforeRequiredAndChecks) {
  ColumnSpec id = Col("sensor_id", T(Kind::kString), Path("sensor_id"), true);
  id.transform = {StringTransform::kTrim, StringTransform::kEmptyToNull, StringTransform::kLower};
  ColumnSpec unit = Col("unit", T(Kind::kString), Path("unit"));
  unit.transform = {StringTransform::kUpper, StringTransform::kTrim};
  ColumnSpec copy = Col("raw_id", T(Kind::kString), Path("raw"));
  ColumnSpec derived = Col("id2", T(Kind::kString), FromColumn{"sensor_id"});
  derived.transform = {StringTransform::kUpper};
  Decoder d(Table({id, unit, copy, derived}, {Check("sensor_id", CheckSpec::Op::kNe, "\"bad\"", "sensor_id != 'bad'")}));
  ASSERT_TRUE(d.Feed(R"({"sensor_id":"  Sensor-A\t","unit":" c ","raw":"  Keep "})").ok());
  // Empty after trimming: null, so the required column rejects the message.
  EXPECT_THAT(d.Feed(R"({"sensor_id":"   "})").message(), HasSubstr("column sensor_id is required: null"));
  // Checks see the cleaned value.
  EXPECT_THAT(d.Feed(R"({"sensor_id":" BAD "})").message(), HasSubstr("sensor_id != 'bad'"));
  ASSERT_TRUE(d.Feed(R"({"sensor_id":"\u00c9t\u00e9 X","unit":null})").ok());
  auto batch = d.Take();
  ASSERT_EQ(batch->num_rows(), 2);
  auto get = [&](const char* name, int64_t row) { return batch->GetColumnByName(name)->GetScalar(row).ValueOrDie()->ToString(); };
  EXPECT_EQ(get("sensor_id", 0), "sensor-a");
  EXPECT_EQ(get("unit", 0), "C");
  EXPECT_EQ(get("raw_id", 0), "  Keep ");  // no transform: as sent
  EXPECT_EQ(get("id2", 0), "SENSOR-A");    // derived from the cleaned value, then its own transform
  EXPECT_EQ(get("sensor_id", 1), "\u00c9t\u00e9 x");  // ASCII letters only change case
  EXPECT_EQ(get("unit", 1), "null");
  ColumnSpec bad = Col("n", T(Kind::kLong));
  bad.transform = {StringTransform::kTrim};
  EXPECT_THAT(TableRows::Make(Table({bad})).status().message(), HasSubstr("transforms apply to string columns"));
}

TEST(JsonDecoderTest, ExprColumnsConvertUnitsAndRejectWhatCannotBeComputed) {
  Decoder d(Table({Col("temperature_c", T(Kind::kDouble)), Col("count", T(Kind::kInteger)),
                   Col("price", Decimal(6, 2)),
                   Col("temperature_f", T(Kind::kDouble), FromExpr{"temperature_c * 9 / 5 + 32"}),
                   Col("per_item", T(Kind::kDouble), FromExpr{"round(price / count, 2)"}),
                   Col("doubled", T(Kind::kLong), FromExpr{"count * 2"}),
                   Col("half", T(Kind::kLong), FromExpr{"count / 2"}),
                   Col("f_of_f", T(Kind::kFloat), FromExpr{"temperature_f - 32"})}));
  ASSERT_EQ(d.Feed(R"({"temperature_c":21.5,"count":4,"price":"10.01"})").ToString(), "OK");
  ASSERT_TRUE(d.Feed(R"({"temperature_c":null,"count":null,"price":null})").ok());  // nulls propagate
  EXPECT_THAT(d.Feed(R"({"temperature_c":1,"count":0,"price":1})").message(),
              HasSubstr("column per_item (double) from expr round(price / count, 2): `round(price / count, 2)`: division by zero"));
  EXPECT_THAT(d.Feed(R"({"temperature_c":1,"count":3,"price":1})").message(),
              HasSubstr("column half (long) from expr count / 2: 1.5 is not an integer"));
  auto batch = d.Take();
  ASSERT_EQ(batch->num_rows(), 2);
  auto get = [&](const char* name, int64_t row) { return batch->GetColumnByName(name)->GetScalar(row).ValueOrDie()->ToString(); };
  EXPECT_EQ(get("temperature_f", 0), "70.7");
  EXPECT_EQ(get("per_item", 0), "2.5");
  EXPECT_EQ(get("doubled", 0), "8");
  EXPECT_EQ(get("half", 0), "2");
  EXPECT_EQ(get("f_of_f", 0), "38.7");
  EXPECT_EQ(get("temperature_f", 1), "null");
  EXPECT_EQ(batch->schema()->GetFieldByName("f_of_f")->type()->id(), arrow::Type::FLOAT);
  // Checks see the computed value.
  Decoder checked(Table({Col("c", T(Kind::kDouble)), Col("f", T(Kind::kDouble), FromExpr{"c * 9 / 5 + 32"})},
                        {Check("f", CheckSpec::Op::kLt, "200", "f < 200")}));
  EXPECT_TRUE(checked.Feed(R"({"c":90})").ok());
  EXPECT_THAT(checked.Feed(R"({"c":100})").message(), HasSubstr("f < 200"));
  EXPECT_THAT(TableRows::Make(Table({Col("s", T(Kind::kString)), Col("x", T(Kind::kDouble), FromExpr{"s + 1"})}))
                  .status().message(), HasSubstr("expressions read numeric columns"));
  EXPECT_THAT(TableRows::Make(Table({Col("x", T(Kind::kDouble), FromExpr{"y + 1"}),
                                     Col("y", T(Kind::kDouble), FromExpr{"x + 1"})})).status().message(),
              HasSubstr("cycle"));
  EXPECT_THAT(TableRows::Make(Table({Col("x", T(Kind::kString), FromExpr{"1"})})).status().message(),
              HasSubstr("an expr column is double, float or an integer type"));
}

TEST(JsonDecoderTest, KafkaFieldsHeadersIngestTimeConstantsAndDerivedColumns) {
  FromKafka topic{FromKafka::Field::kTopic}, partition{FromKafka::Field::kPartition}, offset{FromKafka::Field::kOffset},
      ts{FromKafka::Field::kTimestamp}, key{FromKafka::Field::kKey}, trace{FromKafka::Field::kHeader, "trace"},
      raw{FromKafka::Field::kHeader, "raw"};
  Decoder d(Table({Col("topic", T(Kind::kString), topic), Col("partition", T(Kind::kInteger), partition),
                   Col("offset", T(Kind::kLong), offset), Col("kts", T(Kind::kTimestamp), ts),
                   Col("kts_ms", T(Kind::kLong), ts), Col("key", T(Kind::kBinary), key),
                   Col("trace", T(Kind::kString), trace), Col("raw", T(Kind::kBinary), raw),
                   Col("ingested", T(Kind::kTimestamp), FromIngestTime{}),
                   Col("source", T(Kind::kString), FromConstant{"\"web\""}),
                   Col("version", Decimal(4, 1), FromConstant{"2.5"}),
                   Col("event_date", T(Kind::kDate), FromColumn{"event_time"}),
                   Col("event_time", T(Kind::kTimestamp), Path("ts")),
                   Col("event_time2", T(Kind::kTimestamp), FromColumn{"event_time"})}));
  const std::string k = "user-1";
  const std::string t1 = "first", t2 = "last", bin = "\xff\x00";
  auto bytes = [](const std::string& s) { return std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()); };
  const MessageHeader headers[] = {{"trace", bytes(t1)}, {"raw", bytes(bin)}, {"trace", bytes(t2)}};
  d.meta.offset = 41;
  d.meta.key = bytes(k);
  d.meta.headers = headers;
  ASSERT_TRUE(d.Feed(R"({"ts":"2024-03-01T23:30:00-01:00"})").ok());
  d.meta.key = std::nullopt;
  d.meta.timestamp_ms = std::nullopt;
  d.meta.headers = {};
  ASSERT_TRUE(d.Feed(R"({"ts":null})").ok());
  // A header that is not UTF-8 cannot go into a string column.
  const MessageHeader bad[] = {{"trace", bytes(bin)}};
  d.meta.headers = bad;
  EXPECT_THAT(d.Feed("{}").message(), HasSubstr("column trace (string) from kafka.header.trace: the header is not valid UTF-8"));
  auto batch = d.Take();
  ASSERT_EQ(batch->num_rows(), 2);
  auto get = [&](const char* name, int64_t row) { return batch->GetColumnByName(name)->GetScalar(row).ValueOrDie()->ToString(); };
  EXPECT_EQ(get("topic", 0), "clicks");
  EXPECT_EQ(get("partition", 0), "2");
  EXPECT_EQ(get("offset", 0), "41");
  EXPECT_EQ(get("offset", 1), "42");
  EXPECT_EQ(get("kts_ms", 0), "1700000000123");
  EXPECT_EQ(std::static_pointer_cast<arrow::TimestampArray>(batch->GetColumnByName("kts"))->Value(0),
            1'700'000'000'123'000);
  EXPECT_EQ(get("key", 0), "user-1");
  EXPECT_EQ(get("trace", 0), "last");  // the last header of a name
  EXPECT_EQ(get("raw", 0), bin);
  EXPECT_EQ(std::static_pointer_cast<arrow::TimestampArray>(batch->GetColumnByName("ingested"))->Value(1), kIngestUs);
  EXPECT_EQ(get("source", 1), "web");
  EXPECT_EQ(get("version", 1), "2.5");
  EXPECT_EQ(get("event_date", 0), "2024-03-02");  // the UTC date
  EXPECT_EQ(get("event_time2", 0), get("event_time", 0));
  for (const char* name : {"kts", "kts_ms", "key", "trace", "raw", "event_date", "event_time", "event_time2"}) {
    EXPECT_TRUE(batch->GetColumnByName(name)->IsNull(1)) << name;
  }
}

TEST(JsonDecoderTest, KafkaValuesOutOfTheColumnRangeAreRejected) {
  Decoder d(Table({Col("partition", T(Kind::kByte), FromKafka{FromKafka::Field::kPartition})}));
  d.meta.partition = 300;
  EXPECT_THAT(d.Feed("{}").message(), HasSubstr("partition 300 is out of range for byte"));
  d.meta.partition = 3;
  EXPECT_TRUE(d.Feed("{}").ok());
}

TEST(JsonDecoderTest, Checks) {
  using Op = CheckSpec::Op;
  Decoder d(Table({Col("user_id", T(Kind::kLong)), Col("kind", T(Kind::kString)), Col("amount", Decimal(10, 2)),
                   Col("at", T(Kind::kTimestamp)), Col("tags", Array(T(Kind::kString)))},
                  {Check("user_id", Op::kGe, "0", "user_id >= 0"), Check("kind", Op::kNe, "\"test\"", "kind != 'test'"),
                   Check("amount", Op::kLt, "1000", "amount < 1000"),
                   Check("at", Op::kGe, "\"2020-01-01T00:00:00Z\"", "at >= '2020-01-01'"),
                   Check("tags", Op::kIsNotNull, "", "tags is not null")}));
  const std::string good = R"("kind":"view","amount":999.99,"at":"2024-01-01T00:00:00Z","tags":[])";
  ASSERT_TRUE(d.Feed(R"({"user_id":0,)" + good + "}").ok());
  EXPECT_EQ(d.Feed(R"({"user_id":-3,)" + good + "}").message(), "check failed: user_id >= 0 (user_id = -3)");
  EXPECT_EQ(d.Feed(R"({)" + good + "}").message(), "check failed: user_id >= 0 (user_id = null)");
  EXPECT_EQ(d.Feed(R"({"user_id":1,"kind":"test","amount":1,"at":"2024-01-01T00:00:00Z","tags":[]})").message(),
            "check failed: kind != 'test' (kind = \"test\")");
  EXPECT_EQ(d.Feed(R"({"user_id":1,"kind":"v","amount":1000.00,"at":"2024-01-01T00:00:00Z","tags":[]})").message(),
            "check failed: amount < 1000 (amount = 1000.00)");
  EXPECT_EQ(d.Feed(R"({"user_id":1,"kind":"v","amount":1,"at":"2019-12-31T23:59:59Z","tags":[]})").message(),
            "check failed: at >= '2020-01-01' (at = 2019-12-31T23:59:59.000000Z)");
  EXPECT_EQ(d.Feed(R"({"user_id":1,"kind":"v","amount":1,"at":"2024-01-01T00:00:00Z"})").message(),
            "check failed: tags is not null (tags = null)");
  ASSERT_TRUE(d.Feed(R"({"user_id":5,)" + good + "}").ok());
  EXPECT_EQ(d.Take()->num_rows(), 2);

  Decoder nulls(Table({Col("x", T(Kind::kDouble))}, {Check("x", Op::kIsNull, "", "x is null")}));
  EXPECT_TRUE(nulls.Feed("{}").ok());
  EXPECT_EQ(nulls.Feed(R"({"x":1.5})").message(), "check failed: x is null (x = 1.5)");
}

TEST(JsonDecoderTest, SpecsThatCannotBeDecodedAreRefusedAtCompileTime) {
  using Op = CheckSpec::Op;
  auto make = [](TableSpec t) { return TableRows::Make(t).status(); };
  auto expect = [&](TableSpec t, std::string_view part) {
    Status st = make(std::move(t));
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(st.message(), HasSubstr(std::string(part)));
  };
  expect(Table({Col("a", T(Kind::kLong), FromKafka{FromKafka::Field::kTopic})}), "kafka.topic cannot be stored as long");
  expect(Table({Col("a", T(Kind::kString), FromIngestTime{})}), "ingest_time is a timestamp");
  expect(Table({Col("a", T(Kind::kLong), FromKafka{FromKafka::Field::kHeader, ""})}), "needs a header name");
  expect(Table({Col("a", T(Kind::kLong)), Col("a", T(Kind::kLong))}), "declared twice");
  expect(Table({Col("a", T(Kind::kLong), Path("x")), Col("b", T(Kind::kLong), Path("x"))}), "is read by column a too");
  expect(Table({Col("a", Struct({{"y", T(Kind::kLong)}}), Path("x")), Col("b", T(Kind::kLong), Path("x.y"))}),
         "goes inside column a's value");
  expect(Table({Col("b", T(Kind::kLong), Path("x.y")), Col("a", Struct({{"y", T(Kind::kLong)}}), Path("x"))}),
         "also the prefix of another column's path");
  expect(Table({Col("a", T(Kind::kDate), FromColumn{"b"}), Col("b", T(Kind::kDate), FromColumn{"a"})}), "cycle");
  expect(Table({Col("a", T(Kind::kDate), FromColumn{"nope"})}), "no column nope");
  expect(Table({Col("a", T(Kind::kLong)), Col("b", T(Kind::kString), FromColumn{"a"})}), "cannot derive string");
  expect(Table({Col("a", T(Kind::kLong), FromConstant{"2.5"})}), "2.5 is not an integer");
  expect(Table({Col("a", T(Kind::kLong), FromConstant{"1 2"})}), "constant");
  expect(Table({Col("a", T(Kind::kLong), FromConstant{"null"}, true)}), "cannot be null");
  expect(Table({Col("a", Decimal(40, 2))}), "precision must be 1..38");
  expect(Table({Col("a", Map(T(Kind::kLong), T(Kind::kLong)))}), "map keys must be string");
  expect(Table({Col("a", T(Kind::kLong))}, {Check("b", Op::kEq, "1", "b = 1")}), "no column b");
  expect(Table({Col("a", T(Kind::kLong))}, {Check("a", Op::kEq, "\"x\"", "a = 'x'")}), "expected an integer");
  expect(Table({Col("a", T(Kind::kLong))}, {Check("a", Op::kEq, "null", "a = null")}), "use `is null`");
  expect(Table({Col("a", Array(T(Kind::kLong)))}, {Check("a", Op::kGt, "1", "a > 1")}), "need a primitive column");
  expect(Table({}), "has no columns");
}

// Every malformed message is a rejection with a reason, never a crash, and the
// builders stay in step: the good messages between them all land, in order.
TEST(JsonDecoderTest, MalformedMessagesAreRejectedAndTheNextOneDecodes) {
  Decoder d(Table({Col("n", T(Kind::kLong)), Col("s", T(Kind::kString)), Col("v", T(Kind::kDouble))}));
  const std::string deep = "{\"x\":" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  const std::string deep_declared = "{\"s\":" + std::string(2'000, '[') + std::string(2'000, ']') + "}";
  struct Case {
    std::string json;
    StatusCode code;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {R"({"n":1,"s":"a)", StatusCode::kCorruption, "JSON syntax error at byte 11: unclosed string"},
      {R"({"n":1,"s":"a")", StatusCode::kCorruption, "JSON syntax error at byte 14: unexpected end of input inside an object"},
      {R"({"n":1})", StatusCode::kOk, ""},
      {R"({"n":1} {"n":2})", StatusCode::kCorruption, "JSON syntax error at byte 8: trailing content after the JSON value"},
      {R"({"n":1}})", StatusCode::kCorruption, "JSON syntax error at byte 7: trailing content after the JSON value"},
      {R"({"n":1 "s":"x"})", StatusCode::kCorruption, "JSON syntax error at byte 7: expected ',' or '}'"},
      {R"({"n":01})", StatusCode::kCorruption, "JSON syntax error at byte 5: invalid number"},
      {R"({"n":-})", StatusCode::kCorruption, "JSON syntax error at byte 5: invalid number"},
      {R"({"v":NaN})", StatusCode::kCorruption, "JSON syntax error at byte 5: unexpected character 'N'"},
      {deep, StatusCode::kCorruption, "JSON syntax error at byte 1028: nesting deeper than 1024 levels"},
      {deep_declared, StatusCode::kCorruption, "JSON syntax error at byte 1028: nesting deeper than 1024 levels"},
      {R"({"v":1e400})", StatusCode::kInvalidArgument, "column v (double) from $.v: 1e400 is out of range for double"},
      {"{\"s\":\"\xc3\x28\"}", StatusCode::kCorruption, "JSON syntax error at byte 6: invalid UTF-8"},
      {"{\"s\":\"ok\"}\xff", StatusCode::kCorruption, "JSON syntax error at byte 10: trailing content after the JSON value"},
      {R"({"s":"\ud800"})", StatusCode::kCorruption, "JSON syntax error at byte 6: unpaired surrogate in a \\u escape"},
      {R"({"n":1,"n":2})", StatusCode::kInvalidArgument, "column n (long) from $.n: key \"n\" appears twice"},
      {R"({"n":"7"})", StatusCode::kInvalidArgument, "column n (long) from $.n: expected an integer, got \"7\""},
      {R"({"s":true})", StatusCode::kInvalidArgument, "column s (string) from $.s: expected a string, got true"},
      {"", StatusCode::kCorruption, "JSON syntax error at byte 0: unexpected end of input, expected a value"},
      {"   ", StatusCode::kCorruption, "JSON syntax error at byte 3: unexpected end of input, expected a value"},
      {"[1,2]", StatusCode::kCorruption, "the message is an array, not a JSON object"},
      {"\"text\"", StatusCode::kCorruption, "the message is a string, not a JSON object"},
      {"42", StatusCode::kCorruption, "the message is a number, not a JSON object"},
      {"null", StatusCode::kCorruption, "the message is null, not a JSON object"},
      {"{\"s\":\"a\nb\"}", StatusCode::kCorruption, "JSON syntax error at byte 7: control character in a string (escape it)"},
      {std::string("{\"s\":\"a\0b\"}", 10), StatusCode::kCorruption, "JSON syntax error at byte 7: control character in a string (escape it)"},
      {R"({"n":1,})", StatusCode::kCorruption, "JSON syntax error at byte 7: expected a string key"},
      {R"({"s":tru})", StatusCode::kCorruption, "JSON syntax error at byte 5: invalid literal (expected true, false or null)"},
      {R"({"n":2,"s":"b","v":-0.5})", StatusCode::kOk, ""},
  };
  int64_t good = 0;
  for (const Case& c : cases) {
    const Status st = d.Feed(c.json);
    const std::string shown = c.json.substr(0, 40);
    EXPECT_EQ(st.code(), c.code) << shown << ": " << st.ToString();
    EXPECT_EQ(st.message(), c.reason) << shown;
    if (!st.ok()) {
      EXPECT_TRUE(IsRejection(st)) << shown;
    } else {
      ++good;
    }
    // After every case, a good message decodes.
    ASSERT_TRUE(d.Feed(R"({"n":100,"s":"after","v":1})").ok()) << "after " << shown;
    ++good;
    EXPECT_EQ(d.rows().rows(), good);
  }
  auto batch = d.Take();
  ASSERT_EQ(batch->num_rows(), good);
  ASSERT_TRUE(batch->ValidateFull().ok());
  EXPECT_EQ(std::static_pointer_cast<arrow::Int64Array>(batch->column(0))->Value(0), 100);
}

TEST(JsonDecoderTest, LargeMessagesDecodeOrAreRejectedByTheLimit) {
  std::string big = R"({"pad":")" + std::string(10 * 1024 * 1024, 'x') + R"(","s":"end","n":)";
  big += "[" + std::string("1,") + "2]";  // n declared long: an array is a type error
  std::string ok = R"({"pad":")" + std::string(10 * 1024 * 1024, 'x') + R"(","s":"end"})";
  Decoder d(Table({Col("s", T(Kind::kString)), Col("n", T(Kind::kLong))}));
  EXPECT_TRUE(d.Feed(ok).ok());
  EXPECT_THAT(d.Feed(big + "}").message(), HasSubstr("expected an integer, got an array"));
  EXPECT_TRUE(d.Feed(R"({"s":"small"})").ok());
  auto batch = d.Take();
  ASSERT_EQ(batch->num_rows(), 2);
  EXPECT_EQ(std::static_pointer_cast<arrow::StringArray>(batch->column(0))->GetString(0), "end");

  JsonOptions small;
  small.max_message_bytes = 1024 * 1024;
  Decoder limited(Table({Col("s", T(Kind::kString))}), small);
  const Status st = limited.Feed(ok);
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_EQ(st.message(), "message of 10485780 bytes is larger than the limit of 1048576 bytes");
  EXPECT_TRUE(limited.Feed(R"({"s":"small"})").ok());
}

TEST(JsonDecoderTest, OneMessageServesARouteAndSeveralTables) {
  auto view = RouteMatcher::Make(RouteSpec{{"event_type"}, "\"page_view\""});
  auto three = RouteMatcher::Make(RouteSpec{{"meta", "v"}, "3"});
  auto flag = RouteMatcher::Make(RouteSpec{{"flag"}, "true"});
  auto none = RouteMatcher::Make(RouteSpec{{"x"}, "null"});
  ASSERT_TRUE(view.ok() && three.ok() && flag.ok() && none.ok());
  auto rows_a = TableRows::Make(Table({Col("user", T(Kind::kLong))}));
  auto rows_b = TableRows::Make(Table({Col("event_type", T(Kind::kString))}));
  ASSERT_TRUE(rows_a.ok() && rows_b.ok());
  JsonMessage msg;
  MessageMeta meta;
  ASSERT_TRUE(msg.Parse(R"({"user":7,"event_type":"page_\u0076iew","meta":{"v":3.0e0},"flag":true,"x":null})").ok());
  EXPECT_TRUE(*view->Matches(msg));
  EXPECT_TRUE(*three->Matches(msg));
  EXPECT_TRUE(*flag->Matches(msg));
  EXPECT_TRUE(*none->Matches(msg));
  ASSERT_TRUE((*rows_a)->Append(msg, meta, 0).ok());
  ASSERT_TRUE((*rows_b)->Append(msg, meta, 0).ok());
  EXPECT_TRUE(*view->Matches(msg));  // still readable after the tables

  ASSERT_TRUE(msg.Parse(R"({"event_type":"click","meta":{"v":"3"},"flag":1})").ok());
  EXPECT_FALSE(*view->Matches(msg));
  EXPECT_FALSE(*three->Matches(msg));  // "3" is a string
  EXPECT_FALSE(*flag->Matches(msg));
  EXPECT_FALSE(*none->Matches(msg));  // missing is not null
  ASSERT_TRUE(msg.Parse(R"({"meta":5})").ok());
  EXPECT_FALSE(*three->Matches(msg));
  ASSERT_TRUE(msg.Parse(R"({"event_type":"a","event_type":"page_view"})").ok());
  EXPECT_THAT(view->Matches(msg).status().message(), HasSubstr("appears twice"));
  Status truncated = msg.Parse(R"({"event_type":)");
  if (truncated.ok()) truncated = view->Matches(msg).status();  // stage 1 may not see it
  EXPECT_EQ(truncated.code(), StatusCode::kCorruption) << truncated.ToString();
  // A route that meets a syntax error leaves simdjson's document abandoned: the tables
  // reading the same message after it still get the reason (the message is re-indexed).
  ASSERT_TRUE(msg.Parse(R"({"user":1,"event_type":"page_view","x":1 "y":2})").ok());
  auto missing = RouteMatcher::Make(RouteSpec{{"nope"}, "1"});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->Matches(msg).status().code(), StatusCode::kCorruption);
  EXPECT_THAT((*rows_a)->Append(msg, meta, 0).message(), HasSubstr("JSON syntax error at byte 41: expected ',' or '}'"));
  EXPECT_EQ(view->Matches(msg).status().message(), "JSON syntax error at byte 41: expected ',' or '}'");
  EXPECT_EQ(msg.Parse("\xff").code(), StatusCode::kCorruption);
  EXPECT_EQ(view->Matches(msg).status().code(), StatusCode::kCorruption);
  EXPECT_EQ((*rows_a)->Append(msg, meta, 0).code(), StatusCode::kCorruption);

  EXPECT_FALSE(RouteMatcher::Make(RouteSpec{{"a"}, "{}"}).ok());
  EXPECT_FALSE(RouteMatcher::Make(RouteSpec{{"a"}, "page_view"}).ok());
  EXPECT_FALSE(RouteMatcher::Make(RouteSpec{{}, "1"}).ok());
  auto batch_a = (*rows_a)->TakeBatch();
  ASSERT_TRUE(batch_a.ok());
  EXPECT_EQ((*batch_a)->num_rows(), 1);
}

TEST(JsonDecoderTest, SchemaConvertsToDeltaAndTheBatchWritesAsParquet) {
  auto item = Struct({{"sku", T(Kind::kString)}, {"qty", T(Kind::kInteger)}});
  std::vector<ColumnSpec> cols = {
      Col("s", T(Kind::kString)),       Col("l", T(Kind::kLong)),      Col("i", T(Kind::kInteger)),
      Col("sh", T(Kind::kShort)),       Col("b", T(Kind::kByte)),      Col("d", T(Kind::kDouble)),
      Col("f", T(Kind::kFloat)),        Col("bo", T(Kind::kBoolean)),  Col("bin", T(Kind::kBinary)),
      Col("dt", T(Kind::kDate)),        Col("ts", T(Kind::kTimestamp)), Col("dec", Decimal(12, 2)),
      Col("items", Array(item)),        Col("m", Map(T(Kind::kString), T(Kind::kDouble))),
      Col("st", Struct({{"a", T(Kind::kLong)}}))};
  Decoder d(Table(cols));
  ASSERT_TRUE(d.Feed(R"({"s":"x","l":1,"i":2,"sh":3,"b":4,"d":1.5,"f":2.5,"bo":false,"bin":"AAE=","dt":"2024-01-02",
      "ts":"2024-01-02T03:04:05Z","dec":"123.45","items":[{"sku":"a","qty":1}],"m":{"k":1},"st":{"a":9}})")
                  .ok());
  ASSERT_TRUE(d.Feed("{}").ok());
  auto schema_string = delta::ToSchemaString(*d.rows().schema());
  ASSERT_TRUE(schema_string.ok()) << schema_string.status().ToString();
  EXPECT_THAT(*schema_string, HasSubstr(R"x("type":"decimal(12,2)")x"));
  auto back = delta::FromSchemaString(*schema_string);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE((*back)->Equals(*d.rows().schema())) << (*back)->ToString() << "\nvs\n" << d.rows().schema()->ToString();

  auto batch = d.Take();
  ASSERT_TRUE(batch->ValidateFull().ok());
  testing::TempDir dir;
  const std::string file = dir.str() + "/rows.parquet";
  auto table = arrow::Table::FromRecordBatches({batch}).ValueOrDie();
  ASSERT_TRUE(columnar::WriteParquetFile(*table, file).ok());
  auto read = columnar::ReadParquetFile(file);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ((*read)->num_rows(), 2);
  EXPECT_TRUE((*read)->Equals(*table)) << (*read)->ToString();

  // timestamp_ntz columns are Delta's timestamp_ntz.
  Decoder ntz(Table({Col("t", T(Kind::kTimestampNtz))}));
  auto ntz_schema = delta::ToSchemaString(*ntz.rows().schema());
  ASSERT_TRUE(ntz_schema.ok()) << ntz_schema.status().ToString();
  EXPECT_NE(ntz_schema->find("timestamp_ntz"), std::string::npos);
}

TEST(JsonDecoderTest, AllocationFailuresAreNotRejectionsOfTheMessage) {
  auto item = Struct({{"sku", T(Kind::kString)}, {"qty", T(Kind::kInteger)}});
  TableSpec spec = Table({Col("s", T(Kind::kString)), Col("n", T(Kind::kLong)), Col("items", Array(item))});
  for (int64_t budget = 0; budget < 40; ++budget) {
    testing::FailingPool pool(budget);
    auto rows = TableRows::Make(spec, {}, &pool);
    if (!rows.ok()) {
      EXPECT_FALSE(IsRejection(rows.status())) << budget << ": " << rows.status().ToString();
      continue;
    }
    JsonMessage msg;
    Status failure;
    int64_t appended = 0;
    for (int i = 0; i < 20'000 && failure.ok(); ++i) {
      failure = msg.Parse(R"({"s":"a-longer-string-value-)" + std::to_string(i) + R"(","n":)" + std::to_string(i) +
                          R"(,"items":[{"sku":"x","qty":1},{"sku":"y","qty":2}]})");
      ASSERT_TRUE(failure.ok());
      failure = (*rows)->Append(msg, {}, 0);
      if (failure.ok()) ++appended;
    }
    ASSERT_FALSE(failure.ok()) << "budget " << budget << " never ran out";
    EXPECT_FALSE(IsRejection(failure)) << "budget " << budget << ": " << failure.ToString();
    auto batch = (*rows)->TakeBatch();
    if (batch.ok()) {
      EXPECT_EQ((*batch)->num_rows(), appended);
    }
  }
}

TEST(JsonDecoderTest, BatchesRestartAfterTakeBatch) {
  Decoder d(Table({Col("n", T(Kind::kLong)), Col("s", T(Kind::kString))}));
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 5000; ++i) ASSERT_TRUE(d.Feed(R"({"n":)" + std::to_string(i) + R"(,"s":"v"})").ok());
    auto batch = d.Take();
    ASSERT_EQ(batch->num_rows(), 5000);
    EXPECT_EQ(std::static_pointer_cast<arrow::Int64Array>(batch->column(0))->Value(4999), 4999);
  }
}

}  // namespace
}  // namespace orbitlake::pipeline
