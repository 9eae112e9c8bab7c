#include "columnar/parquet_stitch.h"

#include <cstring>

#include "columnar/thrift_compact.h"

namespace orbitlake::columnar {
namespace {

using thrift::Type;
using thrift::Value;

constexpr std::string_view kMagic = "PAR1";

// Parquet's Thrift field ids (parquet.thrift).
namespace fmd {  // FileMetaData
constexpr int16_t kSchema = 2, kNumRows = 3, kRowGroups = 4, kKeyValue = 5, kEncryption = 8;
}
namespace rg {  // RowGroup
constexpr int16_t kColumns = 1, kNumRows = 3, kFileOffset = 5, kOrdinal = 7;
}
namespace cc {  // ColumnChunk
constexpr int16_t kFilePath = 1, kFileOffset = 2, kMeta = 3, kOffsetIndexOffset = 4, kOffsetIndexLength = 5,
                  kColumnIndexOffset = 6, kColumnIndexLength = 7, kCrypto = 8, kEncryptedMeta = 9;
}
namespace cmd {  // ColumnMetaData
constexpr int16_t kCompressedSize = 7, kDataPageOffset = 9, kIndexPageOffset = 10, kDictPageOffset = 11,
                  kBloomOffset = 14, kBloomLength = 15;
}

struct Footer {
  Value meta;
  size_t footer_start = 0;  // first byte of the footer (end of the row groups' bytes)
};

Status Bad(std::string_view name, const std::string& why) {
  return Status::Corruption(std::string(name) + ": not a valid Parquet file: " + why);
}

Result<Footer> ReadFooter(std::string_view file, std::string_view name) {
  if (file.size() < 12 || file.substr(0, 4) != kMagic || file.substr(file.size() - 4) != kMagic) {
    return Bad(name, "no PAR1 magic at both ends");
  }
  uint32_t len = 0;
  std::memcpy(&len, file.data() + file.size() - 8, 4);  // little-endian, as x86 and ARM run
  if (len > file.size() - 12) return Bad(name, "footer length " + std::to_string(len) + " exceeds the file");
  Footer f;
  f.footer_start = file.size() - 8 - len;
  // Fields of ColumnMetaData are at depth 6: its statistics, encodings and the like stay
  // raw (copied verbatim), which keeps a footer of many row groups cheap to rewrite.
  constexpr int kParseDepth = 5;
  ORBIT_ASSIGN_OR_RETURN(f.meta, thrift::ParseStruct(file.substr(f.footer_start, len), std::string(name) + " footer",
                                                     nullptr, kParseDepth));
  if (f.meta.Find(fmd::kEncryption)) return Status::Unsupported(std::string(name) + ": encrypted Parquet file");
  const Value* groups = f.meta.Find(fmd::kRowGroups);
  if (!groups || groups->type != Type::kList) return Bad(name, "footer has no row_groups list");
  return f;
}

const Value* Member(const Value& s, int16_t id, Type type) {
  const Value* v = s.Find(id);
  return v && v->type == type ? v : nullptr;
}

std::string Encoded(const Value* v) {
  if (!v) return {};
  Value wrap = Value::Struct();
  wrap.fields.push_back({1, *v});
  std::string out;
  thrift::WriteStruct(wrap, &out);
  return out;
}

}  // namespace

struct ParquetStitcher::State {
  std::string path;
  std::unique_ptr<storage::WritableFile> out;
  bool have_template = false;
  Value meta;            // the first input's footer, row groups replaced by ours
  std::string schema;    // encoded schema and key/value metadata of the first input
  std::string key_value;
  std::vector<Value> groups;
  int64_t rows = 0;
};

ParquetStitcher::ParquetStitcher(std::unique_ptr<State> state) : s_(std::move(state)) {}
ParquetStitcher::~ParquetStitcher() = default;

int64_t ParquetStitcher::rows() const { return s_->rows; }
int64_t ParquetStitcher::row_groups() const { return static_cast<int64_t>(s_->groups.size()); }

Result<std::unique_ptr<ParquetStitcher>> ParquetStitcher::Open(storage::Storage* storage, std::string path) {
  auto s = std::make_unique<State>();
  ORBIT_ASSIGN_OR_RETURN(s->out, storage->NewWritableFile(path));
  ORBIT_RETURN_IF_ERROR(s->out->Append(kMagic));
  s->path = std::move(path);
  return std::unique_ptr<ParquetStitcher>(new ParquetStitcher(std::move(s)));
}

Status ParquetStitcher::Add(std::string_view file, std::string_view name) {
  ORBIT_ASSIGN_OR_RETURN(Footer f, ReadFooter(file, name));
  const std::string schema = Encoded(f.meta.Find(fmd::kSchema));
  const std::string key_value = Encoded(f.meta.Find(fmd::kKeyValue));
  if (!s_->have_template) {
    s_->schema = schema;
    s_->key_value = key_value;
  } else if (schema != s_->schema || key_value != s_->key_value) {
    return Status::Unsupported(std::string(name) + ": its schema differs from the first file's; cannot copy row groups");
  }

  // Check every chunk before writing anything, so a refused input leaves no bytes.
  struct Chunk {
    int64_t start, length;
  };
  std::vector<Value> groups = std::move(f.meta.Find(fmd::kRowGroups)->elements);
  std::vector<std::vector<Chunk>> chunks(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    Value& group = groups[g];
    if (group.type != Type::kStruct) return Bad(name, "row group " + std::to_string(g) + " is not a struct");
    Value* cols = group.Find(rg::kColumns);
    if (!cols || cols->type != Type::kList) return Bad(name, "row group " + std::to_string(g) + " has no columns");
    for (size_t c = 0; c < cols->elements.size(); ++c) {
      const std::string where = "row group " + std::to_string(g) + " column " + std::to_string(c);
      const Value& chunk = cols->elements[c];
      if (chunk.type != Type::kStruct) return Bad(name, where + " is not a struct");
      if (chunk.Find(cc::kFilePath) || chunk.Find(cc::kCrypto) || chunk.Find(cc::kEncryptedMeta)) {
        return Status::Unsupported(std::string(name) + ": " + where + " lives in another file or is encrypted");
      }
      const Value* meta = Member(chunk, cc::kMeta, Type::kStruct);
      const Value* data = meta ? Member(*meta, cmd::kDataPageOffset, Type::kI64) : nullptr;
      const Value* size = meta ? Member(*meta, cmd::kCompressedSize, Type::kI64) : nullptr;
      if (!data || !size) return Bad(name, where + " has no column metadata with offsets");
      int64_t start = data->i;
      if (const Value* dict = Member(*meta, cmd::kDictPageOffset, Type::kI64); dict && dict->i > 0 && dict->i < start) {
        start = dict->i;
      }
      const auto end = static_cast<int64_t>(f.footer_start);
      if (start < 4 || size->i <= 0 || size->i > end - start) {
        return Bad(name, where + ": bytes [" + std::to_string(start) + ", +" + std::to_string(size->i) +
                             ") are not inside the file's data");
      }
      chunks[g].push_back({start, size->i});
    }
  }

  for (size_t g = 0; g < groups.size(); ++g) {
    Value& group = groups[g];
    Value& cols = *group.Find(rg::kColumns);
    int64_t group_start = -1;
    for (size_t c = 0; c < cols.elements.size(); ++c) {
      const Chunk& k = chunks[g][c];
      const int64_t at = s_->out->size();
      const int64_t shift = at - k.start;
      ORBIT_RETURN_IF_ERROR(s_->out->Append(file.substr(static_cast<size_t>(k.start), static_cast<size_t>(k.length))));
      if (group_start < 0) group_start = at;
      Value& chunk = cols.elements[c];
      if (Value* fo = chunk.Find(cc::kFileOffset); fo && fo->i > 0) fo->i += shift;
      for (int16_t id : {cc::kOffsetIndexOffset, cc::kOffsetIndexLength, cc::kColumnIndexOffset, cc::kColumnIndexLength}) {
        chunk.Erase(id);  // the page indexes were not copied
      }
      Value& meta = *chunk.Find(cc::kMeta);
      for (int16_t id : {cmd::kDataPageOffset, cmd::kIndexPageOffset, cmd::kDictPageOffset}) {
        if (Value* o = meta.Find(id); o && o->type == Type::kI64 && o->i > 0) o->i += shift;
      }
      meta.Erase(cmd::kBloomOffset);
      meta.Erase(cmd::kBloomLength);
    }
    if (group.Find(rg::kFileOffset) && group_start >= 0) group.SetInt(rg::kFileOffset, Type::kI64, group_start);
    if (group.Find(rg::kOrdinal)) group.SetInt(rg::kOrdinal, Type::kI16, static_cast<int64_t>(s_->groups.size()));
    const Value* n = Member(group, rg::kNumRows, Type::kI64);
    s_->rows += n ? n->i : 0;
    s_->groups.push_back(std::move(group));
  }
  if (!s_->have_template) {
    s_->meta = std::move(f.meta);
    s_->have_template = true;
  }
  return Status::OK();
}

Result<StitchResult> ParquetStitcher::Finish() {
  if (!s_->have_template) return Status::InvalidArgument("parquet stitch: no input file was added to " + s_->path);
  // A row group ordinal is an i16: past that many, readers would see wrapped numbers.
  if (s_->groups.size() > 32767) {
    for (auto& g : s_->groups) g.Erase(rg::kOrdinal);
  }
  Value& meta = s_->meta;  // the stitcher is done after this: no copy of the tree
  meta.SetInt(fmd::kNumRows, Type::kI64, s_->rows);
  const auto row_groups = static_cast<int64_t>(s_->groups.size());
  meta.Find(fmd::kRowGroups)->elements = std::move(s_->groups);
  std::string footer;
  thrift::WriteStruct(meta, &footer);
  const auto len = static_cast<uint32_t>(footer.size());
  char le[4];
  std::memcpy(le, &len, 4);
  footer.append(le, 4);
  footer.append(kMagic);
  ORBIT_RETURN_IF_ERROR(s_->out->Append(footer));
  StitchResult r;
  r.size = s_->out->size();
  r.rows = s_->rows;
  r.row_groups = row_groups;
  ORBIT_RETURN_IF_ERROR(s_->out->Close());
  return r;
}

Result<int64_t> CountRowGroups(std::string_view file, std::string_view name) {
  ORBIT_ASSIGN_OR_RETURN(Footer f, ReadFooter(file, name));
  return static_cast<int64_t>(f.meta.Find(fmd::kRowGroups)->elements.size());
}

}  // namespace orbitlake::columnar
