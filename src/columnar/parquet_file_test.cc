#include "columnar/parquet_file.h"

#include <algorithm>
#include <utility>
#include <vector>

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

// The encodings of column chunk `c` of row group 0 of the file at `path`.
std::vector<parquet::Encoding::type> Encodings(const std::string& path, int c) {
  auto reader = parquet::ParquetFileReader::OpenFile(path);
  return reader->metadata()->RowGroup(0)->ColumnChunk(c)->encodings();
}

bool Has(const std::vector<parquet::Encoding::type>& v, parquet::Encoding::type e) {
  return std::find(v.begin(), v.end(), e) != v.end();
}

std::shared_ptr<arrow::Table> WithStringColumn(const std::shared_ptr<arrow::Table>& t) {
  arrow::StringBuilder sat;
  for (int64_t i = 0; i < t->num_rows(); ++i) (void)sat.Append("sat" + std::to_string(i % 8));
  return t->AddColumn(3, arrow::field("satellite", arrow::utf8()),
                      std::make_shared<arrow::ChunkedArray>(sat.Finish().ValueOrDie()))
      .ValueOrDie();
}

TEST(ParquetFileTest, DefaultEncodingsAreDeltaForIntegersDictionaryForStringsPlainForDoubles) {
  orbitlake::testing::TempDir dir;
  const std::string path = dir.str() + "/e.parquet";
  auto table = WithStringColumn(SampleTable());
  ASSERT_TRUE(WriteParquetFile(*table, path).ok());
  EXPECT_TRUE(Has(Encodings(path, 0), parquet::Encoding::DELTA_BINARY_PACKED));  // id
  EXPECT_TRUE(Has(Encodings(path, 1), parquet::Encoding::DELTA_BINARY_PACKED));  // ts
  EXPECT_FALSE(Has(Encodings(path, 2), parquet::Encoding::BYTE_STREAM_SPLIT));   // temp_c: Spark 3.5
  EXPECT_TRUE(Has(Encodings(path, 2), parquet::Encoding::PLAIN));
  EXPECT_TRUE(Has(Encodings(path, 3), parquet::Encoding::RLE_DICTIONARY));       // satellite
  auto back = ReadParquetFile(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE((*back)->Equals(*table));
}

TEST(ParquetFileTest, EncodingOptionsSwitchColumnsToPlainOrByteStreamSplit) {
  orbitlake::testing::TempDir dir;
  const std::string path = dir.str() + "/e.parquet";
  auto table = SampleTable();
  ParquetWriteOptions o;
  o.delta_encode_integers = false;
  o.byte_stream_split_floats = true;
  ASSERT_TRUE(WriteParquetFile(*table, path, o).ok());
  EXPECT_FALSE(Has(Encodings(path, 0), parquet::Encoding::DELTA_BINARY_PACKED));
  EXPECT_TRUE(Has(Encodings(path, 0), parquet::Encoding::PLAIN));
  EXPECT_TRUE(Has(Encodings(path, 2), parquet::Encoding::BYTE_STREAM_SPLIT));
  auto back = ReadParquetFile(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE((*back)->Equals(*table));
}

TEST(ParquetFileTest, EveryCompressionRoundTripsAndIsRecordedPerColumn) {
  orbitlake::testing::TempDir dir;
  auto table = WithStringColumn(SampleTable());
  const std::pair<Compression, parquet::Compression::type> cases[] = {
      {Compression::kSnappy, parquet::Compression::SNAPPY},
      {Compression::kZstd, parquet::Compression::ZSTD},
      {Compression::kLz4, parquet::Compression::LZ4},
      {Compression::kNone, parquet::Compression::UNCOMPRESSED}};
  for (const auto& [c, codec] : cases) {
    const std::string path = dir.str() + "/" + std::string(CompressionName(c)) + ".parquet";
    ParquetWriteOptions o;
    o.compression = c;
    ASSERT_TRUE(WriteParquetFile(*table, path, o).ok()) << CompressionName(c);
    auto md = parquet::ParquetFileReader::OpenFile(path)->metadata();
    for (int col = 0; col < md->num_columns(); ++col) {
      EXPECT_EQ(md->RowGroup(0)->ColumnChunk(col)->compression(), codec) << CompressionName(c) << " column " << col;
    }
    auto back = ReadParquetFile(path);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE((*back)->Equals(*table)) << CompressionName(c);
  }
}

TEST(ParquetFileTest, ParseCompressionAcceptsTheFourNamesOnly) {
  for (Compression c : {Compression::kSnappy, Compression::kZstd, Compression::kLz4, Compression::kNone}) {
    auto parsed = ParseCompression(CompressionName(c));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, c);
  }
  auto upper = ParseCompression("ZSTD");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(*upper, Compression::kZstd);
  for (const char* bad : {"gzip", "", "snappy ", "lz4_raw"}) {
    auto r = ParseCompression(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("snappy, zstd, lz4 or none"), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace orbitlake::columnar
