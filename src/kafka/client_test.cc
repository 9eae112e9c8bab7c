#include "kafka/client.h"

#include <gtest/gtest.h>

#include "kafka/admin.h"
#include "kafka/producer.h"

namespace orbitlake::kafka {
namespace {

TEST(ClientTest, ParsesKeyValueProperties) {
  auto kv = ParseProperty("security.protocol=SASL_SSL");
  ASSERT_TRUE(kv.ok());
  EXPECT_EQ(kv->first, "security.protocol");
  EXPECT_EQ(kv->second, "SASL_SSL");
  auto eq = ParseProperty("sasl.jaas=a=b");
  ASSERT_TRUE(eq.ok());
  EXPECT_EQ(eq->second, "a=b");
  EXPECT_EQ(ParseProperty("novalue").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseProperty("=x").status().code(), StatusCode::kInvalidArgument);
}

TEST(ClientTest, SecretPropertiesAreRecognised) {
  EXPECT_TRUE(IsSecretProperty("sasl.password"));
  EXPECT_TRUE(IsSecretProperty("ssl.key.password"));
  EXPECT_TRUE(IsSecretProperty("sasl.oauthbearer.client.secret"));
  EXPECT_FALSE(IsSecretProperty("sasl.username"));
  EXPECT_FALSE(IsSecretProperty("bootstrap.servers"));
}

TEST(ClientTest, BadPropertyIsAnErrorNamingTheKeyButNotASecretValue) {
  ProducerOptions o;
  o.client.properties = {{"no.such.property", "1"}};
  auto p = Producer::Create(o);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("no.such.property"), std::string::npos);

  o.client.properties = {{"sasl.password", "hunter2"}, {"security.protocol", "bogus"}};
  auto q = Producer::Create(o);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().message().find("hunter2"), std::string::npos);
}

TEST(ClientTest, UnreachableBrokerFailsInBoundedTimeNamingTheServers) {
  ClientOptions c;
  c.brokers = "127.0.0.1:1";  // nothing listens on port 1
  auto start = std::chrono::steady_clock::now();
  Status st = CreateTopic(c, "t", 1, std::chrono::milliseconds(1500));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("127.0.0.1:1"), std::string::npos) << st.ToString();
  EXPECT_LT(took, std::chrono::seconds(10));
}

}  // namespace
}  // namespace orbitlake::kafka
