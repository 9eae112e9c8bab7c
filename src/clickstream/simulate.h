// `orbitlake simulate clickstream`: the generator's events (generator.h) published to
// Kafka, as the original's event_producer.py did.
//
// Each event is keyed by its session id (a session's events stay in order in one
// partition); the Kafka timestamp is the event's timestamp. Delivery: the idempotent,
// acks=all producer of src/kafka; every event must be acknowledged, and at the end
// everything handed to Kafka is flushed (bounded by delivery_timeout), so the report
// says exactly how many events were delivered.
//
// Thread safety: RunClickstream runs on the calling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "clickstream/generator.h"
#include "common/clock.h"
#include "common/status.h"
#include "kafka/client.h"

namespace orbitlake::clickstream {

struct SimulateOptions {
  kafka::ClientOptions client;
  // Topic to publish to. Default "raw_events" (the original's).
  std::string topic = "raw_events";
  // Partitions when the topic has to be created; 0: never create it. Default 3.
  int partitions = 3;
  GeneratorOptions generator;
  // Cap on events per second; 0: no cap. Default 0.
  double rate = 0;
  // Reaching the brokers (topic check/creation) must succeed within this. Default 10 s.
  std::chrono::milliseconds connect_timeout{10'000};
  // How long librdkafka retries one event before it counts as failed. Default 120 s
  // (rides out a broker restart, as `orbitlake produce`).
  std::chrono::milliseconds delivery_timeout{120'000};
  // Called for every event before it is sent (the CLI prints nothing per event; tests
  // record the ids). Optional.
  std::function<void(const Event&)> on_event;
  // Polled between events; true stops generating (what was sent is still flushed).
  std::function<bool()> should_stop;
};

struct SimulateProgress {
  uint64_t sent = 0;
  uint64_t acked = 0;
  uint64_t failed = 0;
  uint64_t total = 0;  // events the run generates when not stopped
  double seconds = 0;
};

struct SimulateReport {
  SimulateProgress totals;
  std::map<std::string, int64_t> per_type;  // events sent, by type
  Status delivery_error;                    // the first delivery error, when any
  bool stopped = false;                     // should_stop ended it early
  bool ok() const { return totals.failed == 0 && totals.acked == totals.sent; }
};

// Errors before the first event (bad options, brokers unreachable within
// connect_timeout, topic creation refused) are returned; delivery problems are in the
// report. `on_progress` is called about every 100 ms.
Result<SimulateReport> RunClickstream(const SimulateOptions& options, Clock& clock = SystemClock(),
                                      const std::function<void(const SimulateProgress&)>& on_progress = {});

}  // namespace orbitlake::clickstream
