// orbitlake simulate devices: sensor boards publishing readings over MQTT.
// orbitlake simulate clickstream: web-shop sessions as JSON events to Kafka.
#include <chrono>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "apps/orbitlake/commands.h"
#include "common/duration.h"
#include "common/progress.h"
#include "common/signals.h"
#include "apps/orbitlake/registry_options.h"
#include "clickstream/schemas.h"
#include "clickstream/simulate.h"
#include "registry/registry.h"
#include "devices/simulator.h"

namespace orbitlake::cli {
namespace {

constexpr const char* kSimulateHelp =
    "Simulate Arduino-like sensor boards publishing over MQTT (QoS 1), the devices of the\n"
    "IoT sensor system. Each board publishes JSON readings with its id, a per-board sequence\n"
    "number (one counter for its three sensors) and the sampling time in epoch ms:\n"
    "  sensors/<device>/dht11  1 Hz   {\"device\":\"board-1\",\"seq\":7,\"ts\":...,\"temperature_c\":21,\"humidity_pct\":48}\n"
    "                                 whole °C 0..50 and %RH 20..90, a daily cycle (warmest at 15:00)\n"
    "  sensors/<device>/sr04   20 Hz  {..., \"distance_cm\":187.3}  2..400 cm, objects approach and leave\n"
    "  sensors/<device>/pir    events {..., \"motion\":true}  an object within 150 cm; false 2.5 s after\n"
    "A lost broker is retried with backoff; readings keep being sampled into a bounded\n"
    "per-board buffer (--buffer; the oldest are dropped, and counted, when it is full) and\n"
    "what the broker did not acknowledge is sent again on reconnect (at least once: dedup on\n"
    "(device, seq) makes it once in the tables). Runs until Ctrl-C, --duration or --count;\n"
    "then waits up to 30 s for the broker to acknowledge what is buffered.\n"
    "A restarted board must not reuse sequence numbers: pass --first-seq beyond the last one\n"
    "(the summary prints it), or other --device-prefix.\n"
    "\n"
    "Examples:\n"
    "  orbitlake simulate devices --mqtt tcp://127.0.0.1:1883\n"
    "  orbitlake simulate devices --boards 10 --rate 50 --duration 60s   # load test";

struct SimulateFlags {
  std::string mqtt_url = "tcp://127.0.0.1:1883";
  int boards = 3;
  double rate = 1.0;
  std::string duration = "0s";
  uint64_t count = 0;
  std::string device_prefix = "board-";
  std::string topic_prefix = "sensors";
  int64_t first_seq = 0;
  uint64_t seed = 1;
  int64_t buffer = 100'000;
  std::string client_id = "orbitlake-sim";
};

std::string StatusLine(const devices::SimulatorStats& s) {
  return fmt::format("simulate: {} boards, sampled {}, acknowledged {}, buffered {}{}{}{}", s.boards.size(),
                     HumanCount(static_cast<double>(s.sampled)), HumanCount(static_cast<double>(s.acknowledged)),
                     s.held, s.connected ? "" : ", broker unreachable (retrying)",
                     s.reconnects > 0 ? fmt::format(", reconnects {}", s.reconnects) : "",
                     s.dropped > 0 ? fmt::format(", DROPPED {}", s.dropped) : "");
}

int RunSimulateCommand(const SimulateFlags& f) {
  devices::SimulatorOptions o;
  auto url = mqtt::ParseBrokerUrl(f.mqtt_url);
  if (!url.ok()) return Fail("simulate devices", url.status().WithContext("--mqtt"));
  o.broker = *url;
  auto duration = ParseDuration(f.duration, std::chrono::hours(24 * 365));
  if (!duration.ok()) return Fail("simulate devices", duration.status().WithContext("--duration"));
  o.duration = std::chrono::duration_cast<std::chrono::milliseconds>(*duration);
  o.boards = f.boards;
  o.rate = f.rate;
  o.max_readings = f.count;
  o.device_prefix = f.device_prefix;
  o.topic_prefix = f.topic_prefix;
  o.first_seq = f.first_seq;
  o.seed = f.seed;
  o.outbox_capacity = static_cast<size_t>(f.buffer);
  o.client_id_prefix = f.client_id;
  o.should_stop = [] { return StopRequested(); };
  fmt::print(stderr, "orbitlake simulate devices: {} board(s) {}1..{} -> {} ({}/<device>/dht11|sr04|pir), rate x{}\n",
             o.boards, o.device_prefix, o.boards, o.broker.ToString(), o.topic_prefix, o.rate);
  Progress progress;
  auto r = devices::RunSimulator(o, [&](const devices::SimulatorStats& s) {
    if (progress.Due()) progress.Update(StatusLine(s), true);
  });
  if (!r.ok()) return Fail("simulate devices", r.status());
  progress.Finish(StatusLine(*r));
  fmt::print("{:<12} {:>8} {:>8} {:>6}  seq\n", "device", "dht11", "sr04", "pir");
  for (const auto& b : r->boards) {
    fmt::print("{:<12} {:>8} {:>8} {:>6}  {}..{}\n", b.device, b.dht11, b.sr04, b.pir, b.first_seq, b.next_seq - 1);
  }
  const double secs = r->seconds > 0 ? r->seconds : 1e-9;
  fmt::print("summary: {} readings sampled in {:.1f} s ({:.0f}/s), {} acknowledged by the broker, {} sent again "
             "after {} reconnect(s), {} dropped (buffer full), {} unacknowledged at exit\n",
             r->sampled, r->seconds, static_cast<double>(r->sampled) / secs, r->acknowledged, r->resent,
             r->reconnects, r->dropped, r->unacknowledged);
  if (r->dropped > 0 || r->unacknowledged > 0) {
    fmt::print(stderr, "orbitlake simulate devices: {} reading(s) never reached the broker\n",
               r->dropped + r->unacknowledged);
    return kExitDataLoss;
  }
  return kExitOk;
}

constexpr const char* kClickstreamHelp =
    "Generate fake clickstream events (JSON) and send them to Kafka, as the reference\n"
    "architecture's event_producer.py: --num-events events of EACH type, keyed by session.\n"
    "Types and their own fields (every event also has event_id (a UUID), event_type,\n"
    "timestamp (ISO 8601 UTC), user_id, session_id, user_agent):\n"
    "  page_view    url, referrer, duration_ms\n"
    "  click        url, element, target_url\n"
    "  search       query, results\n"
    "  add_to_cart  sku, product, price, quantity\n"
    "  purchase     order_id, items [{sku, product, price, quantity}], amount, currency, payment_method\n"
    "Sessions start with a page view and move through clicks, searches and add-to-carts; a\n"
    "purchase buys the cart. Timestamps start now, seconds apart within a session. The same\n"
    "--seed gives the same events (ids included).\n"
    "\n"
    "Brokers: -b/--brokers, else ORBITLAKE_BROKERS, else KAFKA_BOOTSTRAP_SERVERS (the\n"
    "original's variable), else 127.0.0.1:9092.\n"
    "Delivery: idempotent producer, acks=all; exit 0 when every event was acknowledged, 3\n"
    "when some were not, 1 on an error (e.g. unreachable brokers).\n"
    "\n"
    "Examples:\n"
    "  orbitlake simulate clickstream                          # 10 of each type -> raw_events\n"
    "  orbitlake simulate clickstream --num-events 1000 --rate 200 --users 50\n"
    "  orbitlake simulate clickstream --register               # also register the schemas (Redis)";

struct ClickstreamFlags {
  KafkaFlags kafka;
  clickstream::SimulateOptions options;
  CLI::Option* brokers = nullptr;
  bool register_schemas = false;
  std::string registry;
  std::string save;  // --save FILE
};

std::string ClickLine(const clickstream::SimulateProgress& p) {
  return fmt::format("simulate clickstream: sent {}/{}, acked {}{}", p.sent, p.total, p.acked,
                     p.failed > 0 ? fmt::format(", FAILED {}", p.failed) : "");
}

int RunClickstreamCommand(ClickstreamFlags& f) {
  const char* cmd = "simulate clickstream";
  if (Status st = ApplyKafkaProperties(&f.kafka); !st.ok()) return Fail(cmd, st);
  auto& o = f.options;
  o.client = f.kafka.client;
  // The original's variable, after orbitlake's own (-b, ORBITLAKE_BROKERS).
  if (f.brokers->count() == 0 && std::getenv("ORBITLAKE_BROKERS") == nullptr) {
    if (const char* v = std::getenv("KAFKA_BOOTSTRAP_SERVERS"); v != nullptr && *v != '\0') o.client.brokers = v;
  }
  if (f.register_schemas) {
    auto reg = registry::OpenRegistry(f.registry);
    if (!reg.ok()) return Fail(cmd, reg.status().WithContext("--registry"));
    for (const auto& [type, doc] : clickstream::EventSchemas()) {
      auto put = registry::PutSchema(**reg, type, doc);
      if (!put.ok()) return Fail(cmd, put.status().WithContext("registering " + type));
      fmt::print(stderr, "orbitlake simulate clickstream: schema {} v{} {} in {}\n", type, put->version,
                 put->unchanged ? "already registered" : "registered", (*reg)->url());
    }
  }
  std::ofstream saved;
  if (!f.save.empty()) {
    saved.open(f.save, std::ios::binary | std::ios::trunc);
    if (!saved) return Fail(cmd, Status::IOError("cannot create " + f.save + " (--save)"));
    o.on_event = [&saved](const clickstream::Event& e) { saved << e.json << '\n'; };
  }
  o.generator.start_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  o.should_stop = [] { return StopRequested(); };
  fmt::print(stderr, "orbitlake simulate clickstream: {} events of each of {} types, {} users -> Kafka {} topic '{}'{}\n",
             o.generator.events_per_type, clickstream::kEventTypes.size(), o.generator.users, o.client.brokers, o.topic,
             o.rate > 0 ? fmt::format(" at {}/s", o.rate) : "");
  Progress progress;
  auto r = clickstream::RunClickstream(o, SystemClock(), [&](const clickstream::SimulateProgress& p) {
    if (progress.Due()) progress.Update(ClickLine(p), true);
  });
  if (!r.ok()) return Fail(cmd, r.status());
  progress.Finish(ClickLine(r->totals));
  for (const auto& [type, n] : r->per_type) fmt::print("{:<12} {:>8}\n", type, n);
  const double secs = r->totals.seconds > 0 ? r->totals.seconds : 1e-9;
  fmt::print("summary: {} events sent in {:.2f} s ({:.0f}/s), {} acknowledged, {} failed{}\n", r->totals.sent,
             r->totals.seconds, static_cast<double>(r->totals.sent) / secs, r->totals.acked, r->totals.failed,
             r->stopped ? " (stopped on request)" : "");
  std::fflush(stdout);
  if (!r->ok()) {
    fmt::print(stderr, "orbitlake simulate clickstream: {} event(s) were NOT acknowledged by Kafka: {}\n",
               r->totals.sent - r->totals.acked, r->delivery_error.ToString());
    return kExitDataLoss;
  }
  return kExitOk;
}

}  // namespace

void AddSimulateCommand(CLI::App& root, RunFn& run) {
  auto f = std::make_shared<SimulateFlags>();
  CLI::App* group = root.add_subcommand("simulate", "Simulated data sources (simulate devices|sensors|clickstream)");
  group->require_subcommand(1);
  CLI::App* sub = group->add_subcommand("devices", kSimulateHelp);
  sub->add_option("--mqtt", f->mqtt_url, "MQTT broker, tcp://HOST:PORT")->capture_default_str();
  sub->add_option("-n,--boards", f->boards, "Number of boards")->capture_default_str()->check(IntegerIn(1, 10'000));
  sub->add_option("--rate", f->rate, "Multiplies every sampling rate (load tests)")
      ->capture_default_str()
      ->check(NumberIn(0.001, 10'000));
  sub->add_option("--duration", f->duration, "Stop sampling after this long, e.g. 60s, 10m (0s: until Ctrl-C)")
      ->capture_default_str();
  sub->add_option("--count", f->count, "Stop sampling after this many readings in all (0: no limit)")
      ->capture_default_str();
  sub->add_option("--device-prefix", f->device_prefix, "Device ids are PREFIX1..PREFIXN")->capture_default_str();
  sub->add_option("--topic-prefix", f->topic_prefix, "MQTT topics are PREFIX/<device>/<sensor>")->capture_default_str();
  sub->add_option("--first-seq", f->first_seq, "First sequence number of every board")
      ->capture_default_str()
      ->check(IntegerIn(0, INT64_MAX / 2));
  sub->add_option("--seed", f->seed, "Seeds the readings (board i uses seed + i)")->capture_default_str();
  sub->add_option("--buffer", f->buffer, "Readings one board buffers while the broker is away")
      ->capture_default_str()
      ->check(IntegerIn(1, 100'000'000));
  sub->add_option("--client-id", f->client_id, "MQTT client ids are ID-<device>")->capture_default_str();
  sub->callback([f, &run] { run = [f] { return RunSimulateCommand(*f); }; });
  AddSimulateSensorsCommand(group, run);

  auto c = std::make_shared<ClickstreamFlags>();
  CLI::App* click = group->add_subcommand("clickstream", kClickstreamHelp);
  auto& co = c->options;
  click->add_option("-n,--num-events", co.generator.events_per_type, "Events of each type")
      ->capture_default_str()
      ->check(IntegerIn(0, int64_t{1} << 40));
  AddKafkaOptions(click, &c->kafka);
  c->brokers = click->get_option("--brokers");
  AddTopicOption(click, &co.topic, "Topic to send the events to", /*from_env=*/false);
  click->add_option("--partitions", co.partitions, "Partitions when creating a missing topic (0: never create it)")
      ->capture_default_str()
      ->check(IntegerIn(0, 10'000));
  click->add_option("--rate", co.rate, "Cap on events per second (0 = no cap)")
      ->capture_default_str()
      ->check(NumberIn(0, 1e9));
  click->add_option("--users", co.generator.users, "Distinct users (ids 1..N)")
      ->capture_default_str()
      ->check(IntegerIn(1, int64_t{1} << 40));
  click->add_option("--seed", co.generator.seed, "Seeds every random choice (same seed, same events)")
      ->capture_default_str();
  click->add_option("--save", c->save, "Also write every event to this file, one JSON document per line");
  c->registry = DefaultRegistryUrl();
  click->add_flag("--register", c->register_schemas,
                  "Register the event types' schemas in the schema registry first (a new version only when "
                  "they changed)");
  click->add_option("--registry", c->registry, "Schema registry for --register: redis://HOST:PORT[/NAMESPACE] or a "
                                               "folder (default from REDIS_HOST/REDIS_PORT)")
      ->capture_default_str();
  click->callback([c, &run] { run = [c] { return RunClickstreamCommand(*c); }; });
}

}  // namespace orbitlake::cli
