// The built-in satellite pipeline: `orbitlake ingest` without --pipeline.
//
// It is an ordinary PipelineSpec (one `telemetry` source, one table and its quarantine
// table) run by the same general ingest path as declared pipelines, so the satellite
// events have no special case in the consume loop. Its table has exactly the columns,
// partitioning and txn app ids that orbitlake has always written, so tables made before
// pipelines existed continue where they stopped.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "pipeline/spec.h"

namespace orbitlake::ingest {

struct TelemetryPipelineOptions {
  // Topics carrying satellite FlatBuffers events. Default {"sat-data"}.
  std::vector<std::string> topics = {"sat-data"};
  // The raw table. Default "./data/delta-tables/satellite-data-raw".
  std::string table = "./data/delta-tables/satellite-data-raw";
  // Undecodable events. Default (empty): "<table>-quarantine".
  std::string quarantine;
  // {"date"} (the event's UTC date) or {} (unpartitioned). Default {"date"}.
  std::vector<std::string> partition_by = {"date"};
  std::string brokers = "127.0.0.1:9092";
  std::string group = "orbitlake";
  std::string app_id = "orbitlake";
};

pipeline::PipelineSpec TelemetryPipeline(const TelemetryPipelineOptions& options);

}  // namespace orbitlake::ingest
