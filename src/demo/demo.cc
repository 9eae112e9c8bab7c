#include "demo/demo.h"

#include "demo/servers.h"


#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "common/signals.h"
#include "delta/snapshot.h"
#include "ingest/committer.h"
#include "ingest/ingester.h"
#include "ingest/telemetry_pipeline.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "producer/produce.h"
#include "readers/table_views.h"
#include "samples/generator.h"
#include "storage/table_uri.h"

namespace orbitlake::demo {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// How long producing waits for the ingester to be assigned its partitions.
constexpr std::chrono::seconds kJoinTimeout{30};

double SecondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

Result<DemoReport> RunDemo(const DemoOptions& o, const std::function<void(const std::string&)>& log,
                           const std::function<void(const DemoProgress&)>& on_progress) {
  const auto start = Clock::now();
  DemoReport report;
  kafka::ClientOptions client = o.client;
  const fs::path data(o.data_dir);
  const std::string samples = (data / "samples").string();
  report.table_path = (data / "delta-tables" / "satellite-data-raw").string();
  report.figures_dir = (data / "figures").string();

  // 1. Kafka.
  LocalServer broker(o.kafka_script, (data / "kafka").string());
  ORBIT_RETURN_IF_ERROR(UseOrStartKafka(&client, o.brokers_given, o.topic, broker, (data / "kafka").string(), log,
                                        &report.started_broker));
  report.brokers = client.brokers;
  ORBIT_RETURN_IF_ERROR(kafka::EnsureTopic(client, o.topic, o.partitions));
  ORBIT_ASSIGN_OR_RETURN(int partitions, kafka::PartitionCount(client, o.topic));
  log(fmt::format("topic '{}' has {} partitions", o.topic, partitions));

  // 2. Samples.
  ORBIT_ASSIGN_OR_RETURN(auto gen, samples::GenerateSamples({.satellites = o.satellites,
                                                             .rows = o.rows,
                                                             .out_dir = samples,
                                                             .force = true,
                                                             .should_stop = [] { return StopRequested(); }}));
  log(fmt::format("generated {} satellites x {} rows in {}", gen.files.size(), o.rows, samples));

  // 3. The ingester, on its own thread.
  ingest::IngestOptions io;
  io.client = client;
  ingest::TelemetryPipelineOptions pipeline;
  pipeline.topics = {o.topic};
  pipeline.table = report.table_path;
  io.pipeline = ingest::TelemetryPipeline(pipeline);
  io.group_id = o.group_id;
  io.app_id = o.app_id;
  io.batch.interval = o.interval;
  std::mutex mu;
  ingest::IngestStats live;  // GUARDED_BY(mu)
  std::atomic<bool> ingest_done{false};
  std::optional<Result<ingest::IngestSummary>> ingest_result;
  std::thread ingester([&] {
    auto r = ingest::RunIngest(io, [&](const ingest::IngestStats& s) {
      std::lock_guard lock(mu);
      live = s;
    });
    ingest_result.emplace(std::move(r));
    ingest_done = true;
    if (!ingest_result->ok()) RequestStop();  // stop the producer too
  });
  auto stop_ingester = [&] {
    RequestStop();
    if (ingester.joinable()) ingester.join();
  };
  log(fmt::format("ingester started: {} -> {} (micro-batches every {} ms)", o.topic, report.table_path,
                  o.interval.count()));

  DemoProgress progress;
  progress.total = static_cast<uint64_t>(gen.rows);
  auto report_progress = [&](const std::string& phase) {
    std::lock_guard lock(mu);
    progress.phase = phase;
    progress.committed_rows = live.rows;
    progress.commits = live.commits;
    progress.version = live.last_version;
    progress.seconds = SecondsSince(start);
    if (on_progress) on_progress(progress);
  };

  // 4. Produce with the seed's random pauses, once the ingester has its partitions:
  // events stamped while it is still joining its group (on a fresh broker the group
  // coordinator is still being created) would wait for that too, and the latency the
  // demo reports would be the broker's start-up, not the pipeline's.
  const auto join_deadline = Clock::now() + kJoinTimeout;
  while (!StopRequested() && !ingest_done && Clock::now() < join_deadline) {
    {
      std::lock_guard lock(mu);
      if (live.assigned_partitions > 0) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    std::lock_guard lock(mu);
    if (live.assigned_partitions == 0 && !StopRequested() && !ingest_done) {
      log(fmt::format("the ingester has no partitions after {} s; producing anyway", kJoinTimeout.count()));
    }
  }
  producer::ProduceOptions po;
  po.client = client;
  po.samples_dir = samples;
  po.topic = o.topic;
  po.partitions = o.partitions;
  po.sleep = o.sleep;
  po.should_stop = [] { return StopRequested(); };
  auto produced = producer::RunProduce(po, SystemClock(), [&](const producer::ProduceProgress& p) {
    progress.produced = p.sent;
    progress.acked = p.acked;
    report_progress("produce");
  });
  if (!produced.ok()) {
    stop_ingester();
    return produced.status().WithContext("produce");
  }
  report.produced = produced->totals.sent;
  report.acked = produced->totals.acked;
  report.produce_seconds = produced->totals.seconds;
  Status produce_error = produced->error;

  // 5. Wait until every event is in the table.
  if (!StopRequested() && produced->ok()) {
    auto ends = EndOffsets(client, o.topic);
    if (!ends.ok()) {
      stop_ingester();
      return ends.status().WithContext("reading the topic's end offsets");
    }
    log(fmt::format("produced {} events; waiting for the ingester to commit them", report.acked));
    auto table = storage::OpenTableStorage(report.table_path);  // the factory the ingester uses too
    if (!table.ok()) {
      stop_ingester();
      return table.status();
    }
    const auto deadline = Clock::now() + o.commit_timeout;
    while (!StopRequested() && !ingest_done && Clock::now() < deadline) {
      auto snap = delta::LoadSnapshot(**table);
      if (snap.ok() && TableHasAll(*snap, o.app_id, o.topic, *ends)) {
        report.all_committed = true;
        break;
      }
      report_progress("commit");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!report.all_committed && !ingest_done && !StopRequested()) {
      log(fmt::format("not every event was committed within {} s", o.commit_timeout.count()));
    }
  }
  // A stop request means Ctrl-C/SIGTERM, or the ingester failing (its error is returned
  // below, first). Whether the ingester thread already ended when the signal came is a
  // race, so it must not decide between "interrupted" and "data loss".
  report.interrupted = StopRequested() && !report.all_committed;
  stop_ingester();
  if (!ingest_result->ok()) return ingest_result->status().WithContext("ingest");
  const auto& summary = ingest_result->value();
  const auto& s = summary.stats;
  report.committed_rows = s.rows;
  report.commits = s.commits;
  report.quarantined = s.quarantined;
  report.first_version = s.first_version;
  report.last_version = s.last_version;
  report.files_written = s.files;
  report.bytes_written = s.parquet_bytes;
  report.ingest_seconds = s.seconds;
  report.latency_count = summary.latency.count();
  report.latency_p50_ms = summary.latency.Percentile(0.5).count();
  report.latency_p99_ms = summary.latency.Percentile(0.99).count();
  report.latency_max_ms = summary.latency.Max().count();
  if (!produce_error.ok()) return produce_error.WithContext("produce");

  // 6. The table now.
  auto opened = storage::OpenTableStorage(report.table_path);
  if (!opened.ok()) return opened.status();
  storage::Storage& table = **opened;
  auto snap = delta::LoadSnapshot(table);
  if (snap.ok()) {
    report.table_version = snap->version();
    report.table_files = static_cast<int64_t>(snap->files().size());
    for (const auto& [_, add] : snap->files()) report.table_bytes += add.size;
    report.table_rows = snap->NumRecords();
    auto rows = readers::TailRows(table, *snap, o.last_rows,
                                  {"satellite", "sequence", "event_time", "temp_c", "battery_charge_pct", "altitude",
                                   "kafka_partition", "kafka_offset"});
    if (rows.ok()) report.last_rows = std::move(*rows);
  }

  // 7. Figures.
  if (!report.interrupted) {
    if (o.figures_script.empty()) {
      report.figures_error = "disabled (--figures-script '')";
    } else if (o.python.empty() || !fs::exists(o.python) || !fs::exists(o.figures_script)) {
      report.figures_error = "no Python or figures script (run scripts/setup; see --python, --figures-script)";
    } else {
      log("rendering figures");
      auto out = RunProcess({o.python, o.figures_script, "--table", report.table_path, "--out", report.figures_dir});
      if (!out.ok()) {
        report.figures_error = out.status().message();
      } else {
        size_t pos = 0;
        while (pos < out->size()) {
          size_t nl = out->find('\n', pos);
          if (nl == std::string::npos) nl = out->size();
          std::string line = out->substr(pos, nl - pos);
          if (line.ends_with(".png")) report.figures.push_back(line);
          pos = nl + 1;
        }
      }
    }
  }
  broker.Stop();
  report.seconds = SecondsSince(start);
  return report;
}

}  // namespace orbitlake::demo
