#include "pipeline/describe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pipeline/pipeline_file.h"

namespace orbitlake::pipeline {
namespace {

TEST(DescribePipelineTest, EverySectionAligned) {
  auto spec = ParsePipeline(R"(
[kafka]
brokers = "k:9092"
properties = { "security.protocol" = "SSL" }
[[source]]
name = "s"
topics = ["a", "b"]
[[table]]
name = "t"
path = "/lake/t"
where = { field = "kind", equals = 3 }
partition_by = ["day"]
columns = [
  { name = "id", type = "string", required = true },
  { name = "ts", type = "timestamp", from = "$.ts", unit = "s" },
  { name = "day", type = "date", from = "ts" },
  { name = "src", type = "string", value = "web" },
]
checks = ["id is not null", "src != 'x'"]
[[table]]
name = "other"
path = "/lake/other"
default = true
columns = [{ name = "raw", type = "string", from = "kafka.key" }]
)", "p.toml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(DescribePipeline(*spec),
            "kafka\n"
            "  brokers   k:9092\n"
            "  group     orbitlake\n"
            "  app_id    orbitlake\n"
            "  property  security.protocol = SSL\n"
            "\n"
            "source s\n"
            "  topics      a, b\n"
            "  format      json\n"
            "  tables      t, other\n"
            "  quarantine  /lake/s-quarantine  (messages no table takes, undecodable messages)\n"
            "\n"
            "table t\n"
            "  path          /lake/t\n"
            "  source        s\n"
            "  route         $.kind = 3\n"
            "  partition_by  day\n"
            "  quarantine    /lake/t-quarantine  (rejected messages: conversion, required, checks)\n"
            "  columns\n"
            "    name  type       from                     required\n"
            "    id    string     $.id                     yes\n"
            "    ts    timestamp  $.ts (numbers: epoch s)  no\n"
            "    day   date       ts                       no\n"
            "    src   string     value \"web\"              no\n"
            "  checks\n"
            "    id is not null\n"
            "    src != \"x\"\n"
            "\n"
            "table other\n"
            "  path          /lake/other\n"
            "  source        s\n"
            "  route         default: messages of source s no other table takes\n"
            "  partition_by  (none)\n"
            "  quarantine    /lake/other-quarantine  (rejected messages: conversion, required, checks)\n"
            "  columns\n"
            "    name  type    from       required\n"
            "    raw   string  kafka.key  no\n");
}

}  // namespace
}  // namespace orbitlake::pipeline
