#include "bridge/bridge.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "kafka/consumer.h"
#include "support/test_env.h"

namespace orbitlake::bridge {
namespace {

using std::chrono::milliseconds;
using testing::UniqueName;

struct Got {
  std::set<std::pair<std::string, int64_t>> readings;  // (device, seq)
  size_t messages = 0;
  bool keys_and_timestamps_ok = true;
};

// Reads `topic` from the start until `expected` messages came (or 60 s), then 1 s more.
Got ConsumeAll(const kafka::ClientOptions& client, const std::string& topic, size_t expected) {
  kafka::ConsumerOptions co;
  co.client = client;
  co.group_id = UniqueName("bridge-test");
  auto consumer = kafka::Consumer::Create(co);
  EXPECT_TRUE(consumer.ok()) << consumer.status().ToString();
  EXPECT_TRUE((*consumer)->Subscribe({topic}).ok());
  Got got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::vector<kafka::Message> batch;
  auto take = [&] {
    for (const auto& m : batch) {
      ++got.messages;
      const std::string payload(reinterpret_cast<const char*>(m.payload().data()), m.payload().size());
      auto j = nlohmann::json::parse(payload, nullptr, false);
      if (!j.is_object() || !j.contains("device")) continue;  // dead letters
      got.readings.insert({j["device"].get<std::string>(), j["seq"].get<int64_t>()});
      if (std::string(m.key()) != j["device"].get<std::string>() || m.timestamp_ms() != j["ts"].get<int64_t>()) {
        got.keys_and_timestamps_ok = false;
      }
    }
  };
  while (got.messages < expected && std::chrono::steady_clock::now() < deadline) {
    batch.clear();
    EXPECT_TRUE((*consumer)->ConsumeBatch(batch, 10'000, milliseconds(500)).ok());
    take();
  }
  batch.clear();
  EXPECT_TRUE((*consumer)->ConsumeBatch(batch, 10'000, milliseconds(1000)).ok());
  take();
  (void)(*consumer)->Close();
  return got;
}

// Kafka unreachable: nothing may be acknowledged to MQTT. Then with Kafka back, every
// reading reaches its topics, exactly once here (nothing reached Kafka before), with the
// device as key and the reading's time as the Kafka timestamp; bad payloads go to the
// dead-letter topic.
TEST(Bridge, AcknowledgesMqttOnlyAfterKafkaAndForwardsEveryReading) {
  const std::string brokers = testing::TestBrokers();
  auto url = mqtt::ParseBrokerUrl(testing::TestMqttUrl());
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  const std::string p = UniqueName("s");
  BridgeOptions o;
  o.mqtt.broker = *url;
  o.mqtt.client_id = p + "-bridge";
  o.rules = {{p + "/+/dht11", p + "-temperature"}, {p + "/+/dht11", p + "-humidity"}, {p + "/+/sr04", p + "-distance"}};
  o.dead_letter_topic = p + "-dead";
  o.batch = 50;

  // The session must exist before the readings are published: one pass with nothing to do.
  {
    BridgeOptions first = o;
    first.kafka.brokers = brokers;
    int ticks = 0;
    first.should_stop = [&] { return ++ticks > 3; };
    auto s = RunBridge(first);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
  }
  mqtt::ConnectOptions po;
  po.broker = *url;
  po.client_id = p + "-pub";
  auto pub = mqtt::Connection::Connect(po);
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  std::set<std::pair<std::string, int64_t>> dht11, sr04;
  int published = 0;
  for (int seq = 0; seq < 300; ++seq) {
    const std::string device = "board-" + std::to_string(seq % 3);
    const bool is_dht = seq % 4 == 0;
    nlohmann::json j = {{"device", device}, {"seq", seq}, {"ts", 1'764'667'200'000 + seq}};
    if (is_dht) {
      j["temperature_c"] = 21;
      j["humidity_pct"] = 40;
    } else {
      j["distance_cm"] = 100.5;
    }
    (is_dht ? dht11 : sr04).insert({device, seq});
    int mid = 0;
    ASSERT_TRUE((*pub)->Publish(p + "/" + device + (is_dht ? "/dht11" : "/sr04"), j.dump(), 1, &mid).ok());
    ++published;
  }
  for (const char* bad : {"{not json", "[1,2,3]"}) {
    int mid = 0;
    ASSERT_TRUE((*pub)->Publish(p + "/board-0/sr04", bad, 1, &mid).ok());
    ++published;
  }
  size_t acked = 0;
  std::vector<mqtt::Message> none;
  for (int i = 0; i < 200 && acked < static_cast<size_t>(published); ++i) {
    ASSERT_TRUE((*pub)->Flush().ok());
    ASSERT_TRUE((*pub)->Read(milliseconds(20), 0, &none).ok());
    acked += (*pub)->TakeAcknowledged().size();
  }
  ASSERT_EQ(acked, static_cast<size_t>(published));

  {  // Kafka unreachable: reads, cannot store, acknowledges nothing.
    BridgeOptions down = o;
    down.kafka.brokers = "127.0.0.1:1";
    down.kafka_timeout = milliseconds(1500);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(4);
    down.should_stop = [&] { return std::chrono::steady_clock::now() > until; };
    auto s = RunBridge(down);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_GT(s->mqtt_in, 0u);
    EXPECT_EQ(s->mqtt_acked, 0u);
    EXPECT_GT(s->batches_retried, 0u);
  }
  {  // Kafka reachable: everything, redelivered by the broker, goes through.
    BridgeOptions up = o;
    up.kafka.brokers = brokers;
    up.max_messages = static_cast<uint64_t>(published);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    up.should_stop = [&] { return std::chrono::steady_clock::now() > until; };
    auto s = RunBridge(up);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(s->mqtt_acked, static_cast<uint64_t>(published));
    EXPECT_EQ(s->dead_lettered, 2u);
    EXPECT_EQ(s->kafka_out, 2 * dht11.size() + sr04.size() + 2);
  }
  kafka::ClientOptions client;
  client.brokers = brokers;
  for (const char* t : {"-temperature", "-humidity"}) {
    Got g = ConsumeAll(client, p + t, dht11.size());
    EXPECT_EQ(g.messages, dht11.size()) << t;
    EXPECT_EQ(g.readings, dht11) << t;
    EXPECT_TRUE(g.keys_and_timestamps_ok) << t;
  }
  Got d = ConsumeAll(client, p + "-distance", sr04.size());
  EXPECT_EQ(d.messages, sr04.size());
  EXPECT_EQ(d.readings, sr04);
  EXPECT_TRUE(d.keys_and_timestamps_ok);
  Got dead = ConsumeAll(client, p + "-dead", 2);
  EXPECT_EQ(dead.messages, 2u);
}

TEST(Bridge, RefusesBadRules) {
  BridgeOptions o;
  o.rules = {{"a/#/b", "t"}};
  EXPECT_EQ(RunBridge(o).status().code(), StatusCode::kInvalidArgument);
  o.rules = {{"a/+", ""}};
  EXPECT_EQ(RunBridge(o).status().code(), StatusCode::kInvalidArgument);
  o.rules.clear();
  EXPECT_EQ(RunBridge(o).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace orbitlake::bridge
