// S3Storage against the real S3 server of the test run (SeaweedFS, scripts/s3): what the
// shared contract tests (storage_test.cc) do not reach: multipart uploads, listing
// pages, refused credentials, unreachable servers, and PUTs whose response is lost on
// the way back (a real TCP proxy between S3Storage and the server drops it).
#include "storage/s3_storage.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "support/test_env.h"

namespace orbitlake::storage {
namespace {

using orbitlake::testing::kNoTestS3Server;
using orbitlake::testing::kTestS3Bucket;
using orbitlake::testing::TestS3Config;
using orbitlake::testing::UniqueName;

class S3StorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = TestS3Config();
    if (!config) GTEST_SKIP() << kNoTestS3Server;
    config_ = *config;
    auto options = S3OptionsFromConfig(config_);
    ASSERT_TRUE(options.ok()) << options.status().ToString();
    options_ = *options;
    prefix_ = "s3test/" + UniqueName("t");
  }
  std::unique_ptr<S3Storage> Open(const S3Options& options) {
    auto s = S3Storage::Open(options, kTestS3Bucket, prefix_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::map<std::string, std::string> config_;
  S3Options options_;
  std::string prefix_;
};

std::string Pattern(size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>('a' + (i * 7919 + i / 4096) % 26);
  return out;
}

TEST_F(S3StorageTest, LargeFileGoesUpAsMultipartUpload) {
  S3Options o = options_;
  o.multipart_part_size = 5LL << 20;  // S3's minimum, so the test moves little data
  auto s = Open(o);
  ASSERT_NE(s, nullptr);
  const std::string data = Pattern((12LL << 20) + 12345);  // 3 parts: 5 + 5 + the rest
  {
    auto f = s->NewWritableFile("date=2026-01-01/part-big.parquet");
    ASSERT_TRUE(f.ok());
    for (size_t off = 0; off < data.size(); off += 1 << 20) {
      ASSERT_TRUE((*f)->Append(std::string_view(data).substr(off, 1 << 20)).ok());
    }
    // Parts are up, the object is not: S3 shows it only after CompleteMultipartUpload.
    EXPECT_EQ(s->Read("date=2026-01-01/part-big.parquet").status().code(), StatusCode::kNotFound);
    EXPECT_TRUE(s->List("date=2026-01-01")->empty());
    Status closed = (*f)->Close();
    ASSERT_TRUE(closed.ok()) << closed.ToString();
    EXPECT_EQ((*f)->size(), static_cast<int64_t>(data.size()));
  }
  auto back = s->Read("date=2026-01-01/part-big.parquet");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(*back == data) << "read " << back->size() << " bytes, wrote " << data.size();
  auto files = s->List("date=2026-01-01");
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].size, static_cast<int64_t>(data.size()));
  S3RequestCounts c = s->request_counts();
  EXPECT_EQ(c.post, 2);  // CreateMultipartUpload, CompleteMultipartUpload
  EXPECT_EQ(c.put, 3);   // three UploadPart
}

TEST_F(S3StorageTest, AbandonedMultipartFileIsNeverVisible) {
  S3Options o = options_;
  o.multipart_part_size = 5LL << 20;
  auto s = Open(o);
  ASSERT_NE(s, nullptr);
  {
    auto f = s->NewWritableFile("d/abandoned.parquet");
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append(Pattern(6LL << 20)).ok());  // one part uploaded
  }
  EXPECT_EQ(s->Read("d/abandoned.parquet").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(s->List("d")->empty());
  EXPECT_EQ(s->request_counts().del, 1);  // AbortMultipartUpload
}

TEST_F(S3StorageTest, ListingTakesSeveralPages) {
  S3Options o = options_;
  o.list_max_keys = 2;
  auto s = Open(o);
  ASSERT_NE(s, nullptr);
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(s->Write("_delta_log/" + std::to_string(i) + ".json", "x").ok());
  ASSERT_TRUE(s->Write("_delta_log/sub/y", "y").ok());
  const int64_t before = s->request_counts().list;
  auto files = s->List("_delta_log");
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ((*files)[i].path, "_delta_log/" + std::to_string(i) + ".json");
  EXPECT_GE(s->request_counts().list - before, 4);  // 7 files and a folder, 2 per page
  auto after = s->List("_delta_log", "_delta_log/4.json");
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 2u);
  EXPECT_EQ((*after)[0].path, "_delta_log/5.json");
}

TEST_F(S3StorageTest, RefusedCredentialsAreNotRetriedAndNeverShown) {
  S3Options o = options_;
  o.secret_access_key = "not-the-secret-" + UniqueName("k");
  auto s = Open(o);
  ASSERT_NE(s, nullptr);
  Status put = s->PutIfAbsent("_delta_log/0.json", "{}");
  EXPECT_EQ(put.code(), StatusCode::kInvalidArgument) << put.ToString();
  EXPECT_FALSE(IsRetryable(put));
  EXPECT_NE(put.message().find("access denied"), std::string::npos) << put.message();
  EXPECT_NE(put.message().find("s3://lake/" + prefix_ + "/_delta_log/0.json"), std::string::npos) << put.message();
  EXPECT_EQ(put.message().find(o.secret_access_key), std::string::npos) << put.message();
  EXPECT_EQ(put.message().find(options_.secret_access_key), std::string::npos) << put.message();
  EXPECT_EQ(s->request_counts().put, 1);
  auto read = s->Read("x");
  EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument) << read.status().ToString();
  EXPECT_EQ(s->Describe("x"), "s3://lake/" + prefix_ + "/x");
}

TEST_F(S3StorageTest, MissingBucketIsAClearError) {
  auto s = S3Storage::Open(options_, "no-such-bucket-" + std::to_string(::getpid()), "t");
  ASSERT_TRUE(s.ok());
  auto files = (*s)->List("_delta_log");
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.status().code(), StatusCode::kInvalidArgument) << files.status().ToString();
  EXPECT_NE(files.status().message().find("does not exist"), std::string::npos) << files.status().ToString();
}

TEST_F(S3StorageTest, UnreachableServerFailsRetryablyAfterTheAttempts) {
  // A port nothing listens on: bind one, note it, close it.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  S3Options o = options_;
  o.endpoint = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  o.max_attempts = 3;
  o.initial_backoff = std::chrono::milliseconds(1);
  auto s = Open(o);
  ASSERT_NE(s, nullptr);
  Status st = s->PutIfAbsent("_delta_log/0.json", "{}");
  EXPECT_EQ(st.code(), StatusCode::kIOError) << st.ToString();
  EXPECT_TRUE(IsRetryable(st));
  EXPECT_NE(st.message().find("3 attempts"), std::string::npos) << st.message();
  EXPECT_EQ(s->request_counts().put, 3);
  auto r = s->Read("x");
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
  EXPECT_EQ(s->request_counts().get, 3);
}

TEST(S3OpenTest, RefusesWhatCannotWork) {
  S3Options o;
  EXPECT_EQ(S3Storage::Open(o, "b", "t").status().code(), StatusCode::kInvalidArgument);  // no credentials
  o.access_key_id = "k";
  o.secret_access_key = "s3cr3t";
  o.endpoint = "http://127.0.0.1:1";
  auto http = S3Storage::Open(o, "b", "t");
  ASSERT_FALSE(http.ok());
  EXPECT_NE(http.status().message().find("AWS_ALLOW_HTTP"), std::string::npos) << http.status().ToString();
  o.allow_http = true;
  EXPECT_TRUE(S3Storage::Open(o, "b", "t").ok());
  EXPECT_TRUE(S3Storage::Open(o, "b", "").ok());
  EXPECT_FALSE(S3Storage::Open(o, "b", "/t").ok());
  EXPECT_FALSE(S3Storage::Open(o, "", "t").ok());
  o.multipart_part_size = 1 << 20;
  EXPECT_FALSE(S3Storage::Open(o, "b", "t").ok());
}

// A TCP proxy in front of the S3 server that loses exchanges on purpose. Each client
// connection carries one request (the proxy adds "Connection: close" so the server ends
// the response with EOF). For a request `lose` picks, it either forwards the request and
// drops the response (the write happened, the client never hears), or drops the
// request (nothing happened); either way the client sees the connection close.
class LossyProxy {
 public:
  enum class Loss { kNone, kResponse, kRequest };
  LossyProxy(int upstream_port, std::function<Loss(std::string_view head)> lose)
      : upstream_port_(upstream_port), lose_(std::move(lose)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(listen_fd_, 64);
    thread_ = std::thread([this] { Run(); });
  }
  ~LossyProxy() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  int port() const { return port_; }
  int lost() const { return lost_.load(); }

 private:
  void Run() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int client = ::accept(listen_fd_, nullptr, nullptr);
      if (client >= 0) Serve(client);  // one at a time: the tests send one request at a time
    }
  }
  static bool ReadRequest(int fd, std::string* out) {
    char buf[65536];
    size_t header_end = std::string::npos;
    size_t need = 0;
    for (;;) {
      if (header_end != std::string::npos && out->size() >= need) return true;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      out->append(buf, static_cast<size_t>(n));
      if (header_end == std::string::npos && (header_end = out->find("\r\n\r\n")) != std::string::npos) {
        size_t body = 0;
        std::string lower = out->substr(0, header_end);
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (size_t cl = lower.find("\r\ncontent-length:"); cl != std::string::npos) {
          body = std::stoul(lower.substr(cl + 17));
        }
        need = header_end + 4 + body;
      }
    }
  }
  static void SendAll(int fd, std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<size_t>(n));
    }
  }
  void Serve(int client) {
    std::string request;
    if (!ReadRequest(client, &request)) {
      ::close(client);
      return;
    }
    const Loss loss = lose_(std::string_view(request).substr(0, request.find("\r\n\r\n")));
    if (loss == Loss::kRequest) {
      ++lost_;
      ::close(client);
      return;
    }
    request.insert(request.find("\r\n") + 2, "Connection: close\r\n");
    int up = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(upstream_port_));
    if (::connect(up, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      SendAll(up, request);
      std::string response;
      char buf[65536];
      ssize_t n;
      while ((n = ::recv(up, buf, sizeof buf, 0)) > 0) response.append(buf, static_cast<size_t>(n));
      if (loss == Loss::kResponse) {
        ++lost_;
      } else {
        SendAll(client, response);
      }
    }
    ::close(up);
    ::close(client);
  }

  int upstream_port_;
  std::function<Loss(std::string_view)> lose_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> lost_{0};
  std::thread thread_;
};

int PortOf(const std::string& endpoint) { return std::stoi(endpoint.substr(endpoint.rfind(':') + 1)); }

bool IsConditionalPut(std::string_view head) {
  return head.starts_with("PUT ") && head.find("If-None-Match: *") != std::string_view::npos;
}

class S3LostResponseTest : public S3StorageTest {
 protected:
  // Storage through a proxy that applies `loss` to the first conditional PUT only.
  std::unique_ptr<S3Storage> OpenThroughProxy(LossyProxy::Loss loss) {
    proxy_ = std::make_unique<LossyProxy>(PortOf(options_.endpoint), [this, loss](std::string_view head) {
      return IsConditionalPut(head) && !fired_.exchange(true) ? loss : LossyProxy::Loss::kNone;
    });
    S3Options o = options_;
    o.endpoint = "http://127.0.0.1:" + std::to_string(proxy_->port());
    o.initial_backoff = std::chrono::milliseconds(1);
    return Open(o);
  }
  std::atomic<bool> fired_{false};
  std::unique_ptr<LossyProxy> proxy_;
};

TEST_F(S3LostResponseTest, OurWriteLandedButTheAnswerWasLost) {
  auto s = OpenThroughProxy(LossyProxy::Loss::kResponse);
  ASSERT_NE(s, nullptr);
  // A blind retry would get 412 for our own write and report a lost race.
  Status st = s->PutIfAbsent("_delta_log/00000000000000000000.json", "ours");
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(proxy_->lost(), 1);
  EXPECT_EQ(*s->Read("_delta_log/00000000000000000000.json"), "ours");
  S3RequestCounts c = s->request_counts();
  EXPECT_EQ(c.put, 1);  // resolved by reading back, not by sending it again
  EXPECT_EQ(c.get, 2);  // the read-back, and the Read above
}

TEST_F(S3LostResponseTest, SomeoneElsesWriteIsFoundWhenTheAnswerWasLost) {
  auto direct = Open(options_);
  ASSERT_TRUE(direct->PutIfAbsent("_delta_log/00000000000000000001.json", "theirs").ok());
  auto s = OpenThroughProxy(LossyProxy::Loss::kResponse);
  ASSERT_NE(s, nullptr);
  Status st = s->PutIfAbsent("_delta_log/00000000000000000001.json", "ours");
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists) << st.ToString();
  EXPECT_EQ(proxy_->lost(), 1);
  EXPECT_EQ(*direct->Read("_delta_log/00000000000000000001.json"), "theirs");
}

TEST_F(S3LostResponseTest, ARequestThatNeverArrivedIsSentAgain) {
  auto s = OpenThroughProxy(LossyProxy::Loss::kRequest);
  ASSERT_NE(s, nullptr);
  Status st = s->PutIfAbsent("_delta_log/00000000000000000002.json", "ours");
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(proxy_->lost(), 1);
  EXPECT_EQ(*s->Read("_delta_log/00000000000000000002.json"), "ours");
  EXPECT_EQ(s->request_counts().put, 2);  // read back found nothing: the PUT went again
}

}  // namespace
}  // namespace orbitlake::storage
