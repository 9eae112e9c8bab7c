#include "columnar/data_file_writer.h"

#include <cmath>
#include <optional>

#include <arrow/api.h>
#include <arrow/io/interfaces.h>
#include <parquet/arrow/writer.h>

#include "columnar/arrow_status.h"

namespace orbitlake::columnar {
namespace {

// arrow::io::OutputStream over a storage::WritableFile, so Parquet streams into any
// Storage (local disk now, S3 multipart later) without a whole-file copy in memory.
class StorageOutputStream final : public arrow::io::OutputStream {
 public:
  explicit StorageOutputStream(std::unique_ptr<storage::WritableFile> file) : file_(std::move(file)) {}
  arrow::Status Write(const void* data, int64_t nbytes) override {
    Status st = file_->Append(std::string_view(static_cast<const char*>(data), static_cast<size_t>(nbytes)));
    return st.ok() ? arrow::Status::OK() : arrow::Status::IOError(st.ToString());
  }
  // Publishing happens in Publish(), after the Parquet footer; Close() only marks the end.
  arrow::Status Close() override {
    closed_ = true;
    return arrow::Status::OK();
  }
  arrow::Result<int64_t> Tell() const override { return file_->size(); }
  bool closed() const override { return closed_; }
  Status Publish() { return file_->Close(); }

 private:
  std::unique_ptr<storage::WritableFile> file_;
  bool closed_ = false;
};

// Statistics are computed on every written batch, so these loops are on the ingest hot
// path: min/max are tracked in plain locals and merged into the variants once per batch.
template <typename ArrayT, typename V>
void MinMax(const arrow::Array& a, StatValue& min, StatValue& max) {
  const auto& arr = static_cast<const ArrayT&>(a);
  const auto* values = arr.raw_values();
  const bool nulls = arr.null_count() > 0;
  bool any = false;
  V lo{}, hi{};
  for (int64_t i = 0; i < arr.length(); ++i) {
    if (nulls && arr.IsNull(i)) continue;
    const V v = static_cast<V>(values[i]);
    if constexpr (std::is_floating_point_v<V>) {
      if (std::isnan(v)) continue;
    }
    if (!any) {
      lo = hi = v;
      any = true;
    } else {
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
  }
  if (!any) return;
  if (std::holds_alternative<std::monostate>(min) || lo < std::get<V>(min)) min = lo;
  if (std::holds_alternative<std::monostate>(max) || hi > std::get<V>(max)) max = hi;
}

void StringMinMax(const arrow::StringArray& arr, StatValue& min, StatValue& max, bool& max_unbounded) {
  const bool nulls = arr.null_count() > 0;
  std::optional<std::string_view> lo, hi;
  for (int64_t i = 0; i < arr.length(); ++i) {
    if (nulls && arr.IsNull(i)) continue;
    const std::string_view v = arr.GetView(i);
    if (!lo || v < *lo) lo = v;
    if (!hi || v > *hi) hi = v;
  }
  if (!lo) return;
  if (std::holds_alternative<std::monostate>(min) || *lo < std::get<std::string>(min)) min = std::string(*lo);
  if (std::holds_alternative<std::monostate>(max) || *hi > std::get<std::string>(max)) max = std::string(*hi);
  if (auto* s = std::get_if<std::string>(&min); s && s->size() > kMaxStatStringBytes) s->resize(kMaxStatStringBytes);
  if (auto* s = std::get_if<std::string>(&max); s && s->size() > kMaxStatStringBytes) max_unbounded = true;
}

class ColumnAccumulator {
 public:
  explicit ColumnAccumulator(const arrow::Field& f) { stats_.name = f.name(); stats_.type = f.type(); }
  void Add(const arrow::Array& a) {
    stats_.null_count += a.null_count();
    if (a.null_count() == a.length()) return;
    switch (a.type_id()) {
      case arrow::Type::INT8: MinMax<arrow::Int8Array, int64_t>(a, stats_.min, stats_.max); break;
      case arrow::Type::INT16: MinMax<arrow::Int16Array, int64_t>(a, stats_.min, stats_.max); break;
      case arrow::Type::INT32: MinMax<arrow::Int32Array, int64_t>(a, stats_.min, stats_.max); break;
      case arrow::Type::INT64: MinMax<arrow::Int64Array, int64_t>(a, stats_.min, stats_.max); break;
      case arrow::Type::DATE32: MinMax<arrow::Date32Array, int64_t>(a, stats_.min, stats_.max); break;
      case arrow::Type::TIMESTAMP: MinMax<arrow::TimestampArray, int64_t>(a, stats_.min, stats_.max); break;
      case arrow::Type::FLOAT: MinMax<arrow::FloatArray, double>(a, stats_.min, stats_.max); break;
      case arrow::Type::DOUBLE: MinMax<arrow::DoubleArray, double>(a, stats_.min, stats_.max); break;
      case arrow::Type::STRING:
        StringMinMax(static_cast<const arrow::StringArray&>(a), stats_.min, stats_.max, max_unbounded_);
        break;
      default: break;
    }
  }
  ColumnStats Finish() {
    if (max_unbounded_) stats_.max = std::monostate{};
    return stats_;
  }

 private:
  ColumnStats stats_;
  bool max_unbounded_ = false;
};

class ParquetDataFileWriter final : public DataFileWriter {
 public:
  ParquetDataFileWriter(std::string path, std::shared_ptr<arrow::Schema> schema,
                        std::shared_ptr<StorageOutputStream> sink, std::unique_ptr<parquet::arrow::FileWriter> writer)
      : path_(std::move(path)), schema_(std::move(schema)), sink_(std::move(sink)), writer_(std::move(writer)) {
    for (const auto& f : schema_->fields()) columns_.emplace_back(*f);
  }

  Status Write(const arrow::RecordBatch& batch) override {
    if (finished_) return Status::Internal("write after Finish: " + path_);
    if (!batch.schema()->Equals(*schema_, /*check_metadata=*/false)) {
      return Status::InvalidArgument("batch schema " + batch.schema()->ToString() + " differs from the file's " +
                                     schema_->ToString());
    }
    ORBIT_RETURN_IF_ERROR(FromArrow(writer_->WriteRecordBatch(batch), "write parquet " + path_));
    for (int c = 0; c < batch.num_columns(); ++c) columns_[c].Add(*batch.column(c));
    rows_ += batch.num_rows();
    return Status::OK();
  }

  Result<DataFileResult> Finish() override {
    if (finished_) return Status::Internal("Finish called twice: " + path_);
    finished_ = true;
    ORBIT_RETURN_IF_ERROR(FromArrow(writer_->Close(), "close parquet " + path_));
    auto size = sink_->Tell();
    ORBIT_RETURN_IF_ERROR(sink_->Publish());
    DataFileResult out;
    out.path = path_;
    out.size = size.ValueOr(0);
    out.stats.num_records = rows_;
    for (auto& c : columns_) out.stats.columns.push_back(c.Finish());
    return out;
  }

  int64_t rows() const override { return rows_; }
  int64_t bytes() const override { return sink_->Tell().ValueOr(0); }

 private:
  std::string path_;
  std::shared_ptr<arrow::Schema> schema_;
  std::shared_ptr<StorageOutputStream> sink_;
  std::unique_ptr<parquet::arrow::FileWriter> writer_;
  std::vector<ColumnAccumulator> columns_;
  int64_t rows_ = 0;
  bool finished_ = false;
};

}  // namespace

Result<std::unique_ptr<DataFileWriter>> DataFileWriter::Open(storage::Storage* storage, std::string path,
                                                             std::shared_ptr<arrow::Schema> schema,
                                                             const ParquetWriteOptions& options) {
  ORBIT_ASSIGN_OR_RETURN(auto file, storage->NewWritableFile(path));
  auto sink = std::make_shared<StorageOutputStream>(std::move(file));
  auto writer = parquet::arrow::FileWriter::Open(*schema, arrow::default_memory_pool(), sink,
                                                 ParquetProperties(options, *schema), ArrowProperties());
  if (!writer.ok()) return FromArrow(writer.status(), "open parquet writer for " + storage->Describe(path));
  return std::unique_ptr<DataFileWriter>(
      std::make_unique<ParquetDataFileWriter>(std::move(path), std::move(schema), std::move(sink), std::move(*writer)));
}

}  // namespace orbitlake::columnar
