#include "mqtt/client.h"

#include <gtest/gtest.h>

#include "support/test_env.h"

namespace orbitlake::mqtt {
namespace {

using std::chrono::milliseconds;

TEST(BrokerUrl, Forms) {
  auto a = ParseBrokerUrl("tcp://127.0.0.1:1884");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 1884);
  EXPECT_EQ(a->ToString(), "tcp://127.0.0.1:1884");
  EXPECT_EQ(ParseBrokerUrl("mqtt://broker")->port, 1883);
  EXPECT_EQ(ParseBrokerUrl("localhost:2000")->host, "localhost");
  EXPECT_FALSE(ParseBrokerUrl("ssl://h:1").ok());
  EXPECT_FALSE(ParseBrokerUrl("tcp://h:0").ok());
  EXPECT_FALSE(ParseBrokerUrl("tcp://h:99999").ok());
  EXPECT_FALSE(ParseBrokerUrl("tcp://:1883").ok());
  EXPECT_FALSE(ParseBrokerUrl("tcp://h:12x").ok());
}

TEST(Topics, FiltersAndNames) {
  EXPECT_TRUE(TopicMatches("sensors/+/dht11", "sensors/board-1/dht11"));
  EXPECT_FALSE(TopicMatches("sensors/+/dht11", "sensors/board-1/sr04"));
  EXPECT_TRUE(TopicMatches("sensors/#", "sensors/a/b/c"));
  EXPECT_FALSE(TopicMatches("sensors/+", "sensors/a/b"));
  EXPECT_TRUE(CheckTopicFilter("a/+/#").ok());
  EXPECT_FALSE(CheckTopicFilter("a/#/b").ok());
  EXPECT_FALSE(CheckTopicFilter("a/b+").ok());
  EXPECT_FALSE(CheckTopicFilter("").ok());
  EXPECT_TRUE(CheckTopicName("sensors/x/dht11").ok());
  EXPECT_FALSE(CheckTopicName("sensors/+/dht11").ok());
}

TEST(Connect, UnreachableBrokerIsUnavailable) {
  ConnectOptions o;
  o.broker = *ParseBrokerUrl("tcp://127.0.0.1:1");  // nothing listens on port 1
  o.client_id = "nobody";
  o.connect_timeout = milliseconds(500);
  auto c = Connection::Connect(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kUnavailable) << c.status().ToString();
  EXPECT_NE(c.status().message().find("127.0.0.1:1"), std::string::npos) << c.status().ToString();
}

class BrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = ParseBrokerUrl(testing::TestMqttUrl());
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    broker_ = *url;
    prefix_ = testing::UniqueName("t");
  }
  ConnectOptions Options(const std::string& id, bool clean) {
    ConnectOptions o;
    o.broker = broker_;
    o.client_id = prefix_ + "-" + id;
    o.clean_session = clean;
    return o;
  }
  std::unique_ptr<Connection> Subscriber() {
    auto c = Connection::Connect(Options("sub", false));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    if (!c.ok()) return nullptr;
    EXPECT_TRUE((*c)->Subscribe({prefix_ + "/#"}, milliseconds(5000)).ok());
    return std::move(c).value();
  }
  void Publish(int n) {
    auto pub = Connection::Connect(Options("pub", true));
    ASSERT_TRUE(pub.ok()) << pub.status().ToString();
    for (int i = 0; i < n; ++i) {
      int mid = 0;
      ASSERT_TRUE((*pub)->Publish(prefix_ + "/m", "m" + std::to_string(i), 1, &mid).ok());
    }
    size_t acked = 0;
    std::vector<Message> none;
    for (int i = 0; i < 100 && acked < static_cast<size_t>(n); ++i) {
      ASSERT_TRUE((*pub)->Flush().ok());
      ASSERT_TRUE((*pub)->Read(milliseconds(50), 0, &none).ok());
      acked += (*pub)->TakeAcknowledged().size();
    }
    ASSERT_EQ(acked, static_cast<size_t>(n)) << "the broker did not acknowledge every publish";
  }
  std::vector<Message> ReadAll(Connection& c, size_t expect) {
    std::vector<Message> got;
    for (int i = 0; i < 100 && got.size() < expect; ++i) EXPECT_TRUE(c.Read(milliseconds(50), 1000, &got).ok());
    // A little longer: nothing more may come.
    EXPECT_TRUE(c.Read(milliseconds(200), 1000, &got).ok());
    return got;
  }
  BrokerAddress broker_;
  std::string prefix_;
};

// The property the bridge rests on: a QoS 1 message read but not Flush()ed is not
// acknowledged, so the persistent session gets it again on the next connection; once
// flushed it is not redelivered.
TEST_F(BrokerTest, UnflushedMessagesAreRedeliveredFlushedOnesAreNot) {
  Subscriber();  // creates the persistent session and its subscription
  Publish(5);
  {
    auto sub = Subscriber();
    ASSERT_NE(sub, nullptr);
    auto got = ReadAll(*sub, 5);
    ASSERT_EQ(got.size(), 5u);
    EXPECT_EQ(got[0].payload, "m0");
    EXPECT_EQ(got[4].payload, "m4");
    EXPECT_EQ(got[0].qos, 1);
    // Dropped without Flush(): as if the process had been killed before Kafka acked.
  }
  {
    auto sub = Subscriber();
    ASSERT_NE(sub, nullptr);
    auto again = ReadAll(*sub, 5);
    ASSERT_EQ(again.size(), 5u) << "unacknowledged messages were not redelivered";
    EXPECT_EQ(again[0].payload, "m0");
    ASSERT_TRUE(sub->Flush().ok());
    // Let the PUBACKs reach the broker before the socket closes.
    std::vector<Message> none;
    ASSERT_TRUE(sub->Read(milliseconds(200), 0, &none).ok());
  }
  auto sub = Subscriber();
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(ReadAll(*sub, 0).size(), 0u) << "acknowledged messages came again";
}

}  // namespace
}  // namespace orbitlake::mqtt
