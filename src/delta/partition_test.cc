#include "delta/partition.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include <arrow/api.h>
#include <arrow/util/decimal.h>
#include <gtest/gtest.h>

namespace orbitlake::delta {
namespace {

using arrow::Decimal128;

std::shared_ptr<arrow::DataType> Ts() { return arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"); }
std::shared_ptr<arrow::DataType> Ntz() { return arrow::timestamp(arrow::TimeUnit::MICRO); }

// Parses `stored` as `type` (two rows) and returns the first element's scalar.
std::shared_ptr<arrow::Scalar> Parse(const std::optional<std::string>& stored,
                                     const std::shared_ptr<arrow::DataType>& type) {
  auto arr = PartitionValueArray(stored, type, 2);
  EXPECT_TRUE(arr.ok()) << (stored ? *stored : "null") << ": " << arr.status().ToString();
  if (!arr.ok()) return nullptr;
  EXPECT_EQ((*arr)->length(), 2);
  EXPECT_TRUE((*arr)->type()->Equals(*type));
  EXPECT_TRUE((*arr)->RangeEquals(0, 1, 1, **arr, arrow::EqualOptions().nans_equal(true))) << "rows differ";
  return *(*arr)->GetScalar(0);
}

void ExpectCorrupt(const std::string& stored, const std::shared_ptr<arrow::DataType>& type) {
  auto arr = PartitionValueArray(stored, type, 1);
  ASSERT_FALSE(arr.ok()) << stored << " parsed as " << type->ToString();
  EXPECT_EQ(arr.status().code(), StatusCode::kCorruption);
  EXPECT_NE(arr.status().message().find(stored), std::string::npos) << arr.status().ToString();
}

// The value of a valid fixed-width scalar (numbers, booleans, timestamps: read from a
// one-row array, since a TimestampScalar is not a PrimitiveScalar<Int64Type>).
template <typename T>
T ValueOf(const std::shared_ptr<arrow::Scalar>& s) {
  EXPECT_TRUE(s && s->is_valid);
  if (!s || !s->is_valid) return T{};
  auto arr = arrow::MakeArrayFromScalar(*s, 1);
  EXPECT_TRUE(arr.ok());
  if (!arr.ok()) return T{};
  if constexpr (std::is_same_v<T, bool>) {
    return static_cast<const arrow::BooleanArray&>(**arr).Value(0);
  } else {
    return (*arr)->data()->template GetValues<T>(1)[0];
  }
}

// The stored string for one value of `type` built from `scalar`.
std::optional<std::string> Format(const std::shared_ptr<arrow::Scalar>& scalar) {
  auto arr = arrow::MakeArrayFromScalar(*scalar, 1);
  EXPECT_TRUE(arr.ok());
  auto v = FormatPartitionValue(**arr, 0);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : std::nullopt;
}

// Format then parse gives back the same scalar.
void ExpectRoundTrip(const std::shared_ptr<arrow::Scalar>& scalar, const std::string& stored) {
  EXPECT_EQ(Format(scalar), stored);
  auto back = Parse(stored, scalar->type);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->Equals(*scalar, arrow::EqualOptions().nans_equal(true)))
      << back->ToString() << " vs " << scalar->ToString();
}

TEST(PartitionTest, EveryPrimitiveTypeIsAPartitionType) {
  for (const auto& t : {arrow::utf8(), arrow::int8(), arrow::int16(), arrow::int32(), arrow::int64(), arrow::boolean(),
                        arrow::date32(), Ts(), Ntz(), arrow::decimal128(38, 10), arrow::float32(), arrow::float64(),
                        arrow::binary()}) {
    EXPECT_TRUE(CheckPartitionType("p", *t).ok()) << t->ToString();
  }
  auto st = CheckPartitionType("p", *arrow::list(arrow::int32()));
  EXPECT_EQ(st.code(), StatusCode::kUnsupported);
  EXPECT_NE(st.message().find("'p'"), std::string::npos);
  EXPECT_EQ(CheckPartitionType("p", *arrow::timestamp(arrow::TimeUnit::NANO, "UTC")).code(), StatusCode::kUnsupported);
}

TEST(PartitionTest, NullsAreNullForEveryType) {
  for (const auto& t : {arrow::utf8(), arrow::int8(), arrow::int64(), arrow::boolean(), arrow::date32(), Ts(), Ntz(),
                        arrow::decimal128(10, 2), arrow::float32(), arrow::float64(), arrow::binary()}) {
    auto arr = PartitionValueArray(std::nullopt, t, 3);
    ASSERT_TRUE(arr.ok()) << t->ToString();
    EXPECT_EQ((*arr)->null_count(), 3) << t->ToString();
    auto nulls = arrow::MakeArrayOfNull(t, 1);
    ASSERT_TRUE(nulls.ok());
    auto formatted = FormatPartitionValue(**nulls, 0);
    ASSERT_TRUE(formatted.ok());
    EXPECT_EQ(*formatted, std::nullopt) << t->ToString();
  }
  // The Hive folder name is a path only: as a stored value it is just a string.
  EXPECT_EQ(ValueOf<int64_t>(Parse("7", arrow::int64())), 7);
  auto hive = Parse("__HIVE_DEFAULT_PARTITION__", arrow::utf8());
  EXPECT_EQ(hive->ToString(), "__HIVE_DEFAULT_PARTITION__");
  // An empty stored value is null for every type (delta-rs writes "" for an empty string).
  EXPECT_FALSE(Parse("", arrow::utf8())->is_valid);
  EXPECT_FALSE(Parse("", arrow::binary())->is_valid);
  EXPECT_FALSE(Parse("", arrow::int32())->is_valid);
  EXPECT_FALSE(Parse("", Ts())->is_valid);
  EXPECT_FALSE(Parse("", arrow::float64())->is_valid);
}

TEST(PartitionTest, StringsAreStoredRawAndEmptyIsNull) {
  for (std::string s : {"a/b", "x y", "100%", "a=b", "é:ü", "#?", "__HIVE_DEFAULT_PARTITION__", "\"{[]}\\"}) {
    ExpectRoundTrip(arrow::MakeScalar(s), s);
  }
  EXPECT_EQ(Format(arrow::MakeScalar(std::string())), std::nullopt);
  EXPECT_EQ(PartitionDir({"p", "q"}, {{"p", "a/b:c%"}, {"q", std::nullopt}}), "p=a%2Fb%3Ac%25/q=__HIVE_DEFAULT_PARTITION__");
}

TEST(PartitionTest, IntegersAreRangeChecked) {
  ExpectRoundTrip(std::make_shared<arrow::Int8Scalar>(-128), "-128");
  ExpectRoundTrip(std::make_shared<arrow::Int16Scalar>(32767), "32767");
  ExpectRoundTrip(std::make_shared<arrow::Int32Scalar>(-2147483647 - 1), "-2147483648");
  ExpectRoundTrip(std::make_shared<arrow::Int64Scalar>(std::numeric_limits<int64_t>::max()), "9223372036854775807");
  ExpectCorrupt("128", arrow::int8());
  ExpectCorrupt("40000", arrow::int16());
  ExpectCorrupt("2147483648", arrow::int32());
  ExpectCorrupt("9223372036854775808", arrow::int64());
  ExpectCorrupt("12abc", arrow::int64());
  ExpectCorrupt("1.5", arrow::int32());
}

TEST(PartitionTest, BooleansAreTrueOrFalse) {
  ExpectRoundTrip(std::make_shared<arrow::BooleanScalar>(true), "true");
  ExpectRoundTrip(std::make_shared<arrow::BooleanScalar>(false), "false");
  EXPECT_TRUE(ValueOf<bool>(Parse("TRUE", arrow::boolean())));
  EXPECT_FALSE(ValueOf<bool>(Parse("False", arrow::boolean())));
  ExpectCorrupt("yes", arrow::boolean());
  ExpectCorrupt("1", arrow::boolean());
}

TEST(PartitionTest, DatesAreIsoDays) {
  ExpectRoundTrip(std::make_shared<arrow::Date32Scalar>(20455), "2026-01-02");
  ExpectRoundTrip(std::make_shared<arrow::Date32Scalar>(-1), "1969-12-31");
  ExpectRoundTrip(std::make_shared<arrow::Date32Scalar>(-719162), "0001-01-01");
  ExpectCorrupt("2026-02-30", arrow::date32());
  ExpectCorrupt("2026-01-02x", arrow::date32());
  ExpectCorrupt("2026-1-2", arrow::date32());
}

TEST(PartitionTest, TimestampsInEverySpelling) {
  const int64_t us = 1767323045123456;  // 2026-01-02 03:04:05.123456 UTC
  ExpectRoundTrip(std::make_shared<arrow::TimestampScalar>(us, Ts()), "2026-01-02T03:04:05.123456Z");
  ExpectRoundTrip(std::make_shared<arrow::TimestampScalar>(us, Ntz()), "2026-01-02 03:04:05.123456");
  // Pre-1970 values floor to the earlier second.
  ExpectRoundTrip(std::make_shared<arrow::TimestampScalar>(-1, Ts()), "1969-12-31T23:59:59.999999Z");
  // delta-rs writes the space form (UTC), Spark ISO 8601 with Z; both, and the
  // protocol's form without a fraction, read as the same instant.
  for (std::string s : {"2026-01-02 03:04:05.123456", "2026-01-02T03:04:05.123456Z", "2026-01-02T03:04:05.123456"}) {
    EXPECT_EQ(ValueOf<int64_t>(Parse(s, Ts())), us) << s;
  }
  EXPECT_EQ(ValueOf<int64_t>(Parse("1970-01-01 00:00:00", Ts())), 0);
  EXPECT_EQ(ValueOf<int64_t>(Parse("1970-01-01 00:00:01.5", Ntz())), 1'500'000);
  EXPECT_EQ(ValueOf<int64_t>(Parse("2026-01-02T03:04:05.123456", Ntz())), us);
  ExpectCorrupt("2026-01-02 03:04:05.123456Z", Ntz());  // a zone on a zone-less value
  ExpectCorrupt("2026-01-02 24:00:00", Ts());
  ExpectCorrupt("2026-01-02 03:04:05.1234567", Ts());  // below a microsecond
  ExpectCorrupt("2026-01-02 03:04:05.", Ts());
  ExpectCorrupt("2026-01-02", Ts());
  ExpectCorrupt("2026-01-02 03:04:05+01:00", Ts());
}

TEST(PartitionTest, DecimalsAreExact) {
  auto type = arrow::decimal128(38, 2);
  auto dec = [&](const char* text) {
    Decimal128 v;
    int32_t p = 0, s = 0;
    EXPECT_TRUE(Decimal128::FromString(text, &v, &p, &s).ok());
    return std::make_shared<arrow::Decimal128Scalar>(*v.Rescale(s, 2), type);
  };
  ExpectRoundTrip(dec("12.30"), "12.30");
  ExpectRoundTrip(dec("-0.05"), "-0.05");
  // 31 digits: far beyond a double's 17, kept exactly.
  ExpectRoundTrip(dec("1234567890123456789012345678901.23"), "1234567890123456789012345678901.23");
  // Other scales that rescale without loss, and exponents, are the same value.
  EXPECT_TRUE(Parse("12.3", type)->Equals(*dec("12.30")));
  EXPECT_TRUE(Parse("12", type)->Equals(*dec("12.00")));
  EXPECT_TRUE(Parse("1.23E+1", type)->Equals(*dec("12.30")));
  ExpectCorrupt("12.345", type);                        // a third decimal place would be lost
  ExpectCorrupt("123456789.00", arrow::decimal128(10, 2));  // 11 digits in decimal(10,2)
  ExpectCorrupt("abc", type);
}

TEST(PartitionTest, FloatsAndDoublesIncludingSpecialValues) {
  ExpectRoundTrip(std::make_shared<arrow::DoubleScalar>(0.1), "0.1");
  ExpectRoundTrip(std::make_shared<arrow::DoubleScalar>(1e300), "1e+300");
  ExpectRoundTrip(std::make_shared<arrow::DoubleScalar>(-0.0), "-0");
  ExpectRoundTrip(std::make_shared<arrow::DoubleScalar>(5e-324), "5e-324");
  ExpectRoundTrip(std::make_shared<arrow::FloatScalar>(0.1f), "0.1");
  ExpectRoundTrip(std::make_shared<arrow::FloatScalar>(3.4028235e38f), "3.4028235e+38");
  ExpectRoundTrip(std::make_shared<arrow::DoubleScalar>(std::numeric_limits<double>::infinity()), "Infinity");
  ExpectRoundTrip(std::make_shared<arrow::FloatScalar>(-std::numeric_limits<float>::infinity()), "-Infinity");
  ExpectRoundTrip(std::make_shared<arrow::DoubleScalar>(std::nan("")), "NaN");
  // Spark's and delta-rs' spellings.
  EXPECT_EQ(ValueOf<double>(Parse("1.0E20", arrow::float64())), 1e20);
  EXPECT_EQ(ValueOf<double>(Parse("1.0E-7", arrow::float64())), 1e-7);
  EXPECT_EQ(ValueOf<double>(Parse("inf", arrow::float64())), std::numeric_limits<double>::infinity());
  EXPECT_EQ(ValueOf<float>(Parse("-inf", arrow::float32())), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(ValueOf<float>(Parse("NaN", arrow::float32()))));
  // A float is rounded once from the text, not through a double: 1.0000000596046447754
  // lies just above the midpoint 1 + 2^-24 between two floats, so it rounds up; through
  // a double it would first become that midpoint exactly and then round to even, 1.0f.
  EXPECT_EQ(ValueOf<float>(Parse("1.0000000596046447754", arrow::float32())), std::nextafter(1.0f, 2.0f));
  EXPECT_EQ(ValueOf<float>(Parse("0.1", arrow::float32())), 0.1f);
  ExpectCorrupt("1e39", arrow::float32());
  ExpectCorrupt("0.1x", arrow::float64());
}

TEST(PartitionTest, BinaryIsTheStringsBytes) {
  ExpectRoundTrip(std::make_shared<arrow::BinaryScalar>(arrow::Buffer::FromString("ab")), "ab");
  ExpectRoundTrip(std::make_shared<arrow::BinaryScalar>(arrow::Buffer::FromString("\xc3\xa9")), "\xc3\xa9");
  // delta-rs writes "\u0061\u0062" as text and reads that text back: so does orbitlake.
  EXPECT_EQ(Parse("\\u0061\\u0062", arrow::binary())->ToString(), "\\u0061\\u0062");
  auto bad = arrow::MakeArrayFromScalar(arrow::BinaryScalar(arrow::Buffer::FromString(std::string("\x00\xff", 2))), 1);
  ASSERT_TRUE(bad.ok());
  auto st = FormatPartitionValue(**bad, 0);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace orbitlake::delta
