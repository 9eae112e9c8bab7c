#include "columnar/sort.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <arrow/api.h>

#include "columnar/arrow_status.h"

namespace orbitlake::columnar {
namespace {

// Stable ascending order of the non-null rows by `value(i)`, nulls after them.
template <typename Less, typename Array>
std::vector<int64_t> Order(const Array& a, Less less) {
  std::vector<int64_t> idx(static_cast<size_t>(a.length()));
  std::iota(idx.begin(), idx.end(), 0);
  // Nulls to the end first (stable), then sort the rest.
  auto mid = std::stable_partition(idx.begin(), idx.end(), [&](int64_t i) { return !a.IsNull(i); });
  std::stable_sort(idx.begin(), mid, less);
  return idx;
}

template <typename ArrayType>
std::vector<int64_t> OrderPrimitive(const arrow::Array& array) {
  const auto& a = static_cast<const ArrayType&>(array);
  return Order(a, [&a](int64_t x, int64_t y) { return a.Value(x) < a.Value(y); });
}

template <typename ArrayType>
std::vector<int64_t> OrderFloating(const arrow::Array& array) {
  const auto& a = static_cast<const ArrayType&>(array);
  return Order(a, [&a](int64_t x, int64_t y) {
    const double vx = a.Value(x), vy = a.Value(y);
    if (std::isnan(vx)) return false;  // NaN after every number
    if (std::isnan(vy)) return true;
    return vx < vy;
  });
}

template <typename ArrayType>
std::vector<int64_t> OrderBinary(const arrow::Array& array) {
  const auto& a = static_cast<const ArrayType&>(array);
  return Order(a, [&a](int64_t x, int64_t y) { return a.GetView(x) < a.GetView(y); });
}

Result<std::vector<int64_t>> SortIndices(const std::string& column, const arrow::Array& a) {
  switch (a.type_id()) {
    case arrow::Type::INT8: return OrderPrimitive<arrow::Int8Array>(a);
    case arrow::Type::INT16: return OrderPrimitive<arrow::Int16Array>(a);
    case arrow::Type::INT32: return OrderPrimitive<arrow::Int32Array>(a);
    case arrow::Type::INT64: return OrderPrimitive<arrow::Int64Array>(a);
    case arrow::Type::UINT8: return OrderPrimitive<arrow::UInt8Array>(a);
    case arrow::Type::UINT16: return OrderPrimitive<arrow::UInt16Array>(a);
    case arrow::Type::UINT32: return OrderPrimitive<arrow::UInt32Array>(a);
    case arrow::Type::UINT64: return OrderPrimitive<arrow::UInt64Array>(a);
    case arrow::Type::DATE32: return OrderPrimitive<arrow::Date32Array>(a);
    case arrow::Type::TIMESTAMP: return OrderPrimitive<arrow::TimestampArray>(a);
    case arrow::Type::BOOL: return OrderPrimitive<arrow::BooleanArray>(a);
    case arrow::Type::FLOAT: return OrderFloating<arrow::FloatArray>(a);
    case arrow::Type::DOUBLE: return OrderFloating<arrow::DoubleArray>(a);
    case arrow::Type::STRING: return OrderBinary<arrow::StringArray>(a);
    case arrow::Type::BINARY: return OrderBinary<arrow::BinaryArray>(a);
    case arrow::Type::LARGE_STRING: return OrderBinary<arrow::LargeStringArray>(a);
    default: break;
  }
  return Status::Unsupported("cannot sort by column '" + column + "' of type " + a.type()->ToString() +
                             " (sort keys: integers, floats, booleans, strings, binary, dates, timestamps)");
}

// The rows of `in` in the order `idx`, copied run by run: input that is already nearly
// sorted (streamed data by time) costs a few long copies, not one per row.
Result<std::shared_ptr<arrow::Array>> Gather(const arrow::Array& in, const std::vector<int64_t>& idx) {
  std::unique_ptr<arrow::ArrayBuilder> builder;
  ORBIT_RETURN_IF_ERROR(FromArrow(arrow::MakeBuilder(arrow::default_memory_pool(), in.type(), &builder), "sort"));
  ORBIT_RETURN_IF_ERROR(FromArrow(builder->Reserve(in.length()), "sort"));
  const arrow::ArraySpan span(*in.data());
  size_t i = 0;
  while (i < idx.size()) {
    size_t j = i + 1;
    while (j < idx.size() && idx[j] == idx[j - 1] + 1) ++j;
    ORBIT_RETURN_IF_ERROR(
        FromArrow(builder->AppendArraySlice(span, idx[i], static_cast<int64_t>(j - i)), "sort: copy rows"));
    i = j;
  }
  std::shared_ptr<arrow::Array> out;
  ORBIT_RETURN_IF_ERROR(FromArrow(builder->Finish(&out), "sort"));
  return out;
}

}  // namespace

Status CheckSortKeyType(const std::string& column, const std::shared_ptr<arrow::DataType>& type) {
  // An empty array of the type answers the question the same way SortTableBy will.
  auto empty = arrow::MakeEmptyArray(type);
  if (!empty.ok()) return FromArrow(empty.status(), "sort key " + column);
  return SortIndices(column, **empty).status();
}

Result<std::shared_ptr<arrow::Table>> SortTableBy(const arrow::Table& table, const std::string& column) {
  const int key = table.schema()->GetFieldIndex(column);
  if (key < 0) {
    return Status::InvalidArgument("cannot sort by '" + column + "': no such column in " +
                                   table.schema()->ToString());
  }
  auto combined = table.CombineChunks();
  if (!combined.ok()) return FromArrow(combined.status(), "sort: combine chunks");
  const arrow::Table& t = **combined;
  auto chunk = [&t](int c) -> std::shared_ptr<arrow::Array> {
    const auto& col = t.column(c);
    if (col->num_chunks() == 1) return col->chunk(0);
    auto empty = arrow::MakeEmptyArray(col->type());  // zero rows: no chunks
    return empty.ok() ? *empty : nullptr;
  };
  auto key_array = chunk(key);
  if (key_array == nullptr) return Status::Internal("sort: no array for column " + column);
  ORBIT_ASSIGN_OR_RETURN(std::vector<int64_t> idx, SortIndices(column, *key_array));
  arrow::ArrayVector columns;
  for (int c = 0; c < t.num_columns(); ++c) {
    auto array = chunk(c);
    if (array == nullptr) return Status::Internal("sort: no array for column " + t.field(c)->name());
    ORBIT_ASSIGN_OR_RETURN(auto sorted, Gather(*array, idx));
    columns.push_back(std::move(sorted));
  }
  return arrow::Table::Make(t.schema(), columns, t.num_rows());
}

}  // namespace orbitlake::columnar
