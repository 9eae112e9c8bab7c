// A validated pipeline as text for people (`orbitlake pipeline check`): Kafka settings,
// each source (topics, format, quarantine), each table (path, source, route,
// partitioning, quarantine, an aligned list of columns with type, from and required,
// and the checks).
//
// Thread safety: pure functions.
#pragma once

#include <string>

#include "pipeline/spec.h"

namespace orbitlake::pipeline {

// Several lines, each ending in '\n'. REQUIRES: `spec` came from LoadPipelineFile or
// ParsePipeline (every type set, quarantine paths resolved).
std::string DescribePipeline(const PipelineSpec& spec);

// How a table receives messages: `$.event_type = "page_view"`, "every message of
// source events", or "default: messages of source events no other table takes".
std::string DescribeRoute(const TableSpec& table);

// "json" or "telemetry".
std::string_view FormatName(Format format);

}  // namespace orbitlake::pipeline
