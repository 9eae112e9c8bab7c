// The device simulator: N boards (board.h), each with its own MQTT connection and a
// bounded outbox (outbox.h), publishing their readings at QoS 1 to
// `<topic_prefix>/<device>/<sensor>` (sensors/board-1/dht11, .../sr04, .../pir).
//
// Delivery: at least once to the broker while the simulator runs. A lost broker is
// retried with exponential backoff (up to `reconnect_backoff_max`); readings keep being
// sampled into the outbox meanwhile and what was not acknowledged is sent again on the
// new connection. Only a full outbox drops readings (the oldest; counted in `dropped`).
// On stop, sampling ends and the simulator waits up to `drain_timeout` for the broker
// to acknowledge what is held; what is still held then is reported as `unacknowledged`.
//
// Thread safety: RunSimulator runs every board on the calling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "devices/board.h"
#include "mqtt/client.h"

namespace orbitlake::devices {

struct SimulatorOptions {
  mqtt::BrokerAddress broker;
  // Boards "board-1" .. "board-N". Default 3.
  int boards = 3;
  // Device ids are "<device_prefix><i>". Letters, digits, '-', '_' and '.' only (they are
  // an MQTT topic level and a JSON string). Default "board-".
  std::string device_prefix = "board-";
  // Readings go to "<topic_prefix>/<device>/<sensor>". Default "sensors".
  std::string topic_prefix = "sensors";
  // Multiplies every sampling rate (BoardOptions::rate). Default 1.
  double rate = 1.0;
  // Board i is seeded with seed + i. Default 1.
  uint64_t seed = 1;
  // BoardOptions::first_seq of every board. Default 0.
  int64_t first_seq = 0;
  // Stop sampling after this long; 0: until should_stop. Default 0.
  std::chrono::milliseconds duration{0};
  // Stop sampling once this many readings were sampled in all; 0: no limit. Default 0.
  uint64_t max_readings = 0;
  // Readings one board holds (queued or unacknowledged) at most. Default 100,000.
  size_t outbox_capacity = 100'000;
  // QoS 1 publishes one board has in flight at most. Default 1,000.
  size_t max_in_flight = 1'000;
  // Longest pause between reconnection attempts (doubling from 100 ms). Default 5 s.
  std::chrono::milliseconds reconnect_backoff_max{5'000};
  // After sampling stops, how long to wait for the broker to acknowledge what is held.
  // Default 30 s.
  std::chrono::milliseconds drain_timeout{30'000};
  // MQTT client ids are "<client_id_prefix>-<device>". Default "orbitlake-sim".
  std::string client_id_prefix = "orbitlake-sim";
  std::function<bool()> should_stop;
};

struct BoardStats {
  std::string device;
  int64_t first_seq = 0;
  int64_t next_seq = 0;  // sampled seqs are [first_seq, next_seq)
  uint64_t dht11 = 0, sr04 = 0, pir = 0;  // readings sampled per sensor
};

struct SimulatorStats {
  std::vector<BoardStats> boards;
  uint64_t sampled = 0;         // readings sampled
  uint64_t acknowledged = 0;    // readings the broker acknowledged
  uint64_t resent = 0;          // publishes of a reading sent before (after a lost connection)
  uint64_t dropped = 0;         // oldest readings dropped by a full outbox
  uint64_t unacknowledged = 0;  // held when the simulator stopped
  uint64_t reconnects = 0;      // connections made after the first one of each board
  size_t held = 0;              // in the outboxes now
  bool connected = false;       // every board is connected
  double seconds = 0;
};

// Errors: InvalidArgument for bad options. Broker outages are retried, not returned.
Result<SimulatorStats> RunSimulator(const SimulatorOptions& options,
                                    const std::function<void(const SimulatorStats&)>& on_progress = {});

}  // namespace orbitlake::devices
