#include "columnar/parquet_ranged.h"

#include <algorithm>
#include <mutex>

#include <arrow/buffer.h>
#include <arrow/io/interfaces.h>
#include <arrow/table.h>
#include <parquet/arrow/reader.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>
#include <parquet/schema.h>
#include <parquet/properties.h>

#include "columnar/arrow_status.h"

namespace orbitlake::columnar {
namespace {

// An Arrow file whose reads are RangeReader calls.
class RangeFile final : public arrow::io::RandomAccessFile {
 public:
  RangeFile(int64_t size, RangeReader read) : size_(size), read_(std::move(read)) {}

  arrow::Status Close() override {
    closed_ = true;
    return arrow::Status::OK();
  }
  bool closed() const override { return closed_; }
  arrow::Result<int64_t> GetSize() override { return size_; }
  arrow::Result<int64_t> Tell() const override {
    std::lock_guard lock(mu_);
    return pos_;
  }
  arrow::Status Seek(int64_t position) override {
    if (position < 0 || position > size_) return arrow::Status::IOError("seek to ", position, " outside the file");
    std::lock_guard lock(mu_);
    pos_ = position;
    return arrow::Status::OK();
  }
  arrow::Result<int64_t> Read(int64_t nbytes, void* out) override {
    int64_t pos = 0;
    {
      std::lock_guard lock(mu_);
      pos = pos_;
    }
    ARROW_ASSIGN_OR_RAISE(auto n, ReadAt(pos, nbytes, out));
    std::lock_guard lock(mu_);
    pos_ = pos + n;
    return n;
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t nbytes) override {
    int64_t pos = 0;
    {
      std::lock_guard lock(mu_);
      pos = pos_;
    }
    ARROW_ASSIGN_OR_RAISE(auto buf, ReadAt(pos, nbytes));
    std::lock_guard lock(mu_);
    pos_ = pos + buf->size();
    return buf;
  }
  arrow::Result<int64_t> ReadAt(int64_t position, int64_t nbytes, void* out) override {
    ARROW_ASSIGN_OR_RAISE(auto buf, ReadAt(position, nbytes));
    std::copy_n(buf->data(), buf->size(), static_cast<uint8_t*>(out));
    return buf->size();
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadAt(int64_t position, int64_t nbytes) override {
    if (position < 0 || nbytes < 0) return arrow::Status::Invalid("negative read range");
    nbytes = std::min(nbytes, std::max<int64_t>(0, size_ - position));
    if (nbytes == 0) return std::make_shared<arrow::Buffer>(nullptr, 0);
    auto bytes = read_(position, nbytes);
    if (!bytes.ok()) return arrow::Status::IOError(bytes.status().ToString());
    if (static_cast<int64_t>(bytes->size()) != nbytes) {
      return arrow::Status::IOError("short read: ", bytes->size(), " of ", nbytes, " bytes at ", position,
                                    " (the file is shorter than its size says)");
    }
    return arrow::Buffer::FromString(std::move(*bytes));
  }

 private:
  const int64_t size_;
  RangeReader read_;
  mutable std::mutex mu_;  // pos_: Arrow may read from several threads
  int64_t pos_ = 0;
  bool closed_ = false;
};

}  // namespace

Result<std::shared_ptr<arrow::Table>> ReadParquetRanges(int64_t size, RangeReader read_range,
                                                        const std::vector<std::string>& columns,
                                                        const std::string& name) {
  auto file = std::make_shared<RangeFile>(size, std::move(read_range));
  parquet::ArrowReaderProperties props;
  props.set_pre_buffer(true);  // coalesce the chunks' ranges into few reads
  parquet::arrow::FileReaderBuilder builder;
  ORBIT_RETURN_IF_ERROR(FromArrow(builder.Open(file), "read parquet footer of " + name));
  builder.properties(props);
  std::unique_ptr<parquet::arrow::FileReader> reader;
  ORBIT_RETURN_IF_ERROR(FromArrow(builder.Build(&reader), "open parquet " + name));
  std::shared_ptr<arrow::Table> table;
  if (columns.empty()) {
    ORBIT_RETURN_IF_ERROR(FromArrow(reader->ReadTable(&table), "read parquet " + name));
    return table;
  }
  // ReadTable takes leaf (Parquet column) indices: a nested column is all its leaves.
  const parquet::SchemaDescriptor& leaves = *reader->parquet_reader()->metadata()->schema();
  std::vector<int> indices;
  for (int i = 0; i < leaves.num_columns(); ++i) {
    const auto path = leaves.Column(i)->path()->ToDotVector();
    if (!path.empty() && std::find(columns.begin(), columns.end(), path[0]) != columns.end()) indices.push_back(i);
  }
  ORBIT_RETURN_IF_ERROR(FromArrow(reader->ReadTable(indices, &table), "read parquet " + name));
  return table;
}

}  // namespace orbitlake::columnar
