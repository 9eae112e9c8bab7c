// RunProduce's failures that need no broker: bad sample folders and unreachable brokers.
#include "producer/produce.h"

#include <fstream>

#include <gtest/gtest.h>

#include "samples/generator.h"
#include "support/test_env.h"

namespace orbitlake::producer {
namespace {

using orbitlake::testing::TempDir;

TEST(ProduceTest, MissingOrEmptyFolderFailsBeforeContactingKafka) {
  TempDir dir;
  ProduceOptions o;
  o.client.brokers = "127.0.0.1:1";
  o.samples_dir = dir.str() + "/missing";
  auto r = RunProduce(o);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("missing does not exist"), std::string::npos);
  o.samples_dir = dir.str();
  r = RunProduce(o);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("no .csv"), std::string::npos);
}

TEST(ProduceTest, RejectsBadOptions) {
  ProduceOptions o;
  o.rate = -1;
  EXPECT_EQ(RunProduce(o).status().code(), StatusCode::kInvalidArgument);
  o.rate = 1e-9;
  EXPECT_EQ(RunProduce(o).status().code(), StatusCode::kInvalidArgument);
  o.rate = 0;
  o.repeat = -1;
  EXPECT_EQ(RunProduce(o).status().code(), StatusCode::kInvalidArgument);
}

TEST(ProduceTest, WrongHeaderFailsBeforeContactingKafka) {
  TempDir dir;
  std::ofstream(dir.str() + "/sat0.csv") << "a,b,c\n1,2,3\n";
  ProduceOptions o;
  o.client.brokers = "127.0.0.1:1";
  o.samples_dir = dir.str();
  auto r = RunProduce(o);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("sat0.csv:1:1: unexpected header"), std::string::npos) << r.status().message();
}

TEST(ProduceTest, UnreachableBrokerFailsInBoundedTimeNamingIt) {
  TempDir dir;
  samples::GenerateOptions g;
  g.satellites = 1;
  g.rows = 10;
  g.out_dir = dir.str();
  ASSERT_TRUE(samples::GenerateSamples(g).ok());
  for (int partitions : {3, 0}) {
    ProduceOptions o;
    o.client.brokers = "127.0.0.1:1";
    o.samples_dir = dir.str();
    o.partitions = partitions;
    o.connect_timeout = std::chrono::seconds(2);
    const auto start = std::chrono::steady_clock::now();
    auto r = RunProduce(o);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("127.0.0.1:1"), std::string::npos) << r.status().ToString();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  }
}

}  // namespace
}  // namespace orbitlake::producer
