#include "devices/simulator.h"

#include <algorithm>
#include <array>
#include <memory>
#include <thread>

#include "devices/outbox.h"

namespace orbitlake::devices {
namespace {

using Steady = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kProgressEvery{200};

bool ValidDeviceName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

// One board and its connection.
struct Device {
  std::unique_ptr<Board> board;
  std::unique_ptr<Outbox> outbox;
  std::array<std::string, 3> topics;  // by Sensor
  mqtt::ConnectOptions connect;
  std::unique_ptr<mqtt::Connection> conn;
  Steady::time_point next_attempt{};
  std::chrono::milliseconds backoff = kFirstBackoff;
  bool ever_connected = false;
  BoardStats stats;
};

Status CheckOptions(const SimulatorOptions& o) {
  if (o.boards < 1 || o.boards > 10'000) return Status::InvalidArgument("boards must be 1..10000");
  if (!(o.rate > 0) || o.rate > 10'000) return Status::InvalidArgument("rate must be > 0 and at most 10000");
  if (!ValidDeviceName(o.device_prefix + "1")) {
    return Status::InvalidArgument("device prefix '" + o.device_prefix +
                                   "': use letters, digits, '-', '_' and '.' only");
  }
  if (Status st = mqtt::CheckTopicName(o.topic_prefix + "/x/y"); !st.ok()) {
    return st.WithContext("topic prefix '" + o.topic_prefix + "'");
  }
  if (o.outbox_capacity < 1 || o.max_in_flight < 1) {
    return Status::InvalidArgument("the outbox capacity and the publishes in flight must be at least 1");
  }
  return Status::OK();
}

// Connects when due; publishes what the outbox holds; collects PUBACKs. A lost
// connection is dropped and retried later: the outbox sends again what it did not get
// acknowledged.
void Pump(const SimulatorOptions& o, Device& d, SimulatorStats& stats) {
  const auto now = Steady::now();
  if (!d.conn) {
    if (now < d.next_attempt) return;
    auto conn = mqtt::Connection::Connect(d.connect);
    if (!conn.ok()) {
      d.next_attempt = now + d.backoff;
      d.backoff = std::min(d.backoff * 2, o.reconnect_backoff_max);
      return;
    }
    d.conn = std::move(*conn);
    if (d.ever_connected) ++stats.reconnects;
    d.ever_connected = true;
    d.backoff = kFirstBackoff;
    d.outbox->Rewind();
  }
  Status st;
  while (d.outbox->in_flight() < o.max_in_flight) {
    const Reading* r = d.outbox->NextToSend();
    if (r == nullptr) break;
    int mid = 0;
    st = d.conn->Publish(d.topics[static_cast<int>(r->sensor)], r->payload, 1, &mid);
    if (!st.ok()) break;
    d.outbox->MarkSent(mid);
  }
  if (st.ok()) st = d.conn->Flush(std::chrono::seconds(1));
  std::vector<mqtt::Message> unused;  // a publisher subscribes to nothing
  if (st.ok()) st = d.conn->Read(std::chrono::milliseconds(0), 1024, &unused);
  for (int mid : d.conn->TakeAcknowledged()) d.outbox->Ack(mid);
  if (!st.ok()) {
    d.conn.reset();
    d.outbox->Rewind();
    d.next_attempt = now + d.backoff;
  }
}

void Collect(const std::vector<Device>& devices, SimulatorStats* s, Steady::time_point start) {
  s->boards.clear();
  s->acknowledged = s->resent = s->dropped = 0;
  s->held = 0;
  s->connected = true;
  for (const Device& d : devices) {
    s->boards.push_back(d.stats);
    s->acknowledged += d.outbox->acknowledged();
    s->resent += d.outbox->resent();
    s->dropped += d.outbox->dropped();
    s->held += d.outbox->size();
    s->connected = s->connected && d.conn != nullptr;
  }
  s->seconds = std::chrono::duration<double>(Steady::now() - start).count();
}

}  // namespace

Result<SimulatorStats> RunSimulator(const SimulatorOptions& o,
                                    const std::function<void(const SimulatorStats&)>& on_progress) {
  ORBIT_RETURN_IF_ERROR(CheckOptions(o));
  const auto start = Steady::now();
  const auto wall_start = std::chrono::system_clock::now();
  std::vector<Device> devices(static_cast<size_t>(o.boards));
  for (int i = 0; i < o.boards; ++i) {
    Device& d = devices[static_cast<size_t>(i)];
    BoardOptions b;
    b.device = o.device_prefix + std::to_string(i + 1);
    b.seed = o.seed + static_cast<uint64_t>(i);
    b.rate = o.rate;
    b.first_seq = o.first_seq;
    d.board = std::make_unique<Board>(b, wall_start);
    d.outbox = std::make_unique<Outbox>(o.outbox_capacity);
    for (Sensor s : {Sensor::kDht11, Sensor::kSr04, Sensor::kPir}) {
      d.topics[static_cast<int>(s)] = o.topic_prefix + "/" + b.device + "/" + SensorName(s);
    }
    d.connect.broker = o.broker;
    d.connect.client_id = o.client_id_prefix + "-" + b.device;
    d.connect.connect_timeout = std::chrono::seconds(2);
    d.stats.device = b.device;
    d.stats.first_seq = d.stats.next_seq = o.first_seq;
  }

  SimulatorStats stats;
  bool sampling = true;
  Steady::time_point drain_deadline{};
  Steady::time_point next_progress = start;
  std::vector<Reading> readings;
  while (true) {
    if (sampling && ((o.should_stop && o.should_stop()) ||
                     (o.duration.count() > 0 && Steady::now() - start >= o.duration) ||
                     (o.max_readings > 0 && stats.sampled >= o.max_readings))) {
      sampling = false;
      drain_deadline = Steady::now() + o.drain_timeout;
    }
    const auto wall_now = std::chrono::system_clock::now();
    for (Device& d : devices) {
      if (sampling) {
        readings.clear();
        d.board->Advance(wall_now, &readings);
        for (Reading& r : readings) {
          if (o.max_readings > 0 && stats.sampled >= o.max_readings) break;
          ++stats.sampled;
          switch (r.sensor) {
            case Sensor::kDht11: ++d.stats.dht11; break;
            case Sensor::kSr04: ++d.stats.sr04; break;
            case Sensor::kPir: ++d.stats.pir; break;
          }
          d.stats.next_seq = r.seq + 1;
          d.outbox->Push(std::move(r));
        }
      }
      Pump(o, d, stats);
    }
    size_t held = 0;
    for (const Device& d : devices) held += d.outbox->size();
    if (!sampling && (held == 0 || Steady::now() >= drain_deadline)) break;
    if (on_progress && Steady::now() >= next_progress) {
      Collect(devices, &stats, start);
      on_progress(stats);
      next_progress = Steady::now() + kProgressEvery;
    }
    // PUBACKs come back within a loopback round trip; the sonar samples every 50 ms / rate.
    std::this_thread::sleep_for(held > 0 ? std::chrono::milliseconds(1) : std::chrono::milliseconds(5));
  }
  Collect(devices, &stats, start);
  stats.unacknowledged = stats.held;
  return stats;
}

}  // namespace orbitlake::devices
