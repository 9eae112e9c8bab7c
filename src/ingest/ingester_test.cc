// The ingester against the real broker, for failures that only the whole loop shows:
// the decoder's buffers failing to allocate must stop the run before the offsets of
// the rows they held are committed, so a second run ingests exactly the topic.
#include "ingest/ingester.h"
#include "ingest/telemetry_pipeline.h"

#include <atomic>
#include <set>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "delta/reader.h"
#include "delta/snapshot.h"
#include "ingest/committer.h"
#include "kafka/admin.h"
#include "kafka/producer.h"
#include "storage/local_storage.h"
#include "support/failing_pool.h"
#include "support/test_env.h"
#include "telemetry/event.h"

namespace orbitlake::ingest {
namespace {

using orbitlake::testing::FailingPool;
using orbitlake::testing::TempDir;
using orbitlake::testing::TestBrokers;
using orbitlake::testing::UniqueName;

constexpr int64_t kNoon = 1'763'899'200'000'000'000LL;

void ProduceEvents(const kafka::ClientOptions& client, const std::string& topic, int partitions, int n) {
  ASSERT_TRUE(kafka::CreateTopic(client, topic, partitions, std::chrono::seconds(30)).ok());
  kafka::ProducerOptions po;
  po.client = client;
  auto producer = kafka::Producer::Create(po);
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  telemetry::EventEncoder enc;
  for (int i = 0; i < n; ++i) {
    auto bytes = enc.Encode({"sat" + std::to_string(i % 3), static_cast<uint64_t>(i), kNoon + i, {1, 50, 700, 0.5, 0.5, 0.5}});
    ASSERT_TRUE((*producer)->Produce(topic, "sat" + std::to_string(i % 3), bytes).ok());
  }
  ASSERT_TRUE((*producer)->Flush(std::chrono::seconds(60)).ok());
  ASSERT_TRUE((*producer)->first_error().ok()) << (*producer)->first_error().ToString();
}

IngestOptions Options(const std::string& brokers, const std::string& topic, const TempDir& dir) {
  IngestOptions o;
  o.client.brokers = brokers;
  TelemetryPipelineOptions p;
  p.topics = {topic};
  p.table = (dir.path() / "raw").string();
  p.quarantine = (dir.path() / "quarantine").string();
  o.pipeline = TelemetryPipeline(p);
  o.group_id = UniqueName("ingester-test");
  o.until_caught_up = true;
  o.batch.interval = std::chrono::milliseconds(200);
  o.batch.max_rows = 700;
  o.chunk_rows = 250;
  return o;
}

std::unique_ptr<storage::Storage> Raw(const TempDir& dir) {
  return std::make_unique<storage::LocalStorage>((dir.path() / "raw").string());
}

// (partition, offset) of every row of the table, with duplicates.
std::multiset<std::pair<int32_t, int64_t>> TableOffsets(storage::Storage& table) {
  std::multiset<std::pair<int32_t, int64_t>> out;
  auto snap = delta::LoadSnapshot(table);
  if (!snap.ok()) return out;
  auto rows = delta::ReadTable(table, *snap);
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  if (!rows.ok()) return out;
  auto parts = (*rows)->GetColumnByName("kafka_partition");
  auto offsets = (*rows)->GetColumnByName("kafka_offset");
  for (int c = 0; c < parts->num_chunks(); ++c) {
    auto p = std::static_pointer_cast<arrow::Int32Array>(parts->chunk(c));
    auto o = std::static_pointer_cast<arrow::Int64Array>(offsets->chunk(c));
    for (int64_t i = 0; i < p->length(); ++i) out.insert({p->Value(i), o->Value(i)});
  }
  return out;
}

class AllocationFailure : public ::testing::TestWithParam<int64_t> {};

TEST_P(AllocationFailure, StopsBeforeCommittingLostRowsAndTheNextRunIngestsExactlyTheTopic) {
  const std::string brokers = TestBrokers();
  if (brokers.empty()) return;
  kafka::ClientOptions client;
  client.brokers = brokers;
  const std::string topic = UniqueName("alloc-fail");
  constexpr int kEvents = 3000;
  constexpr int kPartitions = 2;
  ProduceEvents(client, topic, kPartitions, kEvents);
  TempDir dir;

  FailingPool pool(GetParam());
  IngestOptions o = Options(brokers, topic, dir);
  o.memory_pool = &pool;
  auto failed = RunIngest(o);
  ASSERT_TRUE(pool.failed()) << "the budget of " << GetParam() << " allocations was not used up";
  ASSERT_FALSE(failed.ok()) << "an allocation failure must stop the ingester";
  EXPECT_NE(failed.status().message().find("injected allocation failure"), std::string::npos)
      << failed.status().ToString();
  // Whatever was committed is whole: every committed offset has its row, once.
  auto first = TableOffsets(*Raw(dir));
  if (GetParam() >= 400) {
    EXPECT_GT(first.size(), 0u) << "meant to fail after some batches were committed";
  }
  auto snap = delta::LoadSnapshot(*Raw(dir));
  for (int32_t p = 0; p < kPartitions && snap.ok(); ++p) {
    auto v = snap->TxnVersion(TxnAppId(o.app_id, topic, p));
    for (int64_t off = 0; v && off <= *v; ++off) {
      EXPECT_EQ(first.count({p, off}), 1u) << "partition " << p << " offset " << off << " is committed, not in the table";
    }
  }

  IngestOptions again = Options(brokers, topic, dir);
  auto ok = RunIngest(again);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  auto all = TableOffsets(*Raw(dir));
  EXPECT_EQ(all.size(), static_cast<size_t>(kEvents));
  const std::set<std::pair<int32_t, int64_t>> distinct(all.begin(), all.end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kEvents)) << "duplicated rows";
  EXPECT_EQ(ok->stats.quarantined, 0) << "good messages were quarantined";
}

// Budgets that run out at the first reserve, in the middle of a chunk, and after
// some batches were committed.
INSTANTIATE_TEST_SUITE_P(Budgets, AllocationFailure, ::testing::Values(0, 40, 400));

TEST(IngesterStartup, RefusesAnEmptyAppIdAndAMissingTopicWhenCatchingUp) {
  const std::string brokers = TestBrokers();
  if (brokers.empty()) return;
  TempDir dir;
  IngestOptions o = Options(brokers, UniqueName("never-created"), dir);
  auto missing = RunIngest(o);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "raw")) << "a table folder was created for nothing";
  o.app_id = "";
  auto empty = RunIngest(o);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument) << empty.status().ToString();
}

}  // namespace
}  // namespace orbitlake::ingest
