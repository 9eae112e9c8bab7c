#include "producer/produce.h"

#include <algorithm>
#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "kafka/admin.h"
#include "kafka/producer.h"
#include "samples/sample_file.h"
#include "telemetry/event.h"

namespace orbitlake::producer {
namespace {

using Nanos = std::chrono::nanoseconds;

// Events a reader sends between two polls for delivery reports.
constexpr uint64_t kPollEvery = 64;
// Without pauses, satellites take turns of this many events rather than one each: a run
// of one satellite's events is one partition's messages laid out side by side in memory
// (librdkafka allocates them in order), which its broker thread then walks (batching,
// copying, acknowledging) with far fewer cache misses, and the encoder only patches the
// previous event. Turns of one event cost ~0.7 s of CPU per 3 M events more. Per key
// the order is the file's either way.
constexpr int kTurn = 256;

// State shared by the reader threads of one run.
struct Shared {
  const ProduceOptions& options;
  Clock& clock;
  kafka::Producer& producer;
  const kafka::ProducerTopic& topic;
  RateLimiter* limiter;  // null without a rate cap
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> skipped{0};
  std::atomic<bool> abort{false};  // a reader failed: the others stop too
  std::atomic<bool> stopped{false};
  std::mutex mu;
  Status error;                           // GUARDED_BY(mu)
  std::vector<std::string> skipped_rows;  // GUARDED_BY(mu)

  bool ShouldStop() {
    if (abort.load(std::memory_order_relaxed)) return true;
    if (options.should_stop && options.should_stop()) {
      stopped = true;
      return true;
    }
    return false;
  }
  void Fail(Status st) {
    std::lock_guard lock(mu);
    if (error.ok()) error = std::move(st);
    abort = true;
  }
};

struct Satellite {
  samples::SampleFile file;
  std::unique_ptr<samples::SampleReader> reader;
  uint64_t pass = 0;
  uint64_t rows_per_pass = 0;
  int64_t last_timestamp_ns = 0;
};

// One reader thread: its satellites, interleaved by a Schedule.
void ReadAndProduce(Shared& sh, std::vector<samples::SampleFile> files, uint64_t seed) {
  const ProduceOptions& o = sh.options;
  std::vector<Satellite> sats(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    auto reader = samples::SampleReader::Open(files[i].path);
    if (!reader.ok()) return sh.Fail(reader.status());
    sats[i].file = std::move(files[i]);
    sats[i].reader = std::move(reader).value();
  }
  Schedule schedule(sats.size(), o.sleep, seed, sh.clock);
  telemetry::EventEncoder encoder;
  std::function<bool()> stop = [&sh] { return sh.ShouldStop(); };
  samples::SampleRow row;
  uint64_t produced = 0;
  int turn = 0;  // events of the current satellite in this turn (no pauses)
  while (!schedule.empty()) {
    if (sh.ShouldStop()) return;
    auto [i, due] = schedule.Next();
    if (o.sleep.has_value() && !SleepUntil(sh.clock, due, stop)) return;
    Satellite& sat = sats[i];
    auto more = sat.reader->Next(&row);
    if (!more.ok()) {
      if (more.status().code() == StatusCode::kInvalidArgument && o.skip_bad_rows) {
        sh.skipped.fetch_add(1);
        std::lock_guard lock(sh.mu);
        if (sh.skipped_rows.size() < o.max_listed_bad_rows) sh.skipped_rows.push_back(more.status().message());
        continue;
      }
      return sh.Fail(more.status());
    }
    if (!*more) {
      if (sat.pass == 0) sat.rows_per_pass = sat.reader->rows();
      ++sat.pass;
      const bool again = (o.repeat == 0 || static_cast<int64_t>(sat.pass) < o.repeat) && sat.rows_per_pass > 0;
      if (!again) {
        schedule.Finished();
        turn = 0;
        continue;
      }
      if (Status st = sat.reader->Rewind(); !st.ok()) return sh.Fail(st);
      continue;
    }
    if (sh.limiter != nullptr && !sh.limiter->Acquire(stop)) return;

    telemetry::Event ev;
    ev.satellite = sat.file.satellite;
    ev.sequence = sat.pass * sat.rows_per_pass + row.index;
    // Strictly increasing per satellite even if the wall clock stalls or steps back.
    ev.timestamp_ns = std::max<int64_t>(sh.clock.WallNow().count(), sat.last_timestamp_ns + 1);
    sat.last_timestamp_ns = ev.timestamp_ns;
    ev.values = row.values;
    std::span<const uint8_t> bytes = encoder.Encode(ev);
    Status st = sh.producer.Produce(sh.topic, sat.file.satellite, bytes, ev.timestamp_ns / 1'000'000);
    if (!st.ok()) return sh.Fail(st.WithContext("event " + sat.file.satellite + "#" + std::to_string(ev.sequence)));
    sh.sent.fetch_add(1, std::memory_order_relaxed);
    sh.bytes.fetch_add(bytes.size(), std::memory_order_relaxed);
    // Delivery reports are served in bulk: polling after every event took the handle's
    // queue lock once per event; the queue holds far more than kPollEvery reports.
    if (++produced % kPollEvery == 0) sh.producer.Poll();
    if (o.sleep.has_value() || ++turn == kTurn) {
      schedule.Sent();
      turn = 0;
    }
  }
}

// Fails fast, naming the brokers, when they cannot be reached; creates the topic.
Status PrepareTopic(const ProduceOptions& o) {
  if (o.partitions > 0) return kafka::EnsureTopic(o.client, o.topic, o.partitions, o.connect_timeout);
  Result<int> n = kafka::PartitionCount(o.client, o.topic, o.connect_timeout);
  if (!n.ok() && n.status().code() != StatusCode::kNotFound) return n.status();
  return Status::OK();
}

}  // namespace

Result<ProduceReport> RunProduce(const ProduceOptions& o, Clock& clock,
                                 const std::function<void(const ProduceProgress&)>& on_progress) {
  constexpr double kMinRate = 1e-3;  // one event per ~17 minutes; below, a typo more likely
  if (o.rate < 0 || (o.rate > 0 && o.rate < kMinRate)) {
    return Status::InvalidArgument("the rate must be 0 (no cap) or at least 0.001 events/s");
  }
  if (o.repeat < 0) return Status::InvalidArgument("repeat cannot be negative (0 loops forever)");
  ORBIT_ASSIGN_OR_RETURN(std::vector<samples::SampleFile> files, samples::ListSampleFiles(o.samples_dir));
  // Headers are checked up front, so a wrong folder fails before anything is sent.
  for (const auto& f : files) {
    auto reader = samples::SampleReader::Open(f.path);
    if (!reader.ok()) return reader.status();
  }
  ORBIT_RETURN_IF_ERROR(PrepareTopic(o));

  kafka::ProducerOptions po;
  po.client = o.client;
  po.delivery_timeout = o.delivery_timeout;
  ORBIT_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Producer> producer, kafka::Producer::Create(po));

  ORBIT_ASSIGN_OR_RETURN(kafka::ProducerTopic topic, producer->OpenTopic(o.topic));
  std::optional<RateLimiter> limiter;
  if (o.rate > 0) limiter.emplace(o.rate, clock);
  Shared sh{o, clock, *producer, topic, limiter ? &*limiter : nullptr};

  int threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min<int>(threads, static_cast<int>(files.size()));
  std::vector<std::vector<samples::SampleFile>> per_thread(threads);
  for (size_t i = 0; i < files.size(); ++i) per_thread[i % threads].push_back(files[i]);

  ProduceReport report;
  report.files = files.size();
  const auto start = clock.Now();
  auto snapshot = [&](bool flushing) {
    ProduceProgress p;
    p.sent = sh.sent.load();
    p.acked = producer->delivered();
    p.failed = producer->failed();
    p.bytes = sh.bytes.load();
    p.skipped_rows = sh.skipped.load();
    p.in_flight = producer->InFlight();
    p.seconds = std::chrono::duration<double>(clock.Now() - start).count();
    p.flushing = flushing;
    return p;
  };

  std::vector<std::future<void>> readers;
  for (int t = 0; t < threads; ++t) {
    readers.push_back(std::async(std::launch::async, ReadAndProduce, std::ref(sh), std::move(per_thread[t]),
                                 o.seed + static_cast<uint64_t>(t)));
  }
  constexpr auto kTick = std::chrono::milliseconds(100);
  for (auto& r : readers) {
    // Readers serve delivery reports every kPollEvery events; this covers quiet (paced) spells.
    while (r.wait_for(kTick) != std::future_status::ready) {
      producer->Poll();
      if (on_progress) on_progress(snapshot(false));
    }
    r.get();
  }

  // Flush everything handed to Kafka; librdkafka gives up on an event after
  // delivery_timeout, so this ends in bounded time.
  const auto flush_deadline = std::chrono::steady_clock::now() + o.delivery_timeout + std::chrono::seconds(5);
  while (producer->InFlight() > 0 && std::chrono::steady_clock::now() < flush_deadline) {
    (void)producer->Flush(kTick);
    if (on_progress) on_progress(snapshot(true));
  }
  report.totals = snapshot(true);
  // Events never reported are as lost as failed ones.
  report.totals.failed += static_cast<uint64_t>(std::max(0, report.totals.in_flight));
  report.delivery_error = producer->first_error();
  if (report.delivery_error.ok() && report.totals.in_flight > 0) {
    report.delivery_error = Status::Timeout(std::to_string(report.totals.in_flight) +
                                            " event(s) still unacknowledged at exit (brokers: " + o.client.brokers + ")");
  }
  report.totals.seconds = std::chrono::duration<double>(clock.Now() - start).count();
  {
    std::lock_guard lock(sh.mu);
    report.error = sh.error;
    report.skipped_examples = sh.skipped_rows;
  }
  report.stopped = sh.stopped.load();
  return report;
}

}  // namespace orbitlake::producer
