// orbitlake demo: the seed's whole pipeline on one machine (see src/demo/demo.h).
#include <filesystem>

#include <fmt/format.h>

#include "apps/orbitlake/commands.h"
#include "common/progress.h"
#include "demo/demo.h"
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
  sub->callback([f, &run] { run = [f] { return RunDemoCommand(*f); }; });
}

}  // namespace orbitlake::cli
