// A schema-less reader and writer of Thrift's compact protocol: the encoding of
// Parquet's footer (FileMetaData) and page headers.
//
// Parquet files can be merged without decoding a single value by copying their row
// groups' bytes and writing a new footer whose offsets point at the copies
// (parquet_stitch.h). The footer is a Thrift struct, and Arrow ships neither the
// generated Parquet Thrift types nor Thrift itself, so this reads the encoding
// generically into a tree of fields (the compact protocol is self-describing: every
// field carries its id and type) and writes the tree back. A struct read and written
// unchanged comes back byte for byte the same, except that booleans inside lists are
// normalized (the protocol's 1/2 spelling) and fields with an id gap of more than 15 use
// the long header form (both are what Thrift's own writer does).
//
// Bad input: Parse() never reads past the buffer, bounds nesting (kMaxDepth) and the
// element counts by the bytes left, and returns Corruption naming what was malformed
// and at which byte offset.
// Thread safety: values are plain data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace orbitlake::columnar::thrift {

// The compact protocol's type codes (also used for list elements).
enum class Type : uint8_t {
  kStop = 0,
  kTrue = 1,  // a boolean field's value is in its type code
  kFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

struct Field;

// One value. Which members are meaningful depends on `type`: integers (and booleans:
// 1 or 0) in `i`; binary and the 8 raw bytes of a double in `bytes`; struct fields in
// `fields`; list/set elements in `elements` (all of `element_type`); map entries as
// alternating key, value in `elements` with `key_type`/`element_type`.
struct Value {
  Type type = Type::kStop;
  // A struct or container parsed no deeper than ParseStruct's `parse_depth`: `bytes`
  // holds its encoding (checked, not parsed), which WriteStruct writes back verbatim.
  bool raw = false;
  int64_t i = 0;
  std::string bytes;
  std::vector<Field> fields;
  Type element_type = Type::kStop;
  Type key_type = Type::kStop;
  std::vector<Value> elements;

  static Value Int(Type type, int64_t v);
  static Value Struct() { Value s; s.type = Type::kStruct; return s; }

  // The field with this id, or nullptr (structs only).
  Value* Find(int16_t id);
  const Value* Find(int16_t id) const;
  // Removes the field with this id if present (structs only).
  void Erase(int16_t id);
  // Sets or adds an integer field, keeping fields ordered by id (structs only).
  void SetInt(int16_t id, Type type, int64_t v);
};

struct Field {
  int16_t id = 0;
  Value value;
};

inline constexpr int kMaxDepth = 64;

// Parses one struct from the start of `data`; `*consumed` (if given) gets its length.
// `what` names the buffer in errors. Structs and containers nested deeper than
// `parse_depth` (the outer struct's fields are at depth 1) are checked and kept raw:
// callers that patch a few fields of a large footer skip building the rest (statistics,
// encodings) as trees.
Result<Value> ParseStruct(std::string_view data, std::string_view what, size_t* consumed = nullptr,
                          int parse_depth = kMaxDepth);

// Appends the compact encoding of struct `s` to `out`.
void WriteStruct(const Value& s, std::string* out);

}  // namespace orbitlake::columnar::thrift
