#include "columnar/data_file_writer.h"

#include <cmath>

#include <arrow/api.h>
#include <parquet/arrow/reader.h>

#include <gtest/gtest.h>

#include "storage/memory_storage.h"

namespace orbitlake::columnar {
namespace {

std::shared_ptr<arrow::Schema> Schema() {
  return arrow::schema({arrow::field("sat", arrow::utf8()), arrow::field("alt_km", arrow::float64()),
                        arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
                        arrow::field("seq", arrow::int64())});
}

std::shared_ptr<arrow::RecordBatch> Batch(int64_t first, int n) {
  arrow::StringBuilder sat;
  arrow::DoubleBuilder alt;
  arrow::TimestampBuilder ts(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), arrow::default_memory_pool());
  arrow::Int64Builder seq;
  for (int i = 0; i < n; ++i) {
    int64_t k = first + i;
    (void)sat.Append("sat-" + std::to_string(k % 7));
    if (k % 5 == 0) {
      (void)alt.AppendNull();
    } else {
      (void)alt.Append(k % 3 == 0 ? std::nan("") : 400.0 + static_cast<double>(k));
    }
    (void)ts.Append(1'700'000'000'000'000 + k);
    (void)seq.Append(k);
  }
  return arrow::RecordBatch::Make(Schema(), n, {sat.Finish().ValueOrDie(), alt.Finish().ValueOrDie(),
                                                ts.Finish().ValueOrDie(), seq.Finish().ValueOrDie()});
}

TEST(DataFileWriterTest, ManyBatchesOneRowGroupWithStats) {
  storage::MemoryStorage st;
  auto w = DataFileWriter::Open(&st, "date=2026-01-01/part-1.snappy.parquet", Schema());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  for (int b = 0; b < 10; ++b) ASSERT_TRUE((*w)->Write(*Batch(b * 100, 100)).ok());
  EXPECT_EQ(st.file_count(), 0u) << "nothing is visible before Finish";
  auto r = (*w)->Finish();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->stats.num_records, 1000);
  ASSERT_EQ(r->stats.columns.size(), 4u);
  EXPECT_EQ(std::get<std::string>(r->stats.columns[0].min), "sat-0");
  EXPECT_EQ(std::get<std::string>(r->stats.columns[0].max), "sat-6");
  EXPECT_EQ(r->stats.columns[1].null_count, 200);
  EXPECT_EQ(std::get<double>(r->stats.columns[1].min), 401.0);  // NaN ignored
  EXPECT_EQ(std::get<double>(r->stats.columns[1].max), 1398.0);  // 999 is NaN
  EXPECT_EQ(std::get<int64_t>(r->stats.columns[2].min), 1'700'000'000'000'000);
  EXPECT_EQ(std::get<int64_t>(r->stats.columns[3].max), 999);

  auto bytes = st.Read("date=2026-01-01/part-1.snappy.parquet");
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(static_cast<int64_t>(bytes->size()), r->size);
  auto table = ReadParquetBytes(*bytes, "t");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ((*table)->num_rows(), 1000);
  EXPECT_TRUE((*table)->schema()->field(2)->type()->Equals(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")));
}

TEST(DataFileWriterTest, LongStringsKeepAPrefixMinAndNoMax) {
  storage::MemoryStorage st;
  auto schema = arrow::schema({arrow::field("s", arrow::utf8())});
  arrow::StringBuilder b;
  (void)b.Append(std::string(40, 'b'));
  (void)b.Append(std::string(40, 'a'));
  auto batch = arrow::RecordBatch::Make(schema, 2, {b.Finish().ValueOrDie()});
  auto w = DataFileWriter::Open(&st, "x.parquet", schema);
  ASSERT_TRUE((*w)->Write(*batch).ok());
  auto r = (*w)->Finish();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<std::string>(r->stats.columns[0].min), std::string(kMaxStatStringBytes, 'a'));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(r->stats.columns[0].max));
}

TEST(DataFileWriterTest, RejectsBatchOfAnotherSchema) {
  storage::MemoryStorage st;
  auto w = DataFileWriter::Open(&st, "x.parquet", arrow::schema({arrow::field("a", arrow::int32())}));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->Write(*Batch(0, 3)).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace orbitlake::columnar
