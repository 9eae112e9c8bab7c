#include "kafka/client.h"

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kafka/admin.h"
#include "kafka/producer.h"
#include "kafka/rdkafka_util.h"

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

// Client metrics pushes made every handle's close wait up to ~1 s at random; they are
// off unless the user asks for them.
TEST(ClientTest, ClientMetricsPushIsOffByDefaultAndUserCanTurnItOn) {
  if (!internal::HasClientMetrics()) GTEST_SKIP() << "librdkafka < 2.5 has no enable.metrics.push";
  auto value = [](const ClientOptions& options) {
    auto conf = internal::BuildConf(options, {});
    EXPECT_TRUE(conf.ok()) << conf.status().ToString();
    char buf[16];
    size_t size = sizeof buf;
    EXPECT_EQ(rd_kafka_conf_get(conf->get(), "enable.metrics.push", buf, &size), RD_KAFKA_CONF_OK);
    return std::string(buf);
  };
  ClientOptions o;
  EXPECT_EQ(value(o), "false");
  o.properties.emplace_back("enable.metrics.push", "true");
  EXPECT_EQ(value(o), "true");
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

TEST(ClientTest, MistypedSecretPropertyIsNotEchoed) {
  auto r = ParseProperty("sasl.password:hunter2hunter2");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("hunter2"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("sasl.password"), std::string::npos) << r.status().message();
}

std::mutex captured_mu;
std::vector<std::string> captured;  // GUARDED_BY(captured_mu)
void CaptureLine(int /*level*/, std::string_view line) {
  std::lock_guard lock(captured_mu);
  captured.emplace_back(line);
}

// librdkafka's own log lines (here: connection failures, SASL set-up and the `debug`
// dump of the configuration) reach orbitlake's sink, never stderr raw, and carry no
// secret value.
TEST(ClientTest, LibrdkafkaLogLinesAreRoutedAndRedacted) {
  SetLogSink(&CaptureLine);
  const std::string secret = "S3cr3t-pa55-for-client-test";
  const std::string key_secret = "k3y-pa55-for-client-test";
  ProducerOptions o;
  o.client.brokers = "127.0.0.1:1";  // nothing listens: connection errors are logged
  o.client.properties = {{"security.protocol", "SASL_PLAINTEXT"}, {"sasl.mechanism", "PLAIN"},
                         {"sasl.username", "alice"},         {"sasl.password", secret},
                         {"ssl.key.password", key_secret},   {"debug", "conf,security,broker"}};
  {
    auto p = Producer::Create(o);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  }
  SetLogSink(nullptr);
  std::lock_guard lock(captured_mu);
  ASSERT_FALSE(captured.empty()) << "librdkafka logged nothing through the sink";
  bool saw_connect_error = false;
  for (const auto& line : captured) {
    EXPECT_EQ(line.find(secret), std::string::npos) << line;
    EXPECT_EQ(line.find(key_secret), std::string::npos) << line;
    EXPECT_EQ(line.rfind("orbitlake: kafka ", 0), 0u) << line;
    if (line.find("127.0.0.1:1") != std::string::npos) saw_connect_error = true;
  }
  EXPECT_TRUE(saw_connect_error);
}

TEST(ClientTest, RedactSecretsReplacesEveryKnownSecretValue) {
  ProducerOptions o;
  o.client.brokers = "127.0.0.1:1";
  o.client.properties = {{"sasl.password", "pw-abc"}, {"sasl.password", "pw-abcdef"}, {"sasl.username", "bob-user"}};
  auto p = Producer::Create(o);  // registers the values
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(RedactSecrets("x pw-abcdef y pw-abc z bob-user"), "x <redacted> y <redacted> z bob-user");
  EXPECT_EQ(RedactSecrets("nothing here"), "nothing here");
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
