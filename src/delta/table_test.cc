#include "delta/table.h"

#include <arrow/api.h>

#include <cmath>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "delta/checkpoint.h"
#include "delta/log_files.h"
#include "delta/reader.h"
#include "storage/fault_storage.h"
#include "storage/local_storage.h"
#include "storage/memory_storage.h"
#include "support/satellite_batch.h"
#include "support/test_env.h"

namespace orbitlake::delta {
namespace {

using orbitlake::testing::SatelliteBatch;
using orbitlake::testing::SatelliteSchema;
constexpr int64_t kDayUs = 86'400'000'000;

template <typename T>
T Must(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(r).value();
}

std::unique_ptr<Table> Create(std::shared_ptr<storage::Storage> st, StringMap config = {}, TableOptions opts = {}) {
  CreateOptions c;
  c.configuration = std::move(config);
  return Must(Table::OpenOrCreate(std::move(st), SatelliteSchema(), c, std::move(opts)));
}

// Writes rows [first, first+rows) spread over `days` days and commits them with a txn.
CommitOutcome AppendRows(Table& t, int64_t first, int64_t rows, std::string app = "app", int64_t days = 1) {
  auto w = t.NewWriter();
  EXPECT_TRUE(w->Write(*SatelliteBatch(first, rows, orbitlake::testing::kDefaultStartUs, days * kDayUs / rows)).ok());
  auto adds = Must(w->Finish());
  return Must(t.Append({.adds = adds, .txns = {{app, first + rows - 1}}}));
}

int64_t CountRows(storage::Storage& st) {
  auto snap = Must(LoadSnapshot(st));
  return Must(ReadTable(st, snap))->num_rows();
}

TEST(TableTest, CreateAppendAndReadBackPartitionedRows) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Create(st);
  EXPECT_EQ(t->snapshot().version(), 0);
  auto out = AppendRows(*t, 0, 3000, "app", 3);
  ASSERT_TRUE(std::holds_alternative<Committed>(out));
  EXPECT_EQ(std::get<Committed>(out).version, 1);

  auto snap = Must(LoadSnapshot(*st));
  EXPECT_EQ(snap.version(), 1);
  EXPECT_EQ(snap.files().size(), 3u) << "one file per date";
  EXPECT_EQ(snap.TxnVersion("app"), 2999);
  EXPECT_EQ(snap.NumRecords(), 3000);
  for (const auto& [path, add] : snap.files()) {
    EXPECT_EQ(path.rfind("date=2026-01-0", 0), 0u) << path;
    EXPECT_TRUE(add.partition_values.at("date").has_value());
    auto stats = nlohmann::json::parse(*add.stats);
    EXPECT_EQ(stats["nullCount"].count("date"), 0u) << "partition columns are not in data files";
    EXPECT_TRUE(stats["minValues"]["ts"].get<std::string>().ends_with("Z"));
  }
  auto table = Must(ReadTable(*st, snap));
  EXPECT_EQ(table->num_rows(), 3000);
  EXPECT_TRUE(table->schema()->Equals(*SatelliteSchema(), false)) << table->schema()->ToString();
  auto expected = arrow::Table::FromRecordBatches({SatelliteBatch(0, 3000, orbitlake::testing::kDefaultStartUs,
                                                                  kDayUs / 1000)});
  // Files are read partition by partition, which here is seq order.
  EXPECT_TRUE(table->CombineChunks().ValueOrDie()->Equals(*expected.ValueOrDie()));

  auto last = Must(ReadTable(*st, snap, {.last_rows = 10}));
  EXPECT_EQ(last->num_rows(), 10);
}

TEST(TableTest, WriterRefusesInvalidUtf8InStringColumns) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Create(st);
  auto batch = SatelliteBatch(0, 3);
  arrow::StringBuilder b;
  ASSERT_TRUE(b.AppendValues({"ok", "bad\xf6", "ok"}).ok());
  auto bad = batch->SetColumn(6, batch->schema()->field(6), b.Finish().ValueOrDie()).ValueOrDie();
  auto w = t->NewWriter();
  Status status = w->Write(*bad);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("'status'"), std::string::npos) << status.ToString();
}

// An {id, p} table partitioned by p, with `values` (nullptr = null) written, committed and
// read back: the adds store `stored` ("<null>" for null) and every row's p equals what
// was written.
void ExpectPartitionRoundTrip(const std::shared_ptr<arrow::DataType>& type,
                              const std::vector<std::shared_ptr<arrow::Scalar>>& values,
                              const std::set<std::string>& stored) {
  SCOPED_TRACE(type->ToString());
  auto schema = arrow::schema({arrow::field("id", arrow::int64()), arrow::field("p", type)});
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Must(Table::OpenOrCreate(st, schema, {.partition_columns = {"p"}}));
  arrow::Int64Builder ids;
  std::unique_ptr<arrow::ArrayBuilder> ps;
  ASSERT_TRUE(arrow::MakeBuilder(arrow::default_memory_pool(), type, &ps).ok());
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_TRUE(ids.Append(static_cast<int64_t>(i)).ok());
    ASSERT_TRUE((values[i] ? ps->AppendScalar(*values[i]) : ps->AppendNull()).ok());
  }
  auto batch = arrow::RecordBatch::Make(schema, static_cast<int64_t>(values.size()),
                                        {ids.Finish().ValueOrDie(), ps->Finish().ValueOrDie()});
  auto w = t->NewWriter();
  ASSERT_TRUE(w->Write(*batch).ok());
  auto adds = Must(w->Finish());
  std::set<std::string> got_stored;
  for (const auto& a : adds) {
    auto it = a.partition_values.find("p");
    ASSERT_NE(it, a.partition_values.end());
    got_stored.insert(it->second.value_or("<null>"));
  }
  EXPECT_EQ(got_stored, stored);
  ASSERT_TRUE(std::holds_alternative<Committed>(Must(t->Append({.adds = adds}))));
  auto table = Must(ReadTable(*st, Must(LoadSnapshot(*st))));
  ASSERT_EQ(table->num_rows(), static_cast<int64_t>(values.size()));
  ASSERT_TRUE(table->schema()->Equals(*schema)) << table->schema()->ToString();
  for (int64_t r = 0; r < table->num_rows(); ++r) {
    auto id = std::static_pointer_cast<arrow::Int64Scalar>(table->column(0)->GetScalar(r).ValueOrDie())->value;
    auto p = table->column(1)->GetScalar(r).ValueOrDie();
    const auto& want = values[static_cast<size_t>(id)];
    // An empty string is stored, and so read back, as null (like Spark).
    const bool empty_string = want && want->type->id() == arrow::Type::STRING &&
                              static_cast<const arrow::StringScalar&>(*want).value->size() == 0;
    if (!want || empty_string) {
      EXPECT_FALSE(p->is_valid) << "row " << id;
    } else {
      EXPECT_TRUE(p->Equals(*want, arrow::EqualOptions().nans_equal(true))) << p->ToString() << " vs " << want->ToString();
    }
  }
}

TEST(TableTest, WritesAndReadsBackEveryPartitionType) {
  auto ts = arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
  ExpectPartitionRoundTrip(ts, {std::make_shared<arrow::TimestampScalar>(1767323045123456, ts), nullptr,
                                std::make_shared<arrow::TimestampScalar>(-1, ts)},
                           {"2026-01-02T03:04:05.123456Z", "1969-12-31T23:59:59.999999Z", "<null>"});
  auto dec = arrow::decimal128(38, 2);
  ExpectPartitionRoundTrip(dec, {std::make_shared<arrow::Decimal128Scalar>(arrow::Decimal128(-5), dec),
                                 std::make_shared<arrow::Decimal128Scalar>(
                                     arrow::Decimal128("123456789012345678901234567890123"), dec), nullptr},
                           {"-0.05", "1234567890123456789012345678901.23", "<null>"});
  ExpectPartitionRoundTrip(arrow::float64(), {std::make_shared<arrow::DoubleScalar>(0.1),
                                              std::make_shared<arrow::DoubleScalar>(std::nan("")),
                                              std::make_shared<arrow::DoubleScalar>(-INFINITY), nullptr},
                           {"0.1", "NaN", "-Infinity", "<null>"});
  ExpectPartitionRoundTrip(arrow::float32(), {std::make_shared<arrow::FloatScalar>(0.1f),
                                              std::make_shared<arrow::FloatScalar>(INFINITY)},
                           {"0.1", "Infinity"});
  ExpectPartitionRoundTrip(arrow::boolean(), {std::make_shared<arrow::BooleanScalar>(true),
                                              std::make_shared<arrow::BooleanScalar>(false), nullptr},
                           {"true", "false", "<null>"});
  ExpectPartitionRoundTrip(arrow::binary(), {std::make_shared<arrow::BinaryScalar>(arrow::Buffer::FromString("a/b")),
                                             nullptr},
                           {"a/b", "<null>"});
  ExpectPartitionRoundTrip(arrow::int8(), {std::make_shared<arrow::Int8Scalar>(-128), nullptr}, {"-128", "<null>"});
  ExpectPartitionRoundTrip(arrow::utf8(), {std::make_shared<arrow::StringScalar>("é:ü/%"),
                                           std::make_shared<arrow::StringScalar>("")},
                           {"é:ü/%", "<null>"});
}

TEST(TableTest, WriterRefusesBinaryPartitionValuesThatAreNotUtf8) {
  auto schema = arrow::schema({arrow::field("id", arrow::int64()), arrow::field("p", arrow::binary())});
  auto t = Must(Table::OpenOrCreate(std::make_shared<storage::MemoryStorage>(), schema, {.partition_columns = {"p"}}));
  arrow::BinaryBuilder b;
  ASSERT_TRUE(b.Append(std::string("\x00\xff", 2)).ok());
  auto batch = arrow::RecordBatch::Make(schema, 1, {arrow::MakeArrayFromScalar(arrow::Int64Scalar(1), 1).ValueOrDie(),
                                                    b.Finish().ValueOrDie()});
  Status status = t->NewWriter()->Write(*batch);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("partition column 'p'"), std::string::npos) << status.ToString();
}

TEST(TableTest, OpenOrCreateChecksTheExistingSchema) {
  auto st = std::make_shared<storage::MemoryStorage>();
  Create(st);
  auto again = Table::OpenOrCreate(st, SatelliteSchema(), {});
  EXPECT_TRUE(again.ok());
  auto other = Table::OpenOrCreate(st, arrow::schema({arrow::field("x", arrow::int64()), arrow::field("date", arrow::date32())}), {});
  EXPECT_EQ(other.status().code(), StatusCode::kInvalidArgument);
  // One line naming the table and the first differing column, not both schemas dumped.
  EXPECT_EQ(other.status().message(), "table " + st->Describe("") +
                                          " exists with another schema: column 'x' (long) is missing from the table");
  auto retyped = SatelliteSchema()->SetField(2, arrow::field("seq", arrow::utf8())).ValueOrDie();
  auto wrong_type = Table::OpenOrCreate(st, retyped, {});
  ASSERT_EQ(wrong_type.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(wrong_type.status().message().find("column 'seq' is long in the table, expected string"),
            std::string::npos)
      << wrong_type.status().message();
  EXPECT_EQ(wrong_type.status().message().find('\n'), std::string::npos);
  // Every primitive type partitions (partition_test.cc); nested types do not.
  auto with_list = SatelliteSchema()->AddField(0, arrow::field("tags", arrow::list(arrow::utf8()))).ValueOrDie();
  auto bad_part = Table::OpenOrCreate(std::make_shared<storage::MemoryStorage>(), with_list,
                                      {.partition_columns = {"tags"}});
  EXPECT_EQ(bad_part.status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(Table::Open(std::make_shared<storage::MemoryStorage>()).status().code(), StatusCode::kNotFound);
}

TEST(TableTest, SameTxnTwiceIsAlreadyCommittedAndWrittenOnce) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Create(st);
  ASSERT_TRUE(std::holds_alternative<Committed>(AppendRows(*t, 0, 100)));
  auto again = AppendRows(*t, 0, 100);
  ASSERT_TRUE(std::holds_alternative<AlreadyCommitted>(again));
  EXPECT_EQ(CountRows(*st), 100);
}

TEST(TableTest, LoserRetriesAtNextVersionOrDetectsItsBatchIsIn) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto a = Create(st);
  auto b = Must(Table::Open(st));
  ASSERT_TRUE(std::holds_alternative<Committed>(AppendRows(*a, 0, 10, "a")));
  // b's snapshot is at version 0; it loses version 1 and retries at 2.
  auto out = AppendRows(*b, 10, 10, "b");
  ASSERT_TRUE(std::holds_alternative<Committed>(out));
  EXPECT_EQ(std::get<Committed>(out).version, 2);
  EXPECT_EQ(std::get<Committed>(out).attempts, 2);

  // A third writer at version 0 tries to commit what "a" (same appId) already committed.
  auto c = Must(Table::Open(st));
  auto dup = Must(Table::Open(st));
  ASSERT_TRUE(std::holds_alternative<Committed>(AppendRows(*c, 20, 10, "c")));
  auto out2 = AppendRows(*dup, 20, 10, "c");
  ASSERT_TRUE(std::holds_alternative<AlreadyCommitted>(out2));
  EXPECT_EQ(std::get<AlreadyCommitted>(out2).version, 3);
  EXPECT_EQ(CountRows(*st), 30);
}

TEST(TableTest, FenceStopsAZombieFromCommittingAnOverlappingRange) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto owner = Create(st);
  auto zombie = Must(Table::Open(st));  // snapshot at version 0, before the owner's commit
  // The partition's new owner committed offsets 100..150.
  auto w = owner->NewWriter();
  ASSERT_TRUE(w->Write(*SatelliteBatch(100, 51)).ok());
  ASSERT_TRUE(std::holds_alternative<Committed>(
      Must(owner->Append({.adds = Must(w->Finish()), .txns = {{"app:t:0", 150}}, .fence = {{"app:t:0", 100}}}))));
  // The old owner still holds 100..200: it loses the race, reads the winner, and is
  // fenced instead of retrying (which would duplicate 100..150).
  auto zw = zombie->NewWriter();
  ASSERT_TRUE(zw->Write(*SatelliteBatch(100, 101)).ok());
  auto out = Must(zombie->Append({.adds = Must(zw->Finish()), .txns = {{"app:t:0", 200}}, .fence = {{"app:t:0", 100}}}));
  ASSERT_TRUE(std::holds_alternative<Conflict>(out));
  EXPECT_NE(std::get<Conflict>(out).reason.find("another writer"), std::string::npos);
  // Fenced also when its snapshot is already current.
  auto again = Must(zombie->Append({.adds = {}, .txns = {{"app:t:0", 200}}, .fence = {{"app:t:0", 120}}}));
  ASSERT_TRUE(std::holds_alternative<Conflict>(again));
  // The next range after the owner's is accepted.
  auto next = Must(zombie->Append({.adds = {}, .txns = {{"app:t:0", 160}}, .fence = {{"app:t:0", 151}}}));
  ASSERT_TRUE(std::holds_alternative<Committed>(next));
  EXPECT_EQ(CountRows(*st), 51);
}

TEST(TableTest, ConcurrentWritersAllLandWithContiguousVersions) {
  orbitlake::testing::TempDir dir;
  auto st = std::make_shared<storage::LocalStorage>(dir.path());
  Create(st, {{"delta.checkpointInterval", "5"}});
  constexpr int kWriters = 4, kCommits = 10;
  std::vector<std::thread> threads;
  std::atomic<int> committed{0};
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      auto t = Must(Table::Open(std::make_shared<storage::LocalStorage>(dir.path())));
      for (int i = 0; i < kCommits; ++i) {
        auto out = AppendRows(*t, (w * kCommits + i) * 10, 10, "w" + std::to_string(w));
        committed += std::holds_alternative<Committed>(out);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(committed.load(), kWriters * kCommits);
  auto snap = Must(LoadSnapshot(*st));
  EXPECT_EQ(snap.version(), kWriters * kCommits);
  for (int w = 0; w < kWriters; ++w) EXPECT_EQ(snap.TxnVersion("w" + std::to_string(w)), (w * kCommits + kCommits - 1) * 10 + 9);
  EXPECT_EQ(CountRows(*st), kWriters * kCommits * 10);
}

TEST(TableTest, CheckpointsEveryIntervalAndSnapshotUsesThem) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Create(st, {{"delta.checkpointInterval", "3"}});
  for (int i = 0; i < 7; ++i) {
    auto out = AppendRows(*t, i * 10, 10);
    ASSERT_TRUE(std::holds_alternative<Committed>(out));
    auto& c = std::get<Committed>(out);
    EXPECT_EQ(c.checkpoint_started, c.version % 3 == 0);
    EXPECT_TRUE(t->WaitForCheckpoint().ok());
  }
  EXPECT_TRUE(st->Read(CheckpointPath(3)).ok());
  EXPECT_TRUE(st->Read(CheckpointPath(6)).ok());
  auto hint = ReadLastCheckpoint(*st);
  ASSERT_TRUE(hint);
  EXPECT_EQ(hint->version, 6);
  // With the commits before the checkpoint gone, the checkpoint alone must carry the state.
  for (int v = 0; v <= 5; ++v) ASSERT_TRUE(st->Delete(CommitPath(v)).ok());
  auto snap = Must(LoadSnapshot(*st));
  EXPECT_EQ(snap.version(), 7);
  EXPECT_EQ(snap.TxnVersion("app"), 69);
  EXPECT_EQ(Must(ReadTable(*st, snap))->num_rows(), 70);
}

TEST(TableTest, FilesAddedAfterAVersionAndHistory) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Create(st);
  for (int i = 0; i < 4; ++i) AppendRows(*t, i * 10, 10);
  auto added = Must(FilesAddedAfter(*st, 2, 4));
  ASSERT_EQ(added.size(), 2u);
  EXPECT_EQ(added[0].version, 3);
  EXPECT_EQ(added[1].version, 4);
  auto snap = Must(LoadSnapshot(*st));
  std::vector<AddFile> files = {added[0].add, added[1].add};
  EXPECT_EQ(Must(ReadFiles(*st, snap, files))->num_rows(), 20);
  auto history = Must(History(*st, 3));
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].version, 4);
  EXPECT_EQ(history[0].commit_info["operation"], "WRITE");
  auto all = Must(History(*st));
  EXPECT_EQ(all.back().commit_info["operation"], "CREATE TABLE");
}

TEST(TableTest, CrashAfterDataFilesBeforeCommitLeavesTableWithoutThoseRows) {
  storage::MemoryStorage base;
  auto shared_base = std::shared_ptr<storage::Storage>(&base, [](storage::Storage*) {});
  Create(shared_base);
  {
    auto faulty = std::make_shared<storage::FaultStorage>(&base);
    faulty->AddRule({storage::FaultOp::kPutIfAbsent, "_delta_log/", 1, storage::FaultAction::kCrashBefore});
    TableOptions opts;
    opts.io_retry_backoff = std::chrono::milliseconds(1);
    auto t = Must(Table::Open(faulty, opts));
    auto w = t->NewWriter();
    ASSERT_TRUE(w->Write(*SatelliteBatch(0, 10)).ok());
    auto adds = Must(w->Finish());
    auto out = t->Append({.adds = adds, .txns = {{"app", 9}}});
    EXPECT_EQ(out.status().code(), StatusCode::kIOError) << "the process died before committing";
  }
  // "Restart": the data files are on storage but no commit names them.
  auto snap = Must(LoadSnapshot(base));
  EXPECT_EQ(snap.version(), 0);
  EXPECT_EQ(Must(ReadTable(base, snap))->num_rows(), 0);
  EXPECT_GT(base.file_count(), 1u) << "the orphan data file exists";
  auto t = Must(Table::Open(shared_base));
  ASSERT_TRUE(std::holds_alternative<Committed>(AppendRows(*t, 0, 10)));
  EXPECT_EQ(CountRows(base), 10);
}

TEST(TableTest, LostCommitResponseIsResolvedByReadingTheVersionBack) {
  storage::MemoryStorage base;
  auto faulty = std::make_shared<storage::FaultStorage>(&base);
  faulty->AddRule({storage::FaultOp::kPutIfAbsent, "00000000000000000001.json", 1, storage::FaultAction::kFailAfter});
  TableOptions opts;
  opts.io_retry_backoff = std::chrono::milliseconds(1);
  auto t = Create(faulty, {}, opts);
  auto out = AppendRows(*t, 0, 10);
  ASSERT_TRUE(std::holds_alternative<Committed>(out));
  EXPECT_EQ(std::get<Committed>(out).version, 1);
  EXPECT_EQ(faulty->fired(), 1);
  EXPECT_EQ(CountRows(base), 10);
}

// On a read-only or full disk the first commit cannot be written; the error must say
// so, not "no Delta log" (what reading the still-empty folder reports).
TEST(TableTest, CreateThatCannotWriteReportsTheWriteError) {
  storage::MemoryStorage base;
  auto faulty = std::make_shared<storage::FaultStorage>(&base);
  faulty->AddRule({storage::FaultOp::kPutIfAbsent, "00000000000000000000.json", 1, storage::FaultAction::kFail});
  auto t = Table::OpenOrCreate(faulty, SatelliteSchema(), CreateOptions{});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kIOError) << t.status().ToString();
  EXPECT_NE(t.status().message().find("create table"), std::string::npos) << t.status().ToString();
  EXPECT_NE(t.status().message().find("00000000000000000000.json"), std::string::npos) << t.status().ToString();
  // Once writes work again, the table is created.
  EXPECT_TRUE(Table::OpenOrCreate(faulty, SatelliteSchema(), CreateOptions{}).ok());
}

TEST(TableTest, CrashDuringCheckpointLeavesTableReadable) {
  for (auto action : {storage::FaultAction::kCrashBefore, storage::FaultAction::kCrashAfter}) {
    storage::MemoryStorage base;
    auto faulty = std::make_shared<storage::FaultStorage>(&base);
    // The checkpoint file itself, or _last_checkpoint after it.
    faulty->AddRule({storage::FaultOp::kWriteFile, action == storage::FaultAction::kCrashBefore ? ".checkpoint." : "_last_checkpoint", 1, action});
    TableOptions opts;
    opts.checkpoint_in_background = false;
    auto t = Create(faulty, {{"delta.checkpointInterval", "2"}}, opts);
    AppendRows(*t, 0, 10);
    auto out = AppendRows(*t, 10, 10);
    ASSERT_TRUE(std::holds_alternative<Committed>(out));
    EXPECT_FALSE(std::get<Committed>(out).checkpoint.ok()) << "the checkpoint failed, the commit stands";
    EXPECT_TRUE(faulty->crashed());
    EXPECT_EQ(CountRows(base), 20);
    auto t2 = Must(Table::Open(std::shared_ptr<storage::Storage>(&base, [](storage::Storage*) {})));
    ASSERT_TRUE(std::holds_alternative<Committed>(AppendRows(*t2, 20, 10)));
    EXPECT_EQ(CountRows(base), 30);
  }
}

TEST(TableTest, BackgroundCheckpointFailureDoesNotTouchTheCommit) {
  storage::MemoryStorage base;
  auto faulty = std::make_shared<storage::FaultStorage>(&base);
  faulty->AddRule({storage::FaultOp::kWriteFile, ".checkpoint.", 1, storage::FaultAction::kFail});
  auto t = Create(faulty, {{"delta.checkpointInterval", "2"}});
  AppendRows(*t, 0, 10);
  auto out = AppendRows(*t, 10, 10);
  ASSERT_TRUE(std::holds_alternative<Committed>(out));
  EXPECT_TRUE(std::get<Committed>(out).checkpoint_started);
  EXPECT_EQ(t->WaitForCheckpoint().code(), StatusCode::kIOError);
  ASSERT_TRUE(std::holds_alternative<Committed>(AppendRows(*t, 20, 10)));
  EXPECT_EQ(CountRows(base), 30);
}

TEST(TableTest, TornCheckpointFallsBackToCommits) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Create(st, {{"delta.checkpointInterval", "2"}});
  for (int i = 0; i < 3; ++i) AppendRows(*t, i * 10, 10);
  ASSERT_TRUE(t->WaitForCheckpoint().ok());
  std::string cp = *st->Read(CheckpointPath(2));
  st->Put(CheckpointPath(2), cp.substr(0, cp.size() / 2));
  EXPECT_EQ(CountRows(*st), 30);
  st->Put(LastCheckpointPath(), "{garbage");
  EXPECT_EQ(CountRows(*st), 30);
}

TEST(TableTest, RemovesAreRefusedOnAppendOnlyTables) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Create(st, {{"delta.appendOnly", "true"}});
  AppendRows(*t, 0, 10);
  RemoveFile rm;
  rm.path = t->snapshot().files().begin()->first;
  rm.deletion_timestamp = 1;
  auto out = t->Commit({rm}, "DELETE", {});
  EXPECT_EQ(out.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(out.status().message().find("append-only"), std::string::npos);
}

TEST(TableTest, CommitOperationWritesItsOwnMetricsAndLosesToARemoveOfTheSameFile) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Create(st);
  AppendRows(*t, 0, 10);
  const AddFile live = t->snapshot().files().begin()->second;
  auto other = Must(Table::Open(st));
  // Another writer removes the file first, writing its path percent-encoded differently
  // ('=' as %3D is the same file once decoded).
  RemoveFile theirs;
  std::string encoded = live.path;
  encoded.replace(encoded.find('='), 1, "%3D");
  theirs.path = encoded;
  theirs.deletion_timestamp = 1;
  ASSERT_TRUE(std::holds_alternative<Committed>(Must(other->Commit({theirs}, "DELETE", {}))));

  RemoveFile mine;
  mine.path = live.path;
  mine.data_change = false;
  mine.deletion_timestamp = 2;
  auto out = Must(t->CommitOperation({mine}, "OPTIMIZE", {{"targetSize", "100"}}, {{"numFilesRemoved", 1}}));
  ASSERT_TRUE(std::holds_alternative<Conflict>(out));
  EXPECT_NE(std::get<Conflict>(out).reason.find("already removed"), std::string::npos) << std::get<Conflict>(out).reason;

  // Nothing in the way: the metrics are the caller's, and commitInfo-only commits work.
  auto vac = Must(t->CommitOperation({}, "VACUUM START", {{"retentionCheckEnabled", "true"}},
                                     {{"numFilesToDelete", 3}, {"sizeOfDataToDelete", 42}}));
  ASSERT_TRUE(std::holds_alternative<Committed>(vac));
  auto history = Must(History(*st, 1));
  ASSERT_EQ(history.size(), 1u);
  const auto& ci = history[0].commit_info;
  EXPECT_EQ(ci["operation"], "VACUUM START");
  EXPECT_EQ(ci["operationMetrics"], (nlohmann::json{{"numFilesToDelete", 3}, {"sizeOfDataToDelete", 42}}));
  EXPECT_EQ(ci["operationParameters"]["retentionCheckEnabled"], "true");
  EXPECT_EQ(t->CommitOperation({}, "X", {}, nlohmann::json::array()).status().code(), StatusCode::kInvalidArgument);
}

TEST(TableTest, RefusesToWriteTablesWithUnknownWriterFeatures) {
  auto st = std::make_shared<storage::MemoryStorage>();
  auto t = Create(st);
  Protocol p{1, 7, std::nullopt, std::vector<std::string>{"rowTracking", "domainMetadata"}};
  ASSERT_TRUE(std::holds_alternative<Committed>(Must(t->Commit({p}, "UPGRADE PROTOCOL", {}))));
  auto w = t->NewWriter();
  ASSERT_TRUE(w->Write(*SatelliteBatch(0, 5)).ok());
  auto out = t->Append({.adds = Must(w->Finish())});
  EXPECT_EQ(out.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(out.status().message().find("rowTracking"), std::string::npos);
  EXPECT_TRUE(LoadSnapshot(*st).ok()) << "still readable";
}

}  // namespace
}  // namespace orbitlake::delta
