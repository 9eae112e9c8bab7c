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

// Sinks: 0 the raw table, 1 its quarantine table, 2 a second data table.
struct Fixture {
  std::shared_ptr<storage::MemoryStorage> table = std::make_shared<storage::MemoryStorage>();
  std::shared_ptr<storage::MemoryStorage> quarantine = std::make_shared<storage::MemoryStorage>();
  std::shared_ptr<storage::MemoryStorage> second = std::make_shared<storage::MemoryStorage>();
  std::vector<CommitResult> results;
  std::unique_ptr<Committer> Start() {
    CommitterOptions o;
    o.sinks = {{"raw", table, RawTableSchema(), {"date"}, false, {"t"}},
               {"raw quarantine", quarantine, QuarantineTableSchema(), {}, true, {"t"}},
               {"second", second, RawTableSchema(), {}, false, {"t"}}};
    o.app_id = "app";
    auto c = Committer::Start(o, [this](const CommitResult& r) { results.push_back(r); });
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return std::move(c).value();
  }
};

// Rows for sink 0 (and the event times of their messages).
void SubmitRaw(Committer& c, int64_t epoch, std::shared_ptr<arrow::RecordBatch> rows,
               std::shared_ptr<arrow::RecordBatch> quarantined = nullptr) {
  std::vector<SinkRows> items;
  std::vector<int64_t> ns(rows ? rows->num_rows() : 0, kNoon);
  if (rows) items.push_back({0, std::move(rows)});
  if (quarantined) items.push_back({1, std::move(quarantined)});
  c.Submit(epoch, std::move(items), std::move(ns));
}

// Commit sinks `sinks`, each lacking every range from its first offset.
std::vector<SinkCommit> All(const std::vector<PartitionRange>& ranges, std::vector<int> sinks = {0}) {
  std::vector<SinkCommit> out;
  for (int s : sinks) {
    SinkCommit c{s, {}};
    for (const auto& r : ranges) c.first.push_back(r.first);
    out.push_back(c);
  }
  return out;
}

std::future<Status> Seal(Committer& c, int64_t epoch, std::vector<PartitionRange> ranges, std::vector<int> sinks = {0}) {
  auto commits = All(ranges, sinks);
  return c.Seal(epoch, std::move(ranges), std::move(commits));
}

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
  SubmitRaw(*c, 0, Rows(0, 100, 0));
  SubmitRaw(*c, 0, Rows(0, 50, 1));
  ASSERT_TRUE(Seal(*c, 0, {{"t", 0, 0, 99}, {"t", 1, 0, 49}}).get().ok());
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
  SubmitRaw(*c, 0, Rows(0, 5, 0), *q.Take());
  ASSERT_TRUE(Seal(*c, 0, {{"t", 0, 0, 5}}, {0, 1}).get().ok());
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
  SubmitRaw(*c, 0, Rows(0, 10));
  ASSERT_TRUE(Seal(*c, 0, {{"t", 0, 0, 9}}).get().ok());
  // A zombie's view: it believes offsets 5..14 are new.
  SubmitRaw(*c, 0, Rows(5, 10));
  ASSERT_TRUE(Seal(*c, 0, {{"t", 0, 5, 14}}).get().ok());
  EXPECT_TRUE(c->resync_needed());
  SubmitRaw(*c, 0, Rows(15, 5));
  EXPECT_EQ(Seal(*c, 0, {{"t", 0, 15, 19}}).get().code(), StatusCode::kCancelled);
  c->Resync(1);
  EXPECT_FALSE(c->resync_needed());
  SubmitRaw(*c, 1, Rows(10, 10));
  ASSERT_TRUE(Seal(*c, 1, {{"t", 0, 10, 19}}).get().ok());
  c->Stop();
  ASSERT_EQ(f.results.size(), 3u);
  EXPECT_EQ(f.results[1].outcome, Outcome::kFenced);
  EXPECT_EQ(f.results[2].outcome, Outcome::kCommitted);
  auto snap = delta::LoadSnapshot(*f.table);
  EXPECT_EQ(snap->TxnVersion("app:t:0"), 19);
  EXPECT_EQ((*delta::ReadTable(*f.table, *snap))->num_rows(), 20);
}

TEST(CommitterTest, ATableWithoutRowsCommitsItsTxnsOnlyWhenAskedAndTablesAreCreatedOnFirstCommit) {
  Fixture f;
  auto c = f.Start();
  SubmitRaw(*c, 0, Rows(0, 10));
  ASSERT_TRUE(Seal(*c, 0, {{"t", 0, 0, 9}}).get().ok());  // only the raw table
  EXPECT_FALSE(delta::LoadSnapshot(*f.second).ok()) << "not asked, not created";
  SubmitRaw(*c, 0, Rows(10, 10));
  ASSERT_TRUE(Seal(*c, 0, {{"t", 0, 10, 19}}, {0, 2}).get().ok());  // the second one txn-only
  c->Stop();
  auto second = delta::LoadSnapshot(*f.second);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->TxnVersion("app:t:0"), 19);
  EXPECT_EQ((*delta::ReadTable(*f.second, *second))->num_rows(), 0);
  ASSERT_EQ(f.results.size(), 2u);
  ASSERT_EQ(f.results[1].sinks.size(), 2u);
  EXPECT_EQ(f.results[1].sinks[0].sink, 0);
  EXPECT_EQ(f.results[1].sinks[1].sink, 2);
  EXPECT_EQ(f.results[1].sinks[1].rows, 0);
}

TEST(CommitterTest, QuarantineCommitsBeforeDataTablesAndAFenceOnAnySinkDropsTheBatch) {
  Fixture f;
  {
    auto c = f.Start();
    SubmitRaw(*c, 0, Rows(0, 10));
    ASSERT_TRUE(Seal(*c, 0, {{"t", 0, 0, 9}}, {0, 2}).get().ok());
    c->Stop();
  }
  f.results.clear();
  auto c = f.Start();
  QuarantineRows q;
  std::vector<uint8_t> junk = {1, 2, 3};
  q.Append(junk, "k", {"t", 0, 12, 1000}, "Corruption: not an event", 0);
  SubmitRaw(*c, 0, Rows(10, 5), *q.Take());
  // The second table is believed to lack 5..14 (a zombie's view): fenced, after the
  // quarantine table committed (quarantine first, then data tables in the given order),
  // and the raw table after it is not committed at all.
  std::vector<PartitionRange> ranges = {{"t", 0, 10, 14}};
  std::vector<SinkCommit> commits = {{2, {5}}, {1, {10}}, {0, {10}}};
  ASSERT_TRUE(c->Seal(0, ranges, commits).get().ok());
  EXPECT_TRUE(c->resync_needed());
  c->Stop();
  ASSERT_EQ(f.results.size(), 1u);
  EXPECT_EQ(f.results[0].outcome, Outcome::kFenced);
  ASSERT_EQ(f.results[0].sinks.size(), 2u);
  EXPECT_EQ(f.results[0].sinks[0].sink, 1) << "quarantine first";
  EXPECT_EQ(f.results[0].sinks[1].sink, 2);
  EXPECT_EQ(f.results[0].sinks[1].outcome, Outcome::kFenced);
  EXPECT_EQ(delta::LoadSnapshot(*f.quarantine)->TxnVersion("app:t:0"), 14);
  EXPECT_EQ(delta::LoadSnapshot(*f.table)->TxnVersion("app:t:0"), 9) << "raw not committed after the fence";
}

TEST(CommitterTest, AnExistingTableGainsNewNullableColumnsAndRefusesOtherChanges) {
  auto storage = std::make_shared<storage::MemoryStorage>();
  auto narrow = arrow::schema({arrow::field("a", arrow::int64()), arrow::field("b", arrow::utf8())});
  ASSERT_TRUE(delta::Table::OpenOrCreate(storage, narrow, {.partition_columns = {}}).ok());
  auto wide = arrow::schema({arrow::field("a", arrow::int64()), arrow::field("b", arrow::utf8()),
                             arrow::field("c", arrow::timestamp(arrow::TimeUnit::MICRO))});
  auto start = [&](std::shared_ptr<arrow::Schema> schema) {
    CommitterOptions o;
    o.sinks = {{"t", storage, std::move(schema), {}, false, {"t"}}};
    return Committer::Start(o, nullptr);
  };
  auto c = start(wide);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  (*c)->Stop();
  auto snap = delta::LoadSnapshot(*storage);
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->version(), 1);
  EXPECT_TRUE(snap->schema()->Equals(*wide)) << snap->schema()->ToString();
  EXPECT_EQ(snap->protocol().min_writer_version, 7) << "timestamp_ntz needs the table feature";
  // A type change, a dropped column and a new required column are refused, naming it.
  auto retyped = arrow::schema({arrow::field("a", arrow::int32()), arrow::field("b", arrow::utf8()),
                                arrow::field("c", arrow::timestamp(arrow::TimeUnit::MICRO))});
  auto st = start(retyped).status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("'a'"), std::string::npos) << st.ToString();
  auto dropped = arrow::schema({arrow::field("a", arrow::int64()), arrow::field("b", arrow::utf8())});
  st = start(dropped).status();
  EXPECT_NE(st.message().find("'c'"), std::string::npos) << st.ToString();
  auto required = arrow::schema({arrow::field("a", arrow::int64()), arrow::field("b", arrow::utf8()),
                                 arrow::field("c", arrow::timestamp(arrow::TimeUnit::MICRO)),
                                 arrow::field("d", arrow::int64(), /*nullable=*/false)});
  st = start(required).status();
  EXPECT_NE(st.message().find("'d'"), std::string::npos) << st.ToString();
  EXPECT_EQ(delta::LoadSnapshot(*storage)->version(), 1) << "nothing committed for refused changes";
}

}  // namespace
}  // namespace orbitlake::ingest
