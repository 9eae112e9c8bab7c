#include "delta/log_replay.h"

#include <gtest/gtest.h>

namespace orbitlake::delta {
namespace {

AddFile Add(std::string path) {
  AddFile a;
  a.path = std::move(path);
  return a;
}

RemoveFile Remove(std::string path, int64_t ts) {
  RemoveFile r;
  r.path = std::move(path);
  r.deletion_timestamp = ts;
  return r;
}

TEST(LogReplayTest, NewestActionPerPathAndAppIdWins) {
  TableState s;
  Metadata m;
  m.id = "1";
  s.Apply({Protocol{}, m, Add("a"), Add("b"), Txn{"app", 1, 0}}, 0);
  s.Apply({Remove("a", 100), Add("c"), Txn{"app", 5, 0}, Txn{"other", 2, 0}}, 1);
  s.Apply({Add("a")}, 2);
  EXPECT_EQ(s.version(), 2);
  EXPECT_EQ(s.files().size(), 3u);
  EXPECT_TRUE(s.tombstones().empty());
  EXPECT_EQ(s.TxnVersion("app"), 5);
  EXPECT_EQ(s.TxnVersion("other"), 2);
  EXPECT_FALSE(s.TxnVersion("none"));
  s.Apply({Remove("b", 200)}, 3);
  EXPECT_EQ(s.files().count("b"), 0u);
  EXPECT_EQ(s.tombstones().count("b"), 1u);
}

TEST(LogReplayTest, CheckpointActionsAreStateWithoutExpiredTombstones) {
  TableState s;
  Metadata m;
  m.id = "1";
  s.Apply({Protocol{}, m, Add("a"), Add("b"), Add("c"), Txn{"app", 1, 0}}, 0);
  s.Apply({Remove("a", 100), Remove("b", 500)}, 1);
  auto actions = s.CheckpointActions(/*tombstone_cutoff_ms=*/300);
  int adds = 0, removes = 0, txns = 0;
  for (const auto& a : actions) {
    if (auto* add = std::get_if<AddFile>(&a)) {
      ++adds;
      EXPECT_FALSE(add->data_change);
    }
    removes += std::holds_alternative<RemoveFile>(a);
    txns += std::holds_alternative<Txn>(a);
  }
  EXPECT_EQ(adds, 1);
  EXPECT_EQ(removes, 1);
  EXPECT_EQ(txns, 1);
  EXPECT_TRUE(std::holds_alternative<Protocol>(actions[0]));
  EXPECT_TRUE(std::holds_alternative<Metadata>(actions[1]));
}

}  // namespace
}  // namespace orbitlake::delta
