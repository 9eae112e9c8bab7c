#include "dashboard/layout.h"

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "support/satellite_batch.h"

namespace orbitlake::dashboard {
namespace {

std::shared_ptr<arrow::Schema> RawLike() {
  auto ts = arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
  return arrow::schema({arrow::field("satellite", arrow::utf8()), arrow::field("sequence", arrow::int64()),
                        arrow::field("event_time", ts), arrow::field("event_time_ns", arrow::int64()),
                        arrow::field("temp_c", arrow::float64()), arrow::field("battery_charge_pct", arrow::float64()),
                        arrow::field("altitude", arrow::float64()), arrow::field("kafka_partition", arrow::int32()),
                        arrow::field("kafka_offset", arrow::int64()), arrow::field("kafka_timestamp", ts),
                        arrow::field("ingest_time", ts)});
}

TEST(Layout, TheRawTableChartsItsMeasurementsPerSatellite) {
  auto l = ChooseLayout(*RawLike());
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(l->time_column, "event_time");
  EXPECT_EQ(l->group_column, "satellite");
  EXPECT_EQ(l->value_columns, (std::vector<std::string>{"temp_c", "battery_charge_pct", "altitude"}));
  EXPECT_EQ(l->units.at("temp_c"), "°C");
  EXPECT_EQ(l->units.at("battery_charge_pct"), "%");
  EXPECT_EQ(l->units.at("altitude"), "km");
}

TEST(Layout, OtherSchemasPickTheirTimeAndGroupColumns) {
  auto l = ChooseLayout(*orbitlake::testing::SatelliteSchema());
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->time_column, "ts");
  EXPECT_EQ(l->group_column, "sat_id");
  EXPECT_EQ(l->value_columns, (std::vector<std::string>{"alt_km", "lat", "lon"}));  // seq is bookkeeping
  auto sensors = arrow::schema({arrow::field("sensor_id", arrow::utf8()),
                                arrow::field("kafka_timestamp", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
                                arrow::field("humidity", arrow::float32())});
  auto s = ChooseLayout(*sensors);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->time_column, "kafka_timestamp");  // the only timestamp: the fallback
  EXPECT_EQ(s->group_column, "sensor_id");
  EXPECT_EQ(s->units.at("humidity"), "%");
}

TEST(Layout, FlagsOverrideAndBadNamesAreRefused) {
  auto l = ChooseLayout(*RawLike(), {.group_column = "kafka_partition", .value_columns = {"kafka_offset"}});
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(l->group_column, "kafka_partition");
  EXPECT_EQ(l->value_columns, std::vector<std::string>{"kafka_offset"});
  auto bad_group = ChooseLayout(*RawLike(), {.group_column = "device"});
  EXPECT_EQ(bad_group.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_group.status().message().find("'device'"), std::string::npos);
  auto not_number = ChooseLayout(*RawLike(), {.value_columns = {"satellite"}});
  EXPECT_NE(not_number.status().message().find("not a number"), std::string::npos);
}

TEST(Layout, ASchemaWithoutNumbersHasNothingToChart) {
  auto l = ChooseLayout(*arrow::schema({arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
                                        arrow::field("note", arrow::utf8())}));
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->value_columns.empty());
  EXPECT_EQ(l->all_columns, (std::vector<std::string>{"ts timestamp", "note string"}));
}

}  // namespace
}  // namespace orbitlake::dashboard
