#include "columnar/thrift_compact.h"

#include <gtest/gtest.h>

namespace orbitlake::columnar::thrift {
namespace {

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

TEST(ThriftCompactTest, ParsesFieldsOfEveryKindAndWritesThemBack) {
  // struct { 1: i32 = -3, 2: bool true, 3: binary "ab", 4: list<i64> [1, 300],
  //          20: struct { 1: i16 = 7 }, 21: bool false, 22: double, 23: map<binary,i32>{"k":1} }
  const std::string in = Bytes({0x15, 0x05,                  // 1: i32 zigzag(-3) = 5
                                0x11,                        // 2: bool true
                                0x18, 0x02, 'a', 'b',        // 3: binary
                                0x19, 0x26, 0x02, 0xd8, 0x04,  // 4: list of 2 i64: 1, 300
                                0x0c, 0x28,                  // 20: struct, long form (delta 16)
                                0x14, 0x0e, 0x00,            //   1: i16 7; stop
                                0x12,                        // 21: bool false
                                0x17, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f,  // 22: double 1.0
                                0x1b, 0x01, 0x85, 0x01, 'k', 0x02,   // 23: map 1 entry binary->i32
                                0x00});
  size_t used = 0;
  auto v = ParseStruct(in, "test", &used);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(used, in.size());
  ASSERT_EQ(v->fields.size(), 8u);
  EXPECT_EQ(v->Find(1)->i, -3);
  EXPECT_EQ(v->Find(2)->i, 1);
  EXPECT_EQ(v->Find(3)->bytes, "ab");
  ASSERT_EQ(v->Find(4)->elements.size(), 2u);
  EXPECT_EQ(v->Find(4)->elements[1].i, 300);
  EXPECT_EQ(v->Find(20)->Find(1)->i, 7);
  EXPECT_EQ(v->Find(21)->i, 0);
  EXPECT_EQ(v->Find(22)->bytes.size(), 8u);
  ASSERT_EQ(v->Find(23)->elements.size(), 2u);
  EXPECT_EQ(v->Find(23)->elements[0].bytes, "k");
  std::string out;
  WriteStruct(*v, &out);
  EXPECT_EQ(out, in);
}

TEST(ThriftCompactTest, StructsBelowTheParseDepthStayRawAndWriteBackVerbatim) {
  // struct { 1: struct { 1: list<i32> [5], 2: struct { 1: binary "x" } }, 2: i64 9 }
  const std::string in = Bytes({0x1c, 0x19, 0x15, 0x0a, 0x1c, 0x18, 0x01, 'x', 0x00, 0x00, 0x16, 0x12, 0x00});
  auto v = ParseStruct(in, "test", nullptr, /*parse_depth=*/1);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  const Value* inner = v->Find(1);
  ASSERT_NE(inner, nullptr);
  EXPECT_FALSE(inner->raw);
  ASSERT_NE(inner->Find(1), nullptr);
  EXPECT_TRUE(inner->Find(1)->raw);
  EXPECT_TRUE(inner->Find(2)->raw);
  EXPECT_EQ(inner->Find(2)->bytes, Bytes({0x18, 0x01, 'x', 0x00}));
  EXPECT_EQ(v->Find(2)->i, 9);
  std::string out;
  WriteStruct(*v, &out);
  EXPECT_EQ(out, in);
  // Raw parts are still checked.
  std::string broken = in;
  broken[6] = 0x7f;  // the binary's length runs past the end
  EXPECT_EQ(ParseStruct(broken, "test", nullptr, 1).status().code(), StatusCode::kCorruption);
}

TEST(ThriftCompactTest, LongListsAndLargeNumbersRoundTrip) {
  Value s = Value::Struct();
  Value list;
  list.type = Type::kList;
  list.element_type = Type::kI64;
  for (int i = 0; i < 40; ++i) list.elements.push_back(Value::Int(Type::kI64, (int64_t{1} << 40) * (i - 20)));
  s.fields.push_back({3, list});
  s.SetInt(1, Type::kI64, INT64_MIN);
  s.SetInt(2, Type::kI64, INT64_MAX);
  EXPECT_EQ(s.fields[0].id, 1) << "SetInt keeps ids ordered";
  std::string out;
  WriteStruct(s, &out);
  auto back = ParseStruct(out, "test");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->Find(1)->i, INT64_MIN);
  EXPECT_EQ(back->Find(2)->i, INT64_MAX);
  ASSERT_EQ(back->Find(3)->elements.size(), 40u);
  EXPECT_EQ(back->Find(3)->elements[39].i, (int64_t{1} << 40) * 19);
  back->Erase(2);
  EXPECT_EQ(back->Find(2), nullptr);
}

TEST(ThriftCompactTest, MalformedInputIsCorruptionWithTheOffset) {
  for (const std::string& bad : {Bytes({0x18, 0x7f, 'a'}),   // binary longer than the buffer
                                 Bytes({0x19, 0xf6, 0xff, 0xff, 0xff, 0x0f}),  // list count > bytes
                                 Bytes({0x1d}),              // type code 13
                                 Bytes({0x15}),              // ends inside a field
                                 Bytes({0x16, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})}) {
    auto v = ParseStruct(bad, "footer of x.parquet");
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().code(), StatusCode::kCorruption);
    EXPECT_NE(v.status().message().find("footer of x.parquet: malformed Thrift at byte "), std::string::npos)
        << v.status().message();
  }
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += Bytes({0x1c});  // struct in struct in ...
  auto v = ParseStruct(deep, "deep");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("nested deeper"), std::string::npos) << v.status().message();
}

}  // namespace
}  // namespace orbitlake::columnar::thrift
