// The demo: the whole satellite pipeline on one machine, in one process.
//
// Steps: make sure a Kafka broker answers (starting the local one with scripts/kafka
// when none does and none was named, and stopping it again at the end); create the
// topic; generate the sample files; start the ingester on a thread; once it has been
// assigned its partitions (at most 30 s), produce the samples with the seed's random
// pauses on this thread; once produced, wait until the table's
// txn offsets reach the topic's end offsets (every event committed); stop the ingester;
// read the table's summary and last rows; render the figures with the Python script.
//
// Ctrl-C (StopRequested) at any point: the producer flushes what it sent, the ingester
// commits what it holds, the broker is stopped if the demo started it; what was
// produced but not committed stays in Kafka and the next run ingests it (the table's
// txn offsets say where to resume), so a run never duplicates rows.
//
// Thread safety: RunDemo() runs once per process (it uses the process-wide stop flag).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "kafka/client.h"
#include "producer/pacing.h"
#include "readers/text_table.h"

namespace orbitlake::demo {

struct DemoOptions {
  kafka::ClientOptions client;
  // The brokers were named by the user: never start a local broker, fail if they do
  // not answer. Default false (start the local one at client.brokers when needed).
  bool brokers_given = false;
  // Where the seed's folders live: <data_dir>/samples, <data_dir>/delta-tables/
  // satellite-data-raw (+ -quarantine), <data_dir>/figures, <data_dir>/kafka (a broker
  // started by the demo). Default "./data".
  std::string data_dir = "./data";
  std::string topic = "sat-data";
  // Partitions when the topic is created. Default 3.
  int partitions = 3;
  // Samples: satellites x rows. Default 4 x 4,000.
  int satellites = 4;
  int64_t rows = 4'000;
  // The seed's random pause between one satellite's events. Default 2..18 ms (10 ms
  // mean: 4,000 rows take about 45 s).
  producer::SleepRange sleep{std::chrono::milliseconds(2), std::chrono::milliseconds(18)};
  // The ingester's micro-batch interval. Default 5 s (the seed's window).
  std::chrono::milliseconds interval{5'000};
  // Consumer group and txn app id of the demo's ingester.
  std::string group_id = "orbitlake-demo";
  std::string app_id = "orbitlake";
  // scripts/kafka, to start a broker; empty: never start one.
  std::string kafka_script;
  // Python and python/figures.py; empty (or missing files): no figures.
  std::string python;
  std::string figures_script;
  // How long to wait, after producing, for the ingester to commit everything.
  std::chrono::seconds commit_timeout{120};
  // Rows shown at the end.
  int64_t last_rows = 5;
};

struct DemoProgress {
  std::string phase;  // "produce", "commit" (waiting for the last commits)
  uint64_t produced = 0, acked = 0, total = 0;
  int64_t committed_rows = 0, commits = 0, version = -1;
  double seconds = 0;
};

struct DemoReport {
  bool interrupted = false;
  std::string brokers;
  bool started_broker = false;
  std::string table_path;
  // Produce.
  uint64_t produced = 0, acked = 0;
  double produce_seconds = 0;
  // Ingest (this run).
  int64_t committed_rows = 0, commits = 0, quarantined = 0, first_version = -1, last_version = -1;
  int64_t files_written = 0, bytes_written = 0;
  double ingest_seconds = 0;
  int64_t latency_p50_ms = 0, latency_p99_ms = 0, latency_max_ms = 0;
  uint64_t latency_count = 0;
  // Every produced event of this run was found committed (txn offsets reached the ends).
  bool all_committed = false;
  // The table after the run.
  int64_t table_version = -1, table_files = 0, table_bytes = 0;
  std::optional<int64_t> table_rows;
  readers::TextTable last_rows;
  // Figures.
  std::string figures_dir;
  std::vector<std::string> figures;
  std::string figures_error;  // why none were written
  double seconds = 0;
};

// `log` gets one line per step; `on_progress` about every 100 ms while producing and
// waiting. Errors that stop the demo are returned (after cleaning up).
Result<DemoReport> RunDemo(const DemoOptions& options, const std::function<void(const std::string&)>& log,
                           const std::function<void(const DemoProgress&)>& on_progress);

// Runs argv[0] with arguments (no shell), returning its stdout; stderr goes to ours.
// IOError with the exit status when it fails.
Result<std::string> RunProcess(const std::vector<std::string>& argv);

}  // namespace orbitlake::demo
