#include "columnar/sort.h"

#include <arrow/api.h>
#include <gtest/gtest.h>

#include <cmath>

namespace orbitlake::columnar {
namespace {

std::shared_ptr<arrow::Array> Ints(const std::vector<std::optional<int64_t>>& v) {
  arrow::Int64Builder b;
  for (const auto& x : v) x ? (void)b.Append(*x) : (void)b.AppendNull();
  return b.Finish().ValueOrDie();
}
std::shared_ptr<arrow::Array> Strings(const std::vector<std::optional<std::string>>& v) {
  arrow::StringBuilder b;
  for (const auto& x : v) x ? (void)b.Append(*x) : (void)b.AppendNull();
  return b.Finish().ValueOrDie();
}
std::vector<std::optional<int64_t>> IntsOf(const arrow::ChunkedArray& c) {
  std::vector<std::optional<int64_t>> out;
  for (const auto& chunk : c.chunks()) {
    const auto& a = static_cast<const arrow::Int64Array&>(*chunk);
    for (int64_t i = 0; i < a.length(); ++i) out.push_back(a.IsNull(i) ? std::nullopt : std::optional(a.Value(i)));
  }
  return out;
}

TEST(SortTest, StableAscendingNullsLastAcrossChunksCarryingEveryColumn) {
  auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("row", arrow::int64()),
                               arrow::field("s", arrow::utf8()),
                               arrow::field("l", arrow::list(arrow::int64()))});
  // Two chunks, as a table read from several files is.
  arrow::ListBuilder lb(arrow::default_memory_pool(), std::make_shared<arrow::Int64Builder>());
  auto* vb = static_cast<arrow::Int64Builder*>(lb.value_builder());
  for (int i = 0; i < 6; ++i) {
    (void)lb.Append();
    for (int j = 0; j <= i % 2; ++j) (void)vb->Append(i * 10 + j);
  }
  auto lists = lb.Finish().ValueOrDie();
  auto k = std::make_shared<arrow::ChunkedArray>(arrow::ArrayVector{Ints({3, std::nullopt, 1}), Ints({3, 0, 1})});
  auto row = std::make_shared<arrow::ChunkedArray>(arrow::ArrayVector{Ints({0, 1, 2}), Ints({3, 4, 5})});
  auto s = std::make_shared<arrow::ChunkedArray>(
      arrow::ArrayVector{Strings({"a", "b", std::nullopt}), Strings({"d", "e", "f"})});
  auto l = std::make_shared<arrow::ChunkedArray>(arrow::ArrayVector{lists->Slice(0, 3), lists->Slice(3, 3)});
  auto table = arrow::Table::Make(schema, {k, row, s, l}, 6);
  auto sorted = SortTableBy(*table, "k");
  ASSERT_TRUE(sorted.ok()) << sorted.status().ToString();
  EXPECT_EQ(IntsOf(*(*sorted)->column(0)), (std::vector<std::optional<int64_t>>{0, 1, 1, 3, 3, std::nullopt}));
  // Stable: equal keys keep their input order (rows 2 before 5, 0 before 3).
  EXPECT_EQ(IntsOf(*(*sorted)->column(1)), (std::vector<std::optional<int64_t>>{4, 2, 5, 0, 3, 1}));
  auto strings = std::static_pointer_cast<arrow::StringArray>((*sorted)->column(2)->chunk(0));
  EXPECT_EQ(strings->GetString(0), "e");
  EXPECT_TRUE(strings->IsNull(1));
  EXPECT_EQ(strings->GetString(5), "b");
  auto out_lists = std::static_pointer_cast<arrow::ListArray>((*sorted)->column(3)->chunk(0));
  // Row 4 held [40], row 5 [50, 51].
  EXPECT_TRUE(out_lists->value_slice(0)->Equals(*Ints({40})));
  EXPECT_TRUE(out_lists->value_slice(2)->Equals(*Ints({50, 51})));
  EXPECT_TRUE((*sorted)->ValidateFull().ok());
}

TEST(SortTest, FloatsPutNaNAfterNumbersAndStringsSortByBytes) {
  arrow::DoubleBuilder d;
  for (double x : {2.0, std::nan(""), -1.0, 0.5}) (void)d.Append(x);
  (void)d.AppendNull();
  auto table = arrow::Table::Make(arrow::schema({arrow::field("x", arrow::float64()), arrow::field("s", arrow::utf8())}),
                                  {d.Finish().ValueOrDie(), Strings({"b", "B", "a", "ab", std::nullopt})});
  auto by_x = SortTableBy(*table, "x");
  ASSERT_TRUE(by_x.ok());
  auto x = std::static_pointer_cast<arrow::DoubleArray>((*by_x)->column(0)->chunk(0));
  EXPECT_EQ(x->Value(0), -1.0);
  EXPECT_EQ(x->Value(1), 0.5);
  EXPECT_EQ(x->Value(2), 2.0);
  EXPECT_TRUE(std::isnan(x->Value(3)));
  EXPECT_TRUE(x->IsNull(4));
  auto by_s = SortTableBy(*table, "s");
  ASSERT_TRUE(by_s.ok());
  auto s = std::static_pointer_cast<arrow::StringArray>((*by_s)->column(1)->chunk(0));
  EXPECT_EQ(s->GetString(0), "B");
  EXPECT_EQ(s->GetString(1), "a");
  EXPECT_EQ(s->GetString(2), "ab");
  EXPECT_EQ(s->GetString(3), "b");
}

TEST(SortTest, RefusesUnknownColumnsAndUnsortableTypes) {
  auto table = arrow::Table::Make(arrow::schema({arrow::field("k", arrow::int64())}), {Ints({1})});
  EXPECT_EQ(SortTableBy(*table, "nope").status().code(), StatusCode::kInvalidArgument);
  Status st = CheckSortKeyType("tags", arrow::map(arrow::utf8(), arrow::utf8()));
  EXPECT_EQ(st.code(), StatusCode::kUnsupported);
  EXPECT_NE(st.message().find("'tags'"), std::string::npos) << st.message();
  EXPECT_TRUE(CheckSortKeyType("t", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")).ok());
  // An empty table sorts to an empty table.
  auto empty = arrow::Table::MakeEmpty(table->schema()).ValueOrDie();
  auto sorted = SortTableBy(*empty, "k");
  ASSERT_TRUE(sorted.ok()) << sorted.status().ToString();
  EXPECT_EQ((*sorted)->num_rows(), 0);
}

}  // namespace
}  // namespace orbitlake::columnar
