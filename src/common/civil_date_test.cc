#include "common/civil_date.h"

#include <gtest/gtest.h>

namespace orbitlake {
namespace {

TEST(CivilDate, FormatsAndConvertsBothWays) {
  EXPECT_EQ(FormatIsoDate(0), "1970-01-01");
  EXPECT_EQ(FormatIsoDate(-1), "1969-12-31");
  EXPECT_EQ(FormatIsoDate(11016), "2000-02-29");
  EXPECT_EQ(FormatIsoDate(19783), "2024-03-01");
  EXPECT_EQ(DaysFromCivil(2000, 2, 29), 11016);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(FormatIsoDate(DaysFromCivil(-4713, 11, 24)), "-4713-11-24");
  for (int64_t d = -800'000; d <= 800'000; d += 997) {
    const std::string s = FormatIsoDate(d);
    const bool negative = s[0] == '-';
    const size_t y_end = s.find('-', negative ? 1 : 0);
    const int64_t y = std::stoll(s.substr(0, y_end));
    const unsigned m = static_cast<unsigned>(std::stoul(s.substr(y_end + 1, 2)));
    const unsigned day = static_cast<unsigned>(std::stoul(s.substr(y_end + 4, 2)));
    ASSERT_EQ(DaysFromCivil(y, m, day), d) << s;
  }
}

}  // namespace
}  // namespace orbitlake
