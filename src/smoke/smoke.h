// The smoke pipeline: proves on a given machine that the real parts work together.
// Produces N messages to a topic, consumes them back in a fresh consumer group, checks
// each arrived once with its bytes, and writes them (with Kafka partition, offset and
// timestamp) to a Snappy Parquet file.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "kafka/client.h"

namespace orbitlake::smoke {

struct SmokeOptions {
  kafka::ClientOptions client;
  // Topic to use; created with `partitions` partitions when missing. Default "orbitlake-smoke".
  std::string topic = "orbitlake-smoke";
  int partitions = 3;
  // Messages to send. Default 10,000.
  int messages = 10'000;
  // Folder for the Parquet file. Default "./data/smoke".
  std::string out_dir = "./data/smoke";
  // Give up consuming after this long. Default 60 s.
  std::chrono::seconds timeout{60};
};

struct SmokeReport {
  std::string run_id;
  int64_t produced = 0;
  int64_t acknowledged = 0;
  int64_t consumed = 0;
  int64_t missing = 0;
  int64_t duplicates = 0;
  int64_t corrupted = 0;
  std::string parquet_path;
  int64_t parquet_bytes = 0;
  double seconds = 0;
  bool ok() const { return produced == consumed && missing == 0 && duplicates == 0 && corrupted == 0; }
};

// Runs the pipeline. Errors (broker unreachable, file not writable) are returned;
// data problems (missing, duplicated) are counted in the report.
Result<SmokeReport> RunSmoke(const SmokeOptions& options);

}  // namespace orbitlake::smoke
