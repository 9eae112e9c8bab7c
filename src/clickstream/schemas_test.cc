#include "clickstream/schemas.h"

#include <gtest/gtest.h>

#include "clickstream/generator.h"
#include "pipeline/pipeline_file.h"

namespace orbitlake::clickstream {
namespace {

TEST(EventSchemas, OnePerTypeAndEachValid) {
  auto schemas = EventSchemas();
  ASSERT_EQ(schemas.size(), kEventTypes.size());
  for (size_t i = 0; i < schemas.size(); ++i) {
    EXPECT_EQ(schemas[i].first, kEventTypes[i]);
    auto t = pipeline::ParseTableSchema(schemas[i].second, schemas[i].first, schemas[i].first);
    ASSERT_TRUE(t.ok()) << t.status().ToString() << "\n" << schemas[i].second;
    EXPECT_EQ(t->columns.front().name, "event_id");
    EXPECT_TRUE(t->columns.front().required);
  }
}

}  // namespace
}  // namespace orbitlake::clickstream
