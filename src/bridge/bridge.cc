#include "bridge/bridge.h"

#include <nlohmann/json.hpp>

#include <thread>

#include "kafka/producer.h"

namespace orbitlake::bridge {
namespace {

using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

struct Reading {
  bool ok = false;
  std::string device;
  int64_t ts_ms = 0;
};

Reading Parse(const std::string& payload) {
  Reading r;
  auto j = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return r;
  auto d = j.find("device");
  if (d == j.end() || !d->is_string() || d->get_ref<const std::string&>().empty()) return r;
  r.device = d->get<std::string>();
  if (auto t = j.find("ts"); t != j.end() && t->is_number_integer()) r.ts_ms = t->get<int64_t>();
  r.ok = true;
  return r;
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

std::vector<Rule> DefaultRules() {
  return {{"sensors/+/dht11", "temperature"},
          {"sensors/+/dht11", "humidity"},
          {"sensors/+/sr04", "distance"},
          {"sensors/+/pir", "motion"}};
}

Result<BridgeStats> RunBridge(const BridgeOptions& options, const std::function<void(const BridgeStats&)>& on_progress) {
  BridgeOptions o = options;
  if (o.mqtt.client_id.empty()) o.mqtt.client_id = "orbitlake-bridge";
  o.mqtt.clean_session = false;
  if (o.rules.empty()) return Status::InvalidArgument("the bridge needs at least one rule");
  std::vector<std::string> filters;
  for (const Rule& r : o.rules) {
    ORBIT_RETURN_IF_ERROR(mqtt::CheckTopicFilter(r.filter).WithContext("rule " + r.filter));
    if (r.kafka_topic.empty()) return Status::InvalidArgument("rule " + r.filter + ": no Kafka topic");
    if (std::find(filters.begin(), filters.end(), r.filter) == filters.end()) filters.push_back(r.filter);
  }
  if (o.batch == 0) return Status::InvalidArgument("the batch size must be at least 1");

  kafka::ProducerOptions po;
  po.client = o.kafka;
  po.linger = milliseconds(2);
  po.delivery_timeout = o.kafka_timeout;
  ORBIT_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Producer> producer, kafka::Producer::Create(po));

  BridgeStats stats;
  const auto start = Steady::now();
  auto stop = [&] {
    return (o.should_stop && o.should_stop()) || (o.max_messages > 0 && stats.mqtt_acked >= o.max_messages);
  };
  auto report = [&] {
    stats.seconds = std::chrono::duration<double>(Steady::now() - start).count();
    if (on_progress) on_progress(stats);
  };
  std::unique_ptr<mqtt::Connection> conn;
  std::vector<mqtt::Message> batch;
  while (!stop()) {
    if (conn == nullptr) {
      auto c = mqtt::Connection::Connect(o.mqtt);
      Status st = c.ok() ? (*c)->Subscribe(filters, o.mqtt.connect_timeout) : c.status();
      if (!st.ok()) {
        if (st.code() == StatusCode::kInvalidArgument) return st;  // refused: not transient
        report();
        std::this_thread::sleep_for(o.reconnect_backoff);
        continue;
      }
      conn = std::move(c).value();
      ++stats.reconnects;
    }
    batch.clear();
    Status st = conn->Read(milliseconds(100), o.batch, &batch);
    stats.mqtt_in += batch.size();
    if (!st.ok()) {  // lost: the batch was never acknowledged, the broker redelivers it
      if (!batch.empty()) ++stats.batches_retried;
      conn.reset();
      continue;
    }
    if (batch.empty()) {
      if (!conn->Flush().ok()) conn.reset();  // keep-alive pings
      report();
      continue;
    }
    const uint64_t failed_before = producer->failed();
    const uint64_t delivered_before = producer->delivered();
    uint64_t sent = 0, dead = 0, unmatched = 0;
    Status produce;
    for (const mqtt::Message& m : batch) {
      const Reading r = Parse(m.payload);
      if (!r.ok) {
        produce = producer->Produce(o.dead_letter_topic, m.topic, Bytes(m.payload));
        ++sent;
        ++dead;
      } else {
        bool matched = false;
        for (const Rule& rule : o.rules) {
          if (!mqtt::TopicMatches(rule.filter, m.topic)) continue;
          matched = true;
          produce = producer->Produce(rule.kafka_topic, r.device, Bytes(m.payload), r.ts_ms);
          if (!produce.ok()) break;
          ++sent;
        }
        if (!matched) ++unmatched;
      }
      if (!produce.ok()) break;
      producer->Poll();
    }
    stats.in_flight = batch.size();
    const auto deadline = Steady::now() + o.kafka_timeout;
    while (producer->InFlight() > 0 && Steady::now() < deadline) {
      (void)producer->Flush(milliseconds(100));
      report();
    }
    stats.kafka_out += producer->delivered() - delivered_before;
    stats.in_flight = 0;
    const bool all_stored = produce.ok() && producer->InFlight() == 0 && producer->failed() == failed_before &&
                            producer->delivered() - delivered_before == sent;
    if (!all_stored) {  // leave the batch with the broker: drop the connection unacknowledged
      ++stats.batches_retried;
      conn.reset();
      continue;
    }
    if (!conn->Flush().ok()) {
      ++stats.batches_retried;
      conn.reset();
      continue;
    }
    stats.mqtt_acked += batch.size();
    stats.dead_lettered += dead;
    stats.unmatched += unmatched;
    report();
  }
  if (conn != nullptr) {
    // Let the last PUBACKs reach the broker before the socket closes.
    std::vector<mqtt::Message> rest;
    (void)conn->Flush();
  }
  report();
  return stats;
}

}  // namespace orbitlake::bridge
