#include "ingest/dedup.h"

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "common/clock.h"
#include "delta/reader.h"
#include "delta/table.h"
#include "ingest/committer.h"
#include "storage/memory_storage.h"

namespace orbitlake::ingest {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using TimePoint = std::chrono::system_clock::time_point;

std::shared_ptr<arrow::Schema> Schema() {
  return arrow::schema({arrow::field("device", arrow::utf8()), arrow::field("seq", arrow::int64()),
                        arrow::field("value", arrow::float64())});
}

struct Reading {
  std::optional<std::string> device;
  int64_t seq;
  double value = 0;
};

std::shared_ptr<arrow::RecordBatch> Rows(const std::vector<Reading>& readings) {
  arrow::StringBuilder device;
  arrow::Int64Builder seq;
  arrow::DoubleBuilder value;
  for (const auto& r : readings) {
    EXPECT_TRUE((r.device ? device.Append(*r.device) : device.AppendNull()).ok());
    EXPECT_TRUE(seq.Append(r.seq).ok());
    EXPECT_TRUE(value.Append(r.value).ok());
  }
  return arrow::RecordBatch::Make(Schema(), static_cast<int64_t>(readings.size()),
                                  {*device.Finish(), *seq.Finish(), *value.Finish()});
}

// (device, seq) of every row, in order; "-" for a null device.
std::vector<std::string> Keys(const arrow::RecordBatch& rows) {
  std::vector<std::string> out;
  const auto& device = static_cast<const arrow::StringArray&>(*rows.GetColumnByName("device"));
  const auto& seq = static_cast<const arrow::Int64Array&>(*rows.GetColumnByName("seq"));
  for (int64_t i = 0; i < rows.num_rows(); ++i) {
    out.push_back((device.IsNull(i) ? std::string("-") : device.GetString(i)) + "/" + std::to_string(seq.Value(i)));
  }
  return out;
}

std::unique_ptr<KeyWindow> Window(seconds within = hours(1)) {
  auto w = KeyWindow::Make({{"device", "seq"}, within}, *Schema());
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  return std::move(w).value();
}

const TimePoint kT0 = TimePoint(hours(490'000));

TEST(KeyWindowTest, DropsDuplicatesWithinABatchAndAcrossCommits) {
  auto w = Window();
  int64_t dropped = 0;
  auto first = w->Filter(Rows({{"a", 1}, {"a", 2}, {"a", 1}, {"b", 1}, {"a", 2}}), &dropped);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Keys(**first), (std::vector<std::string>{"a/1", "a/2", "b/1"}));
  EXPECT_EQ(dropped, 2);
  w->Commit(kT0);
  auto second = w->Filter(Rows({{"b", 1}, {"b", 2}, {"a", 1}, {"c", 1}}), &dropped);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(Keys(**second), (std::vector<std::string>{"b/2", "c/1"}));
  EXPECT_EQ(dropped, 4);
  EXPECT_EQ(w->size(), 5u);
}

TEST(KeyWindowTest, ReturnsTheSameBatchWhenNothingIsDropped) {
  auto w = Window();
  auto rows = Rows({{"a", 1}, {"a", 2}});
  auto kept = w->Filter(rows, nullptr);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->get(), rows.get());
}

TEST(KeyWindowTest, AllDuplicatesGiveAnEmptyBatch) {
  auto w = Window();
  ASSERT_TRUE(w->Filter(Rows({{"a", 1}}), nullptr).ok());
  w->Commit(kT0);
  auto kept = w->Filter(Rows({{"a", 1}, {"a", 1}}), nullptr);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ((*kept)->num_rows(), 0);
}

TEST(KeyWindowTest, NullsAreValuesAndVariableWidthKeysDoNotRunTogether) {
  auto w = KeyWindow::Make({{"device"}, hours(1)}, *Schema());
  ASSERT_TRUE(w.ok());
  auto kept = (*w)->Filter(Rows({{std::nullopt, 1}, {std::nullopt, 2}, {"", 3}}), nullptr);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(Keys(**kept), (std::vector<std::string>{"-/1", "/3"}));  // null != ""

  // ("ab", 1) and ("a", <bytes of "b"...>) must not collide: lengths are part of the key.
  auto two = KeyWindow::Make({{"device", "device"}, hours(1)}, *Schema());
  ASSERT_TRUE(two.ok());
  auto both = (*two)->Filter(Rows({{"ab", 1}, {"a", 2}, {"b", 3}}), nullptr);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ((*both)->num_rows(), 3);
}

TEST(KeyWindowTest, AbortForgetsTheOpenBatch) {
  auto w = Window();
  ASSERT_TRUE(w->Filter(Rows({{"a", 1}}), nullptr).ok());
  w->Commit(kT0);
  ASSERT_TRUE(w->Filter(Rows({{"a", 2}}), nullptr).ok());
  w->Abort();  // the batch with a/2 was dropped: its rows are read again
  auto again = w->Filter(Rows({{"a", 1}, {"a", 2}}), nullptr);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Keys(**again), (std::vector<std::string>{"a/2"}));
}

TEST(KeyWindowTest, KeysOlderThanTheWindowNoLongerDrop) {
  auto w = Window(seconds(60));
  ASSERT_TRUE(w->Filter(Rows({{"a", 1}}), nullptr).ok());
  w->Commit(kT0);
  ASSERT_TRUE(w->Filter(Rows({{"a", 2}}), nullptr).ok());
  w->Commit(kT0 + seconds(30));
  ASSERT_TRUE(w->Filter(Rows({}), nullptr).ok());
  w->Commit(kT0 + seconds(61));  // a/1 leaves the window, a/2 stays
  EXPECT_EQ(w->size(), 1u);
  auto kept = w->Filter(Rows({{"a", 1}, {"a", 2}}), nullptr);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(Keys(**kept), (std::vector<std::string>{"a/1"}));
}

TEST(KeyWindowTest, RefusesMissingAndNestedKeyColumns) {
  auto missing = KeyWindow::Make({{"device", "sequence"}, hours(1)}, *Schema());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "dedup key column 'sequence' is not a column");
  auto nested = arrow::schema({arrow::field("tags", arrow::list(arrow::utf8()))});
  auto list = KeyWindow::Make({{"tags"}, hours(1)}, *nested);
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().message(), "dedup key column 'tags' has type list<item: string>; keys must be primitive");
  EXPECT_FALSE(KeyWindow::Make({{}, hours(1)}, *Schema()).ok());
  EXPECT_FALSE(KeyWindow::Make({{"seq"}, seconds(0)}, *Schema()).ok());
}

// Commits `rows` to the table as one file.
void Append(delta::Table& table, const std::shared_ptr<arrow::RecordBatch>& rows) {
  auto writer = table.NewWriter();
  ASSERT_TRUE(writer->Write(*rows).ok());
  auto adds = writer->Finish();
  ASSERT_TRUE(adds.ok());
  delta::AppendRequest req;
  req.adds = *adds;
  ASSERT_TRUE(table.Append(std::move(req)).ok());
}

TEST(KeyWindowTest, LoadRebuildsTheWindowFromTheTablesRecentFiles) {
  auto storage = std::make_shared<storage::MemoryStorage>();
  delta::CreateOptions create;
  create.partition_columns = {};
  auto table = delta::Table::OpenOrCreate(storage, Schema(), create);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  Append(**table, Rows({{"a", 1}, {"a", 2}}));
  Append(**table, Rows({{"b", 1}}));

  const TimePoint now = std::chrono::system_clock::now();
  auto w = Window();
  ASSERT_TRUE(w->Load(**table, now).ok());
  EXPECT_EQ(w->size(), 3u);
  auto kept = w->Filter(Rows({{"a", 2}, {"b", 1}, {"b", 2}}), nullptr);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(Keys(**kept), (std::vector<std::string>{"b/2"}));

  // A day later the files are outside a 1 h window: nothing to rebuild.
  auto later = Window();
  ASSERT_TRUE(later->Load(**table, now + hours(24)).ok());
  EXPECT_EQ(later->size(), 0u);
}

// The committer drops duplicates before writing, across batches and across a restart
// (a new committer on the same table), and reports them per sink.
TEST(KeyWindowTest, CommitterDropsDuplicatesAcrossBatchesAndRestarts) {
  auto storage = std::make_shared<storage::MemoryStorage>();
  std::vector<CommitResult> results;
  auto start = [&] {
    CommitterOptions o;
    SinkOptions sink{"readings", storage, Schema(), {}, false, {"t"}};
    sink.dedup = DedupOptions{{"device", "seq"}, hours(1)};
    o.sinks = {sink};
    auto c = Committer::Start(o, [&](const CommitResult& r) { results.push_back(r); });
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return std::move(c).value();
  };
  auto batch = [&](Committer& c, int64_t first, std::vector<Reading> readings) {
    const int64_t last = first + static_cast<int64_t>(readings.size()) - 1;
    c.Submit(0, {{0, Rows(readings)}}, std::vector<int64_t>(readings.size(), 0));
    std::vector<PartitionRange> ranges{{"t", 0, first, last}};
    ASSERT_TRUE(c.Seal(0, ranges, {{0, {first}}}).get().ok());
  };
  {
    auto c = start();
    batch(*c, 0, {{"a", 1}, {"a", 2}, {"a", 1}});
    batch(*c, 3, {{"a", 2}, {"a", 3}});
    c->Stop();
  }
  {
    auto c = start();  // the window comes back from the table
    batch(*c, 5, {{"a", 3}, {"a", 1}});  // only re-sends: a txn-only commit
    batch(*c, 7, {{"a", 4}});
    c->Stop();
  }
  ASSERT_EQ(results.size(), 4u);
  const std::vector<int64_t> dups{1, 1, 2, 0};
  for (size_t i = 0; i < results.size(); ++i) {
    int64_t d = 0;
    for (const auto& [sink, n] : results[i].duplicates) d += n;
    EXPECT_EQ(d, dups[i]) << "batch " << i;
  }
  auto table = delta::Table::Open(storage);
  ASSERT_TRUE(table.ok());
  auto all = delta::ReadTable(*storage, (*table)->snapshot());
  ASSERT_TRUE(all.ok());
  auto combined = (*all)->CombineChunksToBatch();
  ASSERT_TRUE(combined.ok());
  auto keys = Keys(**combined);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"a/1", "a/2", "a/3", "a/4"}));
  EXPECT_EQ((*table)->snapshot().TxnVersion("orbitlake:t:0"), 7);  // the re-sends' offsets are held too
}

}  // namespace
}  // namespace orbitlake::ingest
