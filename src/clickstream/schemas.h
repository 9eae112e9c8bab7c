// The schemas of the generator's event types, as schema registry documents (the column
// list of a pipeline table, docs/schema-registry.md), for `simulate clickstream
// --register` and the demo. Kept next to the generator: a field added there belongs here.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace orbitlake::clickstream {

// (event type, TOML document), in kEventTypes order.
std::vector<std::pair<std::string, std::string>> EventSchemas();

}  // namespace orbitlake::clickstream
