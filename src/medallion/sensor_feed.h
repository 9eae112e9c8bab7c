// SensorFeed: the medallion system's simulated IoT sensors (`orbitlake simulate sensors`):
// readings as JSON text, with a configurable share of dirty data so the bronze and silver
// cleaning has something to do, and the kind of every message, so a test or the demo
// can reconcile what the tables hold with what was sent.
//
// A clean reading:
//   {"sensor_id":"sensor-2","reading_id":17,"timestamp":"2026-12-03T10:00:17.000Z",
//    "temperature":21.37,"humidity":48.2,"pressure":1012.91,"battery":87.4}
// temperature in °C (a daily cycle per sensor plus noise), humidity %RH 0..100,
// pressure hPa, battery % (slowly draining). Each sensor numbers its readings from
// `first_reading_id`; (sensor_id, reading_id) identifies a reading.
// Dirty messages, each `dirty_share / 5` of the messages (a message is one kind only):
//   kNull         temperature null (silver filters nulls)
//   kOutOfRange   temperature 500 or humidity 130 (fails the range checks)
//   kBadTimestamp timestamp "not-a-time" (fails timestamp parsing)
//   kDuplicate    an earlier clean reading of the same sensor sent again, byte for byte
//                 (silver's dedup drops it)
//   kMalformed    a reading cut in the middle: not JSON
// Deterministic: the same options give the same messages.
// Thread safety: none; one feed per producer thread.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace orbitlake::medallion {

enum class Kind { kClean, kNull, kOutOfRange, kBadTimestamp, kDuplicate, kMalformed };
inline constexpr int kKinds = 6;
const char* KindName(Kind k);

struct SensorFeedOptions {
  int sensors = 3;                       // sensor-1 .. sensor-N. Default 3.
  std::string sensor_prefix = "sensor-";  // default "sensor-"
  double dirty_share = 0.1;               // 0..1: share of dirty messages. Default 10 %.
  int64_t first_reading_id = 1;           // default 1
  uint64_t seed = 1;                      // default 1
};

struct Message {
  std::string sensor_id;  // also the Kafka key
  std::string json;
  Kind kind = Kind::kClean;
};

class SensorFeed {
 public:
  explicit SensorFeed(SensorFeedOptions options);
  // The next message of sensor `sensor` (0-based) sampled at `at`.
  Message Next(int sensor, std::chrono::system_clock::time_point at);
  // Messages per kind so far.
  const std::array<int64_t, kKinds>& counts() const { return counts_; }
  // The next reading id per sensor (the last one used + 1).
  const std::vector<int64_t>& next_ids() const { return next_id_; }

 private:
  SensorFeedOptions o_;
  std::mt19937_64 rng_;
  std::vector<int64_t> next_id_;
  std::vector<double> battery_;
  std::vector<std::string> last_clean_;
  std::array<int64_t, kKinds> counts_{};
};

}  // namespace orbitlake::medallion
