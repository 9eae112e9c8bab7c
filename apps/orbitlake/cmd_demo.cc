// orbitlake demo: the seed's whole pipeline on one machine (see src/demo/demo.h).
#include <filesystem>

#include <fmt/format.h>

#include "apps/orbitlake/commands.h"
#include "common/progress.h"
#include "demo/demo.h"
#include "demo/clickstream_demo.h"
#include "demo/devices_demo.h"
#include "common/duration.h"
#include "producer/pacing.h"
#include "readers/text_table.h"

namespace orbitlake::cli {
namespace {

namespace fs = std::filesystem;

struct DemoFlags {
  KafkaFlags kafka;
  demo::DemoOptions options;
  std::string sleep = "2ms..18ms";
  std::string interval = "5s";
  int64_t commit_timeout_s = 120;
};

// The source tree this binary was built from (scripts/, python/, .venv), unless moved.
std::string SourcePath(const std::string& rel) { return (fs::path(ORBITLAKE_SOURCE_DIR) / rel).string(); }

std::string ProgressLine(const demo::DemoProgress& p) {
  return fmt::format("demo {:>5.1f} s: produced {} of {} (acked {}), committed {} rows in {} commits (table v{}){}",
                     p.seconds, HumanCount(static_cast<double>(p.produced)), HumanCount(static_cast<double>(p.total)),
                     HumanCount(static_cast<double>(p.acked)), HumanCount(static_cast<double>(p.committed_rows)),
                     p.commits, p.version, p.phase == "commit" ? ", waiting for the last commit" : "");
}

void PrintSummary(const demo::DemoReport& r) {
  auto per_s = [](double n, double s) { return s > 0 ? n / s : 0.0; };
  fmt::print("\n== orbitlake demo {} ==\n", r.interrupted ? "INTERRUPTED" : "summary");
  fmt::print("kafka        {}{}\n", r.brokers, r.started_broker ? " (started for the demo, stopped again)" : "");
  fmt::print("produced     {} events, {} acknowledged, in {:.1f} s ({:.0f} events/s)\n", r.produced, r.acked,
             r.produce_seconds, per_s(static_cast<double>(r.acked), r.produce_seconds));
  fmt::print("committed    {} rows in {} commit{} (versions {}..{}), {} files, {}; {:.0f} rows/s over {:.1f} s\n",
             r.committed_rows, r.commits, r.commits == 1 ? "" : "s", r.first_version, r.last_version, r.files_written,
             HumanBytes(static_cast<double>(r.bytes_written)),
             per_s(static_cast<double>(r.committed_rows), r.ingest_seconds), r.ingest_seconds);
  if (r.committed_rows > static_cast<int64_t>(r.acked)) {
    fmt::print("             (of which {} were already in the topic, produced before this run and not yet in the "
               "table)\n",
               r.committed_rows - static_cast<int64_t>(r.acked));
  }
  if (r.quarantined > 0) fmt::print("quarantined  {} bad messages\n", r.quarantined);
  if (r.latency_count > 0) {
    fmt::print("latency      produce -> commit p50 {} ms, p99 {} ms, max {} ms ({} rows)\n", r.latency_p50_ms,
               r.latency_p99_ms, r.latency_max_ms, r.latency_count);
  }
  fmt::print("table        {}: version {}, {} live files, {}, {} rows\n", r.table_path, r.table_version, r.table_files,
             HumanBytes(static_cast<double>(r.table_bytes)), r.table_rows ? std::to_string(*r.table_rows) : "?");
  if (r.all_committed) {
    fmt::print("check        every produced event is in the table (txn offsets reached the topic's end)\n");
  } else if (r.interrupted) {
    fmt::print("check        interrupted: what was produced but not committed stays in Kafka; the next run "
               "ingests it, without duplicates\n");
  }
  if (!r.last_rows.rows.empty()) {
    fmt::print("\nlast rows of the table:\n{}", readers::Render(r.last_rows, readers::Format::kTable));
  }
  if (!r.figures.empty()) {
    fmt::print("\nfigures in {}:\n", r.figures_dir);
    for (const auto& f : r.figures) fmt::print("  {}\n", f);
  } else if (!r.figures_error.empty()) {
    fmt::print("\nfigures      not rendered: {}\n", r.figures_error);
  }
  fmt::print("\nread it with: orbitlake tail {0}\n              orbitlake history {0}\n"
             "              orbitlake describe {0}\n",
             r.table_path);
  fmt::print("took         {:.1f} s\n", r.seconds);
}

int RunDemoCommand(DemoFlags& f) {
  if (Status st = ApplyKafkaProperties(&f.kafka); !st.ok()) return Fail("demo", st);
  auto& o = f.options;
  o.client = f.kafka.client;
  auto sleep = producer::ParseSleepRange(f.sleep);
  if (!sleep.ok()) return Fail("demo", sleep.status().WithContext("--sleep"));
  o.sleep = *sleep;
  auto interval = ParseDuration(f.interval);
  if (!interval.ok()) return Fail("demo", interval.status().WithContext("--interval"));
  o.interval = std::chrono::duration_cast<std::chrono::milliseconds>(*interval);
  if (o.interval.count() <= 0) return Fail("demo", Status::InvalidArgument("--interval must be positive"));
  o.commit_timeout = std::chrono::seconds(f.commit_timeout_s);

  fmt::print("orbitlake demo: {} satellites x {} rows -> Kafka topic '{}' -> orbitlake ingest -> Delta table in {}\n",
             o.satellites, o.rows, o.topic, o.data_dir);
  std::fflush(stdout);
  Progress progress;
  auto r = demo::RunDemo(
      o,
      [&](const std::string& line) {
        fmt::print(stderr, "demo: {}\n", line);
      },
      [&](const demo::DemoProgress& p) {
        if (progress.Due()) progress.Update(ProgressLine(p), true);
      });
  if (!r.ok()) return Fail("demo", r.status());
  PrintSummary(*r);
  if (r->interrupted) return kExitInterrupted;
  return r->all_committed ? kExitOk : kExitDataLoss;
}

struct DevicesDemoFlags {
  KafkaFlags kafka;
  demo::DevicesDemoOptions options;
  std::string duration = "20s";
  std::string interval = "2s";
};

void PrintDevicesSummary(const demo::DevicesDemoReport& r) {
  fmt::print("\n== orbitlake demo devices {} ==\n", r.interrupted ? "INTERRUPTED" : "summary");
  fmt::print("kafka        {}{}\n", r.brokers, r.started_kafka ? " (started for the demo, stopped again)" : "");
  fmt::print("mqtt         {}{}\n", r.mqtt_url, r.started_mqtt ? " (Mosquitto started for the demo, stopped again)" : "");
  fmt::print("boards       {} readings sampled, {} acknowledged by the MQTT broker{}\n", r.sampled, r.acknowledged,
             r.dropped > 0 ? fmt::format(", {} NEVER SENT", r.dropped) : "");
  fmt::print("bridge       {} MQTT messages forwarded to Kafka and acknowledged\n", r.bridged);
  fmt::print("{:<13}{:>9} {:>11} {:>10} {:>12}  {}\n", "table", "rows", "duplicates", "quarantine", "version", "path");
  for (const auto& t : r.tables) {
    fmt::print("{:<13}{:>9} {:>11} {:>10} {:>12}  {}\n", t.name, t.rows, t.duplicates, t.quarantined,
               t.version < 0 ? std::string("-") : "v" + std::to_string(t.version), t.path);
  }
  fmt::print("latency      reading -> committed p50 {} ms, p99 {} ms\n", r.latency_p50_ms, r.latency_p99_ms);
  fmt::print("result       {}\n", r.all_committed ? "every reading of this run is in its table exactly once"
                                                   : "NOT every reading was committed (see above)");
  for (const auto& t : r.tables) {
    if (t.last_rows.rows.empty()) continue;
    fmt::print("\nlast rows of {}:\n{}", t.name, readers::Render(t.last_rows, readers::Format::kTable));
  }
  fmt::print("\ntook {:.1f} s\n", r.seconds);
}

int RunDevicesDemoCommand(DevicesDemoFlags& f) {
  if (Status st = ApplyKafkaProperties(&f.kafka); !st.ok()) return Fail("demo devices", st);
  auto& o = f.options;
  o.client = f.kafka.client;
  auto duration = ParseDuration(f.duration);
  if (!duration.ok()) return Fail("demo devices", duration.status().WithContext("--duration"));
  o.duration = std::chrono::duration_cast<std::chrono::milliseconds>(*duration);
  auto interval = ParseDuration(f.interval);
  if (!interval.ok()) return Fail("demo devices", interval.status().WithContext("--interval"));
  o.interval = std::chrono::duration_cast<std::chrono::milliseconds>(*interval);
  fmt::print("orbitlake demo devices: {} simulated boards -> MQTT -> bridge -> Kafka -> orbitlake ingest -> Delta "
             "tables in {}/delta-tables/sensors\n", o.boards, o.data_dir);
  std::fflush(stdout);
  Progress progress;
  std::string last;
  auto r = demo::RunDevicesDemo(
      o, [&](const std::string& line) { fmt::print(stderr, "demo devices: {}\n", line); },
      [&](const std::string& line) {
        last = line;
        if (progress.Due()) progress.Update(line, true);
      });
  if (!r.ok()) return Fail("demo devices", r.status());
  if (!last.empty()) progress.Finish(last);
  PrintDevicesSummary(*r);
  if (r->interrupted) return kExitInterrupted;
  return r->all_committed ? kExitOk : kExitDataLoss;
}

void AddDevicesDemo(CLI::App* demo_cmd, RunFn& run) {
  auto f = std::make_shared<DevicesDemoFlags>();
  auto& o = f->options;
  o.kafka_script = SourcePath("scripts/kafka");
  o.mqtt_script = SourcePath("scripts/mqtt");
  o.pipeline_file = SourcePath("examples/pipelines/sensors.toml");
  CLI::App* sub = demo_cmd->add_subcommand(
      "devices",
      "The IoT sensor system on this machine, in about half a minute: starts Kafka and Mosquitto if\n"
      "none answers (and stops them at the end), runs the sensors pipeline (examples/pipelines/\n"
      "sensors.toml: topics temperature, humidity, distance, motion -> four Delta tables under\n"
      "<data-dir>/delta-tables/sensors, dedup on (device, seq)), the MQTT -> Kafka bridge and the\n"
      "simulated boards for --duration, waits until every reading is committed, then prints each\n"
      "table's rows, duplicates dropped and quarantined, the latency and the last rows.\n"
      "Safe to run again (the boards' sequence numbers start at the run's start time x 1000).");
  AddKafkaOptions(sub, &f->kafka);
  sub->get_option("--brokers")->each([f](const std::string&) { f->options.brokers_given = true; });
  sub->add_option("--mqtt", o.mqtt_url, "MQTT broker, tcp://HOST:PORT (started when none answers there)")
      ->capture_default_str()
      ->each([f](const std::string&) { f->options.mqtt_given = true; });
  sub->add_option("--data-dir", o.data_dir, "Folder for the tables and the servers' state")
      ->capture_default_str()
      ->transform(LocalFolder());
  sub->add_option("--pipeline", o.pipeline_file, "The sensors pipeline file")->capture_default_str();
  sub->add_option("-n,--boards", o.boards, "Simulated boards")->capture_default_str()->check(IntegerIn(1, 1000));
  sub->add_option("--rate", o.rate, "Multiplies the boards' sampling rates")
      ->capture_default_str()
      ->check(NumberIn(0.001, 40));
  sub->add_option("--duration", f->duration, "How long the boards publish")
      ->capture_default_str()
      ->check(DurationIn(std::chrono::milliseconds(100), std::chrono::hours(24)));
  sub->add_option("-i,--interval", f->interval, "The ingester's micro-batch interval")
      ->capture_default_str()
      ->check(DurationIn(std::chrono::milliseconds(1), std::chrono::hours(24)));
  sub->add_option("--kafka-script", o.kafka_script, "scripts/kafka ('' never starts a broker)")->capture_default_str();
  sub->add_option("--mqtt-script", o.mqtt_script, "scripts/mqtt ('' never starts one)")->capture_default_str();
  sub->callback([f, &run] { run = [f] { return RunDevicesDemoCommand(*f); }; });
}

struct ClickstreamDemoFlags {
  KafkaFlags kafka;
  demo::ClickstreamDemoOptions options;
};

int RunClickstreamDemoCommand(ClickstreamDemoFlags& f) {
  if (Status st = ApplyKafkaProperties(&f.kafka); !st.ok()) return Fail("demo clickstream", st);
  auto& o = f.options;
  o.client = f.kafka.client;
  fmt::print("orbitlake demo clickstream: generator -> Kafka {} -> orbitlake ingest --registry -> one Delta table per "
             "event type\n", o.topic);
  auto r = demo::RunClickstreamDemo(o, [](const std::string& line) { fmt::print(stderr, "demo clickstream: {}\n", line); });
  if (!r.ok()) return Fail("demo clickstream", r.status());
  fmt::print("\n== orbitlake demo clickstream {} ==\n", r->interrupted ? "INTERRUPTED" : "summary");
  fmt::print("kafka     {} topic {}, {} events sent\n", r->brokers, o.topic, r->sent);
  fmt::print("registry  {}\n", r->registry);
  fmt::print("{:<12} {:>8}  {}\n", "event type", "rows", "table");
  for (const auto& t : r->tables) fmt::print("{:<12} {:>8}  {}\n", t.type, t.rows, t.path);
  fmt::print("{:<12} {:>8}  {}  (unknown types, failed schemas)\n", "quarantined", r->quarantined, r->quarantine_path);
  for (const auto& t : r->tables) {
    if (!t.last.empty()) fmt::print("\nlast rows of {}:\n{}", t.type, t.last);
  }
  return r->interrupted ? kExitInterrupted : kExitOk;
}

void AddClickstreamDemo(CLI::App* demo_cmd, RunFn& run) {
  auto f = std::make_shared<ClickstreamDemoFlags>();
  auto& o = f->options;
  o.kafka_script = SourcePath("scripts/kafka");
  o.redis_script = SourcePath("scripts/redis");
  CLI::App* sub = demo_cmd->add_subcommand(
      "clickstream",
      "The clickstream reference architecture on this machine: starts Kafka if none answers and a\n"
      "Redis schema registry (both stopped at the end), registers the five event types' schemas,\n"
      "sends -n events of each type plus a few of an unregistered type to raw_events, ingests with\n"
      "--registry until caught up (one Delta table per type under <data-dir>/delta-tables/clickstream,\n"
      "the unknown type in _quarantine), then prints each table's rows and its last rows.");
  AddKafkaOptions(sub, &f->kafka);
  sub->get_option("--brokers")->each([f](const std::string&) { f->options.brokers_given = true; });
  sub->add_option("--data-dir", o.data_dir, "Folder for the tables and the servers' state")
      ->capture_default_str()
      ->transform(LocalFolder());
  sub->add_option("--registry", o.registry, "Use this schema registry instead of starting a Redis");
  AddTopicOption(sub, &o.topic, "Topic of the events", /*from_env=*/false);
  sub->add_option("-n,--num-events", o.events_per_type, "Events of each type")
      ->capture_default_str()
      ->check(IntegerIn(0, 1'000'000));
  sub->add_option("--seed", o.seed, "Seed of the events (0: from the clock)")->capture_default_str();
  sub->add_option("--kafka-script", o.kafka_script, "scripts/kafka ('' never starts a broker)")->capture_default_str();
  sub->add_option("--redis-script", o.redis_script, "scripts/redis ('' never starts one)")->capture_default_str();
  sub->callback([f, &run] { run = [f] { return RunClickstreamDemoCommand(*f); }; });
}

}  // namespace

void AddDemoCommand(CLI::App& root, RunFn& run) {
  auto f = std::make_shared<DemoFlags>();
  auto& o = f->options;
  o.kafka_script = SourcePath("scripts/kafka");
  o.python = SourcePath(".venv/bin/python");
  o.figures_script = SourcePath("python/figures.py");
  CLI::App* sub = root.add_subcommand(
      "demo",
      "The whole satellite pipeline on this machine, in about a minute: starts a local Kafka broker\n"
      "if none answers (and stops it at the end), generates samples into <data-dir>/samples, ingests\n"
      "topic sat-data into <data-dir>/delta-tables/satellite-data-raw while producing the samples with\n"
      "random pauses, waits until every event is committed, then prints a summary and renders the\n"
      "figures into <data-dir>/figures. Safe to run again (appends, no duplicates) and to interrupt.");
  AddKafkaOptions(sub, &f->kafka);
  sub->get_option("--brokers")->each([f](const std::string&) { f->options.brokers_given = true; });
  sub->add_option("--data-dir", o.data_dir, "Folder for samples, tables, figures (a path or file:// URI)")
      ->capture_default_str()
      ->transform(LocalFolder());
  AddTopicOption(sub, &o.topic, "Topic");
  sub->add_option("--partitions", o.partitions, "Partitions when creating the topic")
      ->capture_default_str()
      ->check(IntegerIn(1, 1000));
  sub->add_option("-n,--satellites", o.satellites, "Satellites (sample files)")
      ->capture_default_str()
      ->check(IntegerIn(1, 1000));
  sub->add_option("-r,--rows", o.rows, "Rows per satellite")->capture_default_str()->check(IntegerIn(1, 100'000'000));
  sub->add_option("--sleep", f->sleep, "Random pause MIN..MAX between one satellite's events")
      ->capture_default_str()
      ->check(SleepRangeValidator());
  sub->add_option("-i,--interval", f->interval, "The ingester's micro-batch interval")
      ->capture_default_str()
      ->check(DurationIn(std::chrono::milliseconds(1), std::chrono::hours(24)));
  sub->add_option("--commit-timeout", f->commit_timeout_s, "Seconds to wait for the last commits after producing")
      ->capture_default_str()
      ->check(IntegerIn(1, 86'400));
  sub->add_option("--kafka-script", o.kafka_script, "scripts/kafka, to start a local broker ('' never starts one)")
      ->capture_default_str();
  sub->add_option("--python", o.python, "Python with matplotlib and deltalake, for the figures")
      ->capture_default_str();
  sub->add_option("--figures-script", o.figures_script, "The figures script ('' renders none)")
      ->capture_default_str();
  AddDevicesDemo(sub, run);
  AddClickstreamDemo(sub, run);
  // `demo devices` set its own body; CLI11 runs this callback after the subcommand's.
  sub->callback([f, sub, &run] {
    if (sub->get_subcommand("devices")->parsed() || sub->get_subcommand("clickstream")->parsed()) return;
    run = [f] { return RunDemoCommand(*f); };
  });
}

}  // namespace orbitlake::cli
