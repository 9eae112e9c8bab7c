#include "metrics/metrics.h"

#include <httplib.h>

#include <gtest/gtest.h>

namespace orbitlake::metrics {
namespace {

TEST(MetricsTest, RendersCountersGaugesAndLabels) {
  Registry r;
  r.GetCounter("orbitlake_messages_total", "Messages consumed").Add(3);
  r.GetCounter("orbitlake_messages_total", "Messages consumed").Add();
  r.GetGauge("orbitlake_lag", "Lag", {{"topic", "sat-data"}, {"partition", "2"}}).Set(17);
  std::string text = r.Render();
  EXPECT_NE(text.find("# TYPE orbitlake_messages_total counter\norbitlake_messages_total 4\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("orbitlake_lag{topic=\"sat-data\",partition=\"2\"} 17\n"), std::string::npos) << text;
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Registry r;
  auto& h = r.GetHistogram("d_seconds", "Durations", {0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  std::string text = r.Render();
  EXPECT_NE(text.find("d_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_bucket{le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_count 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_sum 5.55\n"), std::string::npos) << text;
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  EXPECT_EQ(RenderLabels({{"a", "x\"y\\z"}}), "{a=\"x\\\"y\\\\z\"}");
}

TEST(MetricsTest, ServesTheRegistryOverHttpOnLoopback) {
  Registry r;
  r.GetCounter("up_total", "Up").Add(7);
  auto server = MetricsServer::Start(r, "127.0.0.1:0");
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  httplib::Client client("127.0.0.1", (*server)->port());
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("up_total 7"), std::string::npos);
  (*server)->Stop();
}

TEST(MetricsTest, ATakenPortIsAnError) {
  Registry r;
  auto a = MetricsServer::Start(r, "127.0.0.1:0");
  ASSERT_TRUE(a.ok());
  auto b = MetricsServer::Start(r, "127.0.0.1:" + std::to_string((*a)->port()));
  EXPECT_FALSE(b.ok());
}

}  // namespace
}  // namespace orbitlake::metrics
