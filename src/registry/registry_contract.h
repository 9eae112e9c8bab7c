// The contract every Registry backend meets, as a value-parameterised gtest suite:
// instantiate it with a factory of fresh, empty registries (registry_test.cc: folder,
// registry_redis_test.cc: a real Redis server).
#pragma once

#include <functional>
#include <memory>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "registry/registry.h"

namespace orbitlake::registry {

using RegistryFactory = std::function<std::unique_ptr<Registry>()>;

class RegistryContract : public ::testing::TestWithParam<RegistryFactory> {};

inline constexpr const char* kV1 = "columns = [\n  { name = \"event_id\", type = \"string\", required = true },\n"
                                   "  { name = \"n\", type = \"long\" },\n]\n";
inline constexpr const char* kV2 = "columns = [\n  { name = \"event_id\", type = \"string\", required = true },\n"
                                   "  { name = \"n\", type = \"long\" },\n  { name = \"extra\", type = \"string\" },\n]\n";

TEST_P(RegistryContract, PutListVersions) {
  auto reg = GetParam()();
  auto empty = reg->List();
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());

  auto p1 = PutSchema(*reg, "page_view", kV1);
  ASSERT_TRUE(p1.ok()) << p1.status().ToString();
  EXPECT_EQ(p1->version, 1);
  EXPECT_FALSE(p1->unchanged);
  auto again = PutSchema(*reg, "page_view", kV1);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->unchanged);
  EXPECT_EQ(again->version, 1);
  ASSERT_TRUE(PutSchema(*reg, "click", kV1).ok());
  auto p2 = PutSchema(*reg, "page_view", kV2);
  ASSERT_TRUE(p2.ok()) << p2.status().ToString();
  EXPECT_EQ(p2->version, 2);
  EXPECT_EQ(p2->added_columns, std::vector<std::string>{"extra"});

  auto list = reg->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].type, "click");
  EXPECT_EQ((*list)[0].version, 1);
  EXPECT_EQ((*list)[1].type, "page_view");
  EXPECT_EQ((*list)[1].version, 2);
  EXPECT_EQ((*list)[1].document, kV2);
  auto versions = reg->Versions("page_view");
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].document, kV1);
  EXPECT_TRUE(reg->Versions("nope")->empty());
}

TEST_P(RegistryContract, AppendWithAStaleVersionConflicts) {
  auto reg = GetParam()();
  ASSERT_TRUE(reg->Append("t", 0, kV1).ok());
  EXPECT_EQ(reg->Append("t", 0, kV2).code(), StatusCode::kConflict);
  EXPECT_TRUE(reg->Append("t", 1, kV2).ok());
  EXPECT_EQ(reg->List()->at(0).version, 2);
}

TEST_P(RegistryContract, RefusesInvalidAndIncompatibleSchemas) {
  auto reg = GetParam()();
  ASSERT_TRUE(PutSchema(*reg, "t", kV1).ok());
  auto bad = PutSchema(*reg, "t", "columns = [{ name = \"x\", type = \"int\" }]\n");
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("did you mean integer"));
  auto dropped = PutSchema(*reg, "t", "columns = [{ name = \"event_id\", type = \"string\", required = true }]\n");
  EXPECT_THAT(dropped.status().message(), ::testing::HasSubstr("column n of the previous version is missing"));
  auto retyped = PutSchema(*reg, "t", "columns = [{ name = \"event_id\", type = \"string\", required = true },"
                                      "{ name = \"n\", type = \"string\" }]\n");
  EXPECT_THAT(retyped.status().message(), ::testing::HasSubstr("column n changes type from long to string"));
  auto required = PutSchema(*reg, "t", std::string(kV1).replace(std::string(kV1).rfind(']'), 1,
                                                               "{ name = \"r\", type = \"long\", required = true }]"));
  EXPECT_THAT(required.status().message(), ::testing::HasSubstr("new column r is required"));
  auto twice = PutSchema(*reg, "u", "columns = [{ name = \"a\", type = \"string\" },"
                                    "{ name = \"b\", type = \"string\", from = \"$.a\" }]\n");
  EXPECT_THAT(twice.status().message(), ::testing::HasSubstr("read by column"));
  EXPECT_THAT(PutSchema(*reg, "9lives", kV1).status().message(), ::testing::HasSubstr("must start with a letter"));
  EXPECT_THAT(PutSchema(*reg, "t-quarantine", kV1).status().message(), ::testing::HasSubstr("-quarantine"));
  EXPECT_EQ(reg->List()->at(0).version, 1) << "nothing refused was stored";
}

}  // namespace orbitlake::registry
