#include "storage/table_uri.h"

#include <filesystem>

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>

#include "storage/local_storage.h"
#include "storage/s3_storage.h"
#include "support/test_env.h"

namespace orbitlake::storage {
namespace {

std::string PathOf(std::string_view uri) {
  auto r = ParseTableUri(uri);
  EXPECT_TRUE(r.ok()) << uri << ": " << r.status().ToString();
  if (!r.ok()) return "<error>";
  EXPECT_EQ(r->scheme, "file");
  return r->path;
}

TEST(ParseTableUriTest, LocalPathsAreTakenAsGiven) {
  EXPECT_EQ(PathOf("./data/delta-tables/raw"), "./data/delta-tables/raw");
  EXPECT_EQ(PathOf("/lake/raw"), "/lake/raw");
  EXPECT_EQ(PathOf("raw"), "raw");
  EXPECT_EQ(PathOf("./s3:/bucket/t"), "./s3:/bucket/t");  // the explicit way to a local "s3:" folder
  EXPECT_EQ(PathOf("a/b:c"), "a/b:c");                    // a colon after a '/' is no scheme
  EXPECT_EQ(PathOf("x:y"), "x:y");                        // one letter before ':' is no scheme
}

TEST(ParseTableUriTest, FileUrisAsDeltaRsAndSparkPrintThem) {
  EXPECT_EQ(PathOf("file:///tmp/lake/raw"), "/tmp/lake/raw");
  EXPECT_EQ(PathOf("file://localhost/tmp/raw"), "/tmp/raw");
  EXPECT_EQ(PathOf("FILE:///tmp/raw"), "/tmp/raw");
  EXPECT_EQ(PathOf("file:/tmp/raw"), "/tmp/raw");
  EXPECT_EQ(PathOf("file:///tmp/with%20space/%C3%A9t%c3%a9"), "/tmp/with space/\xC3\xA9t\xC3\xA9");
  EXPECT_EQ(PathOf("file:///tmp/raw/"), "/tmp/raw/");
}

TEST(ParseTableUriTest, RefusesTheEmptyPath) {
  auto r = ParseTableUri("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("empty"), std::string::npos) << r.status().ToString();
}

TEST(ParseTableUriTest, RefusesOtherSchemesNamingTheUriAndTheSupportedOnes) {
  for (const char* uri : {"gs://b/t", "abfss://c@a.dfs.core.windows.net/t", "hdfs://nn/t", "http://host/t",
                          "az://c/t"}) {
    auto r = ParseTableUri(uri);
    ASSERT_FALSE(r.ok()) << uri;
    EXPECT_EQ(r.status().code(), StatusCode::kUnsupported) << uri;
    const std::string& m = r.status().message();
    EXPECT_NE(m.find(std::string("'") + uri + "'"), std::string::npos) << m;
    EXPECT_NE(m.find("file://"), std::string::npos) << m;
    EXPECT_NE(m.find("local path"), std::string::npos) << m;
    EXPECT_NE(m.find("s3://bucket/prefix"), std::string::npos) << m;
  }
}

TEST(ParseTableUriTest, S3LocationsAsDeltaRsAndSparkWriteThem) {
  struct Case {
    const char* uri;
    const char* bucket;
    const char* prefix;
  };
  for (const Case& c : {Case{"s3://lake/sat", "lake", "sat"}, Case{"s3://lake/a/b/raw/", "lake", "a/b/raw"},
                        Case{"s3a://lake/raw", "lake", "raw"}, Case{"S3://lake/raw", "lake", "raw"},
                        Case{"s3://lake", "lake", ""}, Case{"s3://lake/", "lake", ""},
                        Case{"s3://my.bucket-1/date=2026-01-01 x%20", "my.bucket-1", "date=2026-01-01 x%20"}}) {
    auto r = ParseTableUri(c.uri);
    ASSERT_TRUE(r.ok()) << c.uri << ": " << r.status().ToString();
    EXPECT_EQ(r->scheme, "s3") << c.uri;
    EXPECT_EQ(r->bucket, c.bucket) << c.uri;
    EXPECT_EQ(r->path, c.prefix) << c.uri;
  }
}

TEST(ParseTableUriTest, RefusesMalformedS3Uris) {
  struct Case {
    const char* uri;
    const char* says;
  };
  for (const Case& c : {Case{"s3://", "no bucket"}, Case{"s3:///t", "no bucket"}, Case{"s3:bucket/t", "s3://bucket"},
                        Case{"s3://b/a//t", "empty path segment"}, Case{"s3://b/t?versionId=1", "query or fragment"},
                        Case{"s3://b/t#x", "query or fragment"}}) {
    auto r = ParseTableUri(c.uri);
    ASSERT_FALSE(r.ok()) << c.uri;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.uri;
    EXPECT_NE(r.status().message().find(c.says), std::string::npos) << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.uri), std::string::npos) << r.status().ToString();
  }
}

TEST(ParseTableUriTest, RefusesMalformedFileUris) {
  struct Case {
    const char* uri;
    StatusCode code;
    const char* says;
  };
  for (const Case& c : {Case{"file://otherhost/tmp/t", StatusCode::kUnsupported, "remote host 'otherhost'"},
                        Case{"file://", StatusCode::kInvalidArgument, "no path"},
                        Case{"file://localhost", StatusCode::kInvalidArgument, "no path"},
                        Case{"file:relative/t", StatusCode::kInvalidArgument, "relative path"},
                        Case{"file:", StatusCode::kInvalidArgument, "relative path"},
                        Case{"file:///tmp/t?x=1", StatusCode::kInvalidArgument, "query or fragment"},
                        Case{"file:///tmp/t#frag", StatusCode::kInvalidArgument, "query or fragment"},
                        Case{"file:///tmp/%zz", StatusCode::kInvalidArgument, "bad percent escape at '%zz'"},
                        Case{"file:///tmp/%2", StatusCode::kInvalidArgument, "bad percent escape"},
                        Case{"file:///tmp/a%00b", StatusCode::kInvalidArgument, "%00"}}) {
    auto r = ParseTableUri(c.uri);
    ASSERT_FALSE(r.ok()) << c.uri;
    EXPECT_EQ(r.status().code(), c.code) << c.uri << ": " << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.says), std::string::npos) << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.uri), std::string::npos) << r.status().ToString();
  }
}

TEST(OpenTableStorageTest, AFileUriAndThePlainPathReachTheSameFiles) {
  orbitlake::testing::TempDir dir;
  const std::string path = (dir.path() / "t").string();
  auto by_uri = OpenTableStorage("file://" + path);
  ASSERT_TRUE(by_uri.ok()) << by_uri.status().ToString();
  ASSERT_TRUE((*by_uri)->Write("_delta_log/x.json", "hello").ok());
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "t" / "_delta_log" / "x.json"));
  auto by_path = OpenTableStorage(path);
  ASSERT_TRUE(by_path.ok());
  auto read = (*by_path)->Read("_delta_log/x.json");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, "hello");
  auto* local = dynamic_cast<LocalStorage*>(by_uri->get());
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(local->root(), std::filesystem::path(path));
}

TEST(OpenTableStorageTest, RefusedLocationsOpenNothing) {
  EXPECT_EQ(OpenTableStorage("gs://bucket/t").status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(OpenTableStorage("").status().code(), StatusCode::kInvalidArgument);
}

// Sets AWS_* variables for one test and restores what was there.
class ScopedEnv {
 public:
  void Set(const char* name, const char* value) {
    const char* old = std::getenv(name);
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) {
        ::setenv(it->first.c_str(), it->second->c_str(), 1);
      } else {
        ::unsetenv(it->first.c_str());
      }
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(OpenTableStorageTest, S3UrisOpenS3StorageConfiguredFromTheEnvironment) {
  ScopedEnv env;
  env.Set("AWS_ACCESS_KEY_ID", "AKIATEST");
  env.Set("AWS_SECRET_ACCESS_KEY", "env-secret-value");
  env.Set("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
  env.Set("AWS_ALLOW_HTTP", "true");
  auto opened = OpenTableStorage("s3://lake/a/sat/");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto* s3 = dynamic_cast<S3Storage*>(opened->get());
  ASSERT_NE(s3, nullptr);
  EXPECT_EQ(s3->bucket(), "lake");
  EXPECT_EQ(s3->prefix(), "a/sat");
  EXPECT_EQ(s3->Describe("_delta_log/0.json"), "s3://lake/a/sat/_delta_log/0.json");
  // Plain HTTP only when allowed; no credentials is an error naming the variables.
  env.Set("AWS_ALLOW_HTTP", nullptr);
  auto http = OpenTableStorage("s3://lake/sat");
  ASSERT_FALSE(http.ok());
  EXPECT_NE(http.status().message().find("AWS_ALLOW_HTTP"), std::string::npos) << http.status().ToString();
  env.Set("AWS_ALLOW_HTTP", "true");
  env.Set("AWS_SECRET_ACCESS_KEY", nullptr);
  env.Set("AWS_SECRET_KEY", nullptr);
  auto none = OpenTableStorage("s3://lake/sat");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(none.status().message().find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << none.status().ToString();
  // The seed's names for the key pair.
  env.Set("AWS_SECRET_KEY", "seed-secret");
  EXPECT_TRUE(OpenTableStorage("s3://lake/sat").ok());
}

}  // namespace
}  // namespace orbitlake::storage

namespace orbitlake::storage {
namespace {

TEST(StorageOptionsTest, ParsesKeyValueItemsLikeDeltaRsStorageOptions) {
  auto o = ParseStorageOptions({"endpoint_url=http://127.0.0.1:1", "AWS_ALLOW_HTTP=true", "region=eu-west-1",
                                "aws_secret_access_key=a=b=c", "session_token="});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->at("endpoint_url"), "http://127.0.0.1:1");
  EXPECT_EQ(o->at("aws_secret_access_key"), "a=b=c");  // split at the first '='
  EXPECT_EQ(o->at("session_token"), "");
  EXPECT_TRUE(CheckStorageOptions(*o).ok());
}

TEST(StorageOptionsTest, BadItemsNameTheKeyNeverTheValue) {
  auto no_eq = ParseStorageOptions({"wJalrXUtnFEMI"});
  ASSERT_FALSE(no_eq.ok());
  EXPECT_EQ(no_eq.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(no_eq.status().message().find("wJalrXUtnFEMI"), std::string::npos) << no_eq.status().ToString();
  EXPECT_NE(no_eq.status().message().find("key=value"), std::string::npos);
  auto no_key = ParseStorageOptions({"=wJalrXUtnFEMI"});
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.status().message().find("wJalrXUtnFEMI"), std::string::npos) << no_key.status().ToString();
  auto unknown = ParseStorageOptions({"secret_acess_key=wJalrXUtnFEMI"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("'secret_acess_key'"), std::string::npos) << unknown.status().ToString();
  EXPECT_EQ(unknown.status().message().find("wJalrXUtnFEMI"), std::string::npos) << unknown.status().ToString();
  EXPECT_EQ(OpenTableStorage("./t", {{"endpont", "x"}}).status().code(), StatusCode::kInvalidArgument);
}

TEST(StorageOptionsTest, LocalTablesIgnoreKnownOptions) {
  orbitlake::testing::TempDir dir;
  auto opened = OpenTableStorage(dir.path().string(), {{"endpoint_url", "http://127.0.0.1:1"}});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_NE(dynamic_cast<LocalStorage*>(opened->get()), nullptr);
}

TEST(StorageOptionsTest, OptionsOverrideTheEnvironmentUnderAnyOfItsNames) {
  ScopedEnv env;
  env.Set("AWS_ACCESS_KEY_ID", "AKIAENV");
  env.Set("AWS_SECRET_ACCESS_KEY", "env-secret");
  env.Set("AWS_ENDPOINT_URL", "https://env.example");
  env.Set("AWS_ALLOW_HTTP", nullptr);
  env.Set("AWS_REGION", "us-east-1");
  // "endpoint" (an alias) replaces AWS_ENDPOINT_URL; plain HTTP only because of the option.
  auto o = S3OptionsFromEnvironment({{"endpoint", "http://127.0.0.1:9"}, {"allow_http", "yes"},
                                     {"AWS_DEFAULT_REGION", "eu-central-1"}, {"secret_key", "opt-secret"}});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->endpoint, "http://127.0.0.1:9");
  EXPECT_TRUE(o->allow_http);
  EXPECT_EQ(o->region, "eu-central-1");
  EXPECT_EQ(o->secret_access_key, "opt-secret");
  EXPECT_EQ(o->access_key_id, "AKIAENV");
  // Without the option the environment's https endpoint stays, and so does the refusal of
  // plain HTTP when only the option would allow it.
  auto opened = OpenTableStorage("s3://lake/t", {{"endpoint_url", "http://127.0.0.1:9"}});
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("AWS_ALLOW_HTTP"), std::string::npos) << opened.status().ToString();
  EXPECT_EQ(opened.status().ToString().find("env-secret"), std::string::npos);
  EXPECT_TRUE(OpenTableStorage("s3://lake/t", {{"endpoint_url", "http://127.0.0.1:9"}, {"allow_http", "true"}}).ok());
  // A bad value of a boolean option names the option.
  auto bad = OpenTableStorage("s3://lake/t", {{"allow_http", "maybe"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("AWS_ALLOW_HTTP"), std::string::npos) << bad.status().ToString();
  // delta-rs-only options are accepted (one storage_options for both) and change nothing.
  EXPECT_TRUE(CheckStorageOptions({{"AWS_S3_ALLOW_UNSAFE_RENAME", "true"}, {"conditional_put", "etag"}}).ok());
}

}  // namespace
}  // namespace orbitlake::storage
