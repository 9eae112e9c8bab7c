#include "columnar/parquet_file.h"

#include <arrow/api.h>
#include <parquet/arrow/reader.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>

#include <gtest/gtest.h>

#include "support/test_env.h"

namespace orbitlake::columnar {
namespace {

std::shared_ptr<arrow::Table> SampleTable() {
  arrow::Int64Builder ids;
  arrow::TimestampBuilder ts(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), arrow::default_memory_pool());
  arrow::DoubleBuilder temp;
  for (int i = 0; i < 1000; ++i) {
    (void)ids.Append(i);
    (void)ts.Append(1'700'000'000'000'000 + i * 1000);
    (void)temp.Append(i * 0.5);
  }
  auto schema = arrow::schema({arrow::field("id", arrow::int64()),
                               arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
                               arrow::field("temp_c", arrow::float64())});
  return arrow::Table::Make(schema, {ids.Finish().ValueOrDie(), ts.Finish().ValueOrDie(), temp.Finish().ValueOrDie()});
}

TEST(ParquetFileTest, RoundTripsWithSnappyAndMicrosecondUtcTimestamps) {
  orbitlake::testing::TempDir dir;
  std::string path = dir.str() + "/t.parquet";
  auto table = SampleTable();
  auto size = WriteParquetFile(*table, path);
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_GT(*size, 0);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_EQ(static_cast<int64_t>(std::filesystem::file_size(path)), *size);

  auto back = ReadParquetFile(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE((*back)->Equals(*table)) << (*back)->ToString();

  auto reader = parquet::ParquetFileReader::OpenFile(path);
  auto md = reader->metadata();
  ASSERT_EQ(md->num_row_groups(), 1);
  for (int c = 0; c < md->num_columns(); ++c) {
    EXPECT_EQ(md->RowGroup(0)->ColumnChunk(c)->compression(), parquet::Compression::SNAPPY);
  }
  auto ts_type = md->schema()->Column(1)->logical_type();
  ASSERT_TRUE(ts_type->is_timestamp());
  const auto& t = static_cast<const parquet::TimestampLogicalType&>(*ts_type);
  EXPECT_TRUE(t.is_adjusted_to_utc());
  EXPECT_EQ(t.time_unit(), parquet::LogicalType::TimeUnit::MICROS);
}

TEST(ParquetFileTest, MissingFileIsAnErrorNotACrash) {
  auto r = ReadParquetFile("/nonexistent/x.parquet");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent/x.parquet"), std::string::npos);
}

}  // namespace
}  // namespace orbitlake::columnar
