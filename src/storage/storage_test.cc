#include "storage/storage.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "storage/fault_storage.h"
#include "storage/local_storage.h"
#include "storage/memory_storage.h"
#include "storage/s3_storage.h"
#include "support/test_env.h"

namespace orbitlake::storage {
namespace {

// The contract in storage.h, checked against every implementation.
class StorageContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "local") {
      storage_ = std::make_unique<LocalStorage>(dir_.path() / "root");
    } else if (GetParam() == "s3") {
      // The real S3 server of the test run (SeaweedFS), each test under its own prefix.
      auto config = orbitlake::testing::TestS3Config();
      if (!config) GTEST_SKIP() << orbitlake::testing::kNoTestS3Server;
      auto options = S3OptionsFromConfig(*config);
      ASSERT_TRUE(options.ok()) << options.status().ToString();
      auto s3 = S3Storage::Open(*options, orbitlake::testing::kTestS3Bucket,
                                "contract/" + orbitlake::testing::UniqueName("t"));
      ASSERT_TRUE(s3.ok()) << s3.status().ToString();
      storage_ = std::move(*s3);
    } else if (GetParam() == "fault") {
      // A FaultStorage without rules must behave exactly like what it wraps.
      base_ = std::make_unique<MemoryStorage>();
      storage_ = std::make_unique<FaultStorage>(base_.get());
    } else {
      storage_ = std::make_unique<MemoryStorage>();
    }
  }
  orbitlake::testing::TempDir dir_;
  std::unique_ptr<Storage> base_;
  std::unique_ptr<Storage> storage_;
};

TEST_P(StorageContractTest, ListsFilesOfOneFolderInByteOrder) {
  ASSERT_TRUE(storage_->Write("_delta_log/00000000000000000001.json", "b").ok());
  ASSERT_TRUE(storage_->Write("_delta_log/00000000000000000000.json", "a").ok());
  ASSERT_TRUE(storage_->Write("_delta_log/_last_checkpoint", "c").ok());
  ASSERT_TRUE(storage_->Write("_delta_log/sub/x", "x").ok());
  ASSERT_TRUE(storage_->Write("part-0.parquet", "p").ok());
  auto files = storage_->List("_delta_log");
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ((*files)[0].path, "_delta_log/00000000000000000000.json");
  EXPECT_EQ((*files)[1].path, "_delta_log/00000000000000000001.json");
  EXPECT_EQ((*files)[2].path, "_delta_log/_last_checkpoint");
  EXPECT_EQ((*files)[0].size, 1);
  auto after = storage_->List("_delta_log", "_delta_log/00000000000000000000.json");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), 2u);
  auto missing = storage_->List("nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->empty());
}

TEST_P(StorageContractTest, ListRecursiveReturnsEveryFileUnderAFolderInByteOrder) {
  for (const char* p : {"date=2026-01-02/part-b.parquet", "date=2026-01-01/part-a.parquet", "top.parquet",
                        "_delta_log/00000000000000000000.json", "a/b/c/deep.bin", "date=2026-01-01/x/y.bin"}) {
    ASSERT_TRUE(storage_->Write(p, p).ok()) << p;
  }
  auto all = storage_->ListRecursive("");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  std::vector<std::string> paths;
  for (const auto& f : *all) paths.push_back(f.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"_delta_log/00000000000000000000.json", "a/b/c/deep.bin",
                                             "date=2026-01-01/part-a.parquet", "date=2026-01-01/x/y.bin",
                                             "date=2026-01-02/part-b.parquet", "top.parquet"}));
  EXPECT_EQ((*all)[1].size, static_cast<int64_t>(std::string("a/b/c/deep.bin").size()));
  EXPECT_GT((*all)[1].modification_time_ms, 0);
  auto one = storage_->ListRecursive("date=2026-01-01");
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 2u);
  EXPECT_EQ((*one)[0].path, "date=2026-01-01/part-a.parquet");
  EXPECT_EQ((*one)[1].path, "date=2026-01-01/x/y.bin");
  // A folder name that is a prefix of another ("date=2026-01-0") is not that folder.
  EXPECT_TRUE(storage_->ListRecursive("date=2026-01-0")->empty());
  EXPECT_TRUE(storage_->ListRecursive("missing")->empty());
}

TEST_P(StorageContractTest, ReadReturnsWholeFileOrNotFound) {
  std::string big(300'000, 'z');
  ASSERT_TRUE(storage_->Write("a/b.bin", big).ok());
  auto r = storage_->Read("a/b.bin");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, big);
  EXPECT_EQ(storage_->Read("a/none").status().code(), StatusCode::kNotFound);
}

TEST_P(StorageContractTest, ReadRangeReturnsThoseBytesShorterAtTheEnd) {
  std::string data(200'000, ' ');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  ASSERT_TRUE(storage_->Write("r/f.bin", data).ok());
  auto mid = storage_->ReadRange("r/f.bin", 70'001, 12'345);
  ASSERT_TRUE(mid.ok()) << mid.status().ToString();
  EXPECT_EQ(*mid, data.substr(70'001, 12'345));
  auto tail = storage_->ReadRange("r/f.bin", 199'990, 100);  // past the end: what there is
  ASSERT_TRUE(tail.ok()) << tail.status().ToString();
  EXPECT_EQ(*tail, data.substr(199'990));
  auto past = storage_->ReadRange("r/f.bin", 200'000, 10);
  ASSERT_TRUE(past.ok()) << past.status().ToString();
  EXPECT_EQ(*past, "");
  EXPECT_EQ(*storage_->ReadRange("r/f.bin", 5, 0), "");
  EXPECT_EQ(storage_->ReadRange("r/none", 0, 10).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(storage_->PrefersRangedReads(), GetParam() == "s3");
}

TEST_P(StorageContractTest, UnclosedFileIsNeverVisible) {
  {
    auto f = storage_->NewWritableFile("d/x.parquet");
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append("half").ok());
  }
  EXPECT_EQ(storage_->Read("d/x.parquet").status().code(), StatusCode::kNotFound);
  auto files = storage_->List("d");
  ASSERT_TRUE(files.ok());
  EXPECT_TRUE(files->empty());
}

TEST_P(StorageContractTest, PutIfAbsentNeverReplaces) {
  Status first = storage_->PutIfAbsent("_delta_log/0.json", "first");
  ASSERT_TRUE(first.ok()) << first.ToString();
  Status st = storage_->PutIfAbsent("_delta_log/0.json", "second");
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists) << st.ToString();
  EXPECT_EQ(*storage_->Read("_delta_log/0.json"), "first");
}

TEST_P(StorageContractTest, ExactlyOneConcurrentPutIfAbsentWins) {
  constexpr int kThreads = 16;
  // SeaweedFS (the S3 test server) makes racing conditional PUTs of one key wait for
  // each other in one-second steps, up to ~10 s a round: fewer rounds there.
  const int rounds = GetParam() == "s3" ? 3 : 20;
  for (int round = 0; round < rounds; ++round) {
    std::atomic<int> wins{0}, losses{0};
    std::vector<std::thread> threads;
    std::string path = "_delta_log/" + std::to_string(round) + ".json";
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        Status st = storage_->PutIfAbsent(path, "writer " + std::to_string(t));
        if (st.ok()) ++wins;
        if (st.code() == StatusCode::kAlreadyExists) ++losses;
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(wins.load(), 1);
    EXPECT_EQ(losses.load(), kThreads - 1);
    // The winner's content, whole.
    auto content = storage_->Read(path);
    ASSERT_TRUE(content.ok()) << content.status().ToString();
    EXPECT_TRUE(content->starts_with("writer ")) << *content;
  }
}

TEST_P(StorageContractTest, KeysWithCharactersThatNeedEncoding) {
  // Delta partition folders ("k=v") and percent-encoded file names, spaces, non-ASCII.
  const std::string dir = "date=2026-01-01/city=S\xC3\xA3o Paulo+x";
  const std::string file = dir + "/part-0 %20&?#~.parquet";
  ASSERT_TRUE(storage_->Write(file, "p").ok());
  ASSERT_TRUE(storage_->PutIfAbsent(dir + "/b=1;c", "q").ok());
  auto files = storage_->List(dir);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].path, dir + "/b=1;c");
  EXPECT_EQ((*files)[1].path, file);
  EXPECT_EQ(*storage_->Read(file), "p");
  auto after = storage_->List(dir, dir + "/b=1;c");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].path, file);
}

TEST_P(StorageContractTest, ReplacingWriteAndDelete) {
  ASSERT_TRUE(storage_->Write("_delta_log/_last_checkpoint", "{\"version\":1}").ok());
  ASSERT_TRUE(storage_->Write("_delta_log/_last_checkpoint", "{\"version\":2}").ok());
  EXPECT_EQ(*storage_->Read("_delta_log/_last_checkpoint"), "{\"version\":2}");
  ASSERT_TRUE(storage_->Write("x/abandoned.parquet", "a").ok());
  EXPECT_TRUE(storage_->Delete("x/abandoned.parquet").ok());
  EXPECT_EQ(storage_->Read("x/abandoned.parquet").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(storage_->Delete("x/abandoned.parquet").code(), StatusCode::kNotFound);
  EXPECT_TRUE(storage_->List("x")->empty());
}

TEST_P(StorageContractTest, ListsTheTableRoot) {
  ASSERT_TRUE(storage_->Write("b.parquet", "b").ok());
  ASSERT_TRUE(storage_->Write("a.parquet", "a").ok());
  ASSERT_TRUE(storage_->Write("_delta_log/0.json", "{}").ok());
  auto files = storage_->List("");
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].path, "a.parquet");
  EXPECT_EQ((*files)[1].path, "b.parquet");
  EXPECT_GT((*files)[0].modification_time_ms, 1'600'000'000'000);  // a real clock, in ms
}

INSTANTIATE_TEST_SUITE_P(All, StorageContractTest, ::testing::Values("local", "memory", "fault", "s3"),
                         [](const auto& info) { return info.param; });

TEST(LocalStorageTest, ListRecursiveShowsLeftoversOfUnfinishedWritesButNoLinks) {
  orbitlake::testing::TempDir dir;
  LocalStorage s(dir.path());
  ASSERT_TRUE(s.Write("date=2026-01-01/part-a.parquet", "a").ok());
  auto open = s.NewWritableFile("date=2026-01-01/part-b.parquet");  // a write in progress
  ASSERT_TRUE(open.ok());
  std::filesystem::create_symlink("/etc", dir.path() / "link-to-etc");
  std::filesystem::create_symlink(dir.path() / "date=2026-01-01/part-a.parquet", dir.path() / "file-link");
  auto all = s.ListRecursive("");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].path, "date=2026-01-01/part-a.parquet");
  EXPECT_TRUE((*all)[1].path.rfind("date=2026-01-01/part-b.parquet.tmp-", 0) == 0) << (*all)[1].path;
  EXPECT_TRUE(IsTempFileName((*all)[1].path));
  // List() keeps hiding it: no reader may ever see a file being written.
  EXPECT_EQ(s.List("date=2026-01-01")->size(), 1u);
}

TEST(LocalStorageTest, ExactlyOneProcessWinsPutIfAbsent) {
  orbitlake::testing::TempDir dir;
  constexpr int kProcs = 6;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = ::fork();
    if (pid == 0) {
      LocalStorage s(dir.path());
      int wins = 0;
      for (int v = 0; v < 50; ++v) wins += s.PutIfAbsent("log/" + std::to_string(v), std::to_string(p)).ok();
      ::_exit(wins);
    }
    pids.push_back(pid);
  }
  int total = 0;
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    total += WEXITSTATUS(status);
  }
  EXPECT_EQ(total, 50);
  LocalStorage s(dir.path());
  EXPECT_EQ(s.List("log")->size(), 50u);
}

TEST(LocalStorageTest, ReplacingWriteIsAtomicAndLeavesNoTempFiles) {
  orbitlake::testing::TempDir dir;
  LocalStorage s(dir.path());
  ASSERT_TRUE(s.Write("_delta_log/_last_checkpoint", "{\"version\":1}").ok());
  ASSERT_TRUE(s.Write("_delta_log/_last_checkpoint", "{\"version\":2}").ok());
  EXPECT_EQ(*s.Read("_delta_log/_last_checkpoint"), "{\"version\":2}");
  int entries = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path() / "_delta_log")) entries += e.is_regular_file();
  EXPECT_EQ(entries, 1);
}

// A real write failure from the kernel, without mounting anything: RLIMIT_FSIZE makes
// write(2) past the limit fail with EFBIG, the way a full disk fails with ENOSPC.
// Restores the limit and SIGXFSZ's disposition when it goes out of scope.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = ::signal(SIGXFSZ, SIG_IGN);  // else the process is killed instead
    rlimit lim = old_;
    lim.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &lim);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    ::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  sighandler_t old_handler_;
};

std::vector<std::string> Entries(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(LocalStorageTest, FailedWritesLeaveNoPartialFileUnderAnyName) {
  orbitlake::testing::TempDir dir;
  LocalStorage s(dir.path());
  ASSERT_TRUE(s.PutIfAbsent("_delta_log/00000000000000000000.json", "{}\n").ok());
  ASSERT_TRUE(s.Write("_delta_log/_last_checkpoint", "{\"version\":0}").ok());
  const std::string big(64 * 1024, 'x');
  {
    FileSizeLimit limit(16 * 1024);
    // A commit: nothing appears under its name (so no reader ever sees a torn commit),
    // and the error names the file and the OS error.
    Status put = s.PutIfAbsent("_delta_log/00000000000000000001.json", big);
    ASSERT_FALSE(put.ok());
    EXPECT_EQ(put.code(), StatusCode::kIOError);
    EXPECT_NE(put.message().find(dir.path().string() + "/_delta_log/00000000000000000001.json"), std::string::npos)
        << put.message();
    EXPECT_NE(put.message().find(std::strerror(EFBIG)), std::string::npos) << put.message();
    // A streamed data file: the failed Append is reported, and abandoning the file
    // removes its temp file.
    {
      auto f = s.NewWritableFile("date=2026-01-01/part-0.parquet");
      ASSERT_TRUE(f.ok());
      Status app = (*f)->Append(big);
      EXPECT_EQ(app.code(), StatusCode::kIOError);
      EXPECT_NE(app.message().find("part-0.parquet"), std::string::npos) << app.message();
    }
    // A replacing write keeps the old content.
    EXPECT_FALSE(s.Write("_delta_log/_last_checkpoint", big).ok());
  }
  EXPECT_EQ(Entries(dir.path() / "_delta_log"),
            (std::vector<std::string>{"00000000000000000000.json", "_last_checkpoint"}));
  EXPECT_TRUE(Entries(dir.path() / "date=2026-01-01").empty());
  EXPECT_EQ(*s.Read("_delta_log/_last_checkpoint"), "{\"version\":0}");
  // Once the fault is gone the same version can be committed.
  EXPECT_TRUE(s.PutIfAbsent("_delta_log/00000000000000000001.json", big).ok());
  EXPECT_EQ(s.Read("_delta_log/00000000000000000001.json")->size(), big.size());
}

TEST(FaultStorageTest, FailsOnceThenPasses) {
  MemoryStorage base;
  FaultStorage s(&base);
  s.AddRule({FaultOp::kPutIfAbsent, "_delta_log/", 2, FaultAction::kFail});
  EXPECT_TRUE(s.PutIfAbsent("_delta_log/0", "a").ok());
  EXPECT_EQ(s.PutIfAbsent("_delta_log/1", "b").code(), StatusCode::kIOError);
  EXPECT_EQ(base.Read("_delta_log/1").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(s.PutIfAbsent("_delta_log/1", "b").ok());
  EXPECT_FALSE(s.crashed());
}

TEST(FaultStorageTest, CrashAfterAppliesThenRefusesEverything) {
  MemoryStorage base;
  FaultStorage s(&base);
  s.AddRule({FaultOp::kPutIfAbsent, "", 1, FaultAction::kCrashAfter});
  EXPECT_FALSE(s.PutIfAbsent("x", "a").ok());
  EXPECT_EQ(*base.Read("x"), "a");
  EXPECT_TRUE(s.crashed());
  EXPECT_FALSE(s.Read("x").ok());
  EXPECT_FALSE(s.Write("y", "b").ok());
  EXPECT_EQ(base.Read("y").status().code(), StatusCode::kNotFound);
}

TEST(FaultStorageTest, CrashBeforeFileCloseDropsIt) {
  MemoryStorage base;
  FaultStorage s(&base);
  s.AddRule({FaultOp::kWriteFile, ".checkpoint", 1, FaultAction::kCrashBefore});
  EXPECT_TRUE(s.Write("a.parquet", "data").ok());
  EXPECT_FALSE(s.Write("_delta_log/10.checkpoint.parquet", "cp").ok());
  EXPECT_EQ(base.Read("_delta_log/10.checkpoint.parquet").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace orbitlake::storage

namespace orbitlake::storage {
namespace {

TEST(FaultRuleTest, ParsesTheCommandLineForm) {
  auto r = ParseFaultRule("put:_delta_log/:3:crash-before");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->op, FaultOp::kPutIfAbsent);
  EXPECT_EQ(r->path_contains, "_delta_log/");
  EXPECT_EQ(r->nth, 3);
  EXPECT_EQ(r->action, FaultAction::kCrashBefore);
  auto w = ParseFaultRule("write:checkpoint.parquet:1:crash-after");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->op, FaultOp::kWriteFile);
  EXPECT_EQ(w->action, FaultAction::kCrashAfter);
  EXPECT_FALSE(ParseFaultRule("put:x:0:fail").ok());
  EXPECT_FALSE(ParseFaultRule("put:x:1:explode").ok());
  EXPECT_FALSE(ParseFaultRule("poke:x:1:fail").ok());
  EXPECT_FALSE(ParseFaultRule("put:x:1").ok());
}

}  // namespace
}  // namespace orbitlake::storage
