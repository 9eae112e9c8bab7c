// The sample producer: reads every satellite's sample file on several threads, turns
// each row into a telemetry event and publishes it to Kafka.
//
// Each event is keyed by its satellite's name, so one satellite's events stay in one
// partition in file order (a reader's satellites take turns: one event each with
// pauses, runs of 256 without); its sequence number is the row index (continuing across
// replays: pass * rows + row) and its timestamp, taken from the clock when the event is
// pumped, is strictly increasing per satellite and also set as the Kafka message
// timestamp (milliseconds).
//
// Delivery: the Kafka producer is idempotent with acks=all; every delivery report is
// counted. At the end (all files done, a bad row, or a stop request) everything already
// handed to Kafka is flushed, so nothing accepted is silently dropped: the report says
// how many events were sent, acknowledged and failed, and why.
//
// Bad rows: by default the first bad row stops reading everywhere and is returned in
// ProduceReport::error as "file:line:column: message"; with skip_bad_rows they are
// skipped, counted and the first few listed in the report.
//
// Thread safety: RunProduce() is reentrant; it runs its own reader thread(s).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "kafka/client.h"
#include "producer/pacing.h"

namespace orbitlake::producer {

struct ProduceOptions {
  kafka::ClientOptions client;
  // Folder of the sample files: every "*.csv" in it is one satellite. Default
  // "./data/samples".
  std::string samples_dir = "./data/samples";
  // Topic to publish to. Default "sat-data".
  std::string topic = "sat-data";
  // Partitions of the topic when it has to be created. 0: never create it (it must
  // exist, or the broker auto-creates it with its own settings). Default 3.
  int partitions = 3;
  // Random pause between two events of the same satellite, to simulate live data.
  // Default none.
  std::optional<SleepRange> sleep;
  // Cap on total events per second across all satellites. 0 (default): no cap.
  double rate = 0;
  // Passes over the files; each replay gets fresh timestamps and continuing sequence
  // numbers. 0: loop until stopped. Default 1.
  int64_t repeat = 1;
  // Skip (and count) bad rows instead of stopping at the first one. Default off.
  bool skip_bad_rows = false;
  // How many skipped rows are listed in the report (all are counted). Default 10.
  size_t max_listed_bad_rows = 10;
  // Reader threads, each reading, encoding and publishing its share of the files (at
  // most one per file). 0: one per core. Default 1: all readers share one librdkafka
  // handle, and on the 2-core reference machine two readers cost ~30 % more CPU than
  // one (contention on the handle's locks, messages freed across malloc arenas) for no
  // more events per second (bench/RESULTS.md, 2026-12-03). More pay only where parsing
  // is the bottleneck: many cores, or a slow clock.
  int threads = 1;
  // Seed of the random pauses. Default 1.
  uint64_t seed = 1;
  // Reaching the brokers (topic check/creation) must succeed within this. Default 10 s.
  std::chrono::milliseconds connect_timeout{10'000};
  // How long librdkafka retries one event before reporting it failed (message.timeout.ms).
  // Default 120 s, Kafka's own producer default (delivery.timeout.ms): long enough to
  // ride out a broker restart (stopping and starting a single-node broker took ~35 s on
  // the 2-core development VM, tests/torture), short enough that a broker gone for good
  // is reported. A shutdown while the broker is down waits up to this long to flush.
  std::chrono::milliseconds delivery_timeout{120'000};
  // Polled by the readers; true stops reading (what was sent is still flushed).
  // Optional; the CLI passes StopRequested (SIGINT/SIGTERM).
  std::function<bool()> should_stop;
};

struct ProduceProgress {
  uint64_t sent = 0;   // events handed to Kafka
  uint64_t acked = 0;  // acknowledged by the brokers
  uint64_t failed = 0;
  uint64_t bytes = 0;  // payload bytes handed to Kafka
  uint64_t skipped_rows = 0;
  int in_flight = 0;
  double seconds = 0;
  bool flushing = false;  // reading is over; waiting for the last acknowledgements
};

struct ProduceReport {
  size_t files = 0;
  ProduceProgress totals;
  // The first bad rows skipped ("file:line:column: message"); see max_listed_bad_rows.
  std::vector<std::string> skipped_examples;
  // Why reading stopped early: a bad row, an unreadable file, a produce error. OK when
  // every file was read (or a stop was requested).
  Status error;
  // Why events failed (the first delivery error), when any did.
  Status delivery_error;
  // Reading ended because should_stop said so.
  bool stopped = false;
  // Every event sent was acknowledged, and nothing stopped reading early.
  bool ok() const { return error.ok() && totals.failed == 0 && totals.acked == totals.sent; }
};

// Publishes the sample files. Problems found before the first event (no samples,
// brokers unreachable within connect_timeout: Timeout naming them, topic creation
// refused) are returned as errors; problems during the run are in the report, along
// with what was delivered. `on_progress` (optional) is called from the calling thread
// about every 100 ms.
Result<ProduceReport> RunProduce(const ProduceOptions& options, Clock& clock = SystemClock(),
                                 const std::function<void(const ProduceProgress&)>& on_progress = {});

}  // namespace orbitlake::producer
