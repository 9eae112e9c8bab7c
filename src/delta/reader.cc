#include "delta/reader.h"

#include <algorithm>

#include <arrow/api.h>

#include "columnar/arrow_status.h"
#include "columnar/parquet_file.h"
#include "columnar/parquet_ranged.h"
#include "delta/partition.h"

namespace orbitlake::delta {
namespace {

using columnar::FromArrow;

int64_t UnitsPerSecond(arrow::TimeUnit::type u) {
  switch (u) {
    case arrow::TimeUnit::SECOND: return 1;
    case arrow::TimeUnit::MILLI: return 1'000;
    case arrow::TimeUnit::MICRO: return 1'000'000;
    case arrow::TimeUnit::NANO: return 1'000'000'000;
  }
  return 1;
}

// Timestamps arrive in whatever unit the writer used (Spark: INT96 -> ns); the table
// type is microseconds. Converted by hand: orbitlake does not link Arrow's compute.
Result<std::shared_ptr<arrow::Array>> ConvertTimestamps(const arrow::TimestampArray& in,
                                                        const std::shared_ptr<arrow::DataType>& to) {
  const auto& from_t = static_cast<const arrow::TimestampType&>(*in.type());
  const auto& to_t = static_cast<const arrow::TimestampType&>(*to);
  const int64_t f = UnitsPerSecond(from_t.unit()), t = UnitsPerSecond(to_t.unit());
  arrow::TimestampBuilder b(to, arrow::default_memory_pool());
  ORBIT_RETURN_IF_ERROR(FromArrow(b.Reserve(in.length()), "timestamps"));
  for (int64_t i = 0; i < in.length(); ++i) {
    if (in.IsNull(i)) {
      b.UnsafeAppendNull();
      continue;
    }
    int64_t v = in.Value(i);
    if (f > t) {
      // Floor division, so pre-1970 values round towards the past like Spark does.
      int64_t q = v / (f / t);
      if (v % (f / t) < 0) --q;
      v = q;
    } else {
      v *= t / f;
    }
    b.UnsafeAppend(v);
  }
  std::shared_ptr<arrow::Array> out;
  ORBIT_RETURN_IF_ERROR(FromArrow(b.Finish(&out), "timestamps"));
  return out;
}

Result<std::shared_ptr<arrow::ChunkedArray>> Conform(const std::shared_ptr<arrow::ChunkedArray>& col,
                                                     const arrow::Field& field, const std::string& file) {
  if (col->type()->Equals(*field.type())) return col;
  if (col->type()->id() == arrow::Type::TIMESTAMP && field.type()->id() == arrow::Type::TIMESTAMP) {
    arrow::ArrayVector chunks;
    for (const auto& c : col->chunks()) {
      ORBIT_ASSIGN_OR_RETURN(auto conv, ConvertTimestamps(static_cast<const arrow::TimestampArray&>(*c), field.type()));
      chunks.push_back(std::move(conv));
    }
    return std::make_shared<arrow::ChunkedArray>(std::move(chunks), field.type());
  }
  // Same physical layout, different logical flavour (e.g. large_string vs string) is
  // not produced by any writer we test; refuse rather than guess.
  return Status::Unsupported("column '" + field.name() + "' is " + col->type()->ToString() + " in " + file +
                             " but " + field.type()->ToString() + " in the table schema");
}

// The snapshot's schema, or only `columns` of it (in its order).
Result<std::shared_ptr<arrow::Schema>> Projected(const Snapshot& snap, const std::vector<std::string>& columns) {
  if (columns.empty()) return snap.schema();
  arrow::FieldVector fields;
  for (const auto& c : columns) {
    if (snap.schema()->GetFieldIndex(c) < 0) return Status::InvalidArgument("the table has no column '" + c + "'");
  }
  for (const auto& f : snap.schema()->fields()) {
    if (std::find(columns.begin(), columns.end(), f->name()) != columns.end()) fields.push_back(f);
  }
  return arrow::schema(std::move(fields));
}

Result<std::shared_ptr<arrow::Table>> ReadOne(storage::Storage& storage, const Snapshot& snap, const AddFile& add,
                                              const std::shared_ptr<arrow::Schema>& out_schema,
                                              const std::vector<std::string>& wanted) {
  const std::string path = DecodePath(add.path);
  std::shared_ptr<arrow::Table> data;
  if (storage.PrefersRangedReads() && !wanted.empty() && add.size > 0) {
    // Some columns: the footer and their chunks, not the whole object (a whole file
    // stays one GET).
    ORBIT_ASSIGN_OR_RETURN(data, columnar::ReadParquetRanges(
                                     add.size,
                                     [&storage, &path](int64_t offset, int64_t length) {
                                       return storage.ReadRange(path, offset, length);
                                     },
                                     wanted, storage.Describe(path)));
  } else {
    ORBIT_ASSIGN_OR_RETURN(std::string bytes, storage.Read(path));
    ORBIT_ASSIGN_OR_RETURN(data, columnar::ReadParquetBytes(std::move(bytes), storage.Describe(path)));
  }
  const auto& schema = *out_schema;
  const auto& pcols = snap.partition_columns();
  arrow::ChunkedArrayVector columns;
  for (const auto& field : schema.fields()) {
    if (std::find(pcols.begin(), pcols.end(), field->name()) != pcols.end()) {
      auto it = add.partition_values.find(field->name());
      std::optional<std::string> value = it == add.partition_values.end() ? std::nullopt : it->second;
      ORBIT_ASSIGN_OR_RETURN(auto arr, PartitionValueArray(value, field->type(), data->num_rows()));
      columns.push_back(std::make_shared<arrow::ChunkedArray>(arr));
      continue;
    }
    auto col = data->GetColumnByName(field->name());
    if (!col) {
      auto nulls = arrow::MakeArrayOfNull(field->type(), data->num_rows());
      if (!nulls.ok()) return FromArrow(nulls.status(), "null column " + field->name());
      columns.push_back(std::make_shared<arrow::ChunkedArray>(*nulls));
      continue;
    }
    ORBIT_ASSIGN_OR_RETURN(auto conformed, Conform(col, *field, storage.Describe(path)));
    columns.push_back(std::move(conformed));
  }
  return arrow::Table::Make(out_schema, std::move(columns), data->num_rows());
}

}  // namespace

Result<std::shared_ptr<arrow::Table>> ReadFiles(storage::Storage& storage, const Snapshot& snapshot,
                                                const std::vector<AddFile>& files,
                                                const std::vector<std::string>& columns) {
  ORBIT_ASSIGN_OR_RETURN(auto schema, Projected(snapshot, columns));
  std::vector<std::string> wanted;  // the data columns to read from the files (all when empty)
  if (!columns.empty()) {
    for (const auto& f : schema->fields()) wanted.push_back(f->name());
  }
  std::vector<std::shared_ptr<arrow::Table>> parts;
  for (const auto& f : files) {
    ORBIT_ASSIGN_OR_RETURN(auto t, ReadOne(storage, snapshot, f, schema, wanted));
    parts.push_back(std::move(t));
  }
  if (parts.empty()) {
    auto empty = arrow::Table::MakeEmpty(schema);
    if (!empty.ok()) return FromArrow(empty.status(), "empty table");
    return *empty;
  }
  auto all = arrow::ConcatenateTables(parts);
  if (!all.ok()) return FromArrow(all.status(), "concatenate files");
  return *all;
}

Result<std::shared_ptr<arrow::Table>> ReadTable(storage::Storage& storage, const Snapshot& snapshot,
                                                const ReadOptions& options) {
  std::vector<AddFile> files;
  files.reserve(snapshot.files().size());
  for (const auto& [_, add] : snapshot.files()) files.push_back(add);
  if (!options.last_rows) return ReadFiles(storage, snapshot, files, options.columns);
  ORBIT_ASSIGN_OR_RETURN(auto schema, Projected(snapshot, options.columns));
  std::vector<std::string> wanted;
  if (!options.columns.empty()) {
    for (const auto& f : schema->fields()) wanted.push_back(f->name());
  }

  // Newest files first until enough rows, then keep the last rows in time order.
  std::sort(files.begin(), files.end(), [](const AddFile& a, const AddFile& b) {
    return a.modification_time != b.modification_time ? a.modification_time > b.modification_time : a.path > b.path;
  });
  std::vector<std::shared_ptr<arrow::Table>> parts;
  int64_t rows = 0;
  for (const auto& f : files) {
    if (rows >= *options.last_rows) break;
    ORBIT_ASSIGN_OR_RETURN(auto t, ReadOne(storage, snapshot, f, schema, wanted));
    rows += t->num_rows();
    parts.push_back(std::move(t));
  }
  std::reverse(parts.begin(), parts.end());
  if (parts.empty()) return ReadFiles(storage, snapshot, {}, options.columns);
  auto all = arrow::ConcatenateTables(parts);
  if (!all.ok()) return FromArrow(all.status(), "concatenate files");
  int64_t drop = std::max<int64_t>(0, (*all)->num_rows() - *options.last_rows);
  return (*all)->Slice(drop);
}

}  // namespace orbitlake::delta
