// The producer against the real broker: every (satellite, sequence) arrives exactly once,
// with the CSV's values and strictly increasing timestamps per satellite.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "producer/produce.h"
#include "samples/generator.h"
#include "samples/sample_file.h"
#include "support/test_env.h"
#include "telemetry/event.h"

namespace orbitlake::producer {
namespace {

using orbitlake::testing::TempDir;
using orbitlake::testing::TestBrokers;
using orbitlake::testing::UniqueName;

// satellite -> rows of its file, in order.
std::map<std::string, std::vector<telemetry::Measurements>> ReadSamples(const std::string& dir) {
  std::map<std::string, std::vector<telemetry::Measurements>> out;
  auto files = samples::ListSampleFiles(dir);
  EXPECT_TRUE(files.ok());
  for (const auto& f : *files) {
    auto reader = samples::SampleReader::Open(f.path);
    EXPECT_TRUE(reader.ok());
    samples::SampleRow row;
    while (*(*reader)->Next(&row)) out[f.satellite].push_back(row.values);
  }
  return out;
}

struct Consumed {
  std::string satellite;
  uint64_t sequence;
  int64_t timestamp_ns;
  int64_t kafka_timestamp_ms;
  std::string key;
  int32_t partition;
  telemetry::Measurements values;
};

// Reads the topic from the start until `expected` events arrived (or a deadline).
std::vector<Consumed> ConsumeAll(const kafka::ClientOptions& client, const std::string& topic, size_t expected) {
  kafka::ConsumerOptions co;
  co.client = client;
  co.group_id = UniqueName("produce-test");
  auto consumer = kafka::Consumer::Create(co);
  EXPECT_TRUE(consumer.ok()) << consumer.status().ToString();
  EXPECT_TRUE((*consumer)->Subscribe({topic}).ok());
  std::vector<Consumed> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  std::vector<kafka::Message> batch;
  telemetry::DecodeScratch scratch;
  while (out.size() < expected && std::chrono::steady_clock::now() < deadline) {
    batch.clear();
    EXPECT_TRUE((*consumer)->ConsumeBatch(batch, 10'000, std::chrono::milliseconds(500)).ok());
    for (const auto& m : batch) {
      auto ev = telemetry::DecodeEvent(m.payload(), scratch);
      EXPECT_TRUE(ev.ok()) << ev.status().ToString();
      if (!ev.ok()) continue;
      out.push_back({std::string(ev->satellite()), ev->sequence(), ev->timestamp_ns(), m.timestamp_ms(),
                     std::string(m.key()), m.partition(), ev->values()});
    }
  }
  // A short extra wait catches duplicates that would arrive after the expected count.
  batch.clear();
  EXPECT_TRUE((*consumer)->ConsumeBatch(batch, 10'000, std::chrono::milliseconds(1000)).ok());
  EXPECT_TRUE(batch.empty()) << batch.size() << " more events than produced";
  (void)(*consumer)->Close();
  return out;
}

class ProduceKafkaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_.brokers = TestBrokers();
    ASSERT_FALSE(client_.brokers.empty());
    topic_ = UniqueName("sat-data");
  }
  void TearDown() override { (void)kafka::DeleteTopic(client_, topic_); }

  void Generate(int satellites, int64_t rows) {
    samples::GenerateOptions g;
    g.satellites = satellites;
    g.rows = rows;
    g.out_dir = dir_.str();
    ASSERT_TRUE(samples::GenerateSamples(g).ok());
  }

  ProduceOptions Options() {
    ProduceOptions o;
    o.client = client_;
    o.topic = topic_;
    o.samples_dir = dir_.str();
    return o;
  }

  kafka::ClientOptions client_;
  std::string topic_;
  TempDir dir_;
};

TEST_F(ProduceKafkaTest, FourSatellitesTenThousandRowsArriveExactlyOnce) {
  Generate(4, 10'000);
  const auto expected = ReadSamples(dir_.str());

  auto report = RunProduce(Options());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok()) << report->error.ToString() << " / " << report->delivery_error.ToString();
  EXPECT_EQ(report->files, 4u);
  EXPECT_EQ(report->totals.sent, 40'000u);
  EXPECT_EQ(report->totals.acked, 40'000u);
  EXPECT_EQ(report->totals.failed, 0u);
  EXPECT_GT(report->totals.bytes, 40'000u * 64);

  auto events = ConsumeAll(client_, topic_, 40'000);
  ASSERT_EQ(events.size(), 40'000u);
  std::map<std::string, std::set<uint64_t>> seen;
  std::map<std::string, std::pair<uint64_t, int64_t>> last;  // in consumption order
  std::map<std::string, std::set<int32_t>> partitions;
  int wrong_values = 0;
  for (const auto& e : events) {
    EXPECT_EQ(e.key, e.satellite);
    EXPECT_TRUE(seen[e.satellite].insert(e.sequence).second) << e.satellite << "#" << e.sequence << " twice";
    ASSERT_TRUE(expected.count(e.satellite)) << e.satellite;
    ASSERT_LT(e.sequence, expected.at(e.satellite).size());
    if (!(e.values == expected.at(e.satellite)[e.sequence])) ++wrong_values;
    EXPECT_EQ(e.kafka_timestamp_ms, e.timestamp_ns / 1'000'000);
    partitions[e.satellite].insert(e.partition);
    if (auto it = last.find(e.satellite); it != last.end()) {
      EXPECT_GT(e.sequence, it->second.first) << "out of order for " << e.satellite;
      EXPECT_GT(e.timestamp_ns, it->second.second) << "timestamp not increasing for " << e.satellite;
    }
    last[e.satellite] = {e.sequence, e.timestamp_ns};
  }
  EXPECT_EQ(wrong_values, 0);
  ASSERT_EQ(seen.size(), 4u);
  for (const auto& [sat, seqs] : seen) {
    EXPECT_EQ(seqs.size(), 10'000u) << sat;
    EXPECT_EQ(partitions[sat].size(), 1u) << sat << " spread over partitions";
  }
}

TEST_F(ProduceKafkaTest, RepeatContinuesSequenceNumbers) {
  Generate(2, 100);
  ProduceOptions o = Options();
  o.repeat = 3;
  o.sleep = SleepRange{std::chrono::microseconds(10), std::chrono::microseconds(50)};
  auto report = RunProduce(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->totals.acked, 600u);
  auto events = ConsumeAll(client_, topic_, 600);
  std::map<std::string, std::set<uint64_t>> seen;
  for (const auto& e : events) seen[e.satellite].insert(e.sequence);
  for (const auto& [sat, seqs] : seen) {
    EXPECT_EQ(seqs.size(), 300u);
    EXPECT_EQ(*seqs.begin(), 0u);
    EXPECT_EQ(*seqs.rbegin(), 299u);
  }
}

TEST_F(ProduceKafkaTest, BadRowStopsByDefaultAfterFlushingWhatWasSent) {
  std::string rows = std::string(samples::kSampleHeader) + "\n";
  for (int i = 0; i < 50; ++i) rows += "1,2,3,4,5,6\n";
  rows += "1,2,oops,4,5,6\n";
  for (int i = 0; i < 50; ++i) rows += "1,2,3,4,5,6\n";
  std::ofstream(dir_.str() + "/sat0.csv") << rows;

  auto report = RunProduce(Options());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->ok());
  EXPECT_EQ(report->error.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(report->error.message().find("sat0.csv:52:5: 'oops' is not a number"), std::string::npos)
      << report->error.message();
  EXPECT_EQ(report->totals.sent, 50u);
  EXPECT_EQ(report->totals.acked, 50u);

  ProduceOptions o = Options();
  o.skip_bad_rows = true;
  report = RunProduce(o);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->error.ToString();
  EXPECT_EQ(report->totals.skipped_rows, 1u);
  ASSERT_EQ(report->skipped_examples.size(), 1u);
  EXPECT_NE(report->skipped_examples[0].find(":52:5:"), std::string::npos);
  EXPECT_EQ(report->totals.acked, 100u);
}

TEST_F(ProduceKafkaTest, StopRequestEndsALoopAndFlushes) {
  Generate(2, 100);
  ProduceOptions o = Options();
  o.repeat = 0;  // forever
  std::atomic<int> polls{0};
  o.should_stop = [&] { return ++polls > 5000; };
  auto report = RunProduce(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->stopped);
  EXPECT_TRUE(report->ok());
  EXPECT_GT(report->totals.sent, 200u);  // past the first pass
  EXPECT_EQ(report->totals.acked, report->totals.sent);
}

}  // namespace
}  // namespace orbitlake::producer
