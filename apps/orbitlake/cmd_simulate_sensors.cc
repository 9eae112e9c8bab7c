// orbitlake simulate sensors: the medallion system's IoT sensors, to Kafka and/or files.
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "apps/orbitlake/commands.h"
#include "common/duration.h"
#include "common/progress.h"
#include "common/signals.h"
#include "kafka/admin.h"
#include "kafka/producer.h"
#include "medallion/sensor_feed.h"

namespace orbitlake::cli {
namespace {

constexpr const char* kHelp =
    "Simulate the IoT sensors of the medallion system: each sensor sends one JSON reading per\n"
    "second (--rate) to the Kafka topic --kafka (key: the sensor id) and/or into JSON Lines\n"
    "files in --files DIR (one file every --file-every, written as NAME.tmp and renamed, so\n"
    "a file source never sees a partial file). Both paths get the same messages.\n"
    "  {\"sensor_id\":\"sensor-1\",\"reading_id\":7,\"timestamp\":\"2026-12-03T10:00:07.000Z\",\n"
    "   \"temperature\":21.37,\"humidity\":48.2,\"pressure\":1012.91,\"battery\":87.4}\n"
    "--dirty is the share of dirty messages, in equal parts: temperature null, out of range\n"
    "(500 °C or 130 %RH), an unparsable timestamp, an earlier reading sent again, and a cut\n"
    "(malformed) message. The summary counts every kind, so the tables can be reconciled:\n"
    "clean readings = silver rows; the rest are quarantined, filtered or dropped as duplicates.\n"
    "Runs until Ctrl-C, --duration or --count.\n"
    "\n"
    "Examples:\n"
    "  orbitlake simulate sensors --kafka sensor_data -b 127.0.0.1:9092\n"
    "  orbitlake simulate sensors --files ./data/landing/sensors --file-every 3s --duration 1m\n"
    "  orbitlake simulate sensors --kafka sensor_data --rate 1000 --count 1000000   # load test";

struct Flags {
  KafkaFlags kafka;
  std::string topic;
  int partitions = 3;  // as the original's sensor_data topic
  std::string files;
  int sensors = 3;
  double rate = 1.0;
  double dirty = 0.1;
  std::string duration = "0s";
  uint64_t count = 0;
  std::string file_every = "3s";
  int64_t first_reading_id = 1;
  uint64_t seed = 1;
  std::string prefix = "sensor-";
};

// JSON Lines files, each published whole by a rename.
class FileWriter {
 public:
  explicit FileWriter(std::filesystem::path dir) : dir_(std::move(dir)) {}
  void Add(const std::string& line) { buf_ += line, buf_ += '\n', ++lines_; }
  Status Flush() {
    if (lines_ == 0) return Status::OK();
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::string name = fmt::format("sensors-{}-{:05d}.jsonl", ms, files_);
    const auto tmp = dir_ / (name + ".tmp");
    {
      std::ofstream out(tmp, std::ios::binary);
      out << buf_;
      out.close();
      if (!out) return Status::IOError("writing " + tmp.string());
    }
    std::filesystem::rename(tmp, dir_ / name, ec);
    if (ec) return Status::IOError("renaming " + tmp.string() + ": " + ec.message());
    ++files_;
    buf_.clear();
    lines_ = 0;
    return Status::OK();
  }
  int64_t files() const { return files_; }

 private:
  std::filesystem::path dir_;
  std::string buf_;
  int64_t lines_ = 0;
  int64_t files_ = 0;
};

int Run(Flags& f) {
  constexpr const char* kCmd = "simulate sensors";
  if (f.topic.empty() && f.files.empty()) {
    fmt::print(stderr, "orbitlake {}: error: give --kafka TOPIC and/or --files DIR\n", kCmd);
    return kExitUsage;
  }
  if (Status st = ApplyKafkaProperties(&f.kafka); !st.ok()) return Fail(kCmd, st);
  auto duration = ParseDuration(f.duration, std::chrono::hours(24 * 365));
  if (!duration.ok()) return Fail(kCmd, duration.status().WithContext("--duration"));
  auto every = ParseDuration(f.file_every);
  if (!every.ok()) return Fail(kCmd, every.status().WithContext("--file-every"));
  std::unique_ptr<kafka::Producer> producer;
  if (!f.topic.empty()) {
    kafka::ProducerOptions po;
    po.client = f.kafka.client;
    if (f.partitions > 0) {
      if (Status st = kafka::EnsureTopic(f.kafka.client, f.topic, f.partitions); !st.ok()) {
        return Fail(kCmd, st.WithContext("creating topic " + f.topic));
      }
    }
    auto p = kafka::Producer::Create(po);
    if (!p.ok()) return Fail(kCmd, p.status());
    producer = std::move(*p);
  }
  std::optional<FileWriter> files;
  if (!f.files.empty()) files.emplace(f.files);
  medallion::SensorFeed feed({.sensors = f.sensors, .sensor_prefix = f.prefix, .dirty_share = f.dirty,
                              .first_reading_id = f.first_reading_id, .seed = f.seed});
  fmt::print(stderr, "orbitlake {}: {} sensor(s) x {}/s{}{}, {:.0f} % dirty\n", kCmd, f.sensors, f.rate,
             f.topic.empty() ? "" : fmt::format(" -> Kafka {} at {}", f.topic, f.kafka.client.brokers),
             f.files.empty() ? "" : fmt::format(" -> files in {} every {}", f.files, f.file_every), f.dirty * 100);
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto period = std::chrono::duration<double>(1.0 / f.rate);
  auto next_file = start + *every;
  uint64_t sent = 0;
  Progress progress;
  Status failure;
  for (int64_t tick = 0; !StopRequested() && failure.ok(); ++tick) {
    const auto due = start + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(tick));
    if (duration->count() > 0 && due - start >= *duration) break;
    std::this_thread::sleep_until(due);
    const auto now = std::chrono::system_clock::now();
    for (int s = 0; s < f.sensors && (f.count == 0 || sent < f.count); ++s) {
      medallion::Message m = feed.Next(s, now);
      if (producer) {
        auto bytes = std::span(reinterpret_cast<const uint8_t*>(m.json.data()), m.json.size());
        if (Status st = producer->Produce(f.topic, m.sensor_id, bytes); !st.ok()) {
          failure = st.WithContext("producing to " + f.topic);
          break;
        }
      }
      if (files) files->Add(m.json);
      ++sent;
    }
    if (producer) producer->Poll();
    if (files && Clock::now() >= next_file) {
      failure = files->Flush();
      next_file = Clock::now() + *every;
    }
    if (progress.Due()) {
      progress.Update(fmt::format("simulate sensors: {} messages{}{}", HumanCount(static_cast<double>(sent)),
                                  producer ? fmt::format(", {} acknowledged by Kafka", producer->delivered()) : "",
                                  files ? fmt::format(", {} files", files->files()) : ""),
                      true);
    }
    if (f.count > 0 && sent >= f.count) break;
  }
  if (files && failure.ok()) failure = files->Flush();
  Status flushed = producer ? producer->Flush(std::chrono::seconds(30)) : Status::OK();
  progress.Finish(fmt::format("simulate sensors: {} messages", sent));
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  fmt::print("summary: {} messages from {} sensors in {:.1f} s{}{}\n", sent, f.sensors, secs,
             producer ? fmt::format(", {} acknowledged by Kafka ({})", producer->delivered(), f.topic) : "",
             files ? fmt::format(", {} files in {}", files->files(), f.files) : "");
  const auto& c = feed.counts();
  fmt::print("kinds:  ");
  for (int k = 0; k < medallion::kKinds; ++k) {
    fmt::print(" {} {}", medallion::KindName(static_cast<medallion::Kind>(k)), c[k]);
  }
  fmt::print("\nreading ids:");
  for (int s = 0; s < f.sensors; ++s) {
    fmt::print(" {}{} {}..{}", f.prefix, s + 1, f.first_reading_id, feed.next_ids()[s] - 1);
  }
  fmt::print("\n");
  if (!failure.ok()) return Fail(kCmd, failure);
  if (!flushed.ok() || (producer && producer->delivered() != sent)) {
    fmt::print(stderr, "orbitlake {}: {} message(s) not acknowledged by Kafka ({})\n", kCmd,
               sent - (producer ? producer->delivered() : 0), flushed.ok() ? producer->first_error().ToString()
                                                                            : flushed.ToString());
    return kExitDataLoss;
  }
  return kExitOk;
}

}  // namespace

void AddSimulateSensorsCommand(CLI::App* simulate, RunFn& run) {
  auto f = std::make_shared<Flags>();
  CLI::App* sub = simulate->add_subcommand("sensors", kHelp);
  AddKafkaOptions(sub, &f->kafka);
  sub->add_option("--kafka", f->topic, "Kafka topic to send to (the original: sensor_data)");
  sub->add_option("--partitions", f->partitions, "Partitions when creating a missing --kafka topic (0: never "
                                                 "create it)")
      ->capture_default_str()
      ->check(IntegerIn(0, 10'000));
  sub->add_option("--files", f->files, "Folder to write JSON Lines files into");
  sub->add_option("-n,--sensors", f->sensors, "Number of sensors")->capture_default_str()->check(IntegerIn(1, 100'000));
  sub->add_option("--rate", f->rate, "Readings per second of each sensor")
      ->capture_default_str()
      ->check(NumberIn(0.001, 100'000));
  sub->add_option("--dirty", f->dirty, "Share of dirty messages, 0..1")->capture_default_str()->check(NumberIn(0, 1));
  sub->add_option("--duration", f->duration, "Stop after this long, e.g. 60s (0s: until Ctrl-C)")->capture_default_str();
  sub->add_option("--count", f->count, "Stop after this many messages in all (0: no limit)")->capture_default_str();
  sub->add_option("--file-every", f->file_every, "With --files: start a new file this often")->capture_default_str();
  sub->add_option("--first-reading-id", f->first_reading_id, "First reading id of every sensor (a restarted "
                                                              "simulator must not reuse ids)")
      ->capture_default_str()
      ->check(IntegerIn(0, INT64_MAX / 2));
  sub->add_option("--sensor-prefix", f->prefix, "Sensor ids are PREFIX1..PREFIXN")->capture_default_str();
  sub->add_option("--seed", f->seed, "Seeds the readings")->capture_default_str();
  sub->callback([f, &run] { run = [f] { return Run(*f); }; });
}

}  // namespace orbitlake::cli
