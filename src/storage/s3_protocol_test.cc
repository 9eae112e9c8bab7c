#include "storage/s3_protocol.h"

#include <gtest/gtest.h>

#include "storage/s3_storage.h"

namespace orbitlake::storage::s3 {
namespace {

TEST(UriEncodeTest, FollowsSigV4) {
  EXPECT_EQ(UriEncode("a-b_c.d~e/f g+h=i%j", true), "a-b_c.d~e/f%20g%2Bh%3Di%25j");
  EXPECT_EQ(UriEncode("t/_delta_log/", false), "t%2F_delta_log%2F");
  EXPECT_EQ(UriEncode("\xC3\xA9", true), "%C3%A9");
}

TEST(CanonicalQueryTest, SortedAndEncoded) {
  EXPECT_EQ(CanonicalQuery({{"prefix", "t/x y"}, {"list-type", "2"}, {"delimiter", "/"}}),
            "delimiter=%2F&list-type=2&prefix=t%2Fx%20y");
  EXPECT_EQ(CanonicalQuery({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(CanonicalQuery({{"uploadId", "a+b/c="}, {"partNumber", "10"}}), "partNumber=10&uploadId=a%2Bb%2Fc%3D");
}

TEST(ParseListObjectsV2Test, ReadsKeysSizesTimesAndTokens) {
  const std::string xml =
      R"(<?xml version="1.0" encoding="UTF-8"?>)"
      R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>lake</Name>)"
      R"(<Prefix>t/_delta_log/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><Delimiter>/</Delimiter>)"
      R"(<IsTruncated>true</IsTruncated>)"
      R"(<Contents><Key>t/_delta_log/a&amp;b &lt;c&gt;&#34;&#xE9;.json</Key><ETag>&#34;x&#34;</ETag><Size>12</Size>)"
      R"(<StorageClass>STANDARD</StorageClass><LastModified>2026-12-03T07:11:01Z</LastModified></Contents>)"
      R"(<Contents><Key>t/_delta_log/b</Key><LastModified>2026-12-03T07:11:01.250Z</LastModified><Size>0</Size></Contents>)"
      R"(<CommonPrefixes><Prefix>t/_delta_log/sub/</Prefix></CommonPrefixes>)"
      R"(<NextContinuationToken>tok+/=</NextContinuationToken></ListBucketResult>)";
  auto page = ParseListObjectsV2(xml);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "t/_delta_log/a&b <c>\"\xC3\xA9.json");
  EXPECT_EQ(page->objects[0].size, 12);
  EXPECT_EQ(page->objects[0].modification_time_ms, 1796281861000);
  EXPECT_EQ(page->objects[1].modification_time_ms, 1796281861250);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_continuation_token, "tok+/=");
}

TEST(ParseListObjectsV2Test, AnEmptyListing) {
  auto page = ParseListObjectsV2(
      "<ListBucketResult><Name>lake</Name><Prefix>x/</Prefix><KeyCount>0</KeyCount>"
      "<IsTruncated>false</IsTruncated></ListBucketResult>");
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->objects.empty());
  EXPECT_FALSE(page->truncated);
}

TEST(ParseListObjectsV2Test, RefusesWhatItCannotRead) {
  for (const char* xml : {
           "<Error><Code>AccessDenied</Code></Error>",
           "<ListBucketResult><Contents><Size>1</Size><LastModified>2026-01-01T00:00:00Z</LastModified></Contents>"
           "</ListBucketResult>",
           "<ListBucketResult><Contents><Key>a</Key><Size>-1</Size><LastModified>2026-01-01T00:00:00Z</LastModified>"
           "</Contents></ListBucketResult>",
           "<ListBucketResult><Contents><Key>a</Key><Size>1x</Size><LastModified>2026-01-01T00:00:00Z</LastModified>"
           "</Contents></ListBucketResult>",
           "<ListBucketResult><Contents><Key>a</Key><Size>1</Size><LastModified>yesterday</LastModified>"
           "</Contents></ListBucketResult>",
           "<ListBucketResult><Contents><Key>a&bogus;</Key><Size>1</Size>"
           "<LastModified>2026-01-01T00:00:00Z</LastModified></Contents></ListBucketResult>",
           "<ListBucketResult><Contents><Key>a</Key></ListBucketResult>",
           "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
       }) {
    auto page = ParseListObjectsV2(xml);
    ASSERT_FALSE(page.ok()) << xml;
    EXPECT_EQ(page.status().code(), StatusCode::kCorruption) << xml;
  }
}

TEST(ParseErrorTest, CodeAndMessage) {
  S3Error e = ParseError(
      "<?xml version=\"1.0\"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions "
      "you specified did not hold</Message><Condition>If-None-Match</Condition></Error>");
  EXPECT_EQ(e.code, "PreconditionFailed");
  EXPECT_EQ(e.message, "At least one of the pre-conditions you specified did not hold");
  EXPECT_TRUE(ParseError("<html>502 Bad Gateway</html>").code.empty());
  EXPECT_TRUE(ParseError("").code.empty());
}

TEST(MultipartXmlTest, UploadIdAndCompleteBody) {
  auto id = ParseUploadId(
      "<InitiateMultipartUploadResult><Bucket>lake</Bucket><Key>k</Key><UploadId>abc&amp;123</UploadId>"
      "</InitiateMultipartUploadResult>");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "abc&123");
  EXPECT_FALSE(ParseUploadId("<InitiateMultipartUploadResult></InitiateMultipartUploadResult>").ok());
  EXPECT_EQ(CompleteMultipartBody({"\"e1\"", "\"e2\""}),
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Part><PartNumber>1</PartNumber><ETag>&quot;e1&quot;</ETag></Part>"
            "<Part><PartNumber>2</PartNumber><ETag>&quot;e2&quot;</ETag></Part></CompleteMultipartUpload>");
}

TEST(ParseTimestampMsTest, FormsServersSend) {
  EXPECT_EQ(*ParseTimestampMs("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseTimestampMs("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_EQ(*ParseTimestampMs("1970-01-02T00:00:00.123456Z"), 86'400'123);
  EXPECT_EQ(*ParseTimestampMs("2000-03-01T00:00:00+00:00"), 951868800000);
  EXPECT_FALSE(ParseTimestampMs("2000-13-01T00:00:00Z").ok());
  EXPECT_FALSE(ParseTimestampMs("2000-03-01T00:00:00").ok());
  EXPECT_FALSE(ParseTimestampMs("2000-03-01T00:00:00+02:00").ok());
  EXPECT_FALSE(ParseTimestampMs("").ok());
}

}  // namespace
}  // namespace orbitlake::storage::s3

namespace orbitlake::storage {
namespace {

TEST(S3OptionsFromConfigTest, NamesLikeTheAwsSdksAndDeltaRs) {
  auto o = S3OptionsFromConfig({{"AWS_ACCESS_KEY_ID", "AKIA"},
                                {"AWS_SECRET_ACCESS_KEY", "shh"},
                                {"AWS_SESSION_TOKEN", "tok"},
                                {"AWS_REGION", "eu-west-1"},
                                {"AWS_ENDPOINT_URL", "http://127.0.0.1:9000/"},
                                {"AWS_ALLOW_HTTP", "true"},
                                {"PATH", "/usr/bin"}});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->access_key_id, "AKIA");
  EXPECT_EQ(o->secret_access_key, "shh");
  EXPECT_EQ(o->session_token, "tok");
  EXPECT_EQ(o->region, "eu-west-1");
  EXPECT_EQ(o->endpoint, "http://127.0.0.1:9000");
  EXPECT_TRUE(o->allow_http);
  EXPECT_FALSE(o->virtual_hosted_style);
}

TEST(S3OptionsFromConfigTest, DefaultsAndAlternativeNames) {
  auto d = S3OptionsFromConfig({});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->region, "us-east-1");
  EXPECT_TRUE(d->endpoint.empty());
  EXPECT_FALSE(d->allow_http);
  auto o = S3OptionsFromConfig({{"AWS_ACCESS_KEY", "old"},
                                {"AWS_SECRET_KEY", "older"},
                                {"aws_default_region", "ap-south-1"},
                                {"AWS_VIRTUAL_HOSTED_STYLE_REQUEST", "1"},
                                {"AWS_ENDPOINT_URL", ""}});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->access_key_id, "old");
  EXPECT_EQ(o->secret_access_key, "older");
  EXPECT_EQ(o->region, "ap-south-1");
  EXPECT_TRUE(o->virtual_hosted_style);
  EXPECT_TRUE(o->endpoint.empty());
}

TEST(S3OptionsFromConfigTest, BadValuesNameTheVariableNotTheSecret) {
  auto b = S3OptionsFromConfig({{"AWS_ALLOW_HTTP", "maybe"}, {"AWS_SECRET_ACCESS_KEY", "hunter2"}});
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("AWS_ALLOW_HTTP"), std::string::npos);
  EXPECT_EQ(b.status().message().find("hunter2"), std::string::npos);
  auto e = S3OptionsFromConfig({{"AWS_ENDPOINT_URL", "127.0.0.1:9000"}});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("AWS_ENDPOINT_URL"), std::string::npos);
}

}  // namespace
}  // namespace orbitlake::storage
