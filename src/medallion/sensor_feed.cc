#include "medallion/sensor_feed.h"

#include <cmath>
#include <numbers>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace orbitlake::medallion {

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kClean: return "clean";
    case Kind::kNull: return "null";
    case Kind::kOutOfRange: return "out_of_range";
    case Kind::kBadTimestamp: return "bad_timestamp";
    case Kind::kDuplicate: return "duplicate";
    case Kind::kMalformed: return "malformed";
  }
  return "?";
}

SensorFeed::SensorFeed(SensorFeedOptions options)
    : o_(std::move(options)),
      rng_(o_.seed),
      next_id_(static_cast<size_t>(o_.sensors), o_.first_reading_id),
      battery_(static_cast<size_t>(o_.sensors), 100.0),
      last_clean_(static_cast<size_t>(o_.sensors)) {}

Message SensorFeed::Next(int sensor, std::chrono::system_clock::time_point at) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> noise(0.0, 0.3);
  const size_t s = static_cast<size_t>(sensor);
  Message m;
  m.sensor_id = o_.sensor_prefix + std::to_string(sensor + 1);
  const double pick = u(rng_);
  Kind kind = Kind::kClean;
  if (pick < o_.dirty_share) kind = static_cast<Kind>(1 + static_cast<int>(pick / o_.dirty_share * 5) % 5);
  if (kind == Kind::kDuplicate && last_clean_[s].empty()) kind = Kind::kClean;  // nothing to repeat yet
  counts_[static_cast<int>(kind)]++;
  m.kind = kind;
  if (kind == Kind::kDuplicate) {
    m.json = last_clean_[s];
    return m;
  }
  const int64_t id = next_id_[s]++;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
  const double day = static_cast<double>(ms % 86'400'000) / 86'400'000.0;
  // Warmest mid-afternoon; each sensor a little offset.
  double temperature = 18.0 + 6.0 * std::sin(2 * std::numbers::pi * (day - 0.375)) + sensor * 0.7 + noise(rng_);
  double humidity = std::clamp(55.0 - 1.5 * (temperature - 18.0) + 3 * noise(rng_), 0.0, 100.0);
  const double pressure = 1013.0 + 2.0 * std::sin(2 * std::numbers::pi * day * 2) + noise(rng_);
  battery_[s] = std::max(0.0, battery_[s] - 0.001);
  std::string ts = fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z",
                               std::chrono::floor<std::chrono::seconds>(at), static_cast<int>(ms % 1000));
  std::string temp = fmt::format("{:.2f}", temperature);
  if (kind == Kind::kNull) temp = "null";
  if (kind == Kind::kOutOfRange) {
    if (u(rng_) < 0.5) temp = "500.00";
    else humidity = 130.0;
  }
  if (kind == Kind::kBadTimestamp) ts = "not-a-time";
  m.json = fmt::format(
      R"({{"sensor_id":"{}","reading_id":{},"timestamp":"{}","temperature":{},"humidity":{:.1f},"pressure":{:.2f},)"
      R"("battery":{:.1f}}})",
      m.sensor_id, id, ts, temp, humidity, pressure, battery_[s]);
  if (kind == Kind::kMalformed) m.json.resize(m.json.size() / 2);
  if (kind == Kind::kClean) last_clean_[s] = m.json;
  return m;
}

}  // namespace orbitlake::medallion
