#include "dashboard/server.h"

#include <httplib.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dashboard/assets.h"
#include "dashboard/test_tables.h"
#include "metrics/metrics.h"

namespace orbitlake::dashboard {
namespace {

using json = nlohmann::json;

json GetJson(httplib::Client& c, const std::string& path) {
  auto r = c.Get(path);
  EXPECT_TRUE(r) << path;
  if (!r) return nullptr;
  EXPECT_EQ(r->status, 200) << path << ": " << r->body;
  return json::parse(r->body);
}

TEST(Server, ServesThePageSeriesIncrementallyAndWaitsForMissingTables) {
  auto table = std::make_shared<storage::MemoryStorage>();
  testing::AppendSatellites(table, 0, 32);
  auto missing = std::make_shared<storage::MemoryStorage>();
  std::vector<DashboardTable> tables = {{"mem://sats", table, missing, "mem://sats-quarantine"},
                                        {"mem://later", missing, nullptr, ""}};
  auto server = DashboardServer::Start(std::move(tables), {.listen = "127.0.0.1:0"});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  httplib::Client c("127.0.0.1", (*server)->port());

  auto page = c.Get("/");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("/static/dashboard.js"), std::string::npos);
  auto js = c.Get("/static/dashboard.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  auto lib = c.Get("/static/uPlot.iife.min.js");
  ASSERT_TRUE(lib);
  if (ChartLibraryVersion().empty()) {
    EXPECT_EQ(lib->status, 404);
    EXPECT_NE(lib->body.find("scripts/setup"), std::string::npos);
  } else {
    EXPECT_EQ(lib->status, 200);
    EXPECT_NE(lib->body.find("uPlot"), std::string::npos);
  }
  EXPECT_EQ(c.Get("/static/nope.js")->status, 404);

  auto info = GetJson(c, "/api/tables");
  EXPECT_EQ(info[0]["state"], "ok");
  EXPECT_EQ(info[0]["layout"]["group_column"], "sat_id");
  EXPECT_EQ(info[1]["state"], "waiting");
  EXPECT_NE(info[1]["message"].get<std::string>().find("not a Delta table"), std::string::npos);

  auto first = GetJson(c, "/api/series?table=0&since=-1");
  EXPECT_EQ(first["full"], true);
  EXPECT_EQ(first["files_read"], 1);
  const int64_t v = first["version"];
  testing::AppendSatellites(table, 32, 32);
  auto next = GetJson(c, "/api/series?table=0&since=" + std::to_string(v));
  EXPECT_EQ(next["full"], false);
  EXPECT_EQ(next["files_read"], 1);
  EXPECT_EQ(next["version"], v + 1);
  EXPECT_EQ(next["rows_read"], 32);

  auto health = GetJson(c, "/api/health?table=0");
  EXPECT_EQ(health["state"], "ok");
  EXPECT_EQ(health["quarantine"]["exists"], false);
  EXPECT_EQ(GetJson(c, "/api/series?table=1&since=-1")["state"], "waiting");
  EXPECT_EQ(c.Get("/api/series?table=7")->status, 400);

  // The missing table appears: picked up by the next request.
  testing::AppendSatellites(missing, 0, 5);
  EXPECT_EQ(GetJson(c, "/api/series?table=1&since=-1")["rows_read"], 5);
  EXPECT_EQ(GetJson(c, "/api/health?table=0")["quarantine"]["rows"], 5);  // the same storage plays the quarantine
  EXPECT_GE((*server)->stats().requests, 10);
  EXPECT_EQ((*server)->stats().series_requests, 5);
}

TEST(Server, FetchesTheIngesterMetricsServerSide) {
  metrics::Registry registry;
  registry.GetCounter("orbitlake_rows_committed_total", "rows").Add(42);
  auto ms = metrics::MetricsServer::Start(registry, "127.0.0.1:0");
  ASSERT_TRUE(ms.ok()) << ms.status().ToString();
  std::vector<DashboardTable> tables = {{"mem://t", std::make_shared<storage::MemoryStorage>(), nullptr, ""}};
  auto server = DashboardServer::Start(
      std::move(tables),
      {.listen = "127.0.0.1:0", .metrics_url = "http://127.0.0.1:" + std::to_string((*ms)->port()) + "/metrics"});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  httplib::Client c("127.0.0.1", (*server)->port());
  auto m = GetJson(c, "/api/metrics");
  ASSERT_EQ(m["ok"], true) << m.dump();
  bool found = false;
  for (const auto& s : m["samples"]) found |= s["name"] == "orbitlake_rows_committed_total" && s["value"] == "42";
  EXPECT_TRUE(found) << m.dump();
  (*ms)->Stop();
  auto down = GetJson(c, "/api/metrics");
  EXPECT_EQ(down["ok"], false);
  EXPECT_NE(down["error"].get<std::string>().find("cannot reach"), std::string::npos);
}

TEST(Server, BadAddressesAreRefusedWithTheirProblem) {
  std::vector<DashboardTable> t = {{"mem://t", std::make_shared<storage::MemoryStorage>(), nullptr, ""}};
  EXPECT_NE(DashboardServer::Start(t, {.listen = ":8080"}).status().message().find("no host"), std::string::npos);
  EXPECT_NE(DashboardServer::Start(t, {.listen = "127.0.0.1:99999"}).status().message().find("port"),
            std::string::npos);
  EXPECT_NE(DashboardServer::Start(t, {.listen = "127.0.0.1:0", .metrics_url = "https://x/metrics"})
                .status().message().find("http://"),
            std::string::npos);
  auto u = ParseHttpUrl("http://localhost:9464/metrics");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "localhost");
  EXPECT_EQ(u->port, 9464);
  EXPECT_EQ(u->path, "/metrics");
}

}  // namespace
}  // namespace orbitlake::dashboard
