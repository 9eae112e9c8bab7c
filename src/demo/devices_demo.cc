#include "demo/devices_demo.h"

#include <atomic>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "bridge/bridge.h"
#include "common/signals.h"
#include "delta/snapshot.h"
#include "demo/servers.h"
#include "devices/simulator.h"
#include "ingest/ingester.h"
#include "kafka/admin.h"
#include "mqtt/client.h"
#include "pipeline/pipeline_file.h"
#include "readers/table_views.h"
#include "storage/table_uri.h"

namespace orbitlake::demo {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

bool MqttAnswers(const mqtt::BrokerAddress& broker) {
  mqtt::ConnectOptions o;
  o.broker = broker;
  o.client_id = "orbitlake-demo-probe";
  o.connect_timeout = std::chrono::seconds(2);
  return mqtt::Connection::Connect(o).ok();
}

// "./data/x" -> "<data_dir>/x"; other paths as they are.
std::string UnderDataDir(const std::string& path, const std::string& data_dir) {
  if (!path.starts_with("./data/")) return path;
  return (fs::path(data_dir) / path.substr(7)).string();
}

struct TableState {
  int64_t rows = 0;
  int64_t version = -1;
  int64_t distinct_keys = -1;
};

// Rows, version and distinct (device, seq) of a table (zeros when it does not exist).
TableState ReadTable(const std::string& path, bool keys, int64_t last_rows, readers::TextTable* tail) {
  TableState t;
  auto storage = storage::OpenTableStorage(path);
  if (!storage.ok()) return t;
  auto snap = delta::LoadSnapshot(**storage);
  if (!snap.ok()) return t;
  t.version = snap->version();
  t.rows = snap->NumRecords().value_or(0);
  if (tail != nullptr) {
    auto rows = readers::TailRows(**storage, *snap, last_rows);
    if (rows.ok()) *tail = std::move(*rows);
  }
  if (!keys) return t;
  auto keys_table = readers::TailRows(**storage, *snap, std::max<int64_t>(t.rows, 1), {"device", "seq"});
  if (!keys_table.ok()) return t;
  std::set<std::pair<std::string, std::string>> distinct;
  for (const auto& row : keys_table->rows) distinct.insert({row[0].text, row[1].text});
  t.distinct_keys = static_cast<int64_t>(distinct.size());
  return t;
}

// The readings committed this run: one row per reading in the tables other than
// humidity (a DHT11 reading is in temperature and humidity, an SR04 one in distance, a
// PIR one in motion); -1 while humidity and temperature disagree (one is behind).
int64_t ReadingsCommitted(const pipeline::PipelineSpec& spec, const std::vector<int64_t>& rows_before) {
  int64_t readings = 0, temperature = -1, humidity = -1;
  for (size_t i = 0; i < spec.tables.size(); ++i) {
    const int64_t added = ReadTable(spec.tables[i].path, false, 0, nullptr).rows - rows_before[i];
    if (spec.tables[i].name == "humidity") {
      humidity = added;
    } else {
      readings += added;
    }
    if (spec.tables[i].name == "temperature") temperature = added;
  }
  return humidity == temperature ? readings : -1;
}

}  // namespace

Result<DevicesDemoReport> RunDevicesDemo(const DevicesDemoOptions& o,
                                         const std::function<void(const std::string&)>& log,
                                         const std::function<void(const std::string&)>& on_progress) {
  const auto start = Clock::now();
  DevicesDemoReport report;
  kafka::ClientOptions client = o.client;
  const fs::path data(o.data_dir);

  // 1. The pipeline: four topics into four tables.
  ORBIT_ASSIGN_OR_RETURN(pipeline::PipelineSpec spec, pipeline::LoadPipelineFile(o.pipeline_file));
  for (auto& t : spec.tables) {
    t.path = UnderDataDir(t.path, o.data_dir);
    t.quarantine_path = UnderDataDir(t.quarantine_path, o.data_dir);
  }
  for (auto& s : spec.sources) {
    if (!s.quarantine_path.empty()) s.quarantine_path = UnderDataDir(s.quarantine_path, o.data_dir);
  }
  std::vector<std::string> topics;
  for (const auto& s : spec.sources) topics.insert(topics.end(), s.topics.begin(), s.topics.end());

  // 2. Kafka and MQTT.
  LocalServer kafka_server(o.kafka_script, (data / "kafka").string());
  ORBIT_RETURN_IF_ERROR(UseOrStartKafka(&client, o.brokers_given, topics.front(), kafka_server,
                                        (data / "kafka").string(), log, &report.started_kafka));
  report.brokers = client.brokers;
  ORBIT_ASSIGN_OR_RETURN(mqtt::BrokerAddress mqtt_broker, mqtt::ParseBrokerUrl(o.mqtt_url));
  LocalServer mqtt_server(o.mqtt_script, (data / "mqtt").string());
  if (MqttAnswers(mqtt_broker)) {
    log(fmt::format("MQTT broker answers at {}", mqtt_broker.ToString()));
  } else if (o.mqtt_given || o.mqtt_script.empty()) {
    return Status::Unavailable(fmt::format("no MQTT broker answers at {}", mqtt_broker.ToString()));
  } else {
    log(fmt::format("no MQTT broker at {}: starting Mosquitto (state in {})", mqtt_broker.ToString(),
                    (data / "mqtt").string()));
    ORBIT_ASSIGN_OR_RETURN(std::string url, mqtt_server.Start(std::to_string(mqtt_broker.port)));
    ORBIT_ASSIGN_OR_RETURN(mqtt_broker, mqtt::ParseBrokerUrl(url));
    report.started_mqtt = true;
    log(fmt::format("Mosquitto started at {}", mqtt_broker.ToString()));
  }
  report.mqtt_url = mqtt_broker.ToString();
  int total_partitions = 0;
  for (const auto& t : topics) {
    ORBIT_RETURN_IF_ERROR(kafka::EnsureTopic(client, t, 3));
    ORBIT_ASSIGN_OR_RETURN(int n, kafka::PartitionCount(client, t));
    total_partitions += n;
  }
  log(fmt::format("topics {} ready ({} partitions)", fmt::join(topics, ", "), total_partitions));

  // Rows before this run, so the report counts this run's.
  std::vector<int64_t> rows_before;
  for (const auto& t : spec.tables) rows_before.push_back(ReadTable(t.path, false, 0, nullptr).rows);

  // 3. The ingester, on its own thread; its sources start at the latest offsets, so the
  // boards start only once it has its partitions.
  ingest::IngestOptions io;
  io.client = client;
  io.pipeline = spec;
  io.group_id = spec.kafka.group;
  io.app_id = spec.kafka.app_id;
  io.batch.interval = o.interval;
  std::mutex mu;
  ingest::IngestStats live;  // GUARDED_BY(mu)
  std::optional<Result<ingest::IngestSummary>> ingest_result;
  std::atomic<bool> ingest_done{false};
  std::thread ingester([&] {
    auto r = ingest::RunIngest(io, [&](const ingest::IngestStats& s) {
      std::lock_guard lock(mu);
      live = s;
    });
    ingest_result.emplace(std::move(r));
    ingest_done = true;
    if (!ingest_result->ok()) RequestStop();
  });
  bridge::BridgeStats bridge_live;  // GUARDED_BY(mu)
  std::optional<Result<bridge::BridgeStats>> bridge_result;
  std::thread bridge_thread;
  auto stop_all = [&] {
    RequestStop();
    if (bridge_thread.joinable()) bridge_thread.join();
    if (ingester.joinable()) ingester.join();
  };
  log(fmt::format("ingester started: {} tables, micro-batches every {} ms", spec.tables.size(), o.interval.count()));
  const auto assign_deadline = Clock::now() + std::chrono::seconds(60);
  while (!StopRequested()) {
    {
      std::lock_guard lock(mu);
      if (live.assigned_partitions >= total_partitions) break;
    }
    if (Clock::now() > assign_deadline) {
      stop_all();
      return Status::Unavailable("the ingester got no partitions within 60 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  // 4. The bridge, on its own thread.
  bridge::BridgeOptions bo;
  bo.mqtt.broker = mqtt_broker;
  bo.mqtt.client_id = "orbitlake-demo-bridge";
  bo.kafka = client;
  bo.should_stop = [] { return StopRequested(); };
  bridge_thread = std::thread([&] {
    auto r = bridge::RunBridge(bo, [&](const bridge::BridgeStats& s) {
      std::lock_guard lock(mu);
      bridge_live = s;
    });
    std::lock_guard lock(mu);
    bridge_result.emplace(std::move(r));
    if (!bridge_result->ok()) RequestStop();
  });
  // Readings published before the bridge's session subscribed would never reach it.
  const auto subscribe_deadline = Clock::now() + std::chrono::seconds(30);
  while (!StopRequested()) {
    {
      std::lock_guard lock(mu);
      if (bridge_live.reconnects > 0) break;  // connected and subscribed at least once
    }
    if (Clock::now() > subscribe_deadline) {
      stop_all();
      return Status::Unavailable("the bridge could not subscribe at " + mqtt_broker.ToString() + " within 30 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  log(fmt::format("bridge started: {} -> Kafka (sensors/+/dht11 -> temperature, humidity; sr04 -> distance; "
                  "pir -> motion)",
                  mqtt_broker.ToString()));

  auto progress_line = [&](const std::string& phase, uint64_t sampled) {
    std::lock_guard lock(mu);
    return fmt::format("{}: boards sampled {}, bridged {}, committed {} rows in {} commits, {} duplicates dropped",
                       phase, sampled, bridge_live.mqtt_acked, live.rows, live.commits, live.duplicates);
  };

  // 5. The boards, on this thread. Their sequence numbers start at the start time in
  // seconds x 1000, so a rerun never reuses a (device, seq) the tables' dedup remembers.
  devices::SimulatorOptions so;
  so.broker = mqtt_broker;
  so.boards = o.boards;
  so.rate = o.rate;
  so.duration = o.duration;
  so.first_seq = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count() * 1000;
  so.client_id_prefix = "orbitlake-demo";
  so.should_stop = [] { return StopRequested(); };
  log(fmt::format("{} boards publishing for {} s", o.boards, o.duration.count() / 1000.0));
  auto sim = devices::RunSimulator(so, [&](const devices::SimulatorStats& s) {
    if (on_progress) on_progress(progress_line("publish", s.sampled));
  });
  if (!sim.ok()) {
    stop_all();
    return sim.status().WithContext("simulate devices");
  }
  report.sampled = sim->sampled;
  report.acknowledged = sim->acknowledged;
  report.dropped = sim->dropped + sim->unacknowledged;

  // 6. Wait until the bridge forwarded every reading and every message is committed.
  const auto deadline = Clock::now() + o.commit_timeout;
  if (!StopRequested()) log("boards stopped; waiting for the bridge and the ingester to commit everything");
  while (!StopRequested() && !ingest_done && Clock::now() < deadline) {
    uint64_t bridged = 0;
    {
      std::lock_guard lock(mu);
      bridged = bridge_live.mqtt_acked;
    }
    if (bridged >= report.acknowledged && ReadingsCommitted(spec, rows_before) == static_cast<int64_t>(report.sampled)) {
      report.all_committed = true;
      break;
    }
    if (on_progress) on_progress(progress_line("commit", report.sampled));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  report.interrupted = StopRequested() && !report.all_committed;
  stop_all();
  if (bridge_result && !bridge_result->ok()) return bridge_result->status().WithContext("bridge");
  if (!ingest_result->ok()) return ingest_result->status().WithContext("ingest");
  report.bridged = bridge_result ? bridge_result->value().mqtt_acked : 0;
  const auto& summary = ingest_result->value();
  report.latency_p50_ms = summary.latency.Percentile(0.5).count();
  report.latency_p99_ms = summary.latency.Percentile(0.99).count();

  // 7. The tables now.
  for (size_t i = 0; i < spec.tables.size(); ++i) {
    const auto& t = spec.tables[i];
    DevicesDemoTable row;
    row.name = t.name;
    row.path = t.path;
    TableState s = ReadTable(t.path, t.dedup.has_value(), o.last_rows, &row.last_rows);
    row.rows = s.rows;
    row.version = s.version;
    row.distinct_keys = s.distinct_keys;
    row.quarantined = ReadTable(t.quarantine_path, false, 0, nullptr).rows;
    for (const auto& ts : summary.stats.tables) {
      if (ts.path == t.path) row.duplicates = ts.duplicates;
    }
    report.tables.push_back(std::move(row));
  }
  // Nothing doubled either: each dedup table holds every (device, seq) once.
  for (const auto& t : report.tables) {
    if (t.distinct_keys >= 0 && t.distinct_keys != t.rows) report.all_committed = false;
  }
  mqtt_server.Stop();
  kafka_server.Stop();
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

}  // namespace orbitlake::demo
