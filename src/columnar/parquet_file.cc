#include "columnar/parquet_file.h"

#include <cstdio>

#include <arrow/buffer.h>
#include <arrow/io/file.h>
#include <arrow/io/memory.h>
#include <arrow/table.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>
#include <parquet/properties.h>

#include "columnar/arrow_status.h"

namespace orbitlake::columnar {

std::shared_ptr<parquet::WriterProperties> ParquetProperties(const ParquetWriteOptions& options,
                                                             const arrow::Schema& schema) {
  parquet::WriterProperties::Builder b;
  b.disable_dictionary();
  for (const auto& f : schema.fields()) {
    const auto id = f->type()->id();
    if (id == arrow::Type::STRING || id == arrow::Type::LARGE_STRING || id == arrow::Type::BINARY ||
        id == arrow::Type::LARGE_BINARY || id == arrow::Type::DICTIONARY) {
      b.enable_dictionary(f->name());
    }
  }
  b.compression(parquet::Compression::SNAPPY);
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
