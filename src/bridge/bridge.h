// The MQTT -> Kafka bridge: QoS 1 messages from a persistent MQTT session, forwarded to
// Kafka topics by rules (topic filter -> Kafka topic), acknowledged to the MQTT broker
// only after Kafka acknowledged them (idempotent producer, acks=all).
//
// Guarantee: at least once into Kafka. A batch of up to `batch` messages is read, sent to
// Kafka, and only when every one of them is acknowledged by Kafka are their PUBACKs sent
// (mqtt::Connection::Flush). If the bridge dies, Kafka fails a message, or the MQTT
// connection drops before that, the PUBACKs are never sent and the broker redelivers the
// whole batch to the session (duplicates in Kafka, never a gap). The batch is the bounded
// buffer: while it is in Kafka the bridge reads nothing more from the socket, and TCP
// flow control pushes back on the broker, which queues for the session.
//
// A message goes once to every rule whose filter matches its topic (the default rules
// send a DHT11 reading to both `temperature` and `humidity`). Key: the payload's
// "device" field; Kafka timestamp: its "ts" (epoch ms). A payload that is not a JSON
// object with a string "device" is not dropped: it goes, as is, to the dead-letter
// topic with the MQTT topic as key, and is counted. Messages no rule matches are
// acknowledged and counted (`unmatched`).
//
// Thread safety: RunBridge runs on the calling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "kafka/client.h"
#include "mqtt/client.h"

namespace orbitlake::bridge {

struct Rule {
  std::string filter;       // MQTT topic filter, e.g. "sensors/+/dht11"
  std::string kafka_topic;  // e.g. "temperature"
};

// sensors/+/dht11 -> temperature and humidity, sensors/+/sr04 -> distance,
// sensors/+/pir -> motion.
std::vector<Rule> DefaultRules();

struct BridgeOptions {
  // The MQTT session. client_id default "orbitlake-bridge"; clean_session is forced off
  // (the session must outlive the bridge).
  mqtt::ConnectOptions mqtt;
  kafka::ClientOptions kafka;
  std::vector<Rule> rules = DefaultRules();
  // Kafka topic for payloads that are not readings. Default "sensors-deadletter".
  std::string dead_letter_topic = "sensors-deadletter";
  // Most MQTT messages in flight (read, not yet acknowledged). Default 2000.
  size_t batch = 2000;
  // How long a batch may wait for Kafka before the bridge gives up on it (drops the MQTT
  // connection, so the broker redelivers). Default 120 s.
  std::chrono::milliseconds kafka_timeout{120'000};
  // Pause between MQTT reconnection attempts. Default 1 s.
  std::chrono::milliseconds reconnect_backoff{1'000};
  // Stop once this many MQTT messages were acknowledged (tests). 0: until should_stop.
  uint64_t max_messages = 0;
  std::function<bool()> should_stop;
};

struct BridgeStats {
  uint64_t mqtt_in = 0;        // MQTT messages read (redeliveries included)
  uint64_t kafka_out = 0;      // Kafka messages acknowledged
  uint64_t mqtt_acked = 0;     // MQTT messages acknowledged to the broker
  uint64_t dead_lettered = 0;  // payloads sent to the dead-letter topic
  uint64_t unmatched = 0;      // no rule matched
  uint64_t batches_retried = 0;  // batches left unacknowledged (Kafka failure, lost connection)
  uint64_t reconnects = 0;
  size_t in_flight = 0;
  double seconds = 0;
};

// Runs until should_stop or max_messages. Errors: bad options (InvalidArgument), or the
// Kafka producer cannot be created. Broker outages are retried, not returned.
Result<BridgeStats> RunBridge(const BridgeOptions& options,
                              const std::function<void(const BridgeStats&)>& on_progress = {});

}  // namespace orbitlake::bridge
