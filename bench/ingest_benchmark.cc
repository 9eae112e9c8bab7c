// Per-event CPU work of the ingester outside Kafka and Parquet: verify + decode a
// FlatBuffers event and append its 16 columns to the Arrow builders (EventRows), and
// turning the builders into a record batch; next to it, the same for ~250-byte JSON
// clickstream events decoded into a declared page_view table (pipeline::TableRows,
// simdjson On-Demand). bench/run runs this with the others.
#include <benchmark/benchmark.h>

#include <arrow/record_batch.h>
#include <fmt/format.h>

#include "ingest/event_rows.h"
#include "pipeline/json_decoder.h"
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

// Clickstream events as a web tracker sends them: ~250 bytes, a nested page object,
// an ISO-8601 timestamp, one undeclared field.
std::vector<std::string> ClickEvents(int n) {
  std::vector<std::string> out;
  static constexpr const char* kTypes[] = {"page_view", "page_view", "page_view", "click"};
  static constexpr const char* kDevices[] = {"mobile", "desktop", "tablet"};
  for (int i = 0; i < n; ++i) {
    out.push_back(fmt::format(
        R"({{"event_id":"6f1c2a9e-0b7d-4c1e-9a51-{:012x}","event_type":"{}","user_id":{},"session_id":"s-{}",)"
        R"("ts":"2024-05-01T10:{:02}:{:02}.{:03}Z","page":{{"url":"/products/{}","referrer":"https://example.com/"}},)"
        R"("device":"{}","duration_ms":{},"sdk":"js-3.2.1"}})",
        0x3d2e8f7a4b10 + i, kTypes[i % 4], 100'000 + i * 7 % 50'000, 9'000 + i % 300, i / 60 % 60, i % 60, i % 1000,
        i % 500, kDevices[i % 3], 200 + i * 37 % 5000));
  }
  return out;
}

pipeline::TableSpec PageViewTable() {
  using K = pipeline::DeltaType::Kind;
  auto t = [](K k) { return std::make_shared<pipeline::DeltaType>(pipeline::DeltaType{k}); };
  auto col = [](std::string name, std::shared_ptr<const pipeline::DeltaType> type, pipeline::From from,
                bool required = false) {
    pipeline::ColumnSpec c;
    c.name = std::move(name);
    c.type = std::move(type);
    c.from = std::move(from);
    c.required = required;
    return c;
  };
  using P = pipeline::FromJsonPath;
  using F = pipeline::FromKafka::Field;
  pipeline::TableSpec spec;
  spec.name = "page_views";
  spec.columns = {
      col("event_id", t(K::kString), P{{"event_id"}}, true),
      col("user_id", t(K::kLong), P{{"user_id"}}),
      col("session_id", t(K::kString), P{{"session_id"}}),
      col("event_time", t(K::kTimestamp), P{{"ts"}}, true),
      col("url", t(K::kString), P{{"page", "url"}}),
      col("referrer", t(K::kString), P{{"page", "referrer"}}),
      col("device", t(K::kString), P{{"device"}}),
      col("duration_ms", t(K::kInteger), P{{"duration_ms"}}),
      col("kafka_partition", t(K::kInteger), pipeline::FromKafka{F::kPartition}),
      col("kafka_offset", t(K::kLong), pipeline::FromKafka{F::kOffset}),
      col("ingest_time", t(K::kTimestamp), pipeline::FromIngestTime{}),
      col("date", t(K::kDate), pipeline::FromColumn{"event_time"}),
  };
  spec.checks = {{"user_id >= 0", "user_id", pipeline::CheckSpec::Op::kGe, "0"}};
  return spec;
}

// JSON parse (copy + simdjson stage 1) alone: the floor under the decode.
void BM_JsonParse(benchmark::State& state) {
  const auto events = ClickEvents(1024);
  pipeline::JsonMessage msg;
  int64_t bytes = 0;
  size_t i = 0;
  for (auto _ : state) {
    const auto& e = events[i++ % events.size()];
    Status st = msg.Parse(e);
    benchmark::DoNotOptimize(st);
    bytes += static_cast<int64_t>(e.size());
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JsonParse);

// Parse + decode the page_view table's 12 columns + check + append, in batches of
// state.range(0) rows finished into a record batch: per-event cost, comparable with
// BM_EventRowsAppend. state.range(1) = 1 also matches the route (event_type).
void BM_JsonPageViewAppend(benchmark::State& state) {
  const auto events = ClickEvents(1024);
  const int64_t batch_rows = state.range(0);
  auto rows = pipeline::TableRows::Make(PageViewTable());
  auto route = pipeline::RouteMatcher::Make(pipeline::RouteSpec{{"event_type"}, "\"page_view\""});
  if (!rows.ok() || !route.ok()) {
    state.SkipWithError("page_view table does not compile");
    return;
  }
  const bool with_route = state.range(1) != 0;
  pipeline::JsonMessage msg;
  pipeline::MessageMeta meta;
  meta.topic = "clicks";
  meta.partition = 3;
  int64_t bytes = 0, in_batch = 0, failed = 0;
  for (auto _ : state) {
    const auto& e = events[static_cast<size_t>(meta.offset) % events.size()];
    Status st = msg.Parse(e);
    if (with_route && st.ok()) {
      auto m = route->Matches(msg);
      benchmark::DoNotOptimize(m);
    }
    if (st.ok()) st = (*rows)->Append(msg, meta, 1'714'557'600'000'000);
    failed += !st.ok();
    bytes += static_cast<int64_t>(e.size());
    ++meta.offset;
    if (++in_batch == batch_rows) {
      auto batch = (*rows)->TakeBatch();
      benchmark::DoNotOptimize(batch);
      in_batch = 0;
    }
  }
  if (failed != 0) state.SkipWithError("events were rejected");
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JsonPageViewAppend)->Args({100'000, 0})->Args({100'000, 1});

}  // namespace
}  // namespace orbitlake

BENCHMARK_MAIN();
