// Board: one simulated Arduino-like sensor board, the device side of the IoT sensor
// system (issue 17). Pure: it turns time into readings, and knows nothing of MQTT.
//
// A board carries three sensors, sampled on fixed schedules (the timestamps are the
// schedule's, not the moment Advance() is called, so a late caller gets the same
// readings, only later):
//   - DHT11, every `dht11_period` (1 s; DHT11 cannot sample faster): temperature in whole
//     °C (its resolution), 0..50, and relative humidity in whole %, 20..90 (its ranges),
//     following a daily cycle (warmest mid-afternoon, humidity opposite) plus a slow
//     random drift;
//   - SR04 sonar, every `sr04_period` (50 ms, 20 Hz): distance to the nearest object in
//     cm, 2..400 (its range; 0.1 cm steps, about its 0.3 cm resolution), a wall at ~300 cm
//     unless an object is approaching, lingering and leaving;
//   - PIR: events, not samples: `motion: true` when an object comes within
//     `pir_range_cm`, `motion: false` when none was there for `pir_hold` (the HC-SR501's
//     retrigger hold time).
// Every reading carries the board's id, a per-board sequence number shared by its three
// sensors (0, 1, 2, ... from `first_seq`, in timestamp order) and the sampling time in
// epoch milliseconds. (device, seq) identifies a reading: that is what dedup keys on.
//
// Deterministic: the same options and start time give the same readings.
// Thread safety: none; one thread drives a Board.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace orbitlake::devices {

enum class Sensor { kDht11, kSr04, kPir };
// "dht11", "sr04", "pir": the last level of the MQTT topic.
const char* SensorName(Sensor sensor);

struct Reading {
  Sensor sensor = Sensor::kDht11;
  int64_t seq = 0;
  int64_t ts_ms = 0;     // sampling time, epoch ms
  std::string payload;   // the JSON object the board publishes
};

struct BoardOptions {
  // The board's id, e.g. "board-1". Required.
  std::string device;
  // Seeds the drift, the noise and the objects. Default 1.
  uint64_t seed = 1;
  // Multiplies every sampling frequency (load tests): 10 makes the SR04 sample at 200 Hz.
  // Default 1 (the real sensors' rates).
  double rate = 1.0;
  // The first sequence number. A board restarted with the same id must continue past
  // the last one it sent, or dedup would drop its new readings. Default 0.
  int64_t first_seq = 0;
  std::chrono::milliseconds dht11_period{1000};
  std::chrono::milliseconds sr04_period{50};
  // An object this close triggers the PIR. Default 150 cm.
  double pir_range_cm = 150;
  // The PIR reports the end of motion after this long without an object. Default 2.5 s.
  std::chrono::milliseconds pir_hold{2500};
  // Mean time between objects appearing in front of the sonar. Default 20 s.
  std::chrono::milliseconds mean_object_interval{20'000};
};

class Board {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  // The first samples are due at `start`.
  Board(BoardOptions options, TimePoint start);

  // Appends to *out the readings due at or before `now`, in time (and seq) order.
  void Advance(TimePoint now, std::vector<Reading>* out);

  const std::string& device() const { return options_.device; }
  int64_t next_seq() const { return seq_; }

 private:
  struct Object {
    bool present = false;
    double distance = 0;  // cm
    double speed = 0;     // cm/s, negative while approaching
    double closest = 0;   // turns around here
    int64_t linger_until_ms = 0;
  };
  void SampleDht11(int64_t ts_ms, std::vector<Reading>* out);
  void SampleSr04(int64_t ts_ms, std::vector<Reading>* out);
  void MoveObject(int64_t ts_ms, double dt_s);
  Reading Make(Sensor sensor, int64_t ts_ms, std::string fields);

  BoardOptions options_;
  std::mt19937_64 rng_;
  int64_t seq_;
  int64_t dht11_period_ms_;
  int64_t sr04_period_ms_;
  int64_t next_dht11_ms_;
  int64_t next_sr04_ms_;
  int64_t last_sr04_ms_ = 0;
  double drift_c_ = 0;  // slow random walk added to the daily cycle
  Object object_;
  bool motion_ = false;
  int64_t last_presence_ms_ = 0;
};

}  // namespace orbitlake::devices
