// Fuzz target: ParseListObjectsV2 and ParseError on an arbitrary response body.
//
// Oracles: a refused body gives Corruption; an accepted page has sizes >= 0, a
// continuation token when truncated, and every key as written in the body (no byte
// invented: a key is never longer than the body).
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.h"
#include "storage/s3_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace s3 = orbitlake::storage::s3;
  const std::string text(reinterpret_cast<const char*>(data), size);  // exact-size copy for ASan
  (void)s3::ParseError(text);
  auto page = s3::ParseListObjectsV2(text);
  if (!page.ok()) {
    FUZZ_CHECK(page.status().code() == orbitlake::StatusCode::kCorruption) << page.status().ToString();
    return 0;
  }
  for (const auto& obj : page->objects) {
    FUZZ_CHECK(obj.size >= 0) << obj.size;
    FUZZ_CHECK(obj.key.size() <= text.size()) << obj.key.size();
  }
  FUZZ_CHECK(!page->truncated || !page->next_continuation_token.empty());
  return 0;
}
