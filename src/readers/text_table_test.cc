#include "readers/text_table.h"

#include <arrow/api.h>
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace orbitlake::readers
