#include "registry/registry_ingest.h"

#include <map>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace orbitlake::registry {
namespace {

using Clock = std::chrono::steady_clock;

std::string Join(std::string base, const std::string& name) {
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  return base + "/" + name;
}

std::map<std::string, int64_t> VersionsOf(const std::vector<Schema>& schemas) {
  std::map<std::string, int64_t> out;
  for (const auto& s : schemas) out[s.type] = s.version;
  return out;
}

std::string Describe(const std::map<std::string, int64_t>& before, const std::map<std::string, int64_t>& after) {
  std::string out;
  for (const auto& [type, v] : after) {
    auto it = before.find(type);
    if (it == before.end()) out += fmt::format("{}new type {} v{}", out.empty() ? "" : ", ", type, v);
    else if (it->second != v) out += fmt::format("{}{} v{} -> v{}", out.empty() ? "" : ", ", type, it->second, v);
  }
  return out.empty() ? "no change" : out;
}

void Merge(const ingest::IngestStats& run, ingest::IngestStats* total) {
  total->messages += run.messages;
  total->bytes += run.bytes;
  total->skipped += run.skipped;
  total->rows += run.rows;
  total->quarantined += run.quarantined;
  total->duplicates += run.duplicates;
  total->commits += run.commits;
  total->files += run.files;
  total->parquet_bytes += run.parquet_bytes;
  total->dropped_batches += run.dropped_batches;
  total->missed += run.missed;
  total->resets += run.resets;
  total->lag = run.lag;
  total->assigned_partitions = run.assigned_partitions;
  total->seconds += run.seconds;
  for (const auto& t : run.tables) {
    auto it = std::find_if(total->tables.begin(), total->tables.end(),
                           [&](const ingest::TableStats& x) { return x.path == t.path; });
    if (it == total->tables.end()) {
      total->tables.push_back(t);
      continue;
    }
    it->rows += t.rows;
    it->duplicates += t.duplicates;
    it->commits += t.commits;
    if (t.version >= 0) it->version = t.version;
  }
}

}  // namespace

Result<pipeline::PipelineSpec> BuildRegistryPipeline(const std::vector<Schema>& schemas, const std::string& registry_url,
                                                     const std::string& topic, const std::string& base) {
  if (base.empty()) return Status::InvalidArgument("the tables' base path is empty");
  pipeline::PipelineSpec spec;
  spec.file = registry_url;
  pipeline::SourceSpec source;
  source.name = "events";
  source.topics = {topic};
  source.format = pipeline::Format::kJson;
  source.quarantine_path = Join(base, "_quarantine");
  spec.sources.push_back(source);
  for (const auto& s : schemas) {
    ORBIT_ASSIGN_OR_RETURN(pipeline::TableSpec table, ParseSchema(s, registry_url));
    table.path = Join(base, s.type);
    table.source = source.name;
    table.where = pipeline::RouteSpec{{"event_type"}, nlohmann::json(s.type).dump()};
    table.quarantine_path = source.quarantine_path;
    spec.tables.push_back(std::move(table));
  }
  return spec;
}

Result<RegistryIngestSummary> RunRegistryIngest(Registry& registry, const RegistryIngestOptions& o,
                                                std::function<void(const ingest::IngestStats&)> on_progress) {
  auto log = [&](const std::string& line) {
    if (o.log) o.log(line);
  };
  auto stopping = [&] { return o.stop_requested && o.stop_requested(); };
  RegistryIngestSummary summary;
  bool told_unreachable = false;
  while (true) {
    // The registry's types, waiting while it is away or empty.
    std::vector<Schema> schemas;
    bool told_empty = false;
    while (true) {
      if (stopping()) return summary;
      auto list = registry.List();
      if (list.ok() && !list->empty()) {
        if (told_unreachable) log(fmt::format("schema registry {} answers again", registry.url()));
        told_unreachable = false;
        schemas = std::move(*list);
        break;
      }
      if (!list.ok() && list.status().code() != StatusCode::kUnavailable) return list.status();
      if (!list.ok() && !told_unreachable) {
        log(fmt::format("schema registry unreachable ({}); retrying every {} ms", list.status().message(),
                        o.retry_interval.count()));
        told_unreachable = true;
      }
      if (list.ok() && !told_empty) {
        log(fmt::format("schema registry {} has no event types yet; waiting for one (orbitlake schema put)",
                        registry.url()));
        told_empty = true;
      }
      std::this_thread::sleep_for(o.retry_interval);
    }
    ORBIT_ASSIGN_OR_RETURN(pipeline::PipelineSpec spec,
                           BuildRegistryPipeline(schemas, registry.url(), o.topic, o.tables_base));
    const std::map<std::string, int64_t> current = VersionsOf(schemas);

    bool reload = false;
    std::string why;
    std::map<std::string, Clock::time_point> checked;  // unknown types, when last asked
    Clock::time_point last_refresh = Clock::now();
    bool refresh_failed = false;
    ingest::IngestOptions io = o.ingest;
    io.pipeline = spec;
    io.on_no_route = [&](const pipeline::MessageMeta&, std::span<const uint8_t> payload, std::string* reason) {
      auto j = nlohmann::json::parse(payload.begin(), payload.end(), nullptr, /*allow_exceptions=*/false);
      if (!j.is_object() || !j.contains("event_type") || !j["event_type"].is_string()) {
        *reason = "no event_type: the event has no string member event_type";
        return false;
      }
      const std::string type = j["event_type"].get<std::string>();
      *reason = fmt::format("unknown event type '{}': not in the schema registry", type);
      if (current.count(type) != 0 || !CheckEventType(type).ok()) return false;
      const auto now = Clock::now();
      auto it = checked.find(type);
      if (it != checked.end() && now - it->second < o.unknown_recheck) return false;
      auto list = registry.List();
      if (!list.ok()) {
        reload = true;
        why = fmt::format("an event of unknown type '{}' and the schema registry is unreachable ({}): waiting for it",
                          type, list.status().message());
        return true;
      }
      if (checked.size() > 10'000) checked.clear();  // bounded: a flood of made-up types
      checked[type] = now;
      const auto versions = VersionsOf(*list);
      if (versions.count(type) != 0) {
        reload = true;
        why = "an event of type '" + type + "': " + Describe(current, versions);
        return true;
      }
      return false;
    };
    io.should_stop = [&] {
      const auto now = Clock::now();
      if (now - last_refresh < o.refresh_interval) return false;
      last_refresh = now;
      auto list = registry.List();
      if (!list.ok()) {
        if (!refresh_failed) log(fmt::format("schema registry unreachable ({}); known types go on", list.status().message()));
        refresh_failed = true;
        return false;
      }
      if (refresh_failed) log(fmt::format("schema registry {} answers again", registry.url()));
      refresh_failed = false;
      const auto versions = VersionsOf(*list);
      if (versions == current) return false;
      reload = true;
      why = "registry changed: " + Describe(current, versions);
      return true;
    };
    ++summary.runs;
    summary.schemas = schemas;
    const ingest::IngestStats before = summary.stats;
    auto run = ingest::RunIngest(io, [&](const ingest::IngestStats& s) {
      if (!on_progress) return;
      ingest::IngestStats live = before;
      Merge(s, &live);
      on_progress(live);
    });
    if (!run.ok()) return run.status();
    Merge(run->stats, &summary.stats);
    if (!reload) return summary;
    log("reloading the pipeline: " + why);
  }
}

}  // namespace orbitlake::registry
