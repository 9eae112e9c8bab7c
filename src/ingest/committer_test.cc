#include "ingest/committer.h"

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "delta/reader.h"
#include "delta/snapshot.h"
#include "ingest/event_rows.h"
#include "storage/memory_storage.h"
#include "telemetry/event.h"

namespace orbitlake::ingest {
namespace {

constexpr int64_t kNoon = 1'763'899'200'000'000'000LL;

std::shared_ptr<arrow::RecordBatch> Rows(int64_t first_offset, int n, int32_t partition = 0) {
  EventRows rows;
  telemetry::EventEncoder enc;
  for (int i = 0; i < n; ++i) {
    auto bytes = enc.Encode({"sat0", static_cast<uint64_t>(first_offset + i), kNoon + i, {1, 50, 700, 0.5, 0.5, 0.5}});
    EXPECT_TRUE(rows.Append(bytes, {"t", partition, first_offset + i, 1000}, 0).ok());
  }
  return *rows.TakeBatch();
}

struct Fixture {
  std::shared_ptr<storage::MemoryStorage> table = std::make_shared<storage::MemoryStorage>();
  std::shared_ptr<storage::MemoryStorage> quarantine = std::make_shared<storage::MemoryStorage>();
  std::vector<CommitResult> results;
  std::unique_ptr<Committer> Start() {
    CommitterOptions o;
    o.table = table;
    o.quarantine = quarantine;
    o.app_id = "app";
    auto c = Committer::Start(o, RawTableSchema(), [this](const CommitResult& r) { results.push_back(r); });
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return std::move(c).value();
  }
};

TEST(CommitterTest, TxnAppIdRoundTrips) {
  EXPECT_EQ(TxnAppId("orbitlake", "sat-data", 3), "orbitlake:sat-data:3");
  auto p = ParseTxnAppId("my:app:sat.data-1:12");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->app_id, "my:app");
  EXPECT_EQ(p->topic, "sat.data-1");
  EXPECT_EQ(p->partition, 12);
  EXPECT_FALSE(ParseTxnAppId("spark-query").has_value());
  EXPECT_FALSE(ParseTxnAppId("a:b:x").has_value());
}

TEST(CommitterTest, SealCommitsRowsAndOneTxnPerPartition) {
  Fixture f;
  auto c = f.Start();
  c->Submit(0, Rows(0, 100, 0), nullptr);
  c->Submit(0, Rows(0, 50, 1), nullptr);
  ASSERT_TRUE(c->Seal(0, {{"t", 0, 0, 99, 0}, {"t", 1, 0, 49, 0}}).get().ok());
  c->Stop();
  ASSERT_EQ(f.results.size(), 1u);
  EXPECT_EQ(f.results[0].outcome, Outcome::kCommitted);
  EXPECT_EQ(f.results[0].rows, 150);
  auto snap = delta::LoadSnapshot(*f.table);
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->version(), 1);
  EXPECT_EQ(snap->TxnVersion("app:t:0"), 99);
  EXPECT_EQ(snap->TxnVersion("app:t:1"), 49);
  EXPECT_EQ((*delta::ReadTable(*f.table, *snap))->num_rows(), 150);
  EXPECT_EQ(c->latency().count(), 150u);
  EXPECT_FALSE(delta::LoadSnapshot(*f.quarantine).ok()) << "no quarantine table without bad messages";
}

TEST(CommitterTest, QuarantinedMessagesGoToTheirOwnTableWithTxns) {
  Fixture f;
  auto c = f.Start();
  QuarantineRows q;
  std::vector<uint8_t> junk = {1, 2, 3};
  q.Append(junk, "k", {"t", 0, 5, 1000}, "Corruption: not an event", 0);
  c->Submit(0, Rows(0, 5, 0), *q.Take());
  ASSERT_TRUE(c->Seal(0, {{"t", 0, 0, 5, 0}}).get().ok());
  c->Stop();
  ASSERT_EQ(f.results.size(), 1u);
  EXPECT_EQ(f.results[0].quarantined, 1);
  auto qs = delta::LoadSnapshot(*f.quarantine);
  ASSERT_TRUE(qs.ok()) << qs.status().ToString();
  EXPECT_EQ(qs->TxnVersion("app:t:0"), 5);
  EXPECT_EQ((*delta::ReadTable(*f.quarantine, *qs))->num_rows(), 1);
}

TEST(CommitterTest, AnOverlappingRangeIsFencedAndEverythingUntilResyncIsDropped) {
  Fixture f;
  auto c = f.Start();
  c->Submit(0, Rows(0, 10), nullptr);
  ASSERT_TRUE(c->Seal(0, {{"t", 0, 0, 9, 0}}).get().ok());
  // A zombie's view: it believes offsets 5..14 are new.
  c->Submit(0, Rows(5, 10), nullptr);
  ASSERT_TRUE(c->Seal(0, {{"t", 0, 5, 14, 5}}).get().ok());
  EXPECT_TRUE(c->resync_needed());
  c->Submit(0, Rows(15, 5), nullptr);
  EXPECT_EQ(c->Seal(0, {{"t", 0, 15, 19, 15}}).get().code(), StatusCode::kCancelled);
  c->Resync(1);
  EXPECT_FALSE(c->resync_needed());
  c->Submit(1, Rows(10, 10), nullptr);
  ASSERT_TRUE(c->Seal(1, {{"t", 0, 10, 19, 10}}).get().ok());
  c->Stop();
  ASSERT_EQ(f.results.size(), 3u);
  EXPECT_EQ(f.results[1].outcome, Outcome::kFenced);
  EXPECT_EQ(f.results[2].outcome, Outcome::kCommitted);
  auto snap = delta::LoadSnapshot(*f.table);
  EXPECT_EQ(snap->TxnVersion("app:t:0"), 19);
  EXPECT_EQ((*delta::ReadTable(*f.table, *snap))->num_rows(), 20);
}

}  // namespace
}  // namespace orbitlake::ingest
