#include "columnar/parquet_ranged.h"

#include <fstream>
#include <mutex>
#include <sstream>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "columnar/parquet_file.h"
#include "support/test_env.h"

namespace orbitlake::columnar {
namespace {

// A 20,000-row file with a wide string column and a narrow long column, in four row groups.
std::string SampleFile(const std::string& path) {
  arrow::StringBuilder text;
  arrow::Int64Builder ids;
  uint64_t x = 88172645463325252ULL;  // xorshift: text that does not compress
  for (int i = 0; i < 20'000; ++i) {
    std::string s(200, ' ');
    for (char& ch : s) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      ch = static_cast<char>('a' + x % 26);
    }
    EXPECT_TRUE(text.Append(s).ok());
    EXPECT_TRUE(ids.Append(i).ok());
  }
  auto table = arrow::Table::Make(
      arrow::schema({arrow::field("text", arrow::utf8()), arrow::field("id", arrow::int64())}),
      {text.Finish().ValueOrDie(), ids.Finish().ValueOrDie()});
  ParquetWriteOptions o;
  o.row_group_rows = 5'000;
  EXPECT_TRUE(WriteParquetFile(*table, path, o).ok());
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Counter {
  std::mutex mu;
  int64_t reads = 0, bytes = 0;
};

RangeReader Over(const std::string& file, Counter* c) {
  return [&file, c](int64_t offset, int64_t length) -> Result<std::string> {
    std::lock_guard lock(c->mu);
    ++c->reads;
    c->bytes += length;
    return file.substr(static_cast<size_t>(offset), static_cast<size_t>(length));
  };
}

TEST(ParquetRangedTest, OneColumnReadsOnlyItsChunksAndTheFooter) {
  orbitlake::testing::TempDir dir;
  const std::string file = SampleFile((dir.path() / "f.parquet").string());
  Counter c;
  auto t = ReadParquetRanges(static_cast<int64_t>(file.size()), Over(file, &c), {"id"}, "f.parquet");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ((*t)->num_columns(), 1);
  ASSERT_EQ((*t)->num_rows(), 20'000);
  auto ids = std::static_pointer_cast<arrow::Int64Array>((*t)->column(0)->chunk(0));
  EXPECT_EQ(ids->Value(0), 0);
  EXPECT_EQ(std::static_pointer_cast<arrow::Int64Array>((*t)->column(0)->chunks().back())->Value(
                (*t)->column(0)->chunks().back()->length() - 1),
            19'999);
  // The id chunks are a few KiB of a file of megabytes; reads are coalesced, not per page.
  EXPECT_LT(c.bytes, static_cast<int64_t>(file.size()) / 10) << c.bytes << " of " << file.size();
  EXPECT_LE(c.reads, 12);
}

TEST(ParquetRangedTest, AllColumnsEqualTheWholeFileRead) {
  orbitlake::testing::TempDir dir;
  const std::string file = SampleFile((dir.path() / "f.parquet").string());
  Counter c;
  auto ranged = ReadParquetRanges(static_cast<int64_t>(file.size()), Over(file, &c), {}, "f.parquet");
  ASSERT_TRUE(ranged.ok()) << ranged.status().ToString();
  auto whole = ReadParquetBytes(file, "f.parquet");
  ASSERT_TRUE(whole.ok());
  EXPECT_TRUE((*ranged)->Equals(**whole));
}

TEST(ParquetRangedTest, ErrorsNameTheFile) {
  const std::string junk(1000, 'x');
  Counter c;
  auto t = ReadParquetRanges(1000, Over(junk, &c), {}, "s3://b/t/junk.parquet");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("s3://b/t/junk.parquet"), std::string::npos) << t.status().message();
  // A reader that fails is an error of the read, with its reason.
  auto failing = ReadParquetRanges(
      100'000, [](int64_t, int64_t) -> Result<std::string> { return Status::Unavailable("S3 GET 503 SlowDown"); }, {},
      "f");
  ASSERT_FALSE(failing.ok());
  EXPECT_NE(failing.status().message().find("SlowDown"), std::string::npos) << failing.status().message();
}

}  // namespace
}  // namespace orbitlake::columnar
