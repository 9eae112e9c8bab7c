// Fuzz target: ParseCommit on an arbitrary commit file (newline-delimited JSON actions),
// and the path codec.
//
// Oracles: a refused file gives Corruption naming the file and a line that exists; an
// accepted one yields at most one action per non-blank line, and serializing what was
// parsed is a fixed point (SerializeCommit -> ParseCommit -> SerializeCommit gives the
// same text, so writing back an action read from a log loses nothing the model keeps).
// DecodePath(EncodePath(s)) == s for any bytes.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "delta/actions.h"
#include "fuzz/fuzz_check.h"

namespace {

using orbitlake::StatusCode;
using orbitlake::delta::DecodePath;
using orbitlake::delta::EncodePath;
using orbitlake::delta::ParseCommit;
using orbitlake::delta::SerializeCommit;

constexpr std::string_view kName = "_delta_log/00000000000000000007.json";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);  // exact-size copy for ASan
  size_t lines = 0, non_blank = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    std::string_view line = std::string_view(text).substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    ++lines;
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) ++non_blank;
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }

  // The path codec on arbitrary bytes (a short prefix: paths are short, and the codec
  // is linear) and, below, on every path of an accepted file.
  const std::string_view prefix = std::string_view(text).substr(0, 256);
  FUZZ_CHECK(DecodePath(EncodePath(prefix)) == prefix) << "path codec does not round-trip: " << EncodePath(prefix);

  auto actions = ParseCommit(text, kName);
  if (!actions.ok()) {
    const std::string& m = actions.status().message();
    FUZZ_CHECK(actions.status().code() == StatusCode::kCorruption) << actions.status().ToString();
    const std::string where = std::string(kName) + " line ";
    const size_t at = m.find(where);
    FUZZ_CHECK(at != std::string::npos) << "error does not name the file and line: " << m;
    const size_t line_no = std::stoul(m.substr(at + where.size()));
    FUZZ_CHECK(line_no >= 1 && line_no <= lines) << "line " << line_no << " of " << lines << ": " << m;
    return 0;
  }
  FUZZ_CHECK(actions->size() <= non_blank) << actions->size() << " actions from " << non_blank << " lines";
  for (const auto& a : *actions) {
    const std::string* path = nullptr;
    if (const auto* add = std::get_if<orbitlake::delta::AddFile>(&a)) path = &add->path;
    if (const auto* rm = std::get_if<orbitlake::delta::RemoveFile>(&a)) path = &rm->path;
    if (path != nullptr) {
      FUZZ_CHECK(DecodePath(EncodePath(*path)) == *path) << "path codec: " << *path;
    }
  }

  const std::string once = SerializeCommit(*actions);
  auto again = ParseCommit(once, "serialized");
  FUZZ_CHECK(again.ok()) << "serialized actions do not parse: " << again.status().ToString() << "\n" << once;
  FUZZ_CHECK(again->size() == actions->size()) << again->size() << " vs " << actions->size();
  const std::string twice = SerializeCommit(*again);
  FUZZ_CHECK(twice == once) << "serialization is not a fixed point:\n" << once << "\n" << twice;
  return 0;
}
