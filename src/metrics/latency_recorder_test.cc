#include "metrics/latency_recorder.h"

#include <gtest/gtest.h>

namespace orbitlake::metrics {
namespace {

using std::chrono::milliseconds;

TEST(LatencyRecorderTest, PercentilesAreExactToTheMillisecond) {
  LatencyRecorder r;
  for (int i = 1; i <= 100; ++i) r.Record(milliseconds(i));
  EXPECT_EQ(r.count(), 100u);
  EXPECT_EQ(r.Percentile(0.5), milliseconds(50));
  EXPECT_EQ(r.Percentile(0.99), milliseconds(99));
  EXPECT_EQ(r.Percentile(1.0), milliseconds(100));
  EXPECT_EQ(r.Max(), milliseconds(100));
}

TEST(LatencyRecorderTest, EmptyNegativeAndOverflow) {
  LatencyRecorder r(milliseconds(1000));
  EXPECT_EQ(r.Percentile(0.5), milliseconds(0));
  r.Record(milliseconds(-5));
  r.Record(std::chrono::microseconds(200));
  r.Record(std::chrono::seconds(30));
  EXPECT_EQ(r.Percentile(0.34), milliseconds(1));
  EXPECT_EQ(r.Percentile(0.33), milliseconds(0));
  EXPECT_EQ(r.Percentile(1.0), milliseconds(1000));
  EXPECT_EQ(r.Max(), milliseconds(1000));
}

TEST(LatencyRecorderTest, MergeAddsCounts) {
  LatencyRecorder a, b;
  a.Record(milliseconds(10));
  b.Record(milliseconds(20));
  b.Record(milliseconds(30));
  a.Merge(b);
  EXPECT_EQ(a.count(), 3u);
  EXPECT_EQ(a.Percentile(0.5), milliseconds(20));
  EXPECT_EQ(a.Max(), milliseconds(30));
}

}  // namespace
}  // namespace orbitlake::metrics
