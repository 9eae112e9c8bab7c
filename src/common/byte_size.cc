#include "common/byte_size.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace orbitlake {

Result<int64_t> ParseByteSize(std::string_view text, int64_t max) {
  auto bad = [&] {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is not a byte size (examples: 104857600, 100MiB, 128MB, 1.5GiB, 512k)");
  };
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || !std::isfinite(value) || value < 0) return bad();
  std::string unit(ptr, static_cast<size_t>(text.data() + text.size() - ptr));
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  struct Unit {
    const char* name;
    double bytes;
  };
  constexpr Unit kUnits[] = {{"", 1},       {"b", 1},        {"k", 1e3},           {"kb", 1e3},
                             {"kib", 1024}, {"m", 1e6},      {"mb", 1e6},          {"mib", 1048576.0},
                             {"g", 1e9},    {"gb", 1e9},     {"gib", 1073741824.0}, {"t", 1e12},
                             {"tb", 1e12},  {"tib", 1099511627776.0}};
  for (const Unit& u : kUnits) {
    if (unit != u.name) continue;
    const double bytes = value * u.bytes;
    if (bytes != std::floor(bytes)) return bad();
    if (bytes > static_cast<double>(max)) {
      return Status::InvalidArgument("byte size '" + std::string(text) + "' is larger than " + std::to_string(max) +
                                     " bytes");
    }
    return static_cast<int64_t>(bytes);
  }
  return bad();
}

}  // namespace orbitlake
