// The devices demo: the IoT sensor system on one machine, in one process.
//
// Steps: make sure Kafka and an MQTT broker answer (starting the local ones with
// scripts/kafka and scripts/mqtt when none does and none was named; stopped again at
// the end); create the pipeline's topics; start the ingester of the sensors pipeline
// (examples/pipelines/sensors.toml: four topics into four Delta tables, dedup on
// (device, seq)) and wait until it has its partitions (its sources start at the latest
// offsets); start the MQTT -> Kafka bridge; run the simulated boards for `duration`;
// then wait until the bridge forwarded everything and the tables gained one row per
// sampled reading (the topics may hold older messages a "latest" source skips, so end
// offsets cannot say it); stop; report per table and the last rows.
//
// Ctrl-C (StopRequested) at any point: the simulator stops sampling and drains, the
// bridge and the ingester stop (the ingester commits what it holds), the servers the demo
// started are stopped.
//
// Thread safety: RunDevicesDemo() runs once per process (it uses the process-wide stop flag).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "kafka/client.h"
#include "readers/text_table.h"

namespace orbitlake::demo {

struct DevicesDemoOptions {
  kafka::ClientOptions client;
  bool brokers_given = false;  // never start a local Kafka; fail if it does not answer
  std::string mqtt_url = "tcp://127.0.0.1:1883";
  bool mqtt_given = false;     // never start a local Mosquitto; fail if it does not answer
  // The pipeline file. Its table paths under "./data/" are moved under data_dir. Required.
  std::string pipeline_file;
  // <data_dir>/delta-tables/sensors/..., <data_dir>/kafka, <data_dir>/mqtt. Default "./data".
  std::string data_dir = "./data";
  int boards = 3;
  double rate = 1.0;  // SimulatorOptions::rate
  // How long the boards publish. Default 20 s.
  std::chrono::milliseconds duration{20'000};
  // The ingester's micro-batch interval. Default 2 s.
  std::chrono::milliseconds interval{2'000};
  std::string kafka_script;  // scripts/kafka; empty: never start one
  std::string mqtt_script;   // scripts/mqtt; empty: never start one
  // After the boards stopped, how long to wait for everything to be committed. Default 120 s.
  std::chrono::seconds commit_timeout{120};
  int64_t last_rows = 3;
};

struct DevicesDemoTable {
  std::string name, path;
  int64_t rows = 0;            // in the table after the run
  int64_t distinct_keys = -1;  // distinct (device, seq) in the table; -1 when not read
  int64_t duplicates = 0;      // dropped by dedup this run
  int64_t quarantined = 0;     // rows of its quarantine table
  int64_t version = -1;
  readers::TextTable last_rows;
};

struct DevicesDemoReport {
  bool interrupted = false;
  std::string brokers, mqtt_url;
  bool started_kafka = false, started_mqtt = false;
  uint64_t sampled = 0, acknowledged = 0, dropped = 0;  // by the boards
  uint64_t bridged = 0;                                 // MQTT messages the bridge acknowledged
  std::vector<DevicesDemoTable> tables;
  // Every reading of this run is in its tables, once (the measurement tables' rows from
  // this run add up to what the boards sampled).
  bool all_committed = false;
  int64_t latency_p50_ms = 0, latency_p99_ms = 0;  // reading -> committed
  double seconds = 0;
};

Result<DevicesDemoReport> RunDevicesDemo(const DevicesDemoOptions& options,
                                         const std::function<void(const std::string&)>& log,
                                         const std::function<void(const std::string&)>& on_progress);

}  // namespace orbitlake::demo
