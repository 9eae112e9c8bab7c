// Fuzz target: ParquetStitcher on an arbitrary "Parquet file" (a data file of a table
// another engine wrote, or a damaged one).
//
// Oracles: a refused file gives Corruption or Unsupported naming the file, and the
// stitcher writes nothing visible; an accepted one stitches (twice, with itself) into a
// file that is accepted again with twice its row groups, whose footer Thrift round-trips
// byte for byte.
#include <cstdint>
#include <cstring>
#include <string>

#include "columnar/parquet_stitch.h"
#include "columnar/thrift_compact.h"
#include "fuzz/fuzz_check.h"
#include "storage/memory_storage.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using orbitlake::StatusCode;
  using orbitlake::columnar::ParquetStitcher;
  const std::string file(reinterpret_cast<const char*>(data), size);  // exact-size copy for ASan
  constexpr const char* kName = "date=x/part-0.parquet";
  orbitlake::storage::MemoryStorage st;
  auto s = ParquetStitcher::Open(&st, "out.parquet");
  FUZZ_CHECK(s.ok()) << s.status().ToString();
  const orbitlake::Status added = (*s)->Add(file, kName);
  if (!added.ok()) {
    FUZZ_CHECK(added.code() == StatusCode::kCorruption || added.code() == StatusCode::kUnsupported)
        << added.ToString();
    FUZZ_CHECK(added.message().starts_with(kName)) << added.message();
    FUZZ_CHECK((*s)->row_groups() == 0) << (*s)->row_groups();
    return 0;
  }
  const int64_t groups = (*s)->row_groups();
  FUZZ_CHECK((*s)->Add(file, kName).ok()) << "a file accepted once is accepted again";
  auto done = (*s)->Finish();
  FUZZ_CHECK(done.ok()) << done.status().ToString();
  FUZZ_CHECK(done->row_groups == 2 * groups) << done->row_groups << " vs " << groups;
  auto out = st.Read("out.parquet");
  FUZZ_CHECK(out.ok()) << out.status().ToString();
  auto again = orbitlake::columnar::CountRowGroups(*out, "out.parquet");
  FUZZ_CHECK(again.ok()) << again.status().ToString();
  FUZZ_CHECK(*again == 2 * groups) << *again;
  uint32_t len = 0;
  std::memcpy(&len, out->data() + out->size() - 8, 4);
  const std::string footer = out->substr(out->size() - 8 - len, len);
  auto meta = orbitlake::columnar::thrift::ParseStruct(footer, "footer");
  FUZZ_CHECK(meta.ok()) << meta.status().ToString();
  std::string back;
  orbitlake::columnar::thrift::WriteStruct(*meta, &back);
  FUZZ_CHECK(back == footer) << "the written footer round-trips";
  return 0;
}
