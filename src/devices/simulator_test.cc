#include "devices/simulator.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

#include "support/test_env.h"

namespace orbitlake::devices {
namespace {

using std::chrono::milliseconds;

TEST(SimulatorTest, RefusesBadOptions) {
  SimulatorOptions o;
  o.device_prefix = "bad/name";
  EXPECT_EQ(RunSimulator(o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.topic_prefix = "a/+";
  EXPECT_EQ(RunSimulator(o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.rate = 0;
  EXPECT_EQ(RunSimulator(o).status().code(), StatusCode::kInvalidArgument);
}

// No broker: sampling goes on into the outboxes, nothing is acknowledged, and the run
// ends (after its drain timeout) reporting what it still held.
TEST(SimulatorTest, AnUnreachableBrokerHoldsReadingsAndReportsThem) {
  SimulatorOptions o;
  o.broker = *mqtt::ParseBrokerUrl("tcp://127.0.0.1:1");
  o.boards = 2;
  o.rate = 10;
  o.duration = milliseconds(500);
  o.drain_timeout = milliseconds(200);
  auto r = RunSimulator(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->sampled, 100u);
  EXPECT_EQ(r->acknowledged, 0u);
  EXPECT_EQ(r->unacknowledged, r->sampled);
  EXPECT_EQ(r->dropped, 0u);
  EXPECT_FALSE(r->connected);
}

TEST(SimulatorTest, EverySampledReadingReachesTheBrokerOnItsTopic) {
  auto url = mqtt::ParseBrokerUrl(testing::TestMqttUrl());
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  const std::string prefix = testing::UniqueName("sim");
  mqtt::ConnectOptions co;
  co.broker = *url;
  co.client_id = prefix + "-sub";
  co.clean_session = false;
  auto sub = mqtt::Connection::Connect(co);
  ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  ASSERT_TRUE((*sub)->Subscribe({prefix + "/#"}, milliseconds(5000)).ok());

  SimulatorOptions o;
  o.broker = *url;
  o.boards = 2;
  o.rate = 20;
  o.topic_prefix = prefix;
  o.max_readings = 2000;
  o.client_id_prefix = prefix;
  auto r = RunSimulator(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->sampled, 2000u);
  EXPECT_EQ(r->acknowledged, 2000u);
  EXPECT_EQ(r->unacknowledged, 0u);
  EXPECT_EQ(r->dropped, 0u);

  std::vector<mqtt::Message> got;
  for (int i = 0; i < 200 && got.size() < 2000; ++i) {
    ASSERT_TRUE((*sub)->Read(milliseconds(50), 5000, &got).ok());
    ASSERT_TRUE((*sub)->Flush().ok());
  }
  std::set<std::pair<std::string, int64_t>> seen;
  for (const mqtt::Message& m : got) {
    auto j = nlohmann::json::parse(m.payload);
    const std::string device = j["device"];
    const std::string sensor = m.topic.substr(m.topic.rfind('/') + 1);
    EXPECT_EQ(m.topic, prefix + "/" + device + "/" + sensor);
    EXPECT_EQ(sensor == "dht11", j.contains("temperature_c")) << m.payload;
    EXPECT_EQ(sensor == "sr04", j.contains("distance_cm")) << m.payload;
    EXPECT_EQ(sensor == "pir", j.contains("motion")) << m.payload;
    seen.insert({device, j["seq"].get<int64_t>()});
  }
  std::set<std::pair<std::string, int64_t>> want;
  for (const BoardStats& b : r->boards) {
    for (int64_t s = b.first_seq; s < b.next_seq; ++s) want.insert({b.device, s});
    EXPECT_EQ(static_cast<uint64_t>(b.next_seq - b.first_seq), b.dht11 + b.sr04 + b.pir);
  }
  EXPECT_EQ(want.size(), 2000u);
  EXPECT_EQ(seen, want);
}

}  // namespace
}  // namespace orbitlake::devices
