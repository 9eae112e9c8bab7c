#include "clickstream/simulate.h"

#include <optional>

#include <fmt/format.h>

#include "kafka/admin.h"
#include "kafka/producer.h"
#include "producer/pacing.h"

namespace orbitlake::clickstream {

Result<SimulateReport> RunClickstream(const SimulateOptions& o, Clock& clock,
                                      const std::function<void(const SimulateProgress&)>& on_progress) {
  if (o.rate < 0) return Status::InvalidArgument(fmt::format("the rate must be 0 (no cap) or more, got {}", o.rate));
  ORBIT_ASSIGN_OR_RETURN(Generator gen, Generator::Make(o.generator));
  if (o.partitions > 0) {
    ORBIT_RETURN_IF_ERROR(kafka::EnsureTopic(o.client, o.topic, o.partitions, o.connect_timeout));
  } else {
    Result<int> n = kafka::PartitionCount(o.client, o.topic, o.connect_timeout);
    if (!n.ok() && n.status().code() != StatusCode::kNotFound) return n.status();
  }
  kafka::ProducerOptions po;
  po.client = o.client;
  po.delivery_timeout = o.delivery_timeout;
  ORBIT_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Producer> producer, kafka::Producer::Create(po));
  std::optional<producer::RateLimiter> limiter;
  if (o.rate > 0) limiter.emplace(o.rate, clock);

  SimulateReport report;
  const auto start = clock.Now();
  auto snapshot = [&] {
    SimulateProgress p;
    p.sent = report.totals.sent;
    p.acked = producer->delivered();
    p.failed = producer->failed();
    p.total = static_cast<uint64_t>(gen.total());
    p.seconds = std::chrono::duration<double>(clock.Now() - start).count();
    return p;
  };
  constexpr auto kTick = std::chrono::milliseconds(100);
  auto last_progress = clock.Now();
  auto progress = [&](bool force) {
    if (!on_progress) return;
    const auto now = clock.Now();
    if (!force && now - last_progress < kTick) return;
    last_progress = now;
    on_progress(snapshot());
  };
  auto stop = [&] { return o.should_stop && o.should_stop(); };
  while (true) {
    if (stop()) {
      report.stopped = true;
      break;
    }
    if (limiter && !limiter->Acquire(stop)) {
      report.stopped = true;
      break;
    }
    std::optional<Event> e = gen.Next();
    if (!e) break;
    if (o.on_event) o.on_event(*e);
    const auto* bytes = reinterpret_cast<const uint8_t*>(e->json.data());
    Status st = producer->Produce(o.topic, e->session_id, std::span(bytes, e->json.size()), e->timestamp_ms);
    if (!st.ok()) {
      report.delivery_error = st.WithContext(fmt::format("event {} ({})", e->id, e->type));
      break;
    }
    ++report.totals.sent;
    ++report.per_type[e->type];
    producer->Poll();
    progress(false);
  }
  const auto flush_deadline = std::chrono::steady_clock::now() + o.delivery_timeout + std::chrono::seconds(5);
  while (producer->InFlight() > 0 && std::chrono::steady_clock::now() < flush_deadline) {
    (void)producer->Flush(kTick);
    progress(true);
  }
  const uint64_t sent = report.totals.sent;
  report.totals = snapshot();
  report.totals.sent = sent;
  report.totals.failed += static_cast<uint64_t>(std::max(0, producer->InFlight()));  // never reported = lost
  if (report.delivery_error.ok()) report.delivery_error = producer->first_error();
  if (report.delivery_error.ok() && !report.ok()) {
    report.delivery_error = Status::Timeout(fmt::format("{} event(s) unacknowledged at exit (brokers: {})",
                                                        report.totals.sent - report.totals.acked, o.client.brokers));
  }
  return report;
}

}  // namespace orbitlake::clickstream
