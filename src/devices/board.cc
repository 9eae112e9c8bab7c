#include "devices/board.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

namespace orbitlake::devices {
namespace {

constexpr double kWallCm = 300;
constexpr double kBeyondRangeCm = 420;  // an object appears and leaves out of the sonar's range
constexpr int64_t kDayMs = 24 * 3600 * 1000;

int64_t EpochMs(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

int64_t ScaledPeriod(std::chrono::milliseconds period, double rate) {
  const double ms = static_cast<double>(period.count()) / (rate > 0 ? rate : 1.0);
  return std::max<int64_t>(1, static_cast<int64_t>(std::llround(ms)));
}

}  // namespace

const char* SensorName(Sensor sensor) {
  switch (sensor) {
    case Sensor::kDht11: return "dht11";
    case Sensor::kSr04: return "sr04";
    case Sensor::kPir: return "pir";
  }
  return "?";
}

Board::Board(BoardOptions options, TimePoint start)
    : options_(std::move(options)),
      rng_(options_.seed),
      seq_(options_.first_seq),
      dht11_period_ms_(ScaledPeriod(options_.dht11_period, options_.rate)),
      sr04_period_ms_(ScaledPeriod(options_.sr04_period, options_.rate)),
      next_dht11_ms_(EpochMs(start)),
      next_sr04_ms_(EpochMs(start)),
      last_sr04_ms_(EpochMs(start)) {}

Reading Board::Make(Sensor sensor, int64_t ts_ms, std::string fields) {
  Reading r;
  r.sensor = sensor;
  r.seq = seq_++;
  r.ts_ms = ts_ms;
  r.payload = fmt::format(R"({{"device":"{}","seq":{},"ts":{},{}}})", options_.device, r.seq, ts_ms, fields);
  return r;
}

void Board::Advance(TimePoint now, std::vector<Reading>* out) {
  const int64_t now_ms = EpochMs(now);
  while (next_dht11_ms_ <= now_ms || next_sr04_ms_ <= now_ms) {
    if (next_dht11_ms_ <= next_sr04_ms_) {
      SampleDht11(next_dht11_ms_, out);
      next_dht11_ms_ += dht11_period_ms_;
    } else {
      SampleSr04(next_sr04_ms_, out);
      next_sr04_ms_ += sr04_period_ms_;
    }
  }
}

void Board::SampleDht11(int64_t ts_ms, std::vector<Reading>* out) {
  std::normal_distribution<double> step(0, 0.05), noise(0, 0.3), hum_noise(0, 1.0);
  drift_c_ = std::clamp(drift_c_ + step(rng_), -2.0, 2.0);
  const double hour = static_cast<double>(((ts_ms % kDayMs) + kDayMs) % kDayMs) / 3'600'000.0;
  const double cycle = std::sin(2 * std::numbers::pi * (hour - 9) / 24);  // peaks at 15:00
  const double temp = std::clamp(std::round(22 + 6 * cycle + drift_c_ + noise(rng_)), 0.0, 50.0);
  const double hum = std::clamp(std::round(55 - 18 * cycle - 2 * drift_c_ + hum_noise(rng_)), 20.0, 90.0);
  out->push_back(Make(Sensor::kDht11, ts_ms,
                      fmt::format(R"("temperature_c":{},"humidity_pct":{})", static_cast<int>(temp),
                                  static_cast<int>(hum))));
}

void Board::MoveObject(int64_t ts_ms, double dt_s) {
  std::uniform_real_distribution<double> unit(0, 1);
  Object& o = object_;
  if (!o.present) {
    const double p = dt_s * 1000.0 / static_cast<double>(std::max<int64_t>(1, options_.mean_object_interval.count()));
    if (unit(rng_) >= p) return;
    o.present = true;
    o.distance = kBeyondRangeCm;
    o.speed = -(50 + 100 * unit(rng_));
    o.closest = 20 + 100 * unit(rng_);
    return;
  }
  if (o.speed < 0) {
    o.distance += o.speed * dt_s;
    if (o.distance <= o.closest) {
      o.distance = o.closest;
      o.speed = 0;
      o.linger_until_ms = ts_ms + static_cast<int64_t>(1000 + 2000 * unit(rng_));
    }
  } else if (o.speed == 0) {
    if (ts_ms >= o.linger_until_ms) o.speed = 50 + 100 * unit(rng_);
  } else {
    o.distance += o.speed * dt_s;
    if (o.distance > kBeyondRangeCm) o.present = false;
  }
}

void Board::SampleSr04(int64_t ts_ms, std::vector<Reading>* out) {
  MoveObject(ts_ms, static_cast<double>(ts_ms - last_sr04_ms_) / 1000.0);
  last_sr04_ms_ = ts_ms;
  std::normal_distribution<double> wall_noise(0, 0.5), echo_noise(0, 0.3);
  double d = kWallCm + wall_noise(rng_);
  if (object_.present && object_.distance < kWallCm) d = object_.distance + echo_noise(rng_);
  d = std::clamp(std::round(d * 10) / 10, 2.0, 400.0);
  out->push_back(Make(Sensor::kSr04, ts_ms, fmt::format(R"("distance_cm":{:.1f})", d)));

  const bool presence = object_.present && object_.distance <= options_.pir_range_cm;
  if (presence) {
    last_presence_ms_ = ts_ms;
    if (!motion_) {
      motion_ = true;
      out->push_back(Make(Sensor::kPir, ts_ms, R"("motion":true)"));
    }
  } else if (motion_ && ts_ms - last_presence_ms_ >= options_.pir_hold.count()) {
    motion_ = false;
    out->push_back(Make(Sensor::kPir, ts_ms, R"("motion":false)"));
  }
}

}  // namespace orbitlake::devices
