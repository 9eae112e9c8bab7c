#include "samples/generator.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "samples/sample_file.h"
#include "support/test_env.h"

namespace orbitlake::samples {
namespace {

using orbitlake::testing::TempDir;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Fmt(double v) {
  char buf[32];
  return std::string(buf, FormatFixed2(v, buf));
}

GenerateOptions Options(const TempDir& dir, int satellites, int64_t rows) {
  GenerateOptions o;
  o.satellites = satellites;
  o.rows = rows;
  o.out_dir = dir.str();
  return o;
}

TEST(FormatFixed2Test, TwoDecimalsRounded) {
  EXPECT_EQ(Fmt(17.74), "17.74");
  EXPECT_EQ(Fmt(-8.67), "-8.67");
  EXPECT_EQ(Fmt(0.5), "0.50");
  EXPECT_EQ(Fmt(0), "0.00");
  EXPECT_EQ(Fmt(-0.001), "0.00");
  EXPECT_EQ(Fmt(-0.05), "-0.05");
  EXPECT_EQ(Fmt(100), "100.00");
  EXPECT_EQ(Fmt(1270.956), "1270.96");
}

TEST(GeneratorTest, WritesParsableFilesWithPlausibleValues) {
  TempDir dir;
  GenerateOptions o = Options(dir, 3, 5000);
  auto r = GenerateSamples(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows, 15'000u);
  ASSERT_EQ(r->files.size(), 3u);
  EXPECT_EQ(std::filesystem::path(r->files[2]).filename(), "sat2.csv");
  auto reader = SampleReader::Open(r->files[0]);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  SampleRow row;
  double tmin = 1e9, tmax = -1e9, bmin = 1e9, bmax = -1e9;
  int n = 0;
  for (;;) {
    auto more = (*reader)->Next(&row);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    ++n;
    const auto& v = row.values;
    tmin = std::min(tmin, v.temp_c);
    tmax = std::max(tmax, v.temp_c);
    bmin = std::min(bmin, v.battery_charge_pct);
    bmax = std::max(bmax, v.battery_charge_pct);
    EXPECT_GE(v.battery_charge_pct, 0);
    EXPECT_LE(v.battery_charge_pct, 100);
    EXPECT_GT(v.altitude, 300);
    EXPECT_LT(v.altitude, 1300);
    for (double s : {v.sensor1, v.sensor2, v.sensor3}) {
      EXPECT_GT(s, 0.3);
      EXPECT_LT(s, 0.7);
    }
  }
  EXPECT_EQ(n, 5000);
  EXPECT_GT(tmax - tmin, 30) << "temperature should swing with the orbit";
  EXPECT_GT(bmax - bmin, 20) << "battery should charge and drain";
}

TEST(GeneratorTest, SameSeedGivesIdenticalBytesOtherSeedDiffers) {
  TempDir a, b, c;
  GenerateOptions o = Options(a, 2, 20'000);
  o.threads = 2;
  ASSERT_TRUE(GenerateSamples(o).ok());
  o.out_dir = b.str();
  o.threads = 1;
  ASSERT_TRUE(GenerateSamples(o).ok());
  o.out_dir = c.str();
  o.seed = 2;
  ASSERT_TRUE(GenerateSamples(o).ok());
  EXPECT_EQ(Slurp(a.str() + "/sat1.csv"), Slurp(b.str() + "/sat1.csv"));
  EXPECT_NE(Slurp(a.str() + "/sat1.csv"), Slurp(c.str() + "/sat1.csv"));
  EXPECT_NE(Slurp(a.str() + "/sat0.csv"), Slurp(a.str() + "/sat1.csv"));
}

TEST(GeneratorTest, RefusesToClobberWithoutForce) {
  TempDir dir;
  GenerateOptions o = Options(dir, 2, 10);
  ASSERT_TRUE(GenerateSamples(o).ok());
  std::ofstream(dir.str() + "/sat1.csv") << "mine";
  auto again = GenerateSamples(o);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("sat0.csv already exists; pass --force"), std::string::npos);
  EXPECT_EQ(Slurp(dir.str() + "/sat1.csv"), "mine");
  o.force = true;
  ASSERT_TRUE(GenerateSamples(o).ok());
  EXPECT_NE(Slurp(dir.str() + "/sat1.csv"), "mine");
  EXPECT_FALSE(std::filesystem::exists(dir.str() + "/sat1.csv.tmp"));
}

TEST(GeneratorTest, StopRequestCancels) {
  TempDir dir;
  GenerateOptions o = Options(dir, 1, 1'000'000);
  o.should_stop = [] { return true; };
  auto r = GenerateSamples(o);
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  EXPECT_FALSE(std::filesystem::exists(dir.str() + "/sat0.csv"));
  EXPECT_FALSE(std::filesystem::exists(dir.str() + "/sat0.csv.tmp"));
}

}  // namespace
}  // namespace orbitlake::samples
