// `orbitlake demo clickstream`: the reference architecture on this machine. Kafka (the
// one answering, else a local one) and Redis (a local one, unless a registry is given)
// are started, the generator's schemas registered, its events sent to Kafka together
// with a few events of a type nobody registered, and `ingest --registry` runs until
// caught up: one Delta table per event type, the unknown type in the quarantine.
//
// Thread safety: RunClickstreamDemo runs on the calling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "kafka/client.h"

namespace orbitlake::demo {

struct ClickstreamDemoOptions {
  kafka::ClientOptions client;
  bool brokers_given = false;  // never start a broker: use client.brokers or fail
  // Tables under <data_dir>/delta-tables/clickstream, servers' state beside. Default
  // "./data/demo-clickstream".
  std::string data_dir = "./data/demo-clickstream";
  // The schema registry; empty: a local Redis started with redis_script. Default empty.
  std::string registry;
  std::string kafka_script;  // scripts/kafka; empty: never start one
  std::string redis_script;  // scripts/redis; empty: never start one
  std::string topic = "raw_events";
  int64_t events_per_type = 50;  // Default 50.
  uint64_t seed = 0;             // 0: from the clock (a rerun adds new events). Default 0.
  int64_t unknown_events = 3;    // events of an unregistered type. Default 3.
  int64_t last_rows = 3;         // rows shown per table. Default 3.
};

struct ClickstreamDemoTable {
  std::string type;
  std::string path;
  int64_t rows = 0;     // in the table now
  std::string last;     // its last rows, rendered
};

struct ClickstreamDemoReport {
  std::string brokers, registry;
  int64_t sent = 0;
  std::vector<ClickstreamDemoTable> tables;
  int64_t quarantined = 0;  // rows in the quarantine table now
  std::string quarantine_path;
  bool interrupted = false;
};

Result<ClickstreamDemoReport> RunClickstreamDemo(const ClickstreamDemoOptions& options,
                                                 const std::function<void(const std::string&)>& log);

}  // namespace orbitlake::demo
