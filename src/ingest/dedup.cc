#include "ingest/dedup.h"

#include <algorithm>

#include <arrow/api.h>
#include <fmt/format.h>

#include "columnar/arrow_status.h"
#include "delta/reader.h"
#include "delta/table.h"

namespace orbitlake::ingest {
namespace {

bool IsKeyType(const arrow::DataType& t) {
  if (arrow::is_binary_like(t.id()) || arrow::is_large_binary_like(t.id())) return true;
  if (t.id() == arrow::Type::BOOL) return true;
  return arrow::is_fixed_width(t.id()) && !arrow::is_nested(t.id()) && t.id() != arrow::Type::NA;
}

// Appends one value of `array` at `row` to `key`: a null marker, or a presence byte and
// the value's bytes (length-prefixed for variable-width values, so ("ab","c") and
// ("a","bc") differ).
void AppendValue(const arrow::Array& array, int64_t row, std::string* key) {
  if (array.IsNull(row)) {
    key->push_back('\0');
    return;
  }
  key->push_back('\1');
  const arrow::Type::type id = array.type_id();
  std::string_view bytes;
  if (id == arrow::Type::BOOL) {
    key->push_back(static_cast<const arrow::BooleanArray&>(array).Value(row) ? '\1' : '\0');
    return;
  }
  if (arrow::is_binary_like(id)) {
    bytes = static_cast<const arrow::BinaryArray&>(array).GetView(row);
  } else if (arrow::is_large_binary_like(id)) {
    bytes = static_cast<const arrow::LargeBinaryArray&>(array).GetView(row);
  } else {
    const auto& fixed = static_cast<const arrow::FixedWidthType&>(*array.type());
    const int width = fixed.byte_width();
    const uint8_t* data = array.data()->GetValues<uint8_t>(1, 0);
    key->append(reinterpret_cast<const char*>(data) + (array.offset() + row) * width, width);
    return;
  }
  const auto n = static_cast<uint32_t>(bytes.size());
  key->append(reinterpret_cast<const char*>(&n), sizeof n);
  key->append(bytes);
}

}  // namespace

Result<std::unique_ptr<KeyWindow>> KeyWindow::Make(DedupOptions options, const arrow::Schema& schema) {
  if (options.key.empty()) return Status::InvalidArgument("dedup needs at least one key column");
  if (options.within.count() <= 0) return Status::InvalidArgument("dedup window must be positive");
  for (const std::string& name : options.key) {
    auto field = schema.GetFieldByName(name);
    if (!field) return Status::InvalidArgument(fmt::format("dedup key column '{}' is not a column", name));
    if (!IsKeyType(*field->type())) {
      return Status::InvalidArgument(
          fmt::format("dedup key column '{}' has type {}; keys must be primitive", name, field->type()->ToString()));
    }
  }
  return std::unique_ptr<KeyWindow>(new KeyWindow(std::move(options)));
}

Result<std::vector<std::string>> KeyWindow::Keys(const arrow::RecordBatch& rows) const {
  std::vector<const arrow::Array*> columns;
  for (const std::string& name : options_.key) {
    const auto column = rows.GetColumnByName(name);
    if (!column) return Status::Internal(fmt::format("dedup key column '{}' missing from the rows", name));
    columns.push_back(column.get());
  }
  std::vector<std::string> keys(rows.num_rows());
  for (int64_t r = 0; r < rows.num_rows(); ++r) {
    for (const arrow::Array* c : columns) AppendValue(*c, r, &keys[r]);
  }
  return keys;
}

Status KeyWindow::Load(delta::Table& table, std::chrono::system_clock::time_point now) {
  keys_.clear();
  committed_.clear();
  pending_.clear();
  const int64_t cutoff_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>((now - options_.within).time_since_epoch()).count();
  std::vector<delta::AddFile> files;
  for (const auto& [path, add] : table.snapshot().files()) {
    if (add.modification_time >= cutoff_ms) files.push_back(add);
  }
  if (files.empty()) return Status::OK();
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.modification_time < b.modification_time; });
  // One file at a time, so the window is rebuilt oldest first and the memory of the read
  // is one file's.
  for (const delta::AddFile& file : files) {
    // The key columns only: on S3 a few ranged GETs per file, not the whole object.
    ORBIT_ASSIGN_OR_RETURN(auto data, delta::ReadFiles(table.storage(), table.snapshot(), {file}, options_.key));
    arrow::TableBatchReader reader(*data);
    std::shared_ptr<arrow::RecordBatch> batch;
    const auto at = std::chrono::system_clock::time_point(std::chrono::milliseconds(file.modification_time));
    while (true) {
      if (auto st = reader.ReadNext(&batch); !st.ok()) return columnar::FromArrow(st, "reading dedup keys");
      if (!batch) break;
      ORBIT_ASSIGN_OR_RETURN(std::vector<std::string> keys, Keys(*batch));
      for (std::string& k : keys) {
        if (keys_.insert(k).second) committed_.push_back({at, std::move(k)});
      }
    }
  }
  return Status::OK();
}

Result<std::shared_ptr<arrow::RecordBatch>> KeyWindow::Filter(const std::shared_ptr<arrow::RecordBatch>& rows,
                                                              int64_t* dropped) {
  ORBIT_ASSIGN_OR_RETURN(std::vector<std::string> keys, Keys(*rows));
  // Runs of kept rows [begin, end), so the result is slices of the input, not a copy
  // row by row.
  std::vector<std::pair<int64_t, int64_t>> runs;
  int64_t drops = 0;
  for (int64_t r = 0; r < static_cast<int64_t>(keys.size()); ++r) {
    if (!keys_.insert(keys[r]).second) {
      ++drops;
      continue;
    }
    pending_.push_back(std::move(keys[r]));
    if (!runs.empty() && runs.back().second == r) {
      runs.back().second = r + 1;
    } else {
      runs.emplace_back(r, r + 1);
    }
  }
  if (dropped) *dropped += drops;
  if (drops == 0) return rows;
  std::vector<std::shared_ptr<arrow::RecordBatch>> parts;
  for (const auto& [begin, end] : runs) parts.push_back(rows->Slice(begin, end - begin));
  if (parts.empty()) return rows->Slice(0, 0);
  if (parts.size() == 1) return parts.front();
  auto joined = arrow::ConcatenateRecordBatches(parts);
  if (!joined.ok()) return columnar::FromArrow(joined.status(), "dropping duplicate rows");
  return *joined;
}

void KeyWindow::Commit(std::chrono::system_clock::time_point at) {
  for (std::string& k : pending_) committed_.push_back({at, std::move(k)});
  pending_.clear();
  Expire(at);
}

void KeyWindow::Abort() {
  for (const std::string& k : pending_) keys_.erase(k);
  pending_.clear();
}

void KeyWindow::Expire(std::chrono::system_clock::time_point now) {
  const auto cutoff = now - options_.within;
  while (!committed_.empty() && committed_.front().at < cutoff) {
    keys_.erase(committed_.front().key);
    committed_.pop_front();
  }
}

}  // namespace orbitlake::ingest
