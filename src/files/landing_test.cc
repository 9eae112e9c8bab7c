#include "files/landing.h"

#include <gtest/gtest.h>

#include "storage/memory_storage.h"

namespace orbitlake::files {
namespace {

const std::vector<std::string> kJson = {"*.json", "*.jsonl", "*.json.gz"};

std::vector<std::string> Names(const std::vector<LandedFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.name);
  return out;
}

TEST(LandingTest, CandidatesMatchAPatternAndAreNotInProgressOrHidden) {
  EXPECT_TRUE(IsCandidate("a.json", kJson));
  EXPECT_TRUE(IsCandidate("2026-12-03T10.jsonl", kJson));
  EXPECT_TRUE(IsCandidate("b.json.gz", kJson));
  EXPECT_FALSE(IsCandidate("a.csv", kJson));
  EXPECT_FALSE(IsCandidate("a.json.tmp", kJson));
  EXPECT_FALSE(IsCandidate("a.json.part", {"*"}));
  EXPECT_FALSE(IsCandidate("a.json.crdownload", {"*"}));
  EXPECT_FALSE(IsCandidate(".a.json", kJson));
  EXPECT_FALSE(IsCandidate("_SUCCESS", {"*"}));
  EXPECT_FALSE(IsCandidate("sub/a.json", {"*"}));
}

TEST(LandingTest, AFileIsReadyOnceTwoListingsSawItUnchanged) {
  int64_t now = 1000;
  auto folder = std::make_shared<storage::MemoryStorage>([&] { return now; });
  Landing landing(folder, kJson);
  folder->Put("a.json", "{}\n");
  folder->Put("notes.txt", "x");
  auto first = landing.Poll();
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->empty());  // nothing to compare with yet
  EXPECT_EQ(landing.seen().size(), 1u);

  now = 2000;
  folder->Put("b.json", "{}\n");  // new: seen once
  auto second = landing.Poll();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(Names(*second), std::vector<std::string>{"a.json"});

  now = 3000;
  folder->Put("b.json", "{}\n{}\n");  // still being written: size and time changed
  auto third = landing.Poll();
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(Names(*third), std::vector<std::string>{"a.json"});
  auto fourth = landing.Poll();
  ASSERT_TRUE(fourth.ok());
  EXPECT_EQ(Names(*fourth), (std::vector<std::string>{"a.json", "b.json"}));
  EXPECT_EQ((*fourth)[1].size, 6);
}

TEST(LandingTest, TrustFirstTakesWhatTheFirstListingShows) {
  auto folder = std::make_shared<storage::MemoryStorage>();
  folder->Put("a.json", "{}");
  Landing landing(folder, kJson);
  auto first = landing.Poll(/*trust_first=*/true);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Names(*first), std::vector<std::string>{"a.json"});
}

TEST(LandingTest, AMissingFolderListsEmpty) {
  auto folder = std::make_shared<storage::MemoryStorage>();
  Landing landing(folder, kJson);
  auto r = landing.Poll(true);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

}  // namespace
}  // namespace orbitlake::files
