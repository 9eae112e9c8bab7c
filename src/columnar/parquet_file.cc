#include "columnar/parquet_file.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>

#include <arrow/buffer.h>
#include <arrow/io/file.h>
#include <arrow/io/memory.h>
#include <arrow/table.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>
#include <parquet/properties.h>

#include "columnar/arrow_status.h"

namespace orbitlake::columnar {
namespace {

parquet::Compression::type ParquetCodec(Compression c) {
  switch (c) {
    case Compression::kSnappy: return parquet::Compression::SNAPPY;
    case Compression::kZstd: return parquet::Compression::ZSTD;
    case Compression::kLz4: return parquet::Compression::LZ4;  // Arrow writes this as LZ4_RAW
    case Compression::kNone: return parquet::Compression::UNCOMPRESSED;
  }
  return parquet::Compression::SNAPPY;
}

// The column's physical encoding other than dictionary, nullopt for Parquet's default.
std::optional<parquet::Encoding::type> ValueEncoding(const arrow::DataType& type, const ParquetWriteOptions& o) {
  switch (type.id()) {
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::INT64:
    case arrow::Type::UINT8:
    case arrow::Type::UINT16:
    case arrow::Type::UINT32:
    case arrow::Type::UINT64:
    case arrow::Type::DATE32:
    case arrow::Type::TIMESTAMP:
      if (o.delta_encode_integers) return parquet::Encoding::DELTA_BINARY_PACKED;
      break;
    case arrow::Type::FLOAT:
    case arrow::Type::DOUBLE:
      if (o.byte_stream_split_floats) return parquet::Encoding::BYTE_STREAM_SPLIT;
      break;
    default:
      break;
  }
  return std::nullopt;
}

}  // namespace

Result<Compression> ParseCompression(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (Compression c : {Compression::kSnappy, Compression::kZstd, Compression::kLz4, Compression::kNone}) {
    if (lower == CompressionName(c)) return c;
  }
  return Status::InvalidArgument("unknown Parquet compression '" + std::string(name) +
                                 "': use snappy, zstd, lz4 or none");
}

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kSnappy: return "snappy";
    case Compression::kZstd: return "zstd";
    case Compression::kLz4: return "lz4";
    case Compression::kNone: return "none";
  }
  return "snappy";
}

std::shared_ptr<parquet::WriterProperties> ParquetProperties(const ParquetWriteOptions& options,
                                                             const arrow::Schema& schema) {
  parquet::WriterProperties::Builder b;
  b.disable_dictionary();
  for (const auto& f : schema.fields()) {
    const auto id = f->type()->id();
    if (id == arrow::Type::STRING || id == arrow::Type::LARGE_STRING || id == arrow::Type::BINARY ||
        id == arrow::Type::LARGE_BINARY || id == arrow::Type::DICTIONARY) {
      b.enable_dictionary(f->name());
    } else if (auto e = ValueEncoding(*f->type(), options)) {
      b.encoding(f->name(), *e);
    }
  }
  b.compression(ParquetCodec(options.compression));
  b.version(parquet::ParquetVersion::PARQUET_2_6);
  b.max_row_group_length(options.row_group_rows);
  b.data_pagesize(options.data_page_bytes);
  if (options.statistics) {
    b.enable_statistics();
  } else {
    b.disable_statistics();
  }
  b.created_by("orbitlake");
  return b.build();
}

std::shared_ptr<parquet::ArrowWriterProperties> ArrowProperties() {
  // Timestamps are stored as microseconds: UTC-adjusted for timestamp, not adjusted for
  // timestamp_ntz (a zone-less Arrow timestamp); store_schema keeps the timezone for
  // Arrow readers.
  return parquet::ArrowWriterProperties::Builder()
      .coerce_timestamps(arrow::TimeUnit::MICRO)
      ->store_schema()
      ->build();
}

Result<int64_t> WriteParquetFile(const arrow::Table& table, const std::string& path,
                                 const ParquetWriteOptions& options) {
  const std::string tmp = path + ".tmp";
  auto out = arrow::io::FileOutputStream::Open(tmp);
  if (!out.ok()) return FromArrow(out.status(), "open " + tmp);
  ORBIT_RETURN_IF_ERROR(FromArrow(parquet::arrow::WriteTable(table, arrow::default_memory_pool(), *out,
                                                             options.row_group_rows, ParquetProperties(options, *table.schema()),
                                                             ArrowProperties()),
                                  "write parquet " + tmp));
  auto size = (*out)->Tell();
  ORBIT_RETURN_IF_ERROR(FromArrow((*out)->Close(), "close " + tmp));
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus("rename", tmp, errno);
  if (!size.ok()) return FromArrow(size.status(), "size of " + path);
  return *size;
}

Result<std::shared_ptr<arrow::Table>> ReadParquetFile(const std::string& path) {
  auto in = arrow::io::ReadableFile::Open(path);
  if (!in.ok()) return FromArrow(in.status(), "open " + path);
  auto reader = parquet::arrow::OpenFile(*in, arrow::default_memory_pool());
  if (!reader.ok()) return FromArrow(reader.status(), "read parquet footer of " + path);
  std::shared_ptr<arrow::Table> table;
  ORBIT_RETURN_IF_ERROR(FromArrow((*reader)->ReadTable(&table), "read parquet " + path));
  return table;
}

Result<std::shared_ptr<arrow::Table>> ReadParquetBytes(std::string bytes, const std::string& name) {
  auto in = std::make_shared<arrow::io::BufferReader>(arrow::Buffer::FromString(std::move(bytes)));
  auto reader = parquet::arrow::OpenFile(in, arrow::default_memory_pool());
  if (!reader.ok()) return FromArrow(reader.status(), "read parquet footer of " + name);
  std::shared_ptr<arrow::Table> table;
  ORBIT_RETURN_IF_ERROR(FromArrow((*reader)->ReadTable(&table), "read parquet " + name));
  return table;
}

}  // namespace orbitlake::columnar
