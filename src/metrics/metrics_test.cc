#include "metrics/metrics.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <string>

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

TEST(MetricsTest, AddressNeedsAHostAndANumericPort) {
  Registry r;
  for (const char* bad : {":0", "9464", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:70000", "127.0.0.1:-1"}) {
    auto s = MetricsServer::Start(r, bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.status().message().find(bad), std::string::npos) << s.status().message();
  }
}

// An IPv4 address of this machine that is not loopback, if it has one.
std::optional<std::string> NonLoopbackAddress() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return std::nullopt;
  std::optional<std::string> out;
  for (ifaddrs* i = list; i != nullptr && !out; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
    auto* in = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
    if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) continue;
    char buf[INET_ADDRSTRLEN];
    out = ::inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
  }
  ::freeifaddrs(list);
  return out;
}

bool Connects(const std::string& host, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

TEST(MetricsTest, LoopbackIsNotReachableFromOtherAddressesUnlessAskedFor) {
  std::optional<std::string> other = NonLoopbackAddress();
  if (!other) GTEST_SKIP() << "this machine has no non-loopback IPv4 address";
  Registry r;
  auto local = MetricsServer::Start(r, "127.0.0.1:0");
  ASSERT_TRUE(local.ok());
  EXPECT_TRUE(Connects("127.0.0.1", (*local)->port()));
  EXPECT_FALSE(Connects(*other, (*local)->port())) << *other;
  auto everywhere = MetricsServer::Start(r, "0.0.0.0:0");
  ASSERT_TRUE(everywhere.ok());
  EXPECT_TRUE(Connects(*other, (*everywhere)->port())) << *other;
}

}  // namespace
}  // namespace orbitlake::metrics
