#include "delta/table_config.h"

#include <cctype>
#include <charconv>
#include <string>
#include <vector>

namespace orbitlake::delta {
namespace {

constexpr const char* kTargetFileSizeKey = "delta.targetFileSize";
constexpr const char* kRetentionKey = "delta.deletedFileRetentionDuration";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

}  // namespace

Result<int64_t> TargetFileSize(const Metadata& metadata) {
  auto it = metadata.configuration.find(kTargetFileSizeKey);
  if (it == metadata.configuration.end()) return kDefaultTargetFileSize;
  const std::string& text = it->second;
  auto bad = [&] {
    return Status::InvalidArgument(std::string("table property ") + kTargetFileSizeKey + " = '" + text +
                                   "' is not a positive byte size (e.g. 104857600 or 128mb)");
  };
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || value <= 0) return bad();
  const std::string unit = Lower(std::string_view(ptr, static_cast<size_t>(text.data() + text.size() - ptr)));
  int shift = 0;
  if (unit.empty() || unit == "b") {
    shift = 0;
  } else if (unit == "k" || unit == "kb") {
    shift = 10;
  } else if (unit == "m" || unit == "mb") {
    shift = 20;
  } else if (unit == "g" || unit == "gb") {
    shift = 30;
  } else if (unit == "t" || unit == "tb") {
    shift = 40;
  } else {
    return bad();
  }
  if (value > (INT64_MAX >> shift)) return bad();
  return value << shift;
}

Result<std::chrono::milliseconds> ParseCalendarInterval(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("'" + std::string(text) + "' is not an interval (" + why +
                                   "; e.g. 'interval 7 days' or 'interval 1 day 12 hours')");
  };
  std::vector<std::string> words = Words(Lower(text));
  size_t i = 0;
  if (!words.empty() && words[0] == "interval") i = 1;
  if (i == words.size()) return bad("no amount");
  if ((words.size() - i) % 2 != 0) return bad("every amount needs a unit");
  struct Unit {
    const char* name;
    int64_t us;
  };
  constexpr Unit kUnits[] = {{"microsecond", 1},          {"millisecond", 1'000},
                             {"second", 1'000'000},       {"minute", 60'000'000},
                             {"hour", 3'600'000'000},     {"day", 86'400'000'000},
                             {"week", 604'800'000'000}};
  int64_t total_us = 0;
  for (; i < words.size(); i += 2) {
    int64_t n = 0;
    const std::string& num = words[i];
    auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
    if (ec != std::errc() || ptr != num.data() + num.size() || n < 0) return bad("'" + num + "' is not an amount");
    std::string unit = words[i + 1];
    if (unit.size() > 1 && unit.back() == 's') unit.pop_back();
    const Unit* found = nullptr;
    for (const Unit& u : kUnits) {
      if (unit == u.name) found = &u;
    }
    if (unit == "month" || unit == "year") return bad("months and years have no fixed length");
    if (found == nullptr) return bad("unknown unit '" + words[i + 1] + "'");
    if (n > (INT64_MAX - total_us) / found->us) return bad("too long");
    total_us += n * found->us;
  }
  return std::chrono::milliseconds(total_us / 1000);
}

Result<std::chrono::milliseconds> DeletedFileRetention(const Metadata& metadata) {
  auto it = metadata.configuration.find(kRetentionKey);
  if (it == metadata.configuration.end()) return kDefaultDeletedFileRetention;
  auto parsed = ParseCalendarInterval(it->second);
  if (!parsed.ok()) return parsed.status().WithContext(std::string("table property ") + kRetentionKey);
  return *parsed;
}

}  // namespace orbitlake::delta
