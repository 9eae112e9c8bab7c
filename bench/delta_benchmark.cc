// Delta log and Parquet benchmarks (Google Benchmark). Numbers: bench/RESULTS.md.
//
//   delta_benchmark --benchmark_filter=Snapshot   snapshot load for 10/1,000/10,000 commits
//   delta_benchmark --benchmark_filter=Commit     commit latency on tables of that age
//   delta_benchmark --benchmark_filter=Parquet    Parquet data-file write MB/s
//
// Tables live on the local filesystem (LocalStorage: fsync'ed temp file + renameat2 per
// commit, like production) in a temp folder, built once per size with the real
// committer: one add (realistic stats) and one txn per commit, a checkpoint every 10
// commits (the default delta.checkpointInterval). Data files are not written for the
// log benchmarks: loading a snapshot and committing never read them.
#include <filesystem>
#include <map>
#include <random>

#include <arrow/api.h>
#include <arrow/util/byte_size.h>
#include <benchmark/benchmark.h>

#include "delta/snapshot.h"
#include "delta/table.h"
#include "storage/local_storage.h"
#include "storage/memory_storage.h"
#include "support/satellite_batch.h"

namespace orbitlake::delta {
namespace {

namespace fs = std::filesystem;

delta::AddFile SyntheticAdd(int64_t i) {
  AddFile a;
  a.path = "date=2026-01-" + std::to_string(1 + i % 28) + "/part-00000-" + NewUuid() + "-c000.snappy.parquet";
  a.partition_values = {{"date", "2026-01-" + std::to_string(1 + i % 28)}};
  a.size = 4 << 20;
  a.modification_time = 1'767'225'600'000 + i;
  a.stats = R"({"numRecords":50000,"minValues":{"sat_id":"sat-0","ts":"2026-01-01T00:00:00.000Z","seq":)" +
            std::to_string(i * 50000) +
            R"(,"alt_km":400.1,"lat":-90.0,"lon":-180.0,"status":"downlink"},"maxValues":{"sat_id":"sat-9","ts":"2026-01-01T00:00:50.000Z","seq":)" +
            std::to_string(i * 50000 + 49999) +
            R"(,"alt_km":499.9,"lat":89.0,"lon":179.0,"status":"safe-mode"},"nullCount":{"sat_id":0,"ts":0,"seq":0,"alt_km":7143,"lat":0,"lon":0,"status":0}})";
  return a;
}

std::shared_ptr<storage::Storage> Storage(const fs::path& dir) { return std::make_shared<storage::LocalStorage>(dir); }

// One table per size, built on first use and removed at exit.
const fs::path& TableOfAge(int64_t commits) {
  static std::map<int64_t, fs::path> tables;
  static struct Cleanup {
    ~Cleanup() {
      for (auto& [_, p] : tables) fs::remove_all(p);
    }
  } cleanup;
  auto it = tables.find(commits);
  if (it != tables.end()) return it->second;
  fs::path dir = fs::temp_directory_path() / ("orbitlake-delta-bench-" + std::to_string(commits) + "-" + NewUuid());
  auto table = Table::OpenOrCreate(Storage(dir), orbitlake::testing::SatelliteSchema(), {});
  if (!table.ok()) std::abort();
  for (int64_t i = 1; i < commits; ++i) {
    auto out = (*table)->Append({.adds = {SyntheticAdd(i)}, .txns = {{"orbitlake-sat-data-0", i}}});
    if (!out.ok() || !std::holds_alternative<Committed>(*out)) std::abort();
  }
  return tables[commits] = dir;
}

void BM_SnapshotLoad(benchmark::State& state) {
  const fs::path& dir = TableOfAge(state.range(0));
  auto storage = Storage(dir);
  int64_t files = 0;
  for (auto _ : state) {
    auto snap = LoadSnapshot(*storage);
    if (!snap.ok()) state.SkipWithError(snap.status().ToString().c_str());
    files = static_cast<int64_t>(snap->files().size());
  }
  state.counters["live_files"] = static_cast<double>(files);
}
BENCHMARK(BM_SnapshotLoad)->Arg(10)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// Commit latency, checkpoints included (every 10th commit writes one: amortised here).
void CommitLoop(benchmark::State& state, bool checkpoints) {
  const fs::path& dir = TableOfAge(state.range(0));
  TableOptions opts;
  opts.write_checkpoints = checkpoints;
  auto table = Table::Open(Storage(dir), opts);
  if (!table.ok()) {
    state.SkipWithError(table.status().ToString().c_str());
    return;
  }
  int64_t i = (*table)->snapshot().version() + 1'000'000;
  for (auto _ : state) {
    auto out = (*table)->Append({.adds = {SyntheticAdd(i)}, .txns = {{"orbitlake-sat-data-0", i}}});
    ++i;
    if (!out.ok() || !std::holds_alternative<Committed>(*out)) state.SkipWithError("commit failed");
  }
}
void BM_Commit(benchmark::State& state) { CommitLoop(state, true); }
void BM_CommitNoCheckpoint(benchmark::State& state) { CommitLoop(state, false); }
BENCHMARK(BM_Commit)->Arg(10)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->Iterations(200);
BENCHMARK(BM_CommitNoCheckpoint)->Arg(10)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->Iterations(200);

// Writing one checkpoint of a table of that age (what a background checkpoint costs).
void BM_Checkpoint(benchmark::State& state) {
  const fs::path& dir = TableOfAge(state.range(0));
  auto table = Table::Open(Storage(dir));
  if (!table.ok()) {
    state.SkipWithError(table.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    Status st = (*table)->Checkpoint();
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
  }
}
BENCHMARK(BM_Checkpoint)->Arg(10)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// Parquet write throughput of satellite batches through TableWriter: Arrow bytes in per
// second (bytes_per_second), one flush = `batches` batches of 64 Ki rows in one day.
void ParquetWrite(benchmark::State& state, bool local) {
  constexpr int64_t kRows = 1 << 16;
  const int batches = static_cast<int>(state.range(0));
  std::vector<std::shared_ptr<arrow::RecordBatch>> input;
  int64_t bytes = 0;
  for (int b = 0; b < batches; ++b) {
    input.push_back(orbitlake::testing::SatelliteBatch(b * kRows, kRows, orbitlake::testing::kDefaultStartUs, 1000));
    bytes += arrow::util::TotalBufferSize(*input.back());
  }
  fs::path dir = fs::temp_directory_path() / ("orbitlake-parquet-bench-" + NewUuid());
  std::shared_ptr<storage::Storage> storage;
  if (local) {
    storage = Storage(dir);
  } else {
    storage = std::make_shared<storage::MemoryStorage>();
  }
  int64_t out_bytes = 0;
  for (auto _ : state) {
    TableWriter writer(storage.get(), orbitlake::testing::SatelliteSchema(), {"date"}, {}, &SystemClock());
    for (const auto& b : input) {
      if (!writer.Write(*b).ok()) state.SkipWithError("write failed");
    }
    auto adds = writer.Finish();
    if (!adds.ok()) state.SkipWithError(adds.status().ToString().c_str());
    out_bytes = 0;
    for (const auto& a : *adds) out_bytes += a.size;
  }
  state.SetBytesProcessed(state.iterations() * bytes);
  state.SetItemsProcessed(state.iterations() * batches * kRows);
  state.counters["arrow_MB"] = static_cast<double>(bytes) / 1e6;
  state.counters["parquet_MB"] = static_cast<double>(out_bytes) / 1e6;
  fs::remove_all(dir);
}
void BM_ParquetWriteMemory(benchmark::State& state) { ParquetWrite(state, false); }
void BM_ParquetWriteLocal(benchmark::State& state) { ParquetWrite(state, true); }
BENCHMARK(BM_ParquetWriteMemory)->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParquetWriteLocal)->Arg(16)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace orbitlake::delta

BENCHMARK_MAIN();
