#include "clickstream/generator.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/civil_date.h"

namespace orbitlake::clickstream {
namespace {

using Json = nlohmann::ordered_json;

struct Product {
  const char* sku;
  const char* name;
  const char* category;
  int64_t price_cents;
};
constexpr Product kProducts[] = {
    {"SKU-1001", "Trail running shoes", "shoes", 11999},  {"SKU-1002", "Leather boots", "shoes", 15950},
    {"SKU-2001", "Rain jacket", "outerwear", 8999},       {"SKU-2002", "Down parka", "outerwear", 24900},
    {"SKU-3001", "Merino t-shirt", "tops", 3995},         {"SKU-3002", "Linen shirt", "tops", 4950},
    {"SKU-4001", "Canvas backpack", "bags", 6900},        {"SKU-4002", "Travel duffel", "bags", 9499},
    {"SKU-5001", "Steel water bottle", "accessories", 1999}, {"SKU-5002", "Wool beanie", "accessories", 1450},
    {"SKU-5003", "Sunglasses", "accessories", 7900},      {"SKU-6001", "Headlamp", "gear", 3499},
};
constexpr const char* kCategories[] = {"shoes", "outerwear", "tops", "bags", "accessories", "gear"};
constexpr const char* kReferrers[] = {"https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/",
                                      "https://t.co/", "https://www.instagram.com/", "https://news.ycombinator.com/",
                                      ""};  // "" = typed in / bookmark (null)
constexpr const char* kUserAgents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36",
};
constexpr const char* kElements[] = {"nav-logo", "nav-search", "product-card", "add-to-cart-button",
                                     "banner",   "footer-link", "filter-size", "sort-price"};
constexpr const char* kPayments[] = {"card", "paypal", "apple_pay", "klarna"};
constexpr const char* kQueries[] = {"running shoes", "rain jacket", "backpack", "merino", "boots",
                                    "water bottle",  "beanie",      "parka",    "sunglasses", "headlamp"};

template <typename T, size_t N>
constexpr size_t Count(const T (&)[N]) {
  return N;
}

double Money(int64_t cents) { return static_cast<double>(cents) / 100.0; }

}  // namespace

std::string FormatTimestampMs(int64_t ms) {
  int64_t days = ms / 86'400'000;
  int64_t rest = ms % 86'400'000;
  if (rest < 0) {
    rest += 86'400'000;
    --days;
  }
  return fmt::format("{}T{:02}:{:02}:{:02}.{:03}Z", FormatIsoDate(days), rest / 3'600'000, rest / 60'000 % 60,
                     rest / 1000 % 60, rest % 1000);
}

Result<Generator> Generator::Make(const GeneratorOptions& options) {
  if (options.events_per_type < 0) {
    return Status::InvalidArgument(fmt::format("events per type must be >= 0, got {}", options.events_per_type));
  }
  if (options.users < 1) return Status::InvalidArgument(fmt::format("users must be >= 1, got {}", options.users));
  if (options.concurrent_sessions < 1) {
    return Status::InvalidArgument(fmt::format("concurrent sessions must be >= 1, got {}", options.concurrent_sessions));
  }
  return Generator(options);
}

Generator::Generator(const GeneratorOptions& options)
    : options_(options), rng_(options.seed), next_start_ms_(options.start_ms) {
  for (auto t : kEventTypes) counts_[std::string(t)] = 0;
}

std::string Generator::Uuid() {
  uint64_t hi = rng_();
  uint64_t lo = rng_();
  hi = (hi & ~uint64_t{0xF000}) | 0x4000;                                 // version 4
  lo = (lo & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);           // variant 10
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xFFFF, hi & 0xFFFF, lo >> 48,
                     lo & 0xFFFFFFFFFFFFULL);
}

bool Generator::Left(std::string_view type) const {
  return counts_.at(std::string(type)) < options_.events_per_type;
}

Generator::Session Generator::NewSession() {
  Session s;
  s.user = std::uniform_int_distribution<int64_t>(1, options_.users)(rng_);
  s.id = Uuid();
  next_start_ms_ += std::uniform_int_distribution<int64_t>(0, 5'000)(rng_);
  s.clock_ms = next_start_ms_;
  s.referrer = kReferrers[std::uniform_int_distribution<size_t>(0, Count(kReferrers) - 1)(rng_)];
  return s;
}

std::string Generator::PickType(const Session& s) {
  struct Choice {
    const char* type;
    int weight;
  };
  std::vector<Choice> choices;
  if (s.last.empty()) {
    if (Left("page_view")) return "page_view";
    // Only other types are left: start wherever there is something to do.
    for (auto t : kEventTypes) {
      if (Left(t)) choices.push_back({t.data(), 1});
    }
  } else if (s.last == "purchase") {
    return "";
  } else if (s.last == "page_view") {
    choices = {{"page_view", 3}, {"click", 3}, {"search", 2}, {"add_to_cart", 1}, {"", 1}};  // "": bounce
  } else if (s.last == "click") {
    choices = {{"page_view", 3}, {"click", 1}, {"add_to_cart", 2}};
  } else if (s.last == "search") {
    choices = {{"page_view", 2}, {"click", 3}, {"search", 1}};
  } else {  // add_to_cart
    choices = {{"page_view", 2}, {"click", 1}, {"add_to_cart", 1}, {"purchase", 3}};
  }
  int total = 0;
  for (auto& c : choices) {
    if (c.type[0] != '\0' && !Left(c.type)) c.weight = 0;
    total += c.weight;
  }
  if (total == 0 || (total == choices.back().weight && choices.back().type[0] == '\0')) {
    // Nothing this session would do is left. Only purchases left: buy now.
    bool only_purchase = Left("purchase");
    for (auto t : kEventTypes) {
      if (t != "purchase" && Left(t)) only_purchase = false;
    }
    return only_purchase ? "purchase" : "";
  }
  int pick = std::uniform_int_distribution<int>(0, total - 1)(rng_);
  for (const auto& c : choices) {
    if (pick < c.weight) return c.type;
    pick -= c.weight;
  }
  return "";
}

Event Generator::Emit(Session& s, const std::string& type) {
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); };
  if (!s.last.empty()) s.clock_ms += std::uniform_int_distribution<int64_t>(1'000, 30'000)(rng_);
  Event e;
  e.type = type;
  e.id = Uuid();
  e.session_id = s.id;
  e.timestamp_ms = s.clock_ms;
  Json j;
  j["event_id"] = e.id;
  j["event_type"] = type;
  j["timestamp"] = FormatTimestampMs(s.clock_ms);
  j["user_id"] = s.user;
  j["session_id"] = s.id;
  j["user_agent"] = kUserAgents[static_cast<uint64_t>(s.user) % Count(kUserAgents)];
  if (type == "page_view") {
    std::string url;
    switch (pick(3)) {
      case 0: url = "/"; break;
      case 1: url = fmt::format("/category/{}", kCategories[pick(Count(kCategories))]); break;
      default: url = fmt::format("/products/{}", kProducts[pick(Count(kProducts))].sku); break;
    }
    if (s.last.empty()) url = "/";
    j["url"] = url;
    const std::string referrer = s.last.empty() ? s.referrer : "https://shop.example.com" + s.page;
    j["referrer"] = referrer.empty() ? Json(nullptr) : Json(referrer);
    j["duration_ms"] = std::uniform_int_distribution<int64_t>(200, 120'000)(rng_);
    s.page = url;
  } else if (type == "click") {
    const Product& p = kProducts[pick(Count(kProducts))];
    j["url"] = s.page.empty() ? "/" : s.page;
    j["element"] = kElements[pick(Count(kElements))];
    j["target_url"] = fmt::format("/products/{}", p.sku);
  } else if (type == "search") {
    j["query"] = kQueries[pick(Count(kQueries))];
    j["results"] = std::uniform_int_distribution<int64_t>(0, 240)(rng_);
    s.page = "/search";
  } else if (type == "add_to_cart") {
    const size_t i = pick(Count(kProducts));
    const int qty = std::uniform_int_distribution<int>(1, 3)(rng_);
    j["sku"] = kProducts[i].sku;
    j["product"] = kProducts[i].name;
    j["price"] = Money(kProducts[i].price_cents);
    j["quantity"] = qty;
    s.cart.push_back({static_cast<int>(i), qty});
    s.page = fmt::format("/products/{}", kProducts[i].sku);
  } else {  // purchase
    if (s.cart.empty()) s.cart.push_back({static_cast<int>(pick(Count(kProducts))), 1});  // "buy now"
    Json items = Json::array();
    int64_t cents = 0;
    for (const auto& c : s.cart) {
      const Product& p = kProducts[c.product];
      items.push_back({{"sku", p.sku}, {"product", p.name}, {"price", Money(p.price_cents)}, {"quantity", c.quantity}});
      cents += p.price_cents * c.quantity;
    }
    j["order_id"] = fmt::format("ORD-{:010}", rng_() % 10'000'000'000ULL);
    j["items"] = std::move(items);
    j["amount"] = Money(cents);
    j["currency"] = "EUR";
    j["payment_method"] = kPayments[pick(Count(kPayments))];
    s.cart.clear();
    s.page = "/checkout/done";
  }
  s.last = type;
  ++counts_[type];
  ++emitted_;
  e.json = j.dump();
  return e;
}

std::optional<Event> Generator::Next() {
  if (emitted_ >= total()) return std::nullopt;
  if (sessions_.empty()) {
    for (int i = 0; i < options_.concurrent_sessions; ++i) sessions_.push_back(NewSession());
  }
  Session& s = sessions_[std::uniform_int_distribution<size_t>(0, sessions_.size() - 1)(rng_)];
  while (true) {
    std::string type = PickType(s);
    if (!type.empty()) return Emit(s, type);
    s = NewSession();  // a fresh session always has something to do while events are left
  }
}

}  // namespace orbitlake::clickstream
