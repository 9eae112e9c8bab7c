#include "smoke/smoke.h"

#include <chrono>
#include <filesystem>
#include <random>
#include <vector>

#include <arrow/api.h>
#include <fmt/format.h>

#include "columnar/arrow_status.h"
#include "columnar/parquet_file.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"

namespace orbitlake::smoke {
namespace {

std::string Payload(const std::string& run_id, int64_t seq) { return fmt::format("{}:{}:{:x}", run_id, seq, seq * 2654435761u); }

}  // namespace

Result<SmokeReport> RunSmoke(const SmokeOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  SmokeReport report;
  report.run_id = fmt::format("{:08x}", std::random_device{}());
  ORBIT_RETURN_IF_ERROR(kafka::EnsureTopic(o.client, o.topic, o.partitions));

  kafka::ProducerOptions po;
  po.client = o.client;
  ORBIT_ASSIGN_OR_RETURN(auto producer, kafka::Producer::Create(po));
  for (int64_t i = 0; i < o.messages; ++i) {
    std::string v = Payload(report.run_id, i);
    ORBIT_RETURN_IF_ERROR(producer->Produce(o.topic, fmt::format("k{}", i % 16),
                                            {reinterpret_cast<const uint8_t*>(v.data()), v.size()}));
    producer->Poll();
    ++report.produced;
  }
  ORBIT_RETURN_IF_ERROR(producer->Flush(std::chrono::seconds(30)));
  report.acknowledged = static_cast<int64_t>(producer->delivered());
  if (producer->failed() > 0) return producer->first_error();

  // A fresh group reading from the beginning sees this run's messages among older ones.
  kafka::ConsumerOptions co;
  co.client = o.client;
  co.group_id = "orbitlake-smoke-" + report.run_id;
  ORBIT_ASSIGN_OR_RETURN(auto consumer, kafka::Consumer::Create(co));
  ORBIT_RETURN_IF_ERROR(consumer->Subscribe({o.topic}));

  arrow::Int64Builder seq_b, offset_b;
  arrow::Int32Builder partition_b;
  arrow::TimestampBuilder ts_b(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), arrow::default_memory_pool());
  arrow::StringBuilder key_b;
  arrow::BinaryBuilder payload_b;
  std::vector<uint8_t> seen(o.messages, 0);
  const std::string prefix = report.run_id + ":";
  const auto deadline = std::chrono::steady_clock::now() + o.timeout;
  std::vector<kafka::Message> batch;
  while (report.consumed < o.messages && std::chrono::steady_clock::now() < deadline) {
    batch.clear();
    ORBIT_RETURN_IF_ERROR(consumer->ConsumeBatch(batch, 10'000, std::chrono::milliseconds(500)));
    for (const auto& m : batch) {
      std::string_view v(reinterpret_cast<const char*>(m.payload().data()), m.payload().size());
      if (!v.starts_with(prefix)) continue;  // an older run's message
      int64_t seq = std::stoll(std::string(v.substr(prefix.size())));
      ++report.consumed;
      if (seq < 0 || seq >= o.messages || v != Payload(report.run_id, seq)) {
        ++report.corrupted;
        continue;
      }
      if (seen[seq]++ > 0) ++report.duplicates;
      (void)seq_b.Append(seq);
      (void)partition_b.Append(m.partition());
      (void)offset_b.Append(m.offset());
      (void)ts_b.Append(m.timestamp_ms() * 1000);
      (void)key_b.Append(m.key().data(), static_cast<int32_t>(m.key().size()));
      (void)payload_b.Append(m.payload().data(), static_cast<int32_t>(m.payload().size()));
    }
  }
  (void)consumer->Close();
  for (uint8_t s : seen) report.missing += s == 0 ? 1 : 0;

  auto schema = arrow::schema({arrow::field("seq", arrow::int64(), false),
                               arrow::field("kafka_partition", arrow::int32(), false),
                               arrow::field("kafka_offset", arrow::int64(), false),
                               arrow::field("kafka_timestamp", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), false),
                               arrow::field("key", arrow::utf8(), false),
                               arrow::field("payload", arrow::binary(), false)});
  std::vector<std::shared_ptr<arrow::Array>> cols(6);
  arrow::Status st = seq_b.Finish(&cols[0]);
  if (st.ok()) st = partition_b.Finish(&cols[1]);
  if (st.ok()) st = offset_b.Finish(&cols[2]);
  if (st.ok()) st = ts_b.Finish(&cols[3]);
  if (st.ok()) st = key_b.Finish(&cols[4]);
  if (st.ok()) st = payload_b.Finish(&cols[5]);
  ORBIT_RETURN_IF_ERROR(columnar::FromArrow(st, "build smoke table"));
  auto table = arrow::Table::Make(schema, cols);

  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec) return Status::IOError("create " + o.out_dir + ": " + ec.message());
  report.parquet_path = (std::filesystem::path(o.out_dir) / ("smoke-" + report.run_id + ".parquet")).string();
  ORBIT_ASSIGN_OR_RETURN(report.parquet_bytes, columnar::WriteParquetFile(*table, report.parquet_path));
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace orbitlake::smoke
