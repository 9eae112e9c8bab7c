// Ingest with a schema registry: one Delta table per registered event type
// (`orbitlake ingest --registry URL --tables BASE`, docs/schema-registry.md).
//
// The registry is turned into a pipeline (BuildRegistryPipeline): one JSON source (the
// topic) and, per event type T, the table BASE/T with T's latest schema and the route
// `where event_type = "T"`; every table and the source share the quarantine table
// BASE/_quarantine (events of an unknown type, without event_type, not JSON, or failing
// their schema: a conversion, a required value, a check), each row with its reason.
// Tables are created with their first commit.
//
// Changes while running: the ingester (ingest/ingester.h) runs the pipeline until
//   - an event of a type the pipeline has no table for arrives: the registry is asked
//     at once (per type at most every `unknown_recheck`); when it now has the type, or
//     cannot be reached, the ingester stops before that event;
//   - every `refresh_interval` the registry is re-read; a new type or a new version
//     of a type stops the ingester at the end of the current poll round.
// A stopped ingester commits its open batch, and the pipeline is rebuilt from the
// registry and run again. Exactly once holds across the restart because each table's
// Kafka offsets are in its Delta log (docs/exactly-once.md): the event it stopped
// before is read again, now for the new table; a new table starts at the earliest
// offset Kafka has (so events of its type that came before it was registered, and were
// quarantined as unknown, are also in it); a new version's added columns are added to
// the table (ADD COLUMNS) by the restarted ingester. Events of a new version that
// arrive before the ingester noticed it are written with the previous version's
// columns (the new ones null); `refresh_interval` bounds that window.
// While the registry cannot be reached, events of known types keep flowing; an event of
// an unknown type waits (the ingester stops before it) until the registry answers, so
// nothing is quarantined for the registry being away. At start, an unreachable or
// empty registry is waited for.
//
// Thread safety: RunRegistryIngest runs on the calling thread (the ingester's threads
// are its own).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "ingest/ingester.h"
#include "pipeline/spec.h"
#include "registry/registry.h"

namespace orbitlake::registry {

// The pipeline of `schemas` (their latest versions) reading `topic`, tables under `base`
// (a folder or a table URI prefix: BASE/<type>, BASE/_quarantine).
Result<pipeline::PipelineSpec> BuildRegistryPipeline(const std::vector<Schema>& schemas, const std::string& registry_url,
                                                     const std::string& topic, const std::string& base);

struct RegistryIngestOptions {
  // Everything but `pipeline`, `on_no_route` and `should_stop`, which are set here.
  ingest::IngestOptions ingest;
  // The topic of the events. Default "raw_events".
  std::string topic = "raw_events";
  // Where the tables go. Required.
  std::string tables_base;
  // How often the registry is re-read for new types and versions. Default 10 s.
  std::chrono::milliseconds refresh_interval{10'000};
  // An event type found missing from the registry is asked about again at most this
  // often (a flood of unknown events costs one registry read per type and interval).
  // Default 1 s.
  std::chrono::milliseconds unknown_recheck{1'000};
  // While the registry cannot be reached (or is empty at start), it is retried this
  // often. Default 1 s.
  std::chrono::milliseconds retry_interval{1'000};
  // Polled while waiting for the registry; true gives up waiting (the run ends OK).
  std::function<bool()> stop_requested;
  // One line per event worth telling (a reload and why, the registry away/back). Optional.
  std::function<void(const std::string&)> log;
};

struct RegistryIngestSummary {
  ingest::IngestStats stats;  // summed over the runs; tables by path, latest version
  int runs = 0;               // ingester runs (1 + reloads)
  std::vector<Schema> schemas;  // the versions the last run ingested
};

Result<RegistryIngestSummary> RunRegistryIngest(Registry& registry, const RegistryIngestOptions& options,
                                                std::function<void(const ingest::IngestStats&)> on_progress = nullptr);

}  // namespace orbitlake::registry
