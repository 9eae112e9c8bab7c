#include "samples/sample_file.h"

#include <bit>
#include <charconv>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "support/test_env.h"

namespace orbitlake::samples {
namespace {

using orbitlake::testing::TempDir;

class SampleFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& content) {
    std::string path = (dir_.path() / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  // Reads every row; bad rows become their error messages in `errors`.
  std::vector<SampleRow> ReadAll(const std::string& path, std::vector<std::string>* errors = nullptr,
                                 const SampleReaderOptions& options = {}) {
    auto r = SampleReader::Open(path, options);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<SampleRow> rows;
    if (!r.ok()) return rows;
    for (;;) {
      SampleRow row;
      auto more = (*r)->Next(&row);
      if (!more.ok()) {
        EXPECT_EQ(more.status().code(), StatusCode::kInvalidArgument);
        if (errors != nullptr) errors->push_back(more.status().message());
        continue;
      }
      if (!*more) break;
      rows.push_back(row);
    }
    return rows;
  }
  std::string Error(const std::string& content) {
    std::vector<std::string> errors;
    ReadAll(Write("sat0.csv", std::string(kSampleHeader) + "\n" + content), &errors);
    return errors.empty() ? "" : errors.front();
  }

  TempDir dir_;
};

const std::string kHeader = std::string(kSampleHeader) + "\n";

// A buffer smaller than a line makes every line straddle refills and buffer growth; the
// results must be the same as with the default buffer, errors included.
TEST_F(SampleFileTest, TinyReadBufferGivesTheSameRowsAndErrors) {
  const std::string path = Write("sat0.csv", "\xEF\xBB\xBF" + kHeader + "1.5,2,3,4,5,6\r\nx,2,3,4,5,6\n\n" +
                                                 "-8.67,46.33,1270.95,0.5,0.45,0.52\n\n\n");
  std::vector<std::string> errors, tiny_errors;
  const auto rows = ReadAll(path, &errors);
  for (size_t chunk : {1, 2, 7}) {
    tiny_errors.clear();
    const auto tiny = ReadAll(path, &tiny_errors, SampleReaderOptions{.read_chunk = chunk});
    ASSERT_EQ(tiny.size(), rows.size()) << chunk;
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(tiny[i].values, rows[i].values);
      EXPECT_EQ(tiny[i].line, rows[i].line);
    }
    EXPECT_EQ(tiny_errors, errors) << chunk;
  }
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], path + ":3:1: 'x' is not a number, for 'temp_c' (column 1)");
  EXPECT_EQ(errors[1], path + ":4:1: blank line between rows");
  EXPECT_FALSE(SampleReader::Open(path, SampleReaderOptions{.read_chunk = 0}).ok());
}

TEST_F(SampleFileTest, ReadsRowsWithIndexesAndLines) {
  auto rows = ReadAll(Write("sat0.csv", kHeader + "17.74,54.09,786.75,0.42,0.52,0.47\n-8.67,46.33,1270.95,0.5,0.45,0.52\n"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].index, 0u);
  EXPECT_EQ(rows[0].line, 2);
  EXPECT_EQ(rows[0].values, (telemetry::Measurements{17.74, 54.09, 786.75, 0.42, 0.52, 0.47}));
  EXPECT_EQ(rows[1].index, 1u);
  EXPECT_EQ(rows[1].line, 3);
  EXPECT_EQ(rows[1].values.temp_c, -8.67);
}

TEST_F(SampleFileTest, AcceptsCrlfMissingFinalNewlineAndTrailingBlankLines) {
  const std::string hdr = std::string(kSampleHeader);
  EXPECT_EQ(ReadAll(Write("a.csv", hdr + "\r\n1,2,3,4,5,6\r\n7,8,9,10,11,12\r\n")).size(), 2u);
  EXPECT_EQ(ReadAll(Write("b.csv", hdr + "\n1,2,3,4,5,6\n7,8,9,10,11,12")).size(), 2u);
  EXPECT_EQ(ReadAll(Write("c.csv", hdr + "\n1,2,3,4,5,6\n\n")).size(), 1u);
  EXPECT_EQ(ReadAll(Write("d.csv", hdr + "\r\n1,2,3,4,5,6\r\n\r\n\r\n")).size(), 1u);
  EXPECT_EQ(ReadAll(Write("e.csv", hdr)).size(), 0u);
  EXPECT_EQ(ReadAll(Write("f.csv", "\xEF\xBB\xBF" + hdr + "\n1,2,3,4,5,6\n")).size(), 1u);
}

TEST_F(SampleFileTest, RowsLongerThanTheBufferAndManyRows) {
  std::string content = kHeader;
  for (int i = 0; i < 100'000; ++i) content += std::to_string(i) + ".25,1,2,3,4,5\n";
  auto rows = ReadAll(Write("big.csv", content));
  ASSERT_EQ(rows.size(), 100'000u);
  EXPECT_EQ(rows[99'999].values.temp_c, 99'999.25);
  EXPECT_EQ(rows[99'999].line, 100'001);
}

TEST_F(SampleFileTest, BadHeaderNamesFileAndLine) {
  auto r = SampleReader::Open(Write("x.csv", "temp,battery\n1,2\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("x.csv:1:1: unexpected header 'temp,battery'"), std::string::npos)
      << r.status().message();
  auto empty = SampleReader::Open(Write("empty.csv", ""));
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("empty file"), std::string::npos);
  auto missing = SampleReader::Open((dir_.path() / "nope.csv").string());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST_F(SampleFileTest, NonNumericFieldNamesLineColumnAndField) {
  std::string e = Error("1,2,3,4,5,6\n17.74,54.09,abc,0.42,0.52,0.47\n");
  EXPECT_NE(e.find("sat0.csv:3:13: 'abc' is not a number, for 'altitude' (column 3)"), std::string::npos) << e;
  EXPECT_NE(Error("1,2,3,4,5,1e\n").find(":2:11: '1e' is not a number"), std::string::npos);
  EXPECT_NE(Error("1,2,3,4,5, 6\n").find("not a number"), std::string::npos);
  EXPECT_NE(Error("nan,2,3,4,5,6\n").find("'nan' is not a number"), std::string::npos);
  EXPECT_NE(Error("1,inf,3,4,5,6\n").find("'inf' is not a number"), std::string::npos);
}

TEST_F(SampleFileTest, MissingShortAndLongRows) {
  std::string e = Error("1,2,,4,5,6\n");
  EXPECT_NE(e.find(":2:5: missing value for 'altitude' (column 3)"), std::string::npos) << e;
  e = Error("1,2,3,4\n");
  EXPECT_NE(e.find(":2:8: short row: 4 of 6 fields, 'sensor2' is missing"), std::string::npos) << e;
  e = Error("1,2,3,4,5,\n");
  EXPECT_NE(e.find(":2:11: missing value for 'sensor3' (column 6)"), std::string::npos) << e;
  e = Error("1,2,3,4,5,6,7\n");
  EXPECT_NE(e.find(":2:13: too many fields"), std::string::npos) << e;
}

TEST_F(SampleFileTest, ReaderContinuesAfterABadRowAndKeepsRowIndexes) {
  std::vector<std::string> errors;
  auto rows = ReadAll(Write("s.csv", kHeader + "1,2,3,4,5,6\nx,2,3,4,5,6\n3,2,3,4,5,6\n"), &errors);
  ASSERT_EQ(errors.size(), 1u);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].index, 2u);  // the bad row kept its index
  EXPECT_EQ(rows[1].line, 4);
}

TEST_F(SampleFileTest, BlankLineBetweenRowsIsReportedThenReadingGoesOn) {
  std::vector<std::string> errors;
  auto rows = ReadAll(Write("s.csv", kHeader + "1,2,3,4,5,6\n\n3,2,3,4,5,6\n"), &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("s.csv:3:1: blank line between rows"), std::string::npos) << errors[0];
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].index, 1u);
  EXPECT_EQ(rows[1].line, 4);
}

TEST_F(SampleFileTest, RewindReplaysFromTheFirstRow) {
  auto r = SampleReader::Open(Write("s.csv", kHeader + "1,2,3,4,5,6\n2,2,3,4,5,6\n"));
  ASSERT_TRUE(r.ok());
  SampleRow row;
  while (*(*r)->Next(&row)) {
  }
  ASSERT_TRUE((*r)->Rewind().ok());
  ASSERT_TRUE(*(*r)->Next(&row));
  EXPECT_EQ(row.index, 0u);
  EXPECT_EQ(row.values.temp_c, 1);
}

// The fast decimal path must give exactly what a correctly rounding parser gives.
TEST(ParseSampleRowTest, ValuesMatchFromCharsBitForBit) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200'000; ++i) {
    const int decimals = static_cast<int>(rng() % 8);
    const int64_t whole = static_cast<int64_t>(rng() % 100'000'000) - 50'000'000;
    std::string field = std::to_string(whole / (i % 3 == 0 ? 1 : 1000));
    if (decimals > 0) field += "." + std::to_string(rng() % 10'000'000).substr(0, decimals);
    if (i % 11 == 0) field = "-0." + std::to_string(rng() % 1000);
    std::string line = field + ",0,0,0,0," + field;
    telemetry::Measurements m;
    ASSERT_TRUE(ParseSampleRow(line, &m).ok()) << line;
    double expected = 0;
    std::from_chars(field.data(), field.data() + field.size(), expected);
    ASSERT_EQ(std::bit_cast<uint64_t>(m.temp_c), std::bit_cast<uint64_t>(expected)) << field;
    ASSERT_EQ(std::bit_cast<uint64_t>(m.sensor3), std::bit_cast<uint64_t>(expected)) << field;
  }
  telemetry::Measurements m;
  ASSERT_TRUE(ParseSampleRow("1e3,.5,5.,-0,1234567890123456789,0.1", &m).ok());  // the slow path
  EXPECT_EQ(m.temp_c, 1000);
  EXPECT_EQ(m.battery_charge_pct, 0.5);
  EXPECT_EQ(m.altitude, 5);
  EXPECT_EQ(m.sensor2, 1234567890123456789.0);
  EXPECT_EQ(m.sensor3, 0.1);
  EXPECT_FALSE(ParseSampleRow("-,1,2,3,4,5", &m).ok());
  EXPECT_FALSE(ParseSampleRow("1.2.3,1,2,3,4,5", &m).ok());
  EXPECT_FALSE(ParseSampleRow("+1,1,2,3,4,5", &m).ok());
}

TEST_F(SampleFileTest, ListSampleFiles) {
  auto missing = ListSampleFiles((dir_.path() / "none").string());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto empty = ListSampleFiles(dir_.str());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(empty.status().message().find("no .csv"), std::string::npos);
  Write("sat1.csv", kHeader);
  Write("sat0.csv", kHeader);
  Write("notes.txt", "x");
  auto files = ListSampleFiles(dir_.str());
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].satellite, "sat0");
  EXPECT_EQ((*files)[1].satellite, "sat1");
}

}  // namespace
}  // namespace orbitlake::samples
