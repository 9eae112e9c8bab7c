// Per-event CPU work of the ingester outside Kafka and Parquet: verify + decode a
// FlatBuffers event and append its 16 columns to the Arrow builders (EventRows), and
// turning the builders into a record batch. bench/run runs this with the others.
#include <benchmark/benchmark.h>

#include <arrow/record_batch.h>

#include "ingest/event_rows.h"
#include "telemetry/event.h"

namespace orbitlake {
namespace {

std::vector<std::vector<uint8_t>> SampleEvents(int n) {
  telemetry::EventEncoder enc;
  std::vector<std::vector<uint8_t>> out;
  for (int i = 0; i < n; ++i) {
    telemetry::Event e;
    e.satellite = "sat" + std::to_string(i % 8);
    e.sequence = static_cast<uint64_t>(i);
    e.timestamp_ns = 1'700'000'000'000'000'000 + int64_t{i} * 1'000'000;
    e.values = {17.74 + i % 7, 54.09, 786.75, 0.42, 0.52, 0.47};
    auto span = enc.Encode(e);
    // One byte in: Kafka payloads are not 8-byte aligned either, so the decode copies.
    out.emplace_back(1, 0).insert(out.back().end(), span.begin(), span.end());
  }
  return out;
}

// Decode + validate + append, in batches of state.range(0) rows finished into a record
// batch (the ingester's batch size is 100,000 rows by default): per-event cost.
void BM_EventRowsAppend(benchmark::State& state) {
  const auto events = SampleEvents(1024);
  const int64_t batch_rows = state.range(0);
  ingest::EventRows rows;
  ingest::KafkaMeta meta{"sat-data", 3, 0, 1'700'000'000'000};
  int64_t bytes = 0, in_batch = 0;
  for (auto _ : state) {
    const auto& e = events[static_cast<size_t>(meta.offset) % events.size()];
    Status st = rows.Append(std::span<const uint8_t>(e).subspan(1), meta, 1'700'000'000'000'000);
    benchmark::DoNotOptimize(st);
    bytes += static_cast<int64_t>(e.size() - 1);
    ++meta.offset;
    if (++in_batch == batch_rows) {
      auto batch = rows.TakeBatch();
      benchmark::DoNotOptimize(batch);
      in_batch = 0;
    }
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EventRowsAppend)->Arg(100'000);

}  // namespace
}  // namespace orbitlake

BENCHMARK_MAIN();
