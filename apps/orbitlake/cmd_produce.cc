// orbitlake produce: publish the sample files to Kafka as FlatBuffers telemetry events.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apps/orbitlake/commands.h"
#include "common/duration.h"
#include "common/progress.h"
#include "common/signals.h"
#include "producer/produce.h"

namespace orbitlake::cli {
namespace {

constexpr const char* kProduceHelp =
    "Publish the satellite sample files to Kafka, one FlatBuffers telemetry event per row\n"
    "(schema: src/telemetry/telemetry.fbs). Every .csv in the samples folder is one\n"
    "satellite, read on its own timeline (one reader thread by default; --threads).\n"
    "\n"
    "Each event carries the satellite's name (also the Kafka key, so a satellite's events\n"
    "stay ordered in one partition), its sequence number (row index, continuing across\n"
    "--repeat passes), the time it was pumped (ns; also the Kafka message timestamp) and\n"
    "the six measurements.\n"
    "\n"
    "Pacing: none by default (as fast as possible). --sleep 5ms..50ms pauses a random time\n"
    "between the events of each satellite (live-like data); --rate caps the total.\n"
    "\n"
    "Delivery: idempotent producer, acks=all; every event must be acknowledged. Exit codes:\n"
    "0 all acknowledged; 1 error (bad row, unreachable broker, ...); 2 usage error; 3 some\n"
    "events were not acknowledged. A bad row stops the run (after flushing what was sent) unless\n"
    "--skip-bad-rows, which skips, counts and lists them. Ctrl-C stops reading, flushes\n"
    "what is in flight and prints the summary.\n"
    "\n"
    "Examples:\n"
    "  orbitlake produce                                  # ./data/samples -> sat-data\n"
    "  orbitlake produce --sleep 5ms..50ms --loop         # a live-looking stream, until Ctrl-C\n"
    "  orbitlake produce -b kafka:9093 -X security.protocol=SSL -X ssl.ca.location=ca.pem";

struct ProduceFlags {
  KafkaFlags kafka;
  producer::ProduceOptions options;
  std::string sleep;
  std::string delivery_timeout = "120s";
  bool loop = false;
  bool json = false;
};

std::string ProgressLine(const producer::ProduceProgress& p) {
  const double rate = p.seconds > 0 ? static_cast<double>(p.acked) / p.seconds : 0;
  return fmt::format("produce: sent {}, acked {}{}, {:.0f} events/s{}{}", HumanCount(static_cast<double>(p.sent)),
                     HumanCount(static_cast<double>(p.acked)),
                     p.failed > 0 ? fmt::format(", FAILED {}", p.failed) : "", rate,
                     p.skipped_rows > 0 ? fmt::format(", skipped {} bad rows", p.skipped_rows) : "",
                     p.flushing ? fmt::format(" (flushing, {} in flight)", p.in_flight) : "");
}

int RunProduceCommand(ProduceFlags& f) {
  if (Status st = ApplyKafkaProperties(&f.kafka); !st.ok()) return Fail("produce", st);
  auto& o = f.options;
  o.client = f.kafka.client;
  if (!f.sleep.empty()) {
    auto range = producer::ParseSleepRange(f.sleep);
    if (!range.ok()) return Fail("produce", range.status().WithContext("--sleep"));
    o.sleep = *range;
  }
  auto delivery = ParseDuration(f.delivery_timeout);
  if (!delivery.ok()) return Fail("produce", delivery.status().WithContext("--delivery-timeout"));
  o.delivery_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*delivery);
  if (o.delivery_timeout.count() <= 0) {
    return Fail("produce", Status::InvalidArgument("--delivery-timeout must be at least 1ms, got " +
                                                   f.delivery_timeout));
  }
  if (f.loop) o.repeat = 0;
  o.should_stop = [] { return StopRequested(); };

  fmt::print(stderr, "orbitlake produce: {} -> Kafka {} topic '{}'{}\n", o.samples_dir, o.client.brokers, o.topic,
             o.repeat == 0 ? " (looping until Ctrl-C)" : "");
  Progress progress;
  bool shown = false;
  auto r = producer::RunProduce(o, SystemClock(), [&](const producer::ProduceProgress& p) {
    if (progress.Due()) {
      progress.Update(ProgressLine(p), true);
      shown = true;
    }
  });
  if (!r.ok()) return Fail("produce", r.status());
  const auto& t = r->totals;
  if (shown) progress.Finish(ProgressLine(t));
  for (const auto& bad : r->skipped_examples) fmt::print(stderr, "skipped bad row: {}\n", bad);
  if (t.skipped_rows > r->skipped_examples.size()) {
    fmt::print(stderr, "... and {} more bad rows skipped\n", t.skipped_rows - r->skipped_examples.size());
  }
  const double secs = t.seconds > 0 ? t.seconds : 1e-9;
  if (f.json) {
    nlohmann::json j = {{"files", r->files},
                        {"events", t.sent},
                        {"acked", t.acked},
                        {"failed", t.failed},
                        {"bytes", t.bytes},
                        {"skipped_rows", t.skipped_rows},
                        {"seconds", t.seconds},
                        {"events_per_second", static_cast<double>(t.acked) / secs},
                        {"mb_per_second", static_cast<double>(t.bytes) / secs / 1e6},
                        {"stopped", r->stopped},
                        {"error", r->error.ok() ? "" : r->error.ToString()},
                        {"delivery_error", r->delivery_error.ok() ? "" : r->delivery_error.ToString()}};
    fmt::print("{}\n", j.dump());
  } else {
    fmt::print("events     {} sent, {} acknowledged, {} failed ({} file{}{})\n", t.sent, t.acked, t.failed, r->files,
               r->files == 1 ? "" : "s",
               r->stopped ? ", stopped on request" : "");
    fmt::print("bytes      {} of events\n", HumanBytes(static_cast<double>(t.bytes)));
    fmt::print("took       {:.2f} s: {:.0f} events/s, {}/s\n", t.seconds, static_cast<double>(t.acked) / secs,
               HumanBytes(static_cast<double>(t.bytes) / secs));
    if (t.skipped_rows > 0) fmt::print("skipped    {} bad rows (--skip-bad-rows)\n", t.skipped_rows);
  }
  std::fflush(stdout);  // the summary before the verdict, also when stdout is a pipe
  if (!r->error.ok()) {
    fmt::print(stderr, "orbitlake produce: error: {}\n", r->error.ToString());
    if (r->error.code() == StatusCode::kInvalidArgument) {
      fmt::print(stderr, "(events before it were delivered; fix the row, or pass --skip-bad-rows to skip such rows)\n");
    }
  }
  if (t.failed > 0 || t.acked != t.sent) {
    fmt::print(stderr, "orbitlake produce: {} event(s) were NOT acknowledged by Kafka: {}\n", t.sent - t.acked,
               r->delivery_error.ToString());
    return kExitDataLoss;
  }
  return r->error.ok() ? kExitOk : kExitError;
}

}  // namespace

void AddProduceCommand(CLI::App& root, RunFn& run) {
  auto flags = std::make_shared<ProduceFlags>();
  CLI::App* sub = root.add_subcommand("produce", kProduceHelp);
  auto& o = flags->options;
  sub->add_option("-d,--samples", o.samples_dir, "Folder of the sample files (every *.csv is a satellite)")
      ->capture_default_str();
  AddKafkaOptions(sub, &flags->kafka);
  AddTopicOption(sub, &o.topic, "Topic to publish to");
  sub->add_option("--partitions", o.partitions, "Partitions when creating a missing topic (0: never create it)")
      ->capture_default_str()
      ->check(IntegerIn(0, 10'000));
  sub->add_option("--sleep", flags->sleep,
                  "Random pause MIN..MAX between the events of each satellite, e.g. 5ms..50ms "
                  "(units ns, us, ms, s; one value = fixed pause). Default: none")
      ->check(SleepRangeValidator());
  sub->add_option("--rate", o.rate, "Cap on total events per second (0 = no cap)")
      ->capture_default_str()
      ->check(NumberIn(0, 1e9));
  auto* repeat = sub->add_option("--repeat", o.repeat,
                                 "Passes over the files; replays get fresh timestamps and continuing "
                                 "sequence numbers")
                     ->capture_default_str()
                     ->check(IntegerIn(1, int64_t{1} << 40));
  sub->add_flag("--loop", flags->loop, "Replay the files until Ctrl-C (SIGINT/SIGTERM)")->excludes(repeat);
  sub->add_option("--delivery-timeout", flags->delivery_timeout,
                  "How long an event is retried (e.g. while the broker restarts) before it counts as "
                  "not acknowledged (librdkafka message.timeout.ms)")
      ->capture_default_str()
      ->check(DurationIn(std::chrono::milliseconds(1), std::chrono::hours(24)));
  sub->add_flag("--skip-bad-rows", o.skip_bad_rows,
                "Skip bad CSV rows (counted and listed) instead of stopping at the first one");
  sub->add_option("--threads", o.threads, "Reader threads, at most one per file (0 = one per core). One is the fastest on few cores: the threads share one Kafka producer")
      ->capture_default_str()
      ->check(IntegerIn(0, 1024));
  sub->add_flag("--json", flags->json, "Print the summary as one JSON object on stdout");
  sub->callback([flags, &run] { run = [flags] { return RunProduceCommand(*flags); }; });
}

}  // namespace orbitlake::cli
