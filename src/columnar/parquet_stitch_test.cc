#include "columnar/parquet_stitch.h"

#include <cstring>

#include <arrow/api.h>
#include <arrow/io/memory.h>
#include <parquet/arrow/reader.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>
#include <parquet/statistics.h>

#include <gtest/gtest.h>

#include "columnar/data_file_writer.h"
#include "columnar/parquet_file.h"
#include "columnar/thrift_compact.h"
#include "storage/memory_storage.h"

namespace orbitlake::columnar {
namespace {

std::shared_ptr<arrow::Schema> Schema() {
  return arrow::schema({arrow::field("sat", arrow::utf8()), arrow::field("alt_km", arrow::float64()),
                        arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
                        arrow::field("seq", arrow::int64()), arrow::field("ok", arrow::boolean())});
}

std::shared_ptr<arrow::RecordBatch> Batch(int64_t first, int n) {
  arrow::StringBuilder sat;
  arrow::DoubleBuilder alt;
  arrow::TimestampBuilder ts(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), arrow::default_memory_pool());
  arrow::Int64Builder seq;
  arrow::BooleanBuilder ok;
  for (int i = 0; i < n; ++i) {
    const int64_t k = first + i;
    (void)sat.Append("sat-" + std::to_string(k % 7));
    if (k % 5 == 0) {
      (void)alt.AppendNull();
    } else {
      (void)alt.Append(400.0 + static_cast<double>(k) / 3);
    }
    (void)ts.Append(1'700'000'000'000'000 + k * 1000);
    (void)seq.Append(k);
    (void)ok.Append(k % 2 == 0);
  }
  return arrow::RecordBatch::Make(Schema(), n, {sat.Finish().ValueOrDie(), alt.Finish().ValueOrDie(),
                                                ts.Finish().ValueOrDie(), seq.Finish().ValueOrDie(),
                                                ok.Finish().ValueOrDie()});
}

// A file of rows [first, first + n), in row groups of `group_rows`.
std::string File(storage::MemoryStorage& st, const std::string& path, int64_t first, int n,
                 ParquetWriteOptions o = {}) {
  auto w = DataFileWriter::Open(&st, path, Schema(), o);
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  for (int done = 0; done < n; done += 100) EXPECT_TRUE((*w)->Write(*Batch(first + done, std::min(100, n - done))).ok());
  EXPECT_TRUE((*w)->Finish().ok());
  return *st.Read(path);
}

std::shared_ptr<arrow::Table> ReadAll(const std::string& bytes) {
  auto t = ReadParquetBytes(bytes, "stitched");
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : nullptr;
}

TEST(ParquetStitchTest, CopiesEveryRowGroupAndReadsBackAsTheConcatenation) {
  storage::MemoryStorage st;
  ParquetWriteOptions small_groups;
  small_groups.row_group_rows = 300;
  ParquetWriteOptions zstd;
  zstd.compression = Compression::kZstd;
  const std::vector<std::string> inputs = {File(st, "a.parquet", 0, 1000, small_groups),  // 4 row groups
                                           File(st, "b.parquet", 1000, 250),
                                           File(st, "c.parquet", 1250, 700, zstd)};  // another codec
  auto s = ParquetStitcher::Open(&st, "out.parquet");
  ASSERT_TRUE(s.ok());
  for (size_t i = 0; i < inputs.size(); ++i) {
    ASSERT_TRUE((*s)->Add(inputs[i], "in" + std::to_string(i)).ok());
  }
  EXPECT_FALSE(st.Read("out.parquet").ok()) << "nothing visible before Finish";
  auto r = (*s)->Finish();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows, 1950);
  EXPECT_EQ(r->row_groups, 6);
  auto out = st.Read("out.parquet");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(static_cast<int64_t>(out->size()), r->size);
  size_t in_bytes = 0;
  for (const auto& i : inputs) in_bytes += i.size();
  EXPECT_LT(out->size(), in_bytes) << "one footer instead of three";

  auto got = ReadAll(*out);
  ASSERT_TRUE(got);
  std::shared_ptr<arrow::Table> want;
  {
    std::vector<std::shared_ptr<arrow::Table>> parts;
    for (const auto& i : inputs) parts.push_back(ReadAll(i));
    want = *arrow::ConcatenateTables(parts);
  }
  ASSERT_EQ(got->num_rows(), 1950);
  EXPECT_TRUE(got->schema()->Equals(*want->schema())) << got->schema()->ToString();
  EXPECT_TRUE(got->Equals(*want));

  // Row-group metadata points at the copied bytes: statistics and offsets per group.
  auto reader = parquet::ParquetFileReader::Open(std::make_shared<arrow::io::BufferReader>(arrow::Buffer::FromString(*out)));
  auto meta = reader->metadata();
  ASSERT_EQ(meta->num_row_groups(), 6);
  EXPECT_EQ(meta->num_rows(), 1950);
  int64_t previous_end = 4;
  for (int g = 0; g < 6; ++g) {
    auto group = meta->RowGroup(g);
    for (int c = 0; c < group->num_columns(); ++c) {
      auto col = group->ColumnChunk(c);
      const int64_t start = col->has_dictionary_page() ? col->dictionary_page_offset() : col->data_page_offset();
      EXPECT_EQ(start, previous_end) << "group " << g << " column " << c << ": chunks follow each other";
      previous_end = start + col->total_compressed_size();
      ASSERT_TRUE(col->is_stats_set());
    }
  }
  auto seq = std::static_pointer_cast<parquet::Int64Statistics>(meta->RowGroup(5)->ColumnChunk(3)->statistics());
  EXPECT_EQ(seq->min(), 1250);
  EXPECT_EQ(seq->max(), 1949);
}

TEST(ParquetStitchTest, ArrowsFooterRoundTripsByteForByte) {
  storage::MemoryStorage st;
  ParquetWriteOptions o;
  o.row_group_rows = 128;
  const std::string file = File(st, "a.parquet", 0, 1000, o);
  uint32_t len = 0;
  std::memcpy(&len, file.data() + file.size() - 8, 4);
  const std::string footer = file.substr(file.size() - 8 - len, len);
  auto meta = thrift::ParseStruct(footer, "footer");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  std::string again;
  thrift::WriteStruct(*meta, &again);
  EXPECT_EQ(again, footer);
}

TEST(ParquetStitchTest, StitchedFilesStitchAgain) {
  storage::MemoryStorage st;
  auto first = ParquetStitcher::Open(&st, "one.parquet");
  ASSERT_TRUE((*first)->Add(File(st, "a.parquet", 0, 100), "a").ok());
  ASSERT_TRUE((*first)->Add(File(st, "b.parquet", 100, 100), "b").ok());
  ASSERT_TRUE((*first)->Finish().ok());
  auto second = ParquetStitcher::Open(&st, "two.parquet");
  ASSERT_TRUE((*second)->Add(*st.Read("one.parquet"), "one").ok());
  ASSERT_TRUE((*second)->Add(File(st, "c.parquet", 200, 50), "c").ok());
  auto r = (*second)->Finish();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->row_groups, 3);
  auto t = ReadAll(*st.Read("two.parquet"));
  ASSERT_TRUE(t);
  auto combined = t->CombineChunks().ValueOrDie();
  auto seqs = std::static_pointer_cast<arrow::Int64Array>(combined->GetColumnByName("seq")->chunk(0));
  ASSERT_EQ(seqs->length(), 250);
  for (int64_t i = 0; i < 250; ++i) ASSERT_EQ(seqs->Value(i), i);
  auto groups = CountRowGroups(*st.Read("two.parquet"), "two");
  ASSERT_TRUE(groups.ok());
  EXPECT_EQ(*groups, 3);
}

TEST(ParquetStitchTest, ADifferentSchemaIsUnsupportedAndWritesNothingOfIt) {
  storage::MemoryStorage st;
  const std::string a = File(st, "a.parquet", 0, 100);
  auto other = arrow::schema({arrow::field("x", arrow::int32())});
  arrow::Int32Builder b;
  (void)b.Append(1);
  auto t = arrow::Table::Make(other, {b.Finish().ValueOrDie()});
  auto w = DataFileWriter::Open(&st, "x.parquet", other);
  ASSERT_TRUE((*w)->Write(*arrow::RecordBatch::Make(other, 1, {t->column(0)->chunk(0)})).ok());
  ASSERT_TRUE((*w)->Finish().ok());
  auto s = ParquetStitcher::Open(&st, "out.parquet");
  ASSERT_TRUE((*s)->Add(a, "a").ok());
  const Status st2 = (*s)->Add(*st.Read("x.parquet"), "date=1/x.parquet");
  EXPECT_EQ(st2.code(), StatusCode::kUnsupported);
  EXPECT_NE(st2.message().find("date=1/x.parquet"), std::string::npos) << st2.message();
  EXPECT_EQ((*s)->row_groups(), 1);
}

TEST(ParquetStitchTest, MalformedFilesAreCorruptionNamingThem) {
  storage::MemoryStorage st;
  const std::string good = File(st, "a.parquet", 0, 100);
  std::string truncated_footer = good;
  truncated_footer.replace(truncated_footer.size() - 8, 4, std::string("\xff\xff\x00\x00", 4));
  std::string bad_offsets = good;
  // Flip bytes inside the footer: either the Thrift or the offsets it holds break.
  for (size_t i = good.size() - 40; i < good.size() - 8; ++i) bad_offsets[i] = static_cast<char>(0xff);
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"short.parquet", "PAR1PAR1"}, {"nomagic.parquet", "X" + good.substr(1)},
           {"len.parquet", truncated_footer}, {"offsets.parquet", bad_offsets}}) {
    auto s = ParquetStitcher::Open(&st, "out-" + name);
    const Status r = (*s)->Add(bytes, name);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.code(), StatusCode::kCorruption) << name << ": " << r.ToString();
    EXPECT_EQ(r.message().rfind(name, 0), 0u) << r.message();
  }
}

}  // namespace
}  // namespace orbitlake::columnar
