// CLI pieces of the schema registry: the default registry URL (REDIS_HOST/REDIS_PORT,
// read here only), `ingest --registry/--tables`, and `orbitlake schema put|list|show`.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "common/status.h"
#include "ingest/ingester.h"

namespace orbitlake::cli {

// redis://$REDIS_HOST:$REDIS_PORT, defaults localhost and 5555 (the reference
// architecture's variables and port).
std::string DefaultRegistryUrl();

struct RegistryIngestFlags {
  std::string url;         // --registry; empty: no registry
  std::string tables;      // --tables BASE
  std::string refresh = "10s";
  CLI::Option* registry_opt = nullptr;
  CLI::Option* tables_opt = nullptr;
};
void AddRegistryIngestOptions(CLI::App* sub, RegistryIngestFlags* flags);

// Runs `options` (everything but the pipeline) with the registry's tables; `topic_given`
// is -t's value when given (else KAFKA_TOPIC, else raw_events).
Result<ingest::IngestSummary> RunRegistryIngestFlags(const RegistryIngestFlags& flags, const ingest::IngestOptions& options,
                                                     const std::string& topic_given,
                                                     std::function<void(const ingest::IngestStats&)> on_progress);

// "<base>/<type> for every type of <url>", for the start line.
std::string RegistryTablesText(const RegistryIngestFlags& flags);

}  // namespace orbitlake::cli
