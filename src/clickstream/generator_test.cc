#include "clickstream/generator.h"

#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace orbitlake::clickstream {
namespace {

std::vector<Event> All(const GeneratorOptions& o) {
  auto g = Generator::Make(o);
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  std::vector<Event> out;
  while (auto e = g->Next()) out.push_back(std::move(*e));
  return out;
}

TEST(Generator, ExactlyEventsPerTypeWithUniqueIds) {
  GeneratorOptions o;
  o.events_per_type = 37;
  o.users = 5;
  auto events = All(o);
  ASSERT_EQ(events.size(), 37u * kEventTypes.size());
  std::map<std::string, int> per_type;
  std::set<std::string> ids;
  for (const auto& e : events) {
    auto j = nlohmann::json::parse(e.json);
    EXPECT_EQ(j["event_type"], e.type);
    EXPECT_EQ(j["event_id"], e.id);
    EXPECT_EQ(j["session_id"], e.session_id);
    EXPECT_EQ(j["timestamp"], FormatTimestampMs(e.timestamp_ms));
    EXPECT_GE(j["user_id"].get<int64_t>(), 1);
    EXPECT_LE(j["user_id"].get<int64_t>(), 5);
    EXPECT_TRUE(j["user_agent"].is_string());
    ++per_type[e.type];
    ids.insert(e.id);
  }
  for (auto t : kEventTypes) EXPECT_EQ(per_type[std::string(t)], 37) << t;
  EXPECT_EQ(ids.size(), events.size());
}

TEST(Generator, SameSeedSameEventsOtherSeedOthers) {
  GeneratorOptions o;
  o.events_per_type = 20;
  auto a = All(o), b = All(o);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].json, b[i].json);
  o.seed = 2;
  auto c = All(o);
  EXPECT_NE(a[0].id, c[0].id);
}

TEST(Generator, SessionsAreOrderedAndPurchasesSumTheirItems) {
  GeneratorOptions o;
  o.events_per_type = 200;
  auto events = All(o);
  std::map<std::string, int64_t> last_ts;
  std::map<std::string, std::string> first_type;
  int with_referrer = 0;
  for (const auto& e : events) {
    auto j = nlohmann::json::parse(e.json);
    auto [it, fresh] = last_ts.emplace(e.session_id, e.timestamp_ms);
    if (!fresh) {
      EXPECT_GT(e.timestamp_ms, it->second) << "session events in time order";
      it->second = e.timestamp_ms;
    }
    first_type.emplace(e.session_id, e.type);
    if (e.type == "page_view" && j["referrer"].is_string()) ++with_referrer;
    if (e.type == "purchase") {
      ASSERT_TRUE(j["items"].is_array());
      ASSERT_FALSE(j["items"].empty());
      int64_t cents = 0;
      for (const auto& item : j["items"]) {
        cents += std::llround(item["price"].get<double>() * 100) * item["quantity"].get<int64_t>();
      }
      EXPECT_EQ(std::llround(j["amount"].get<double>() * 100), cents) << e.json;
      EXPECT_EQ(j["currency"], "EUR");
    }
    if (e.type == "add_to_cart") {
      EXPECT_GE(j["quantity"].get<int>(), 1);
      EXPECT_TRUE(j["sku"].is_string());
    }
    if (e.type == "search") {
      EXPECT_TRUE(j["query"].is_string());
    }
  }
  // A session that starts while page views are left starts with one (later ones start
  // with what is left: every type gets exactly its count).
  size_t last_view = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].type == "page_view") last_view = i;
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < last_view; ++i) {
    if (seen.insert(events[i].session_id).second) {
      EXPECT_EQ(events[i].type, "page_view") << i;
    }
  }
  EXPECT_GT(first_type.size(), 20u) << "many sessions";
  EXPECT_GT(with_referrer, 0);
}

TEST(Generator, ZeroEventsAndBadOptions) {
  GeneratorOptions o;
  o.events_per_type = 0;
  EXPECT_TRUE(All(o).empty());
  o.users = 0;
  EXPECT_EQ(Generator::Make(o).status().code(), StatusCode::kInvalidArgument);
  o.users = 1;
  o.events_per_type = -1;
  EXPECT_EQ(Generator::Make(o).status().code(), StatusCode::kInvalidArgument);
}

TEST(Generator, FormatTimestamp) {
  EXPECT_EQ(FormatTimestampMs(1'767'225'600'000), "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestampMs(1'767'225'600'000 + 3'723'045), "2026-01-01T01:02:03.045Z");
  EXPECT_EQ(FormatTimestampMs(-1), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace orbitlake::clickstream
