#include "delta/last_checkpoint.h"

#include <limits>

#include <nlohmann/json.hpp>

#include "delta/actions.h"

namespace orbitlake::delta {
namespace {

using nlohmann::json;

// Reads an integer field within [min, max]; absent or null leaves `out` alone. JSON
// numbers that are not integers (1.5, 1e300) or do not fit are refused rather than
// converted: a float-to-int conversion out of range is undefined behaviour.
template <typename T>
Status GetInt(const json& obj, std::string_view name, const char* key, int64_t min, std::optional<T>* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::OK();
  const int64_t max = std::numeric_limits<T>::max();
  bool fits = false;
  int64_t v = 0;
  if (it->is_number_unsigned()) {
    const uint64_t u = it->get<uint64_t>();
    fits = u <= static_cast<uint64_t>(max);
    v = fits ? static_cast<int64_t>(u) : 0;
  } else if (it->is_number_integer()) {
    v = it->get<int64_t>();
    fits = v <= max;
  }
  if (!fits || v < min) {
    std::string shown = it->dump();
    if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
    return Status::Corruption(std::string(name) + ": '" + key + "' is " + shown + ", expected an integer from " +
                              std::to_string(min) + " to " + std::to_string(max));
  }
  *out = static_cast<T>(v);
  return Status::OK();
}

}  // namespace

Result<LastCheckpoint> ParseLastCheckpoint(std::string_view text, std::string_view name) {
  ORBIT_RETURN_IF_ERROR(CheckJsonDepth(text, name));  // error messages print fields
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corruption(std::string(name) + ": not JSON");
  if (!j.is_object()) return Status::Corruption(std::string(name) + ": not a JSON object");
  LastCheckpoint lc;
  std::optional<int64_t> version, size;
  ORBIT_RETURN_IF_ERROR(GetInt(j, name, "version", 0, &version));
  if (!version) return Status::Corruption(std::string(name) + ": no 'version'");
  lc.version = *version;
  ORBIT_RETURN_IF_ERROR(GetInt(j, name, "size", 0, &size));
  lc.size = size.value_or(0);
  ORBIT_RETURN_IF_ERROR(GetInt(j, name, "parts", 1, &lc.parts));
  ORBIT_RETURN_IF_ERROR(GetInt(j, name, "sizeInBytes", 0, &lc.size_in_bytes));
  ORBIT_RETURN_IF_ERROR(GetInt(j, name, "numOfAddFiles", 0, &lc.num_of_add_files));
  return lc;
}

std::string SerializeLastCheckpoint(const LastCheckpoint& lc) {
  json j = {{"version", lc.version}, {"size", lc.size}};
  if (lc.parts) j["parts"] = *lc.parts;
  if (lc.size_in_bytes) j["sizeInBytes"] = *lc.size_in_bytes;
  if (lc.num_of_add_files) j["numOfAddFiles"] = *lc.num_of_add_files;
  return j.dump();
}

}  // namespace orbitlake::delta
