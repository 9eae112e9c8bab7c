#include "files/records.h"

#include <zlib.h>

#include <gtest/gtest.h>

namespace orbitlake::files {
namespace {

std::vector<std::pair<std::string, int64_t>> Split(std::string_view text) {
  std::vector<Record> recs;
  SplitRecords(text, &recs);
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto& r : recs) out.emplace_back(std::string(r.json), r.line);
  return out;
}

std::string Gzip(std::string_view text) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, text.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

TEST(SplitRecordsTest, JsonLinesSkipBlankLinesAndKeepLineNumbers) {
  EXPECT_EQ(Split("{\"a\":1}\n\n  \n{\"a\":2}\r\n{\"a\":3}"),
            (std::vector<std::pair<std::string, int64_t>>{{"{\"a\":1}", 1}, {"{\"a\":2}", 4}, {"{\"a\":3}", 5}}));
  EXPECT_TRUE(Split("").empty());
  EXPECT_TRUE(Split("\n \n").empty());
}

TEST(SplitRecordsTest, MalformedLinesAreRecordsToo) {
  // The decoder rejects them with their line: nothing is dropped here.
  EXPECT_EQ(Split("{\"a\":1}\n{\"a\":\nnot json\n"),
            (std::vector<std::pair<std::string, int64_t>>{{"{\"a\":1}", 1}, {"{\"a\":", 2}, {"not json", 3}}));
}

TEST(SplitRecordsTest, WholeFileArrayElementsWithTheirLines) {
  EXPECT_EQ(Split("\n[\n  {\"a\": [1, 2], \"s\": \"x],{\\\"y\"},\n  {\"b\": {\"c\": [3]}} ,\n 7\n]\n"),
            (std::vector<std::pair<std::string, int64_t>>{
                {"{\"a\": [1, 2], \"s\": \"x],{\\\"y\"}", 3}, {"{\"b\": {\"c\": [3]}}", 4}, {"7", 5}}));
  EXPECT_TRUE(Split("[]").empty());
  EXPECT_TRUE(Split(" [ \n ] ").empty());
}

TEST(SplitRecordsTest, ArrayLeftoversBecomeRecordsInsteadOfVanishing) {
  EXPECT_EQ(Split("[{\"a\":1}, {\"a\":"),
            (std::vector<std::pair<std::string, int64_t>>{{"{\"a\":1}", 1}, {"{\"a\":", 1}}));
  EXPECT_EQ(Split("[{\"a\":1}]\n trailing\n"),
            (std::vector<std::pair<std::string, int64_t>>{{"{\"a\":1}", 1}, {"trailing", 2}}));
}

TEST(DecodeFileBytesTest, GunzipsByNameIncludingConcatenatedMembers) {
  auto plain = DecodeFileBytes("a.json", "{\"a\":1}\n", 1 << 20);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, "{\"a\":1}\n");
  auto gz = DecodeFileBytes("a.json.gz", Gzip("{\"a\":1}\n") + Gzip("{\"a\":2}\n"), 1 << 20);
  ASSERT_TRUE(gz.ok()) << gz.status().ToString();
  EXPECT_EQ(*gz, "{\"a\":1}\n{\"a\":2}\n");
  std::string big(300'000, 'x');
  auto large = DecodeFileBytes("big.json.gz", Gzip(big), 1 << 20);
  ASSERT_TRUE(large.ok());
  EXPECT_EQ(*large, big);
}

TEST(DecodeFileBytesTest, CorruptTruncatedAndOversizedGzipAreErrorsNamingTheFile) {
  auto bad = DecodeFileBytes("x.json.gz", "this is not gzip", 1 << 20);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("x.json.gz"), std::string::npos);
  std::string gz = Gzip(std::string(100'000, 'y'));
  auto cut = DecodeFileBytes("cut.json.gz", gz.substr(0, gz.size() / 2), 1 << 20);
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.status().message().find("truncated"), std::string::npos) << cut.status().ToString();
  auto huge = DecodeFileBytes("bomb.json.gz", Gzip(std::string(2'000'000, 'z')), 1 << 20);
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.status().message().find("more than"), std::string::npos);
}

}  // namespace
}  // namespace orbitlake::files
