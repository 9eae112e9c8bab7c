#include "ingest/decoder.h"

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "ingest/event_rows.h"
#include "ingest/telemetry_pipeline.h"
#include "pipeline/pipeline_file.h"
#include "telemetry/event.h"

namespace orbitlake::ingest {
namespace {

std::span<const uint8_t> Bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

pipeline::MessageMeta Meta(int64_t offset) {
  pipeline::MessageMeta m;
  m.topic = "raw_events";
  m.offset = offset;
  m.timestamp_ms = 1'700'000'000'000;
  return m;
}

constexpr std::string_view kPipeline = R"toml(
[[source]]
name = "events"
topics = ["raw_events"]
format = "json"

[[table]]
name = "page_view"
path = "/tmp/pv"
source = "events"
where = { field = "event_type", equals = "page_view" }
columns = [
  { name = "event_id", type = "string", from = "$.event_id", required = true },
  { name = "url", type = "string", from = "$.page.url" },
]

[[table]]
name = "purchase"
path = "/tmp/purchase"
source = "events"
where = { field = "event_type", equals = "purchase" }
columns = [
  { name = "event_id", type = "string", from = "$.event_id", required = true },
  { name = "amount", type = "decimal(12,2)", from = "$.amount" },
]
checks = ["amount >= 0"]

[[table]]
name = "all_events"
path = "/tmp/all"
source = "events"
columns = [{ name = "event_type", type = "string", from = "$.event_type" }]
)toml";

struct Json {
  pipeline::PipelineSpec spec;
  std::unique_ptr<Decoder> decoder;
  explicit Json(std::string_view toml = kPipeline) {
    auto s = pipeline::ParsePipeline(toml, "test.toml");
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    spec = *s;
    std::vector<const pipeline::TableSpec*> tables;
    for (const auto& t : spec.tables) tables.push_back(&t);
    auto d = MakeDecoder(spec.sources[0], tables);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    decoder = std::move(*d);
  }
  DecodeResult Decode(std::string_view json, TableMask wanted = kAllTables) {
    DecodeResult r;
    EXPECT_TRUE(decoder->Decode(Bytes(json), Meta(1), 0, wanted, &r).ok());
    return r;
  }
};

TEST(JsonDecoderTest, RoutesByFieldFansOutToTablesWithoutWhereAndTakesEventTimeFromKafka) {
  Json j;
  auto r = j.Decode(R"({"event_type":"page_view","event_id":"e1","page":{"url":"/a"}})");
  EXPECT_EQ(r.appended, 0b101u);
  EXPECT_TRUE(r.rejections.empty());
  EXPECT_EQ(r.event_time_ns, 1'700'000'000'000'000'000);
  r = j.Decode(R"({"event_type":"purchase","event_id":"e2","amount":"12.50"})");
  EXPECT_EQ(r.appended, 0b110u);
  EXPECT_EQ(j.decoder->rows(0), 1);
  EXPECT_EQ(j.decoder->rows(1), 1);
  EXPECT_EQ(j.decoder->rows(2), 2);
  auto batch = j.decoder->TakeBatch(1);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ((*batch)->num_rows(), 1);
  EXPECT_EQ((*batch)->schema()->field(1)->type()->ToString(), "decimal128(12, 2)");
  EXPECT_EQ(j.decoder->rows(1), 0);
}

TEST(JsonDecoderTest, RejectionsNameTheTableOrTheMessage) {
  Json j;
  // A check fails in purchase: its quarantine; the table without where still takes it.
  auto r = j.Decode(R"({"event_type":"purchase","event_id":"e3","amount":-1})");
  EXPECT_EQ(r.appended, 0b100u);
  ASSERT_EQ(r.rejections.size(), 1u);
  EXPECT_EQ(r.rejections[0].table, 1);
  EXPECT_NE(r.rejections[0].reason.find("amount >= 0"), std::string::npos) << r.rejections[0].reason;
  // Broken JSON: the message itself, with the byte offset.
  r = j.Decode(R"({"event_type":"purchase", "event_id": )");
  EXPECT_EQ(r.appended, 0u);
  ASSERT_EQ(r.rejections.size(), 1u);
  EXPECT_EQ(r.rejections[0].table, -1);
  EXPECT_NE(r.rejections[0].reason.find("byte"), std::string::npos) << r.rejections[0].reason;
}

// One source, one routed table (page_view).
constexpr std::string_view kRouted = R"toml(
[[source]]
name = "events"
topics = ["raw_events"]
[[table]]
name = "page_view"
path = "/tmp/pv"
source = "events"
where = { field = "event_type", equals = "page_view" }
columns = [{ name = "event_id", type = "string" }]
)toml";

TEST(JsonDecoderTest, NoRouteUnlessADefaultTableAndUnwantedTablesAreNotAsked) {
  Json j(kRouted);
  auto r = j.Decode(R"({"event_type":"click","event_id":"e1"})");
  ASSERT_EQ(r.rejections.size(), 1u);
  EXPECT_EQ(r.rejections[0].table, -1);
  EXPECT_NE(r.rejections[0].reason.find("no route"), std::string::npos);
  // Routed to a table that already holds the offset: not appended, not "no route".
  r = j.Decode(R"({"event_type":"page_view","event_id":"e1"})", /*wanted=*/0);
  EXPECT_EQ(r.appended, 0u);
  EXPECT_TRUE(r.rejections.empty());

  Json d(std::string(kRouted) + R"toml(
[[table]]
name = "other"
path = "/tmp/other"
source = "events"
default = true
columns = [{ name = "event_type", type = "string" }]
)toml");
  r = d.Decode(R"({"event_type":"click","event_id":"e1"})");
  EXPECT_EQ(r.appended, 0b10u);
  r = d.Decode(R"({"event_type":"page_view","event_id":"e1"})");
  EXPECT_EQ(r.appended, 0b01u) << "the default table takes only what no other table takes";
}

TEST(TelemetryDecoderTest, TheBuiltInPipelineDecodesEventsAndQuarantinesTheRest) {
  auto spec = TelemetryPipeline({});
  auto d = MakeDecoder(spec.sources[0], {&spec.tables[0]});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE((*d)->schema(0)->Equals(*RawTableSchema()));
  telemetry::EventEncoder enc;
  auto bytes = enc.Encode({"sat0", 7, 1'763'899'200'000'000'000LL, {1, 50, 700, 0.5, 0.5, 0.5}});
  DecodeResult r;
  ASSERT_TRUE((*d)->Decode(bytes, Meta(3), 0, kAllTables, &r).ok());
  EXPECT_EQ(r.appended, 1u);
  EXPECT_EQ(r.event_time_ns, 1'763'899'200'000'000'000LL);
  ASSERT_TRUE((*d)->Decode(Bytes("junk"), Meta(4), 0, kAllTables, &r).ok());
  EXPECT_EQ(r.appended, 0u);
  ASSERT_EQ(r.rejections.size(), 1u);
  EXPECT_EQ(r.rejections[0].table, -1);
  EXPECT_EQ((*d)->rows(0), 1);

  // A telemetry table must have the event's columns.
  auto changed = spec;
  changed.tables[0].columns.pop_back();
  auto bad = MakeDecoder(changed.sources[0], {&changed.tables[0]});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("'date'"), std::string::npos) << bad.status().ToString();
}

}  // namespace
}  // namespace orbitlake::ingest
