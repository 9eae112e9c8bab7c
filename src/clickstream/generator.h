// The clickstream generator: fake web-shop sessions as JSON events, the input of the
// reference architecture orbitlake replaces (a generator sending clickstream events to
// the topic `raw_events`, one Delta table per event type; docs/clickstream.md).
//
// Event types (kEventTypes), each with its own fields; every event has
//   event_id    a UUID (version 4 layout), unique per event
//   event_type  page_view | click | search | add_to_cart | purchase
//   timestamp   ISO 8601 UTC with milliseconds, "2026-12-03T11:57:00.123Z"
//   user_id     1..users (a long)
//   session_id  a UUID shared by the events of one session
//   user_agent  the user's browser (fixed per user)
//   page_view:   url, referrer (the session's entry referrer, then the previous page),
//                duration_ms
//   click:       url, element (what was clicked), target_url
//   search:      query, results (a count)
//   add_to_cart: sku, product, price (2 decimals), quantity
//   purchase:    order_id, items [{sku, product, price, quantity}], amount (the items'
//                total, 2 decimals), currency, payment_method
//
// Sessions: a user's session starts with a page view (from a referrer), then moves
// through page views, clicks, searches and add-to-carts; a purchase buys the session's
// cart and ends the session. Events of one session are seconds apart and in time order;
// sessions of different users overlap. Every type gets exactly `events_per_type`
// events: when a type's quota is used up it is no longer chosen, and when only
// purchases are left, sessions buy straight away.
//
// Deterministic: the same options give the same events, byte for byte (no clock, no
// global random state). Thread safety: a Generator is used from one thread.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace orbitlake::clickstream {

inline constexpr std::array<std::string_view, 5> kEventTypes = {"page_view", "click", "search", "add_to_cart",
                                                                 "purchase"};

struct GeneratorOptions {
  // Events of each type (the original's --num-events). Default 10.
  int64_t events_per_type = 10;
  // Distinct users, ids 1..users. Default 100.
  int64_t users = 100;
  // Sessions open at once (interleaved in the output). Default 8.
  int concurrent_sessions = 8;
  // Seeds every random choice. Default 1.
  uint64_t seed = 1;
  // Time of the first event, ms since the epoch (the CLI passes now). Default
  // 2026-01-01T00:00:00Z.
  int64_t start_ms = 1'767'225'600'000;
};

struct Event {
  std::string type;        // one of kEventTypes
  std::string id;          // event_id
  std::string session_id;  // also the Kafka key: a session's events stay in order
  int64_t timestamp_ms = 0;
  std::string json;  // the message
};

class Generator {
 public:
  // InvalidArgument for events_per_type < 0, users < 1 or concurrent_sessions < 1.
  static Result<Generator> Make(const GeneratorOptions& options);

  // The next event, or none when every type has its events_per_type.
  std::optional<Event> Next();

  // Events of each type generated so far.
  const std::map<std::string, int64_t>& counts() const { return counts_; }
  int64_t total() const { return static_cast<int64_t>(kEventTypes.size()) * options_.events_per_type; }

 private:
  struct CartItem {
    int product = 0;
    int quantity = 0;
  };
  struct Session {
    int64_t user = 0;
    std::string id;
    int64_t clock_ms = 0;  // time of its last event
    std::string page;      // current url
    std::string referrer;
    std::string last;      // type of its last event ("" at start)
    std::vector<CartItem> cart;
  };

  explicit Generator(const GeneratorOptions& options);
  std::string Uuid();
  Session NewSession();
  // The type the session emits next, or "" when it ends (a purchase, or nothing left it may do).
  std::string PickType(const Session& s);
  Event Emit(Session& s, const std::string& type);
  bool Left(std::string_view type) const;

  GeneratorOptions options_;
  std::mt19937_64 rng_;
  std::vector<Session> sessions_;
  std::map<std::string, int64_t> counts_;
  int64_t emitted_ = 0;
  int64_t next_start_ms_ = 0;
};

// "2026-01-01T00:00:00.000Z" for ms since the epoch.
std::string FormatTimestampMs(int64_t ms);

}  // namespace orbitlake::clickstream
