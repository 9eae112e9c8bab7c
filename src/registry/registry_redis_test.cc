// The registry contract against a real Redis server (the redis_server CTest fixture).
#include "registry/registry.h"
#include "registry/redis_client.h"
#include "registry/registry_contract.h"
#include "support/test_env.h"

namespace orbitlake::registry {
namespace {

INSTANTIATE_TEST_SUITE_P(Redis, RegistryContract, ::testing::Values(RegistryFactory([] {
                           // A namespace per registry: tests share the server.
                           auto r = OpenRegistry(testing::TestRedisUrl() + "/" + testing::UniqueName("test"));
                           EXPECT_TRUE(r.ok()) << r.status().ToString();
                           return std::move(*r);
                         })));

TEST(RedisRegistry, NamespacesAreSeparate) {
  const std::string ns = testing::UniqueName("ns");
  auto a = OpenRegistry(testing::TestRedisUrl() + "/" + ns + "-a");
  auto b = OpenRegistry(testing::TestRedisUrl() + "/" + ns + "-b");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(PutSchema(**a, "t", kV1).ok());
  EXPECT_EQ((*a)->List()->size(), 1u);
  EXPECT_TRUE((*b)->List()->empty());
}

TEST(RedisClient, CommandsAndErrorReplies) {
  const std::string url = testing::TestRedisUrl();
  const std::string hostport = url.substr(std::string("redis://").size());
  RedisOptions o;
  o.host = hostport.substr(0, hostport.rfind(':'));
  o.port = std::stoi(hostport.substr(hostport.rfind(':') + 1));
  auto c = RedisClient::Create(o);
  const std::string key = testing::UniqueName("k");
  auto set = c->Command({"SET", key, std::string("a\0b", 3)});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->kind, RedisReply::Kind::kStatus);
  auto get = c->Command({"GET", key});
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->str, std::string("a\0b", 3)) << "binary safe";
  auto err = c->Command({"NOSUCHCOMMAND"});
  ASSERT_TRUE(err.ok());
  EXPECT_EQ(err->kind, RedisReply::Kind::kError);
  EXPECT_EQ(c->Command({"DEL", key})->integer, 1);
}

}  // namespace
}  // namespace orbitlake::registry
