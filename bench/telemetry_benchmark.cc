// The producer's per-event CPU work, piece by piece: CSV row parsing, FlatBuffers
// encoding, verification and field access (what the ingester does per message).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

#include "samples/generator.h"
#include "samples/sample_file.h"
#include "telemetry/event.h"

namespace orbitlake {
namespace {

const std::string kRow = "17.74,54.09,786.75,0.42,0.52,0.47";

void BM_ParseSampleRow(benchmark::State& state) {
  telemetry::Measurements m;
  for (auto _ : state) {
    Status st = samples::ParseSampleRow(kRow, &m);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(m);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * (kRow.size() + 1)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseSampleRow);

// Whole-file reading (I/O from the page cache, line splitting, parsing).
void BM_ReadSampleFile(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() / "orbitlake-bench-samples";
  samples::GenerateOptions g;
  g.satellites = 1;
  g.rows = 1'000'000;
  g.out_dir = dir.string();
  g.force = true;
  auto gen = samples::GenerateSamples(g);
  if (!gen.ok()) {
    state.SkipWithError(gen.status().ToString().c_str());
    return;
  }
  uint64_t rows = 0;
  for (auto _ : state) {
    auto reader = samples::SampleReader::Open(gen->files[0]);
    samples::SampleRow row;
    while (*(*reader)->Next(&row)) ++rows;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * gen->bytes));
  state.SetItemsProcessed(static_cast<int64_t>(rows));
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_ReadSampleFile)->Unit(benchmark::kMillisecond);

telemetry::Event SampleEvent() {
  telemetry::Event e;
  e.satellite = "sat12";
  e.sequence = 123'456;
  e.timestamp_ns = 1'700'000'000'123'456'789;
  e.values = {17.74, 54.09, 786.75, 0.42, 0.52, 0.47};
  return e;
}

// One satellite's events in a row: the encoder patches the previous event in place
// (what `orbitlake produce` does within a satellite's turn).
void BM_EncodeEvent(benchmark::State& state) {
  telemetry::EventEncoder enc;
  telemetry::Event e = SampleEvent();
  size_t bytes = 0;
  for (auto _ : state) {
    ++e.sequence;
    auto out = enc.Encode(e);
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeEvent);

// Two satellites alternating: every event is built afresh with the FlatBuffers builder.
void BM_EncodeEventBuild(benchmark::State& state) {
  telemetry::EventEncoder enc;
  telemetry::Event e = SampleEvent();
  const std::string names[] = {std::string(e.satellite), std::string(e.satellite) + "b"};
  size_t bytes = 0;
  for (auto _ : state) {
    ++e.sequence;
    e.satellite = names[e.sequence & 1];
    auto out = enc.Encode(e);
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeEventBuild);

// Verify + read every field: the ingester's per-message decode.
void BM_DecodeEvent(benchmark::State& state) {
  telemetry::EventEncoder enc;
  auto span = enc.Encode(SampleEvent());
  std::vector<uint8_t> buf(span.begin(), span.end());
  for (auto _ : state) {
    auto view = telemetry::DecodeEvent(buf);
    double sum = view->temp_c() + view->battery_charge_pct() + view->altitude() + view->sensor1() + view->sensor2() +
                 view->sensor3();
    benchmark::DoNotOptimize(sum);
    benchmark::DoNotOptimize(view->satellite().size() + view->sequence() + view->timestamp_ns());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * buf.size()));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeEvent);

void BM_ParseEncodeRow(benchmark::State& state) {
  telemetry::EventEncoder enc;
  telemetry::Event e = SampleEvent();
  for (auto _ : state) {
    Status st = samples::ParseSampleRow(kRow, &e.values);
    benchmark::DoNotOptimize(st);
    ++e.sequence;
    benchmark::DoNotOptimize(enc.Encode(e).data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseEncodeRow);

}  // namespace
}  // namespace orbitlake

BENCHMARK_MAIN();
