#include "common/byte_size.h"

#include <gtest/gtest.h>

namespace orbitlake {
namespace {

TEST(ParseByteSizeTest, UnitsAndErrors) {
  EXPECT_EQ(*ParseByteSize("104857600"), 104857600);
  EXPECT_EQ(*ParseByteSize("100MiB"), 100 << 20);
  EXPECT_EQ(*ParseByteSize("100mib"), 100 << 20);
  EXPECT_EQ(*ParseByteSize("128MB"), 128'000'000);
  EXPECT_EQ(*ParseByteSize("128m"), 128'000'000);
  EXPECT_EQ(*ParseByteSize("1.5GiB"), int64_t{3} << 29);
  EXPECT_EQ(*ParseByteSize("512k"), 512'000);
  EXPECT_EQ(*ParseByteSize("64KiB"), 65536);
  EXPECT_EQ(*ParseByteSize("0"), 0);
  EXPECT_EQ(*ParseByteSize("7b"), 7);
  for (const char* bad : {"", "MiB", "-1", "1.5", "0.5k1", "10 MiB", "10xb", "1e400", "nan"}) {
    EXPECT_EQ(ParseByteSize(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ParseByteSize("2TiB").status().message(), "byte size '2TiB' is larger than 1099511627776 bytes");
  EXPECT_EQ(ParseByteSize("2k", 1000).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace orbitlake
