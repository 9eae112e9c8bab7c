#include "delta/log_files.h"

#include <charconv>
#include <cstdio>

namespace orbitlake::delta {
namespace {

std::string Padded(int64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(v));
  return buf;
}

bool ParseDigits(std::string_view s, size_t width, int64_t* out) {
  if (s.size() != width) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return std::from_chars(s.data(), s.data() + s.size(), *out).ec == std::errc();
}

}  // namespace

std::string CommitPath(int64_t version) { return std::string(kLogDir) + "/" + Padded(version, 20) + ".json"; }
std::string CheckpointPath(int64_t version) {
  return std::string(kLogDir) + "/" + Padded(version, 20) + ".checkpoint.parquet";
}
std::string VersionPrefix(int64_t version) { return std::string(kLogDir) + "/" + Padded(version, 20); }
std::string LastCheckpointPath() { return std::string(kLogDir) + "/_last_checkpoint"; }

std::optional<LogFile> ParseLogFileName(std::string_view path) {
  auto slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (name.size() < 21 || name[20] != '.') return std::nullopt;
  LogFile f;
  if (!ParseDigits(name.substr(0, 20), 20, &f.version)) return std::nullopt;
  std::string_view rest = name.substr(21);
  if (rest == "json") return f;
  if (rest == "checkpoint.parquet") {
    f.kind = LogFile::Kind::kCheckpoint;
    return f;
  }
  // NNN.checkpoint.PPPPPPPPPP.TTTTTTTTTT.parquet
  constexpr std::string_view kCp = "checkpoint.";
  if (rest.substr(0, kCp.size()) != kCp) return std::nullopt;
  rest.remove_prefix(kCp.size());
  int64_t part = 0, parts = 0;
  if (rest.size() == 10 + 1 + 10 + 8 && rest[10] == '.' && rest.substr(21) == ".parquet" &&
      ParseDigits(rest.substr(0, 10), 10, &part) && ParseDigits(rest.substr(11, 10), 10, &parts)) {
    f.kind = LogFile::Kind::kMultiPartCheckpoint;
    f.part = static_cast<int>(part);
    f.parts = static_cast<int>(parts);
    return f;
  }
  // NNN.checkpoint.<uuid>.json|parquet (v2 checkpoints): recognised so they can be refused.
  f.kind = LogFile::Kind::kV2Checkpoint;
  return f;
}

}  // namespace orbitlake::delta
