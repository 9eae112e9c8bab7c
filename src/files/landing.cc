#include "files/landing.h"

#include <fnmatch.h>

#include <array>
#include <string_view>

namespace orbitlake::files {

bool IsCandidate(const std::string& name, const std::vector<std::string>& patterns) {
  if (name.empty() || name[0] == '.' || name[0] == '_' || name.find('/') != std::string::npos) return false;
  static constexpr std::array<std::string_view, 5> kInProgress = {".tmp", ".part", ".partial", ".crdownload",
                                                                  ".inprogress"};
  for (std::string_view suffix : kInProgress) {
    if (std::string_view(name).ends_with(suffix)) return false;
  }
  for (const auto& p : patterns) {
    if (::fnmatch(p.c_str(), name.c_str(), FNM_PERIOD) == 0) return true;
  }
  return false;
}

Result<std::vector<LandedFile>> Landing::Poll(bool trust_first) {
  ORBIT_ASSIGN_OR_RETURN(auto listing, folder_->List(""));
  std::map<std::string, std::pair<int64_t, int64_t>> now;
  std::vector<LandedFile> ready;
  for (auto& f : listing) {
    if (!IsCandidate(f.path, patterns_)) continue;
    const std::pair<int64_t, int64_t> id{f.size, f.modification_time_ms};
    auto before = seen_.find(f.path);
    if ((before != seen_.end() && before->second == id) || (!listed_ && trust_first)) {
      ready.push_back({f.path, f.size, f.modification_time_ms});
    }
    now.emplace(std::move(f.path), id);
  }
  seen_ = std::move(now);
  listed_ = true;
  return ready;
}

}  // namespace orbitlake::files
