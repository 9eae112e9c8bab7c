#include "registry/registry_ingest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace orbitlake::registry {
namespace {

constexpr const char* kDoc = "columns = [{ name = \"event_id\", type = \"string\", required = true }]\n";

TEST(BuildRegistryPipeline, OneRoutedTablePerTypeAndOneQuarantine) {
  auto spec = BuildRegistryPipeline({{"click", 1, kDoc}, {"page_view", 3, kDoc}}, "redis://r", "raw_events", "/lake/");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  ASSERT_EQ(spec->sources.size(), 1u);
  EXPECT_EQ(spec->sources[0].topics, std::vector<std::string>{"raw_events"});
  EXPECT_EQ(spec->sources[0].quarantine_path, "/lake/_quarantine");
  ASSERT_EQ(spec->tables.size(), 2u);
  EXPECT_EQ(spec->tables[1].name, "page_view");
  EXPECT_EQ(spec->tables[1].path, "/lake/page_view");
  EXPECT_EQ(spec->tables[1].quarantine_path, "/lake/_quarantine");
  ASSERT_TRUE(spec->tables[1].where.has_value());
  EXPECT_EQ(spec->tables[1].where->field, std::vector<std::string>{"event_type"});
  EXPECT_EQ(spec->tables[1].where->equals_json, "\"page_view\"");
  EXPECT_EQ(spec->tables[0].source, "events");
}

TEST(BuildRegistryPipeline, ABadDocumentNamesItsTypeAndVersion) {
  auto spec = BuildRegistryPipeline({{"click", 2, "columns = [{ name = \"x\", type = \"int\" }]\n"}}, "/reg", "t", "/l");
  EXPECT_THAT(spec.status().message(), ::testing::HasSubstr("/reg/click v2:1:"));
  EXPECT_EQ(BuildRegistryPipeline({}, "/reg", "t", "").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace orbitlake::registry
