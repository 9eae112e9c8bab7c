#include "readers/text_table.h"

#include <arrow/api.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/satellite_batch.h"

namespace orbitlake::readers {
namespace {

TextTable Small() {
  TextTable t;
  t.columns = {"name", "n", "x"};
  t.rows.push_back({Cell::String("sat0"), Cell::Int(7), Cell::Number("1.5")});
  t.rows.push_back({Cell::String("a,\"b\""), Cell::Int(12345), Cell::Null()});
  return t;
}

TEST(TextTable, AlignsNumbersRightAndStringsLeft) {
  EXPECT_EQ(Render(Small(), Format::kTable),
            "name       n     x\n"
            "sat0       7   1.5\n"
            "a,\"b\"  12345  null\n");
}

TEST(TextTable, CsvQuotesOnlyWhereNeededAndNullIsEmpty) {
  EXPECT_EQ(Render(Small(), Format::kCsv), "name,n,x\nsat0,7,1.5\n\"a,\"\"b\"\"\",12345,\n");
  EXPECT_EQ(Render(Small(), Format::kCsv, /*header=*/false), "sat0,7,1.5\n\"a,\"\"b\"\"\",12345,\n");
}

TEST(TextTable, JsonLinesKeepTypes) {
  EXPECT_EQ(Render(Small(), Format::kJson),
            "{\"name\":\"sat0\",\"n\":7,\"x\":1.5}\n{\"name\":\"a,\\\"b\\\"\",\"n\":12345,\"x\":null}\n");
  EXPECT_EQ(JsonString("a\nb\x01"), "\"a\\nb\\u0001\"");
}

TEST(TextTable, ParsesFormats) {
  EXPECT_EQ(*ParseFormat("csv"), Format::kCsv);
  EXPECT_FALSE(ParseFormat("xml").ok());
}

TEST(TextTable, Timestamps) {
  EXPECT_EQ(IsoTimestampMicros(1'767'225'600'123'456), "2026-01-01T00:00:00.123456Z");
  EXPECT_EQ(IsoTimestampMicros(1'767'225'600'123'456, 3, ' '), "2026-01-01 00:00:00.123");
  EXPECT_EQ(IsoTimestampMicros(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(TextTable, FromArrowConvertsEveryTypeAndSelectsColumns) {
  auto batch = testing::SatelliteBatch(0, 3);
  auto table = *arrow::Table::FromRecordBatches({batch});
  auto all = FromArrow(*table);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->rows.size(), 3u);
  EXPECT_EQ(all->columns.size(), 8u);
  auto some = FromArrow(*table, {"seq", "ts", "date"});
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(Render(*some, Format::kCsv),
            "seq,ts,date\n0,2026-01-01T00:00:00.000000Z,2026-01-01\n1,2026-01-01T00:00:00.001000Z,2026-01-01\n"
            "2,2026-01-01T00:00:00.002000Z,2026-01-01\n");
  EXPECT_EQ(Render(*some, Format::kTable),
            "seq  ts                       date\n"
            "  0  2026-01-01 00:00:00.000  2026-01-01\n"
            "  1  2026-01-01 00:00:00.001  2026-01-01\n"
            "  2  2026-01-01 00:00:00.002  2026-01-01\n");
  auto bad = FromArrow(*table, {"nope"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("no column 'nope'"), std::string::npos);
}

TEST(TextTable, SortsByTimeColumn) {
  auto table = *arrow::Table::FromRecordBatches({testing::SatelliteBatch(5, 2), testing::SatelliteBatch(0, 2)});
  auto rows = *FromArrow(*table, {"seq"});
  SortRowsBy(*table, "ts", &rows);
  EXPECT_EQ(Render(rows, Format::kCsv, false), "0\n1\n5\n6\n");
}

std::shared_ptr<arrow::Array> Finish(arrow::ArrayBuilder& b) {
  std::shared_ptr<arrow::Array> a;
  EXPECT_TRUE(b.Finish(&a).ok());
  return a;
}

TEST(TextTable, TimestampsWithoutATimeZoneHaveNoZ) {
  // timestamp (UTC) ends in Z; timestamp_ntz is a wall-clock time and must not claim UTC.
  arrow::TimestampBuilder utc(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), arrow::default_memory_pool());
  arrow::TimestampBuilder ntz(arrow::timestamp(arrow::TimeUnit::MICRO), arrow::default_memory_pool());
  ASSERT_TRUE(utc.Append(1'767'225'600'123'456).ok());
  ASSERT_TRUE(ntz.Append(1'767'225'600'123'456).ok());
  auto table = arrow::Table::Make(
      arrow::schema({arrow::field("utc", utc.type()), arrow::field("ntz", ntz.type())}), {Finish(utc), Finish(ntz)});
  EXPECT_EQ(Render(*FromArrow(*table), Format::kJson),
            "{\"utc\":\"2026-01-01T00:00:00.123456Z\",\"ntz\":\"2026-01-01T00:00:00.123456\"}\n");
}

TEST(TextTable, BinaryIsBase64InCsvAndJsonAndAHexPreviewInTheTable) {
  arrow::BinaryBuilder b;
  ASSERT_TRUE(b.Append(std::string("\x0a\x1b\x00", 3)).ok());
  std::string long_value(300, '\0');
  for (size_t i = 0; i < long_value.size(); ++i) long_value[i] = static_cast<char>(i);
  ASSERT_TRUE(b.Append(long_value).ok());
  ASSERT_TRUE(b.AppendNull().ok());
  auto table = arrow::Table::Make(arrow::schema({arrow::field("raw", arrow::binary())}), {Finish(b)});
  auto rows = *FromArrow(*table);
  EXPECT_EQ(Render(rows, Format::kTable),
            "raw\n"
            "0x0a1b00\n"
            "0x0001020304050607\u2026 (300 bytes)\n"
            "null\n");
  std::string csv = Render(rows, Format::kCsv);
  EXPECT_EQ(csv.find('\0'), std::string::npos);
  EXPECT_EQ(csv.substr(0, 14), "raw\nChsA\nAAECA");
  std::string json = Render(rows, Format::kJson);
  EXPECT_EQ(json.substr(0, 16), "{\"raw\":\"ChsA\"}\n{");
  // The base64 text decodes back to the bytes (checked on the long value's length).
  auto second = nlohmann::json::parse(json.substr(json.find('\n') + 1, json.find('\n', 16) - json.find('\n') - 1));
  EXPECT_EQ(second["raw"].get<std::string>().size(), 400u);  // 300 bytes -> 400 base64 characters
}

TEST(TextTable, NestedValuesAreJsonInEveryFormat) {
  auto pool = arrow::default_memory_pool();
  // list<long>: [1, null, 3], null, []
  auto ints = std::make_shared<arrow::Int64Builder>(pool);
  arrow::ListBuilder list(pool, ints);
  ASSERT_TRUE(list.Append().ok());
  ASSERT_TRUE(ints->Append(1).ok());
  ASSERT_TRUE(ints->AppendNull().ok());
  ASSERT_TRUE(ints->Append(3).ok());
  ASSERT_TRUE(list.AppendNull().ok());
  ASSERT_TRUE(list.Append().ok());
  // struct<lat:double, name:string, raw:binary>
  auto lat = std::make_shared<arrow::DoubleBuilder>(pool);
  auto name = std::make_shared<arrow::StringBuilder>(pool);
  auto raw = std::make_shared<arrow::BinaryBuilder>(pool);
  auto st_type = arrow::struct_({arrow::field("lat", arrow::float64()), arrow::field("name", arrow::utf8()),
                                 arrow::field("raw", arrow::binary())});
  arrow::StructBuilder st(st_type, pool, {lat, name, raw});
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(st.Append().ok());
    ASSERT_TRUE(lat->Append(0.5 + i).ok());
    ASSERT_TRUE(name->Append(i == 0 ? "a\"b" : "x").ok());
    ASSERT_TRUE(raw->Append(std::string("\xff", 1)).ok());
  }
  // map<string,long> and map<integer,string>
  auto keys = std::make_shared<arrow::StringBuilder>(pool);
  auto items = std::make_shared<arrow::Int64Builder>(pool);
  arrow::MapBuilder smap(pool, keys, items);
  auto ikeys = std::make_shared<arrow::Int32Builder>(pool);
  auto sitems = std::make_shared<arrow::StringBuilder>(pool);
  arrow::MapBuilder imap(pool, ikeys, sitems);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(smap.Append().ok());
    ASSERT_TRUE(keys->Append("k").ok());
    ASSERT_TRUE(items->Append(i).ok());
    ASSERT_TRUE(imap.Append().ok());
    ASSERT_TRUE(ikeys->Append(7).ok());
    ASSERT_TRUE(sitems->Append("v").ok());
  }
  auto schema = arrow::schema({arrow::field("l", arrow::list(arrow::int64())), arrow::field("s", st_type),
                               arrow::field("m", smap.type()), arrow::field("im", imap.type())});
  auto table = arrow::Table::Make(schema, {Finish(list), Finish(st), Finish(smap), Finish(imap)});
  // A slice: offsets of nested children must follow the parent's.
  auto rows = *FromArrow(*table->Slice(0, 3));
  EXPECT_EQ(Render(rows, Format::kJson),
            "{\"l\":[1,null,3],\"s\":{\"lat\":0.5,\"name\":\"a\\\"b\",\"raw\":\"/w==\"},\"m\":{\"k\":0},"
            "\"im\":[{\"key\":7,\"value\":\"v\"}]}\n"
            "{\"l\":null,\"s\":{\"lat\":1.5,\"name\":\"x\",\"raw\":\"/w==\"},\"m\":{\"k\":1},"
            "\"im\":[{\"key\":7,\"value\":\"v\"}]}\n"
            "{\"l\":[],\"s\":{\"lat\":2.5,\"name\":\"x\",\"raw\":\"/w==\"},\"m\":{\"k\":2},"
            "\"im\":[{\"key\":7,\"value\":\"v\"}]}\n");
  auto sliced = *FromArrow(*table->Slice(1, 2), {"s", "m"});
  EXPECT_EQ(Render(sliced, Format::kCsv),
            "s,m\n"
            "\"{\"\"lat\"\":1.5,\"\"name\"\":\"\"x\"\",\"\"raw\"\":\"\"/w==\"\"}\",\"{\"\"k\"\":1}\"\n"
            "\"{\"\"lat\"\":2.5,\"\"name\"\":\"\"x\"\",\"\"raw\"\":\"\"/w==\"\"}\",\"{\"\"k\"\":2}\"\n");
  EXPECT_EQ(Render(sliced, Format::kTable),
            "s                                    m\n"
            "{\"lat\":1.5,\"name\":\"x\",\"raw\":\"/w==\"}  {\"k\":1}\n"
            "{\"lat\":2.5,\"name\":\"x\",\"raw\":\"/w==\"}  {\"k\":2}\n");
}

TEST(TextTable, HostileStringsCannotBreakJsonCsvOrTheTerminal) {
  const std::string hostile = std::string("ok \x1b[31mred\x1b[0m \xff\xfe nul\0 \xc2\x9b bell\x07 \xc3\xa9 tab\t", 40);
  arrow::StringBuilder b;
  ASSERT_TRUE(b.Append(hostile).ok());  // Arrow does not validate UTF-8 on append
  auto table = arrow::Table::Make(arrow::schema({arrow::field("s\x1b", arrow::utf8())}), {Finish(b)});
  auto rows = *FromArrow(*table);

  std::string json = Render(rows, Format::kJson);
  auto parsed = nlohmann::json::parse(json);  // throws on invalid UTF-8 or raw controls
  EXPECT_EQ(parsed["s\x1b"].get<std::string>(),
            "ok \x1b[31mred\x1b[0m \xef\xbf\xbd\xef\xbf\xbd nul" + std::string("\0", 1) +
                " \xc2\x9b bell\x07 \xc3\xa9 tab\t");
  for (unsigned char ch : json.substr(0, json.size() - 1)) EXPECT_GE(ch, 0x20) << json;

  std::string table_text = Render(rows, Format::kTable);
  EXPECT_EQ(table_text,
            "s\\x1b\n"
            "ok \\x1b[31mred\\x1b[0m \\xff\\xfe nul\\x00 \\u009b bell\\x07 \xc3\xa9 tab\\t\n");

  std::string csv = Render(rows, Format::kCsv);
  EXPECT_TRUE(nlohmann::json::accept(JsonString(csv)));
  EXPECT_EQ(csv.find("\xff"), std::string::npos);
  EXPECT_EQ(csv.substr(0, 4), "\"s\x1b\"");  // quoted: it holds a control character
}

TEST(TextTable, AlignsByDisplayWidthNotBytes) {
  TextTable t;
  t.columns = {"name", "n"};
  t.rows.push_back({Cell::String("\xc3\xa9t\xc3\xa9"), Cell::Int(1)});
  t.rows.push_back({Cell::String("abcd"), Cell::Int(22)});
  EXPECT_EQ(Render(t, Format::kTable), "name   n\n\xc3\xa9t\xc3\xa9    1\nabcd  22\n");
}

}  // namespace
}  // namespace orbitlake::readers
