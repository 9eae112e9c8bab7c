#include "delta/checkpoint.h"

#include <gtest/gtest.h>

#include "storage/memory_storage.h"

namespace orbitlake::delta {
namespace {

TEST(CheckpointTest, WritesAndReadsBackTheState) {
  TableState s;
  Metadata m;
  m.id = "t";
  m.schema_string = R"({"type":"struct","fields":[]})";
  m.partition_columns = {"date"};
  m.configuration = {{"delta.checkpointInterval", "10"}};
  AddFile a;
  a.path = "date=2026-01-01/x.parquet";
  a.partition_values = {{"date", "2026-01-01"}};
  a.size = 123;
  a.stats = R"({"numRecords":9})";
  AddFile n;
  n.path = "date=__HIVE_DEFAULT_PARTITION__/y.parquet";
  n.partition_values = {{"date", std::nullopt}};
  RemoveFile r;
  r.path = "gone.parquet";
  r.deletion_timestamp = 1000;
  s.Apply({Protocol{}, m, a, n, r, Txn{"app", 5, 77}}, 10);

  storage::MemoryStorage st;
  ASSERT_TRUE(WriteCheckpoint(st, s, 0).ok());
  auto hint = ReadLastCheckpoint(st);
  ASSERT_TRUE(hint);
  EXPECT_EQ(hint->version, 10);
  EXPECT_EQ(hint->size, 6);
  auto actions = ReadCheckpoint(st, {CheckpointPath(10)});
  ASSERT_TRUE(actions.ok()) << actions.status().ToString();
  TableState back;
  back.LoadCheckpoint(*actions, 10);
  ASSERT_TRUE(back.metadata());
  EXPECT_EQ(back.metadata()->partition_columns, m.partition_columns);
  EXPECT_EQ(back.metadata()->configuration, m.configuration);
  EXPECT_EQ(back.protocol()->min_writer_version, 2);
  EXPECT_EQ(back.files().size(), 2u);
  EXPECT_EQ(back.files().at(a.path).stats, a.stats);
  EXPECT_EQ(back.files().at(a.path).size, 123);
  EXPECT_FALSE(back.files().at(n.path).partition_values.at("date").has_value());
  EXPECT_EQ(back.tombstones().size(), 1u);
  EXPECT_EQ(back.TxnVersion("app"), 5);
}

}  // namespace
}  // namespace orbitlake::delta
