#include "delta/partition_filter.h"

#include <arrow/api.h>
#include <gtest/gtest.h>

namespace orbitlake::delta {
namespace {

std::shared_ptr<arrow::Schema> TestSchema() {
  return arrow::schema({arrow::field("date", arrow::date32()), arrow::field("sat", arrow::utf8()),
                        arrow::field("shard", arrow::int32()), arrow::field("value", arrow::float64()),
                        arrow::field("hour", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"))});
}
const std::vector<std::string> kParts = {"date", "sat", "shard", "hour"};

PartitionFilter P(const std::string& text) {
  auto f = PartitionFilter::Parse(text, *TestSchema(), kParts);
  EXPECT_TRUE(f.ok()) << text << ": " << f.status().ToString();
  return f.ok() ? *f : PartitionFilter();
}

PartitionValues V(std::optional<std::string> date, std::optional<std::string> sat = "a",
                  std::optional<std::string> shard = "1", std::optional<std::string> hour = std::nullopt) {
  return {{"date", date}, {"sat", sat}, {"shard", shard}, {"hour", hour}};
}

TEST(PartitionFilterTest, EmptyMatchesEverything) {
  EXPECT_TRUE(P("").empty());
  EXPECT_TRUE(P("   ").Matches(V(std::nullopt)));
}

TEST(PartitionFilterTest, ComparesByTheColumnsType) {
  auto since = P("date >= '2026-11-01'");
  EXPECT_TRUE(since.Matches(V("2026-11-01")));
  EXPECT_TRUE(since.Matches(V("2026-12-31")));
  EXPECT_FALSE(since.Matches(V("2026-10-31")));
  EXPECT_FALSE(since.Matches(V(std::nullopt)));  // null: false, as in SQL
  // Numbers by value, not text: 9 < 10.
  auto shard = P("shard < 10");
  EXPECT_TRUE(shard.Matches(V("2026-01-01", "a", "9")));
  EXPECT_FALSE(shard.Matches(V("2026-01-01", "a", "10")));
  EXPECT_TRUE(P("shard = '9'").Matches(V("2026-01-01", "a", "9")));
  // Timestamps in whichever text the writer used (delta-rs: space, Spark/orbitlake: T Z).
  auto hour = P("hour = '2026-01-01 10:00:00'");
  EXPECT_TRUE(hour.Matches(V("2026-01-01", "a", "1", "2026-01-01T10:00:00.000000Z")));
  EXPECT_TRUE(hour.Matches(V("2026-01-01", "a", "1", "2026-01-01 10:00:00")));
  EXPECT_FALSE(hour.Matches(V("2026-01-01", "a", "1", "2026-01-01 10:00:01")));
}

TEST(PartitionFilterTest, AndNullsAndQuotes) {
  auto f = P("date >= '2026-11-01' AND date < '2026-12-01' and sat != 'b'");
  EXPECT_TRUE(f.Matches(V("2026-11-15", "a")));
  EXPECT_FALSE(f.Matches(V("2026-11-15", "b")));
  EXPECT_FALSE(f.Matches(V("2026-12-01", "a")));
  EXPECT_TRUE(P("sat IS NULL").Matches(V("2026-01-01", std::nullopt)));
  EXPECT_TRUE(P("sat is null").Matches(V("2026-01-01", "")));  // "" reads as null
  EXPECT_FALSE(P("sat IS NULL").Matches(V("2026-01-01", "a")));
  EXPECT_TRUE(P("sat IS NOT NULL").Matches(V("2026-01-01", "a")));
  EXPECT_TRUE(P("sat = 'o''brien'").Matches(V("2026-01-01", "o'brien")));
  EXPECT_TRUE(P("`sat` == 'a'").Matches(V("2026-01-01", "a")));
  EXPECT_EQ(f.Describe(), (std::vector<std::string>{"date >= '2026-11-01'", "date < '2026-12-01'", "sat != 'b'"}));
  EXPECT_EQ(P("shard <> 3 AND sat IS NOT NULL AND sat = 'it''s'").Describe(),
            (std::vector<std::string>{"shard != 3", "sat IS NOT NULL", "sat = 'it''s'"}));
}

TEST(PartitionFilterTest, ClearErrors) {
  auto err = [](const std::string& text) {
    auto f = PartitionFilter::Parse(text, *TestSchema(), kParts);
    EXPECT_FALSE(f.ok()) << text;
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument) << text;
    return f.status().message();
  };
  EXPECT_NE(err("value = 1").find("'value' is not a partition column of this table (partition columns: date, sat, "
                                  "shard, hour)"),
            std::string::npos);
  EXPECT_NE(err("date >= 'November'").find("'November' is not a value of column 'date'"), std::string::npos);
  EXPECT_NE(err("shard = 1.5").find("is not a value of column 'shard'"), std::string::npos);
  EXPECT_NE(err("date = '2026-01-01' OR sat = 'a'").find("only AND is supported"), std::string::npos);
  EXPECT_NE(err("date ~ 'x'").find("expected a comparison"), std::string::npos);
  EXPECT_NE(err("sat = 'open").find("unterminated"), std::string::npos);
  EXPECT_NE(err("sat = 'a' sat = 'b'").find("expected AND at character 11"), std::string::npos);
  EXPECT_NE(err("sat IS 'a'").find("expected NULL"), std::string::npos);
  EXPECT_NE(err("= 'a'").find("expected a column name"), std::string::npos);
  auto none = PartitionFilter::Parse("date = '2026-01-01'", *TestSchema(), {});
  EXPECT_NE(none.status().message().find("(it has none)"), std::string::npos);
}

}  // namespace
}  // namespace orbitlake::delta
