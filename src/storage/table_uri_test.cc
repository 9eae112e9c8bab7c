#include "storage/table_uri.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "storage/local_storage.h"
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
  for (const char* uri : {"s3://bucket/t", "s3a://bucket/t", "gs://b/t", "abfss://c@a.dfs.core.windows.net/t",
                          "hdfs://nn/t", "http://host/t", "S3://bucket/t", "s3:bucket/t"}) {
    auto r = ParseTableUri(uri);
    ASSERT_FALSE(r.ok()) << uri;
    EXPECT_EQ(r.status().code(), StatusCode::kUnsupported) << uri;
    const std::string& m = r.status().message();
    EXPECT_NE(m.find(std::string("'") + uri + "'"), std::string::npos) << m;
    EXPECT_NE(m.find("file://"), std::string::npos) << m;
    EXPECT_NE(m.find("local path"), std::string::npos) << m;
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
  EXPECT_EQ(OpenTableStorage("s3://bucket/t").status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(OpenTableStorage("").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace orbitlake::storage
