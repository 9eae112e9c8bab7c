#include "common/progress.h"

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

namespace orbitlake {
namespace {

std::string ReadAll(std::FILE* f) {
  std::rewind(f);
  std::string s;
  char buf[256];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  return s;
}

TEST(ProgressTest, LogModePrintsPlainLinesAtTheLogInterval) {
  std::FILE* f = std::tmpfile();
  ManualClock clock;
  Progress p({.interval = std::chrono::milliseconds(100), .log_interval = std::chrono::seconds(10),
              .out = f, .force_tty = 0},
             clock);
  p.Update("a");                     // first line always prints
  clock.Advance(std::chrono::seconds(5));
  p.Update("b");                     // too soon
  clock.Advance(std::chrono::seconds(5));
  p.Update("c");
  p.Finish("done");
  EXPECT_EQ(ReadAll(f), "a\nc\ndone\n");
  std::fclose(f);
}

TEST(ProgressTest, TtyModeRedrawsInPlace) {
  std::FILE* f = std::tmpfile();
  ManualClock clock;
  Progress p({.interval = std::chrono::milliseconds(100), .out = f, .force_tty = 1}, clock);
  p.Update("a");
  clock.Advance(std::chrono::milliseconds(150));
  p.Update("b");
  p.Finish("end");
  EXPECT_EQ(ReadAll(f), "\r\033[Ka\r\033[Kb\r\033[Kend\n");
  std::fclose(f);
}

TEST(ProgressTest, HumanUnits) {
  EXPECT_EQ(HumanCount(999), "999");
  EXPECT_EQ(HumanCount(12'345), "12.3 k");
  EXPECT_EQ(HumanCount(2'500'000), "2.50 M");
  EXPECT_EQ(HumanBytes(1'500'000), "1.5 MB");
  EXPECT_EQ(HumanBytes(12), "12 B");
}

}  // namespace
}  // namespace orbitlake
