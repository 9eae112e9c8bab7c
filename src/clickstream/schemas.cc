#include "clickstream/schemas.h"

#include <fmt/format.h>

namespace orbitlake::clickstream {
namespace {

// Columns every event type has.
constexpr const char* kCommon = R"s(  { name = "event_id",   type = "string",    required = true },
  { name = "event_type", type = "string",    required = true },
  { name = "event_time", type = "timestamp", from = "$.timestamp", required = true },
  { name = "user_id",    type = "long",      required = true },
  { name = "session_id", type = "string" },
  { name = "user_agent", type = "string" },
)s";

constexpr const char* kTail = R"s(  { name = "kafka_partition", type = "integer", from = "kafka.partition" },
  { name = "kafka_offset",    type = "long",    from = "kafka.offset" },
)s";

std::string Document(const char* comment, const char* own, const char* checks) {
  return fmt::format("# {}\ncolumns = [\n{}{}{}]\n{}", comment, kCommon, own, kTail, checks);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> EventSchemas() {
  return {
      {"page_view", Document("A page was shown: its url, where the user came from, how long they stayed.",
                             R"s(  { name = "url",         type = "string" },
  { name = "referrer",    type = "string" },
  { name = "duration_ms", type = "long" },
)s",
                             "checks = [\"duration_ms >= 0\"]\n")},
      {"click", Document("An element of a page was clicked.",
                         R"s(  { name = "url",        type = "string" },
  { name = "element",    type = "string" },
  { name = "target_url", type = "string" },
)s",
                         "")},
      {"search", Document("A search and how many results it found.",
                          R"s(  { name = "query",   type = "string" },
  { name = "results", type = "integer" },
)s",
                          "checks = [\"results >= 0\"]\n")},
      {"add_to_cart", Document("A product was put into the cart.",
                               R"s(  { name = "sku",      type = "string", required = true },
  { name = "product",  type = "string" },
  { name = "price",    type = "decimal(10,2)" },
  { name = "quantity", type = "integer" },
)s",
                               "checks = [\"quantity >= 1\"]\n")},
      {"purchase", Document("An order: the items bought and the total amount.",
                            R"s(  { name = "order_id",       type = "string", required = true },
  { name = "items",          type = "array<struct<sku:string,product:string,price:decimal(10,2),quantity:integer>>" },
  { name = "amount",         type = "decimal(12,2)", required = true },
  { name = "currency",       type = "string" },
  { name = "payment_method", type = "string" },
)s",
                            "checks = [\"amount >= 0\"]\n")},
  };
}

}  // namespace orbitlake::clickstream
