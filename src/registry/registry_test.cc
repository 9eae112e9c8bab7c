#include "registry/registry.h"

#include <filesystem>
#include <fstream>

#include "registry/registry_contract.h"
#include "support/test_env.h"

namespace orbitlake::registry {
namespace {

testing::TempDir& Dirs() {
  static testing::TempDir dir("registry-test");
  return dir;
}

INSTANTIATE_TEST_SUITE_P(Folder, RegistryContract, ::testing::Values(RegistryFactory([] {
                           auto r = OpenRegistry((Dirs().path() / testing::UniqueName("reg")).string());
                           EXPECT_TRUE(r.ok());
                           std::filesystem::create_directories(r.ok() ? (*r)->url() : "/tmp");
                           return std::move(*r);
                         })));

TEST(FolderRegistry, LayoutIsTypeFolderOfVersionFiles) {
  testing::TempDir dir;
  auto reg = OpenRegistry("file://" + dir.str());
  ASSERT_TRUE(reg.ok());
  ASSERT_TRUE(PutSchema(**reg, "search", kV1).ok());
  ASSERT_TRUE(PutSchema(**reg, "search", kV2).ok());
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "search" / "1.toml"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "search" / "2.toml"));
  // A file written by hand is a version too; stray names are ignored.
  std::filesystem::create_directories(dir.path() / "click");
  std::ofstream(dir.path() / "click" / "1.toml") << kV1;
  std::ofstream(dir.path() / "click" / "notes.txt") << "x";
  std::filesystem::create_directories(dir.path() / ".hidden");
  auto list = (*reg)->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].type, "click");
  EXPECT_EQ((*list)[1].version, 2);
}

TEST(FolderRegistry, MissingFolderIsNotFound) {
  auto reg = OpenRegistry("/nonexistent/orbitlake-registry");
  ASSERT_TRUE(reg.ok());
  EXPECT_EQ((*reg)->List().status().code(), StatusCode::kNotFound);
}

TEST(OpenRegistry, Urls) {
  EXPECT_TRUE(OpenRegistry("redis://localhost:5555").ok());
  EXPECT_TRUE(OpenRegistry("redis://localhost").ok());
  EXPECT_TRUE(OpenRegistry("redis://localhost:5555/tests:a").ok());
  EXPECT_THAT(OpenRegistry("redis://localhost:99999").status().message(), ::testing::HasSubstr("port '99999'"));
  EXPECT_THAT(OpenRegistry("redis://:5555").status().message(), ::testing::HasSubstr("expected redis://HOST"));
  EXPECT_THAT(OpenRegistry("redis://h/bad ns").status().message(), ::testing::HasSubstr("namespace"));
  EXPECT_THAT(OpenRegistry("http://x").status().message(), ::testing::HasSubstr("unknown scheme"));
  EXPECT_EQ(OpenRegistry("").status().code(), StatusCode::kInvalidArgument);
}

TEST(OpenRegistry, UnreachableRedisIsUnavailable) {
  auto reg = OpenRegistry("redis://127.0.0.1:1");
  ASSERT_TRUE(reg.ok());
  auto list = (*reg)->List();
  EXPECT_EQ(list.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(list.status().message(), ::testing::HasSubstr("127.0.0.1:1"));
}

}  // namespace
}  // namespace orbitlake::registry
