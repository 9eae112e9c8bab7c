#include "delta/snapshot.h"

#include <gtest/gtest.h>

#include "delta/checkpoint.h"
#include "delta/log_files.h"
#include "storage/memory_storage.h"

namespace orbitlake::delta {
namespace {

constexpr const char* kSchema = R"({"type":"struct","fields":[{"name":"a","type":"long","nullable":true,"metadata":{}}]})";

std::string V0() {
  Metadata m;
  m.id = "t";
  m.schema_string = kSchema;
  return SerializeCommit({Protocol{}, m});
}

std::string AddCommit(const std::string& path) {
  AddFile a;
  a.path = path;
  a.stats = R"({"numRecords":5})";
  return SerializeCommit({a});
}

TEST(SnapshotTest, GapInVersionsIsCorruption) {
  storage::MemoryStorage st;
  st.Put(CommitPath(0), V0());
  st.Put(CommitPath(1), AddCommit("a"));
  st.Put(CommitPath(3), AddCommit("c"));
  auto snap = LoadSnapshot(st);
  ASSERT_FALSE(snap.ok());
  EXPECT_EQ(snap.status().code(), StatusCode::kCorruption);
  EXPECT_NE(snap.status().message().find("gap"), std::string::npos) << snap.status().ToString();
}

TEST(SnapshotTest, TimeTravelAndStaleLastCheckpointHint) {
  storage::MemoryStorage st;
  st.Put(CommitPath(0), V0());
  for (int v = 1; v <= 4; ++v) st.Put(CommitPath(v), AddCommit("f" + std::to_string(v)));
  st.Put(LastCheckpointPath(), R"({"version":2,"size":3})");  // points at a checkpoint that is not there
  auto snap = LoadSnapshot(st);
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(snap->version(), 4);
  EXPECT_EQ(snap->files().size(), 4u);
  EXPECT_EQ(snap->NumRecords(), 20);
  auto old = LoadSnapshot(st, 2);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->files().size(), 2u);
  auto missing = LoadSnapshot(st, 9);
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("has no version 9 (latest 4)"), std::string::npos)
      << missing.status().ToString();
  EXPECT_EQ(LoadSnapshot(st, -1).status().code(), StatusCode::kInvalidArgument);
}

TEST(SnapshotTest, VersionCleanedUpAfterACheckpointIsNamed) {
  storage::MemoryStorage st;
  st.Put(CommitPath(0), V0());
  for (int v = 1; v <= 5; ++v) st.Put(CommitPath(v), AddCommit("f" + std::to_string(v)));
  auto at3 = LoadSnapshot(st, 3);
  ASSERT_TRUE(at3.ok());
  ASSERT_TRUE(WriteCheckpoint(st, at3->state(), 0).ok());
  for (int v = 0; v <= 2; ++v) ASSERT_TRUE(st.Delete(CommitPath(v)).ok());  // a log cleanup
  auto old = LoadSnapshot(st, 2);
  ASSERT_EQ(old.status().code(), StatusCode::kInvalidArgument) << old.status().ToString();
  EXPECT_NE(old.status().message().find("version 2 of"), std::string::npos) << old.status().ToString();
  EXPECT_NE(old.status().message().find("oldest readable version: 3"), std::string::npos) << old.status().ToString();
  auto kept = LoadSnapshot(st, 4);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(kept->files().size(), 4u);
  EXPECT_EQ(LoadSnapshot(st, 3)->files().size(), 3u) << "the checkpoint's own version";
}

TEST(SnapshotTest, VersionAsOfPicksTheLatestCommitAtOrBeforeTheTime) {
  int64_t now = 1'000'000;
  storage::MemoryStorage st([&] { return now; });
  st.Put(CommitPath(0), V0());  // t = 1,000,000
  now = 2'000'000;
  st.Put(CommitPath(1), AddCommit("a"));
  now = 1'500'000;  // a writer with a clock behind: counts as 1 ms after version 1
  st.Put(CommitPath(2), AddCommit("b"));
  now = 3'000'000;
  st.Put(CommitPath(3), AddCommit("c"));
  EXPECT_EQ(*VersionAsOf(st, 1'000'000), 0) << "equal times count";
  EXPECT_EQ(*VersionAsOf(st, 1'999'999), 0);
  EXPECT_EQ(*VersionAsOf(st, 2'000'000), 1);
  EXPECT_EQ(*VersionAsOf(st, 2'000'001), 2) << "monotonic: version 2 counts at 2,000,001";
  EXPECT_EQ(*VersionAsOf(st, 2'999'999), 2);
  EXPECT_EQ(*VersionAsOf(st, 3'000'000), 3);
  EXPECT_EQ(*VersionAsOf(st, 9'000'000'000), 3) << "after the latest: the latest";
  auto before = VersionAsOf(st, 999'999);
  ASSERT_EQ(before.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(before.status().message().find("before the first commit"), std::string::npos) << before.status().ToString();
  EXPECT_NE(before.status().message().find("1970-01-01T00:16:40.000000Z"), std::string::npos)
      << before.status().ToString();
  ASSERT_TRUE(st.Delete(CommitPath(0)).ok());
  auto cleaned = VersionAsOf(st, 1'500'000);
  ASSERT_EQ(cleaned.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(cleaned.status().message().find("oldest commit still in the log (version 1)"), std::string::npos)
      << cleaned.status().ToString();
  storage::MemoryStorage empty;
  EXPECT_EQ(VersionAsOf(empty, 0).status().code(), StatusCode::kNotFound);
}

TEST(SnapshotTest, UnsupportedReaderFeatureIsRefusedByName) {
  storage::MemoryStorage st;
  Metadata m;
  m.id = "t";
  m.schema_string = kSchema;
  Protocol p{3, 7, std::vector<std::string>{"deletionVectors"}, std::vector<std::string>{"deletionVectors"}};
  st.Put(CommitPath(0), SerializeCommit({p, m}));
  auto snap = LoadSnapshot(st);
  EXPECT_EQ(snap.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(snap.status().message().find("deletionVectors"), std::string::npos);
}

TEST(SnapshotTest, ReadsMultiPartCheckpoints) {
  // Spark splits big checkpoints into parts; each part is a checkpoint file of its own.
  storage::MemoryStorage st;
  Metadata m;
  m.id = "t";
  m.schema_string = kSchema;
  AddFile a, b;
  a.path = "a";
  b.path = "b";
  TableState part1, part2;
  part1.Apply({Protocol{}, m, a}, 5);
  part2.Apply({b, Txn{"app", 3, 0}}, 5);
  ASSERT_EQ(WriteCheckpoint(st, part2, 0).code(), StatusCode::kInternal) << "a checkpoint needs metadata";
  ASSERT_TRUE(WriteCheckpoint(st, part1, 0).ok());
  std::string p1 = *st.Read(CheckpointPath(5));
  part2.Apply({Protocol{}, m}, 5);  // repeated protocol/metaData rows in part 2 are harmless
  ASSERT_TRUE(WriteCheckpoint(st, part2, 0).ok());
  std::string p2 = *st.Read(CheckpointPath(5));
  ASSERT_TRUE(st.Delete(CheckpointPath(5)).ok());
  st.Put("_delta_log/00000000000000000005.checkpoint.0000000001.0000000002.parquet", p1);
  st.Put("_delta_log/00000000000000000005.checkpoint.0000000002.0000000002.parquet", p2);
  st.Put(CommitPath(6), AddCommit("c"));
  auto snap = LoadSnapshot(st);
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(snap->version(), 6);
  EXPECT_EQ(snap->files().size(), 3u);
  EXPECT_EQ(snap->TxnVersion("app"), 3);
}

TEST(SnapshotTest, MissingTableIsNotFound) {
  storage::MemoryStorage st;
  EXPECT_EQ(LoadSnapshot(st).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace orbitlake::delta
