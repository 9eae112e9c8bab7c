// orbitlake bridge mqtt: forward MQTT sensor readings to Kafka topics, at least once.
#include <fmt/format.h>

#include "apps/orbitlake/commands.h"
#include "bridge/bridge.h"
#include "common/progress.h"
#include "common/signals.h"
#include "metrics/metrics.h"

namespace orbitlake::cli {
namespace {

constexpr const char* kBridgeHelp =
    "Forward MQTT messages to Kafka, like an MQTT broker's Kafka data bridge. Subscribes at\n"
    "QoS 1 with a persistent session (clean session off, fixed --client-id), sends each\n"
    "message to the Kafka topic of every rule whose filter matches its MQTT topic, and\n"
    "acknowledges it to the MQTT broker only after Kafka acknowledged it (idempotent\n"
    "producer, acks=all). A crash, a Kafka outage or a lost connection leaves unacknowledged\n"
    "messages with the MQTT broker, which redelivers them: at least once into Kafka\n"
    "(duplicates possible, never a gap); (device, seq) identifies a reading for dedup.\n"
    "\n"
    "Default rules (--rule FILTER=TOPIC replaces them; repeatable):\n"
    "  sensors/+/dht11=temperature  sensors/+/dht11=humidity  (a DHT11 reading goes to both)\n"
    "  sensors/+/sr04=distance      sensors/+/pir=motion\n"
    "Payloads are forwarded as is; key: the payload's \"device\"; Kafka timestamp: its \"ts\"\n"
    "(epoch ms). A payload that is not a JSON object with a string \"device\" goes to the\n"
    "dead-letter topic (key: its MQTT topic) and is counted; it does not stop the bridge.\n"
    "Runs until Ctrl-C (SIGINT/SIGTERM). Design: docs/mqtt.md.\n"
    "\n"
    "Examples:\n"
    "  orbitlake bridge mqtt --mqtt tcp://127.0.0.1:1883 -b 127.0.0.1:9092\n"
    "  orbitlake bridge mqtt --rule 'plant/+/temp=temperature' --metrics-addr 127.0.0.1:9465";

struct BridgeFlags {
  KafkaFlags kafka;
  std::string mqtt_url = "tcp://127.0.0.1:1883";
  std::string client_id = "orbitlake-bridge";
  std::vector<std::string> rules;
  std::string dead_letter = "sensors-deadletter";
  int64_t batch = 2000;
  uint64_t max_messages = 0;
  std::string metrics_addr;
};

std::string StatusLine(const bridge::BridgeStats& s) {
  const double rate = s.seconds > 0 ? static_cast<double>(s.mqtt_acked) / s.seconds : 0;
  return fmt::format("bridge: mqtt in {}, acked {}, kafka out {}, {:.0f} msg/s, in flight {}{}{}",
                     HumanCount(static_cast<double>(s.mqtt_in)), HumanCount(static_cast<double>(s.mqtt_acked)),
                     HumanCount(static_cast<double>(s.kafka_out)), rate, s.in_flight,
                     s.dead_lettered > 0 ? fmt::format(", dead-lettered {}", s.dead_lettered) : "",
                     s.batches_retried > 0 ? fmt::format(", batches retried {}", s.batches_retried) : "");
}

int RunBridgeCommand(BridgeFlags& f) {
  if (Status st = ApplyKafkaProperties(&f.kafka); !st.ok()) return Fail("bridge mqtt", st);
  bridge::BridgeOptions o;
  auto url = mqtt::ParseBrokerUrl(f.mqtt_url);
  if (!url.ok()) return Fail("bridge mqtt", url.status().WithContext("--mqtt"));
  o.mqtt.broker = *url;
  o.mqtt.client_id = f.client_id;
  o.kafka = f.kafka.client;
  if (!f.rules.empty()) {
    o.rules.clear();
    for (const std::string& r : f.rules) {
      const size_t eq = r.rfind('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == r.size()) {
        return Fail("bridge mqtt", Status::InvalidArgument("--rule '" + r + "': expected FILTER=KAFKA_TOPIC"));
      }
      if (Status st = CheckTopicName(r.substr(eq + 1)); !st.ok()) return Fail("bridge mqtt", st.WithContext("--rule " + r));
      o.rules.push_back({r.substr(0, eq), r.substr(eq + 1)});
    }
  }
  o.dead_letter_topic = f.dead_letter;
  o.batch = static_cast<size_t>(f.batch);
  o.max_messages = f.max_messages;
  o.should_stop = [] { return StopRequested(); };

  metrics::Registry registry;
  auto& in = registry.GetCounter("orbitlake_bridge_mqtt_in_total", "MQTT messages read (redeliveries included)");
  auto& acked = registry.GetCounter("orbitlake_bridge_mqtt_acked_total", "MQTT messages acknowledged after Kafka stored them");
  auto& out = registry.GetCounter("orbitlake_bridge_kafka_out_total", "Kafka messages acknowledged by Kafka");
  auto& dead = registry.GetCounter("orbitlake_bridge_dead_lettered_total", "payloads sent to the dead-letter topic");
  auto& drops = registry.GetCounter("orbitlake_bridge_drops_total",
                                    "messages dropped (always 0: nothing is acknowledged before Kafka stored it)");
  auto& lag = registry.GetGauge("orbitlake_bridge_in_flight", "MQTT messages read and not yet acknowledged");
  auto& retried = registry.GetCounter("orbitlake_bridge_batches_retried_total",
                                      "batches left unacknowledged for redelivery (Kafka failure, lost connection)");
  drops.Add(0);
  std::unique_ptr<metrics::MetricsServer> server;
  if (!f.metrics_addr.empty()) {
    auto s = metrics::MetricsServer::Start(registry, f.metrics_addr);
    if (!s.ok()) return Fail("bridge mqtt", s.status().WithContext("--metrics-addr"));
    server = std::move(*s);
  }
  fmt::print(stderr, "orbitlake bridge mqtt: {} (client id {}) -> Kafka {}, {} rule(s){}\n", o.mqtt.broker.ToString(),
             o.mqtt.client_id, o.kafka.brokers, o.rules.size(),
             server ? fmt::format(", metrics on port {}", server->port()) : "");
  Progress progress;
  bridge::BridgeStats last;
  auto r = bridge::RunBridge(o, [&](const bridge::BridgeStats& s) {
    in.Add(static_cast<double>(s.mqtt_in - last.mqtt_in));
    acked.Add(static_cast<double>(s.mqtt_acked - last.mqtt_acked));
    out.Add(static_cast<double>(s.kafka_out - last.kafka_out));
    dead.Add(static_cast<double>(s.dead_lettered - last.dead_lettered));
    retried.Add(static_cast<double>(s.batches_retried - last.batches_retried));
    lag.Set(static_cast<double>(s.in_flight));
    last = s;
    if (progress.Due()) progress.Update(StatusLine(s), true);
  });
  if (!r.ok()) return Fail("bridge mqtt", r.status());
  progress.Finish(StatusLine(*r));
  const double secs = r->seconds > 0 ? r->seconds : 1e-9;
  fmt::print("mqtt       {} read, {} acknowledged ({} dead-lettered, {} matched no rule)\n", r->mqtt_in, r->mqtt_acked,
             r->dead_lettered, r->unmatched);
  fmt::print("kafka      {} messages acknowledged\n", r->kafka_out);
  fmt::print("took       {:.2f} s: {:.0f} MQTT messages/s, {} batch(es) retried, {} connection(s)\n", r->seconds,
             static_cast<double>(r->mqtt_acked) / secs, r->batches_retried, r->reconnects);
  return kExitOk;
}

}  // namespace

void AddBridgeCommand(CLI::App& root, RunFn& run) {
  auto f = std::make_shared<BridgeFlags>();
  CLI::App* group = root.add_subcommand("bridge", "Bridges from other systems into Kafka (bridge mqtt)");
  group->require_subcommand(1);
  CLI::App* sub = group->add_subcommand("mqtt", kBridgeHelp);
  sub->add_option("--mqtt", f->mqtt_url, "MQTT broker, tcp://HOST:PORT")->capture_default_str();
  AddKafkaOptions(sub, &f->kafka);
  sub->add_option("--client-id", f->client_id,
                  "MQTT client id: names the persistent session, keep it stable across restarts")
      ->capture_default_str();
  sub->add_option("--rule", f->rules, "FILTER=KAFKA_TOPIC, repeatable; replaces the default rules");
  sub->add_option("--dead-letter-topic", f->dead_letter, "Kafka topic for payloads that are not readings")
      ->capture_default_str();
  sub->add_option("--batch", f->batch, "Most MQTT messages in flight (read, not yet acknowledged): the bounded buffer")
      ->capture_default_str()
      ->check(IntegerIn(1, 1'000'000));
  sub->add_option("--max-messages", f->max_messages, "Stop after acknowledging this many MQTT messages (0: until Ctrl-C)")
      ->capture_default_str();
  sub->add_option("--metrics-addr", f->metrics_addr, "Serve Prometheus metrics on host:port (default: off)");
  sub->callback([f, &run] { run = [f] { return RunBridgeCommand(*f); }; });
}

}  // namespace orbitlake::cli
