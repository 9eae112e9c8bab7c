#include "delta/checkpoint.h"

#include <arrow/api.h>

#include "columnar/arrow_status.h"
#include "columnar/data_file_writer.h"
#include "columnar/parquet_file.h"

namespace orbitlake::delta {
namespace {

using nlohmann::json;
using columnar::FromArrow;

std::shared_ptr<arrow::DataType> StrMap() { return arrow::map(arrow::utf8(), arrow::utf8()); }

// The columns Spark and delta-rs expect (PROTOCOL.md "Checkpoint Schema"); other
// optional fields are absent, which readers treat as null.
std::shared_ptr<arrow::Schema> CheckpointSchema() {
  using arrow::field;
  auto str_list = arrow::list(arrow::utf8());
  return arrow::schema({
      field("txn", arrow::struct_({field("appId", arrow::utf8()), field("version", arrow::int64()),
                                   field("lastUpdated", arrow::int64())})),
      field("add", arrow::struct_({field("path", arrow::utf8()), field("partitionValues", StrMap()),
                                   field("size", arrow::int64()), field("modificationTime", arrow::int64()),
                                   field("dataChange", arrow::boolean()), field("stats", arrow::utf8()),
                                   field("tags", StrMap())})),
      field("remove", arrow::struct_({field("path", arrow::utf8()), field("deletionTimestamp", arrow::int64()),
                                      field("dataChange", arrow::boolean()),
                                      field("extendedFileMetadata", arrow::boolean()),
                                      field("partitionValues", StrMap()), field("size", arrow::int64())})),
      field("metaData",
            arrow::struct_({field("id", arrow::utf8()), field("name", arrow::utf8()),
                            field("description", arrow::utf8()),
                            field("format", arrow::struct_({field("provider", arrow::utf8()),
                                                            field("options", StrMap())})),
                            field("schemaString", arrow::utf8()), field("partitionColumns", str_list),
                            field("configuration", StrMap()), field("createdTime", arrow::int64())})),
      field("protocol", arrow::struct_({field("minReaderVersion", arrow::int32()),
                                        field("minWriterVersion", arrow::int32()),
                                        field("readerFeatures", str_list), field("writerFeatures", str_list)})),
  });
}

// Appends a JSON value to a builder of the checkpoint schema (null or absent -> null).
arrow::Status AppendJson(arrow::ArrayBuilder* b, const json* v) {
  if (v == nullptr || v->is_null()) return b->AppendNull();
  switch (b->type()->id()) {
    case arrow::Type::STRING:
      return static_cast<arrow::StringBuilder*>(b)->Append(v->is_string() ? v->get<std::string>() : v->dump());
    case arrow::Type::INT64: return static_cast<arrow::Int64Builder*>(b)->Append(v->get<int64_t>());
    case arrow::Type::INT32: return static_cast<arrow::Int32Builder*>(b)->Append(v->get<int32_t>());
    case arrow::Type::BOOL: return static_cast<arrow::BooleanBuilder*>(b)->Append(v->get<bool>());
    case arrow::Type::STRUCT: {
      auto* sb = static_cast<arrow::StructBuilder*>(b);
      ARROW_RETURN_NOT_OK(sb->Append());
      const auto type = sb->type();  // keep it alive: fields() refers into it
      const auto& fields = type->fields();
      for (int i = 0; i < sb->num_fields(); ++i) {
        auto it = v->find(fields[i]->name());
        ARROW_RETURN_NOT_OK(AppendJson(sb->field_builder(i), it == v->end() ? nullptr : &*it));
      }
      return arrow::Status::OK();
    }
    case arrow::Type::MAP: {
      auto* mb = static_cast<arrow::MapBuilder*>(b);
      ARROW_RETURN_NOT_OK(mb->Append());
      for (auto& [k, item] : v->items()) {
        ARROW_RETURN_NOT_OK(static_cast<arrow::StringBuilder*>(mb->key_builder())->Append(k));
        ARROW_RETURN_NOT_OK(AppendJson(mb->item_builder(), &item));
      }
      return arrow::Status::OK();
    }
    case arrow::Type::LIST: {
      auto* lb = static_cast<arrow::ListBuilder*>(b);
      ARROW_RETURN_NOT_OK(lb->Append());
      for (const auto& item : *v) ARROW_RETURN_NOT_OK(AppendJson(lb->value_builder(), &item));
      return arrow::Status::OK();
    }
    default: return arrow::Status::NotImplemented("checkpoint column type ", b->type()->ToString());
  }
}

// One value of a checkpoint column as JSON, for any schema a writer may have used.
json ValueToJson(const arrow::Array& a, int64_t i) {
  if (a.IsNull(i)) return nullptr;
  switch (a.type_id()) {
    case arrow::Type::STRING: return std::string(static_cast<const arrow::StringArray&>(a).GetView(i));
    case arrow::Type::LARGE_STRING: return std::string(static_cast<const arrow::LargeStringArray&>(a).GetView(i));
    case arrow::Type::INT64: return static_cast<const arrow::Int64Array&>(a).Value(i);
    case arrow::Type::INT32: return static_cast<const arrow::Int32Array&>(a).Value(i);
    case arrow::Type::INT16: return static_cast<const arrow::Int16Array&>(a).Value(i);
    case arrow::Type::INT8: return static_cast<const arrow::Int8Array&>(a).Value(i);
    case arrow::Type::BOOL: return static_cast<const arrow::BooleanArray&>(a).Value(i);
    case arrow::Type::STRUCT: {
      const auto& s = static_cast<const arrow::StructArray&>(a);
      json o = json::object();
      for (int f = 0; f < s.num_fields(); ++f) {
        // Parsed statistics and similar derived columns are not needed for replay.
        const std::string& name = s.type()->field(f)->name();
        if (name.ends_with("_parsed")) continue;
        o[name] = ValueToJson(*s.field(f), i);
      }
      return o;
    }
    case arrow::Type::MAP: {
      const auto& m = static_cast<const arrow::MapArray&>(a);
      json o = json::object();
      for (int64_t k = m.value_offset(i); k < m.value_offset(i) + m.value_length(i); ++k) {
        json key = ValueToJson(*m.keys(), k);
        if (key.is_string()) o[key.get<std::string>()] = ValueToJson(*m.items(), k);
      }
      return o;
    }
    case arrow::Type::LIST: {
      const auto& l = static_cast<const arrow::ListArray&>(a);
      json arr = json::array();
      for (int64_t k = l.value_offset(i); k < l.value_offset(i) + l.value_length(i); ++k) {
        arr.push_back(ValueToJson(*l.values(), k));
      }
      return arr;
    }
    default: return nullptr;  // binary stats, deletion-vector blobs...: not used by replay
  }
}

}  // namespace

Status WriteCheckpoint(storage::Storage& storage, const TableState& state, int64_t tombstone_cutoff_ms) {
  if (!state.protocol() || !state.metadata()) return Status::Internal("checkpoint of a table without metadata");
  const auto actions = state.CheckpointActions(tombstone_cutoff_ms);
  auto schema = CheckpointSchema();
  std::vector<std::unique_ptr<arrow::ArrayBuilder>> builders;
  for (const auto& f : schema->fields()) {
    auto b = arrow::MakeBuilder(f->type());
    if (!b.ok()) return FromArrow(b.status(), "checkpoint builder");
    builders.push_back(std::move(*b));
  }
  for (const auto& action : actions) {
    json j = ActionToJson(action);
    for (int c = 0; c < schema->num_fields(); ++c) {
      auto it = j.find(schema->field(c)->name());
      ORBIT_RETURN_IF_ERROR(FromArrow(AppendJson(builders[c].get(), it == j.end() ? nullptr : &*it),
                                      "checkpoint row"));
    }
  }
  arrow::ArrayVector columns;
  for (auto& b : builders) {
    auto arr = b->Finish();
    if (!arr.ok()) return FromArrow(arr.status(), "checkpoint column");
    columns.push_back(*arr);
  }
  auto batch = arrow::RecordBatch::Make(schema, static_cast<int64_t>(actions.size()), columns);
  const std::string path = CheckpointPath(state.version());
  ORBIT_ASSIGN_OR_RETURN(auto writer, columnar::DataFileWriter::Open(&storage, path, schema));
  ORBIT_RETURN_IF_ERROR(writer->Write(*batch));
  ORBIT_ASSIGN_OR_RETURN(auto written, writer->Finish());
  LastCheckpoint last;
  last.version = state.version();
  last.size = static_cast<int64_t>(actions.size());
  last.size_in_bytes = written.size;
  last.num_of_add_files = static_cast<int64_t>(state.files().size());
  return storage.Write(LastCheckpointPath(), SerializeLastCheckpoint(last));
}

Result<std::vector<Action>> ReadCheckpoint(storage::Storage& storage, const std::vector<std::string>& files) {
  std::vector<Action> out;
  for (const auto& path : files) {
    ORBIT_ASSIGN_OR_RETURN(std::string bytes, storage.Read(path));
    auto table = columnar::ReadParquetBytes(std::move(bytes), storage.Describe(path));
    if (!table.ok()) return Status::Corruption(table.status().message());
    for (int c = 0; c < (*table)->num_columns(); ++c) {
      const std::string& name = (*table)->field(c)->name();
      if (name != "add" && name != "remove" && name != "metaData" && name != "protocol" && name != "txn") continue;
      for (const auto& chunk : (*table)->column(c)->chunks()) {
        for (int64_t i = 0; i < chunk->length(); ++i) {
          if (chunk->IsNull(i)) continue;
          json line = {{name, ValueToJson(*chunk, i)}};
          auto a = ParseAction(line);
          if (!a.ok()) return a.status().WithContext(storage.Describe(path));
          if (*a) out.push_back(std::move(**a));
        }
      }
    }
  }
  return out;
}

std::optional<LastCheckpoint> ReadLastCheckpoint(storage::Storage& storage) {
  auto text = storage.Read(LastCheckpointPath());
  if (!text.ok()) return std::nullopt;
  auto lc = ParseLastCheckpoint(*text, storage.Describe(LastCheckpointPath()));
  if (!lc.ok()) return std::nullopt;
  return *lc;
}

}  // namespace orbitlake::delta
