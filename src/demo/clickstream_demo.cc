#include "demo/clickstream_demo.h"

#include <chrono>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "clickstream/schemas.h"
#include "clickstream/simulate.h"
#include "common/signals.h"
#include "demo/servers.h"
#include "kafka/producer.h"
#include "readers/table_views.h"
#include "registry/registry.h"
#include "registry/registry_ingest.h"
#include "storage/table_uri.h"

namespace orbitlake::demo {
namespace {

namespace fs = std::filesystem;

// Rows of a table now, and its last rows rendered; rows 0 when it does not exist.
Status ReadTable(const std::string& path, int64_t last_rows, int64_t* rows, std::string* last) {
  *rows = 0;
  if (!fs::exists(fs::path(path) / "_delta_log")) return Status::OK();
  ORBIT_ASSIGN_OR_RETURN(std::shared_ptr<storage::Storage> st, storage::OpenTableStorage(path));
  ORBIT_ASSIGN_OR_RETURN(delta::Snapshot snap, readers::LoadForReading(*st, path));
  for (const auto& [name, f] : snap.files()) {
    if (!f.stats) continue;
    auto j = nlohmann::json::parse(*f.stats, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("numRecords") && j["numRecords"].is_number_integer()) {
      *rows += j["numRecords"].get<int64_t>();
    }
  }
  if (last != nullptr && last_rows > 0) {
    ORBIT_ASSIGN_OR_RETURN(readers::TextTable t, readers::TailRows(*st, snap, last_rows));
    *last = readers::Render(t, readers::Format::kTable);
  }
  return Status::OK();
}

}  // namespace

Result<ClickstreamDemoReport> RunClickstreamDemo(const ClickstreamDemoOptions& o,
                                                 const std::function<void(const std::string&)>& log) {
  ClickstreamDemoReport report;
  const fs::path data = o.data_dir;
  const std::string tables = (data / "delta-tables" / "clickstream").string();
  std::error_code ec;
  fs::create_directories(data, ec);
  if (ec) return Status::IOError(fmt::format("cannot create {}: {}", data.string(), ec.message()));

  kafka::ClientOptions client = o.client;
  LocalServer kafka_server(o.kafka_script, (data / "kafka").string());
  bool started_kafka = false;
  ORBIT_RETURN_IF_ERROR(UseOrStartKafka(&client, o.brokers_given, o.topic, kafka_server, (data / "kafka").string(), log,
                                        &started_kafka));
  report.brokers = client.brokers;

  LocalServer redis_server(o.redis_script, (data / "redis").string());
  std::string url = o.registry;
  if (url.empty()) {
    if (!redis_server.can_start()) return Status::InvalidArgument("no registry given and no scripts/redis to start one");
    ORBIT_ASSIGN_OR_RETURN(std::string started, redis_server.Start("auto"));
    url = started + "/orbitlake-demo";
    log("started Redis at " + started);
  }
  report.registry = url;
  ORBIT_ASSIGN_OR_RETURN(auto reg, registry::OpenRegistry(url));
  for (const auto& [type, doc] : clickstream::EventSchemas()) {
    ORBIT_ASSIGN_OR_RETURN(registry::PutResult put, registry::PutSchema(*reg, type, doc));
    log(fmt::format("schema {} v{} {}", type, put.version, put.unchanged ? "already registered" : "registered"));
  }

  clickstream::SimulateOptions so;
  so.client = client;
  so.topic = o.topic;
  so.generator.events_per_type = o.events_per_type;
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  so.generator.seed = o.seed != 0 ? o.seed : static_cast<uint64_t>(now_ms);
  so.generator.start_ms = now_ms;
  so.should_stop = [] { return StopRequested(); };
  ORBIT_ASSIGN_OR_RETURN(clickstream::SimulateReport sent, clickstream::RunClickstream(so));
  if (!sent.ok()) return sent.delivery_error;
  report.sent = static_cast<int64_t>(sent.totals.sent);
  log(fmt::format("sent {} clickstream events to {}", report.sent, o.topic));
  {
    kafka::ProducerOptions po;
    po.client = client;
    ORBIT_ASSIGN_OR_RETURN(auto producer, kafka::Producer::Create(po));
    for (int64_t i = 0; i < o.unknown_events; ++i) {
      const std::string e = fmt::format(R"({{"event_id":"signup-{}-{}","event_type":"newsletter_signup","user_id":{}}})",
                                        now_ms, i, i + 1);
      ORBIT_RETURN_IF_ERROR(producer->Produce(o.topic, "signup",
                                              std::span(reinterpret_cast<const uint8_t*>(e.data()), e.size())));
    }
    ORBIT_RETURN_IF_ERROR(producer->Flush(std::chrono::seconds(30)));
    log(fmt::format("sent {} events of the unregistered type newsletter_signup", o.unknown_events));
  }

  registry::RegistryIngestOptions ro;
  ro.ingest.client = client;
  ro.ingest.group_id = "orbitlake-demo-clickstream";
  ro.ingest.until_caught_up = true;
  ro.ingest.batch.interval = std::chrono::milliseconds(1000);
  ro.topic = o.topic;
  ro.tables_base = tables;
  ro.stop_requested = [] { return StopRequested(); };
  ro.log = log;
  log("ingesting: one table per event type under " + tables);
  ORBIT_ASSIGN_OR_RETURN(registry::RegistryIngestSummary ingested, registry::RunRegistryIngest(*reg, ro));
  report.interrupted = StopRequested();
  (void)ingested;

  for (const auto& [type, doc] : clickstream::EventSchemas()) {
    ClickstreamDemoTable t;
    t.type = type;
    t.path = tables + "/" + type;
    ORBIT_RETURN_IF_ERROR(ReadTable(t.path, o.last_rows, &t.rows, &t.last));
    report.tables.push_back(std::move(t));
  }
  report.quarantine_path = tables + "/_quarantine";
  ORBIT_RETURN_IF_ERROR(ReadTable(report.quarantine_path, 0, &report.quarantined, nullptr));
  return report;
}

}  // namespace orbitlake::demo
