// Fuzz target: ParseLastCheckpoint on an arbitrary `_last_checkpoint` file.
//
// Oracles: a refused file gives Corruption naming the file; an accepted one has the
// ranges the header promises (version, size, sizes >= 0, parts >= 1) and round-trips:
// SerializeLastCheckpoint -> ParseLastCheckpoint gives the same fields back.
#include <cstdint>
#include <string>
#include <string_view>

#include "delta/last_checkpoint.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using orbitlake::delta::ParseLastCheckpoint;
  using orbitlake::delta::SerializeLastCheckpoint;
  const std::string text(reinterpret_cast<const char*>(data), size);  // exact-size copy for ASan
  constexpr std::string_view kName = "t/_delta_log/_last_checkpoint";
  auto lc = ParseLastCheckpoint(text, kName);
  if (!lc.ok()) {
    FUZZ_CHECK(lc.status().code() == orbitlake::StatusCode::kCorruption) << lc.status().ToString();
    FUZZ_CHECK(lc.status().message().starts_with(std::string(kName) + ": ")) << lc.status().message();
    return 0;
  }
  FUZZ_CHECK(lc->version >= 0) << lc->version;
  FUZZ_CHECK(lc->size >= 0) << lc->size;
  FUZZ_CHECK(!lc->parts || *lc->parts >= 1) << *lc->parts;
  FUZZ_CHECK(!lc->size_in_bytes || *lc->size_in_bytes >= 0) << *lc->size_in_bytes;
  FUZZ_CHECK(!lc->num_of_add_files || *lc->num_of_add_files >= 0) << *lc->num_of_add_files;
  const std::string out = SerializeLastCheckpoint(*lc);
  auto back = ParseLastCheckpoint(out, "serialized");
  FUZZ_CHECK(back.ok()) << back.status().ToString() << ": " << out;
  FUZZ_CHECK(*back == *lc) << "round trip changed the hint: " << out;
  return 0;
}
