#include "columnar/thrift_compact.h"

#include <algorithm>

namespace orbitlake::columnar::thrift {
namespace {

class Reader {
 public:
  Reader(std::string_view data, std::string_view what, int parse_depth)
      : data_(data), what_(what), parse_depth_(parse_depth) {}

  size_t pos() const { return pos_; }

  Status Fail(const std::string& why) const {
    return Status::Corruption(std::string(what_) + ": malformed Thrift at byte " + std::to_string(pos_) + ": " + why);
  }

  Result<uint8_t> Byte() {
    if (pos_ >= data_.size()) return Fail("unexpected end");
    return static_cast<uint8_t>(data_[pos_++]);
  }

  Result<uint64_t> Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      ORBIT_ASSIGN_OR_RETURN(uint8_t b, Byte());
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Fail("varint longer than 10 bytes");
  }

  Result<int64_t> Zigzag() {
    ORBIT_ASSIGN_OR_RETURN(uint64_t u, Varint());
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }

  Result<std::string> Bytes(uint64_t n) {
    if (n > data_.size() - pos_) return Fail("length " + std::to_string(n) + " runs past the end");
    std::string s(data_.substr(pos_, n));
    pos_ += n;
    return s;
  }

  // Elements left must each take at least one byte: a count larger than that is a lie
  // that would otherwise make us reserve gigabytes.
  Status CheckCount(uint64_t n) const {
    if (n > data_.size() - pos_) return Fail("element count " + std::to_string(n) + " exceeds the bytes left");
    return Status::OK();
  }

  Result<Value> Read(Type type, int depth, bool in_container) {
    if (depth > kMaxDepth) return Fail("nested deeper than " + std::to_string(kMaxDepth));
    Value v;
    v.type = type;
    if (depth > parse_depth_ && (type == Type::kStruct || type == Type::kList || type == Type::kSet || type == Type::kMap)) {
      const size_t start = pos_;
      ORBIT_RETURN_IF_ERROR(Skip(type, depth, in_container));
      v.raw = true;
      v.bytes.assign(data_.substr(start, pos_ - start));
      return v;
    }
    switch (type) {
      case Type::kTrue:
      case Type::kFalse:
        if (in_container) {
          ORBIT_ASSIGN_OR_RETURN(uint8_t b, Byte());
          v.type = Type::kTrue;  // list elements of booleans carry their value in a byte
          v.i = (b == 1) ? 1 : 0;
        } else {
          v.i = type == Type::kTrue ? 1 : 0;
        }
        return v;
      case Type::kByte: {
        ORBIT_ASSIGN_OR_RETURN(uint8_t b, Byte());
        v.i = static_cast<int8_t>(b);
        return v;
      }
      case Type::kI16:
      case Type::kI32:
      case Type::kI64: {
        ORBIT_ASSIGN_OR_RETURN(v.i, Zigzag());
        return v;
      }
      case Type::kDouble: {
        ORBIT_ASSIGN_OR_RETURN(v.bytes, Bytes(8));
        return v;
      }
      case Type::kBinary: {
        ORBIT_ASSIGN_OR_RETURN(uint64_t n, Varint());
        ORBIT_ASSIGN_OR_RETURN(v.bytes, Bytes(n));
        return v;
      }
      case Type::kList:
      case Type::kSet: {
        ORBIT_ASSIGN_OR_RETURN(uint8_t h, Byte());
        uint64_t n = h >> 4;
        if (n == 15) {
          ORBIT_ASSIGN_OR_RETURN(n, Varint());
        }
        ORBIT_ASSIGN_OR_RETURN(v.element_type, ElementType(h & 0x0f));
        ORBIT_RETURN_IF_ERROR(CheckCount(n));
        v.elements.reserve(n);
        for (uint64_t k = 0; k < n; ++k) {
          ORBIT_ASSIGN_OR_RETURN(Value e, Read(v.element_type, depth + 1, true));
          v.elements.push_back(std::move(e));
        }
        if (v.element_type == Type::kFalse) v.element_type = Type::kTrue;
        return v;
      }
      case Type::kMap: {
        ORBIT_ASSIGN_OR_RETURN(uint64_t n, Varint());
        if (n == 0) return v;
        ORBIT_ASSIGN_OR_RETURN(uint8_t kv, Byte());
        ORBIT_ASSIGN_OR_RETURN(v.key_type, ElementType(kv >> 4));
        ORBIT_ASSIGN_OR_RETURN(v.element_type, ElementType(kv & 0x0f));
        ORBIT_RETURN_IF_ERROR(CheckCount(n));
        for (uint64_t k = 0; k < n; ++k) {
          ORBIT_ASSIGN_OR_RETURN(Value key, Read(v.key_type, depth + 1, true));
          ORBIT_ASSIGN_OR_RETURN(Value val, Read(v.element_type, depth + 1, true));
          v.elements.push_back(std::move(key));
          v.elements.push_back(std::move(val));
        }
        if (v.key_type == Type::kFalse) v.key_type = Type::kTrue;
        if (v.element_type == Type::kFalse) v.element_type = Type::kTrue;
        return v;
      }
      case Type::kStruct: {
        int16_t last = 0;
        for (;;) {
          ORBIT_ASSIGN_OR_RETURN(uint8_t h, Byte());
          if (h == 0) return v;
          const uint8_t delta = h >> 4;
          Field f;
          if (delta != 0) {
            f.id = static_cast<int16_t>(last + delta);
          } else {
            ORBIT_ASSIGN_OR_RETURN(int64_t id, Zigzag());
            if (id < INT16_MIN || id > INT16_MAX) return Fail("field id out of range");
            f.id = static_cast<int16_t>(id);
          }
          ORBIT_ASSIGN_OR_RETURN(Type t, ElementType(h & 0x0f));
          ORBIT_ASSIGN_OR_RETURN(f.value, Read(t, depth + 1, false));
          last = f.id;
          v.fields.push_back(std::move(f));
        }
      }
      case Type::kStop:
        break;
    }
    return Fail("unexpected type code " + std::to_string(static_cast<int>(type)));
  }

 private:
  // Read() without building anything: checks the encoding and moves past it.
  Status Skip(Type type, int depth, bool in_container) {
    if (depth > kMaxDepth) return Fail("nested deeper than " + std::to_string(kMaxDepth));
    switch (type) {
      case Type::kTrue:
      case Type::kFalse:
        if (in_container) return Byte().status();
        return Status::OK();
      case Type::kByte: return Byte().status();
      case Type::kI16:
      case Type::kI32:
      case Type::kI64: return Varint().status();
      case Type::kDouble: return Advance(8);
      case Type::kBinary: {
        ORBIT_ASSIGN_OR_RETURN(uint64_t n, Varint());
        return Advance(n);
      }
      case Type::kList:
      case Type::kSet: {
        ORBIT_ASSIGN_OR_RETURN(uint8_t h, Byte());
        uint64_t n = h >> 4;
        if (n == 15) {
          ORBIT_ASSIGN_OR_RETURN(n, Varint());
        }
        ORBIT_ASSIGN_OR_RETURN(Type et, ElementType(h & 0x0f));
        ORBIT_RETURN_IF_ERROR(CheckCount(n));
        for (uint64_t k = 0; k < n; ++k) ORBIT_RETURN_IF_ERROR(Skip(et, depth + 1, true));
        return Status::OK();
      }
      case Type::kMap: {
        ORBIT_ASSIGN_OR_RETURN(uint64_t n, Varint());
        if (n == 0) return Status::OK();
        ORBIT_ASSIGN_OR_RETURN(uint8_t kv, Byte());
        ORBIT_ASSIGN_OR_RETURN(Type kt, ElementType(kv >> 4));
        ORBIT_ASSIGN_OR_RETURN(Type vt, ElementType(kv & 0x0f));
        ORBIT_RETURN_IF_ERROR(CheckCount(n));
        for (uint64_t k = 0; k < n; ++k) {
          ORBIT_RETURN_IF_ERROR(Skip(kt, depth + 1, true));
          ORBIT_RETURN_IF_ERROR(Skip(vt, depth + 1, true));
        }
        return Status::OK();
      }
      case Type::kStruct: {
        for (;;) {
          ORBIT_ASSIGN_OR_RETURN(uint8_t h, Byte());
          if (h == 0) return Status::OK();
          if ((h >> 4) == 0) {
            ORBIT_ASSIGN_OR_RETURN(int64_t id, Zigzag());
            if (id < INT16_MIN || id > INT16_MAX) return Fail("field id out of range");
          }
          ORBIT_ASSIGN_OR_RETURN(Type t, ElementType(h & 0x0f));
          ORBIT_RETURN_IF_ERROR(Skip(t, depth + 1, false));
        }
      }
      case Type::kStop:
        break;
    }
    return Fail("unexpected type code " + std::to_string(static_cast<int>(type)));
  }

  Status Advance(uint64_t n) {
    if (n > data_.size() - pos_) return Fail("length " + std::to_string(n) + " runs past the end");
    pos_ += n;
    return Status::OK();
  }

  Result<Type> ElementType(uint8_t code) {
    if (code == 0 || code > static_cast<uint8_t>(Type::kStruct)) {
      return Fail("unknown type code " + std::to_string(code));
    }
    return static_cast<Type>(code);
  }

  std::string_view data_;
  std::string_view what_;
  int parse_depth_;
  size_t pos_ = 0;
};

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutZigzag(int64_t v, std::string* out) {
  PutVarint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63), out);
}

void Write(const Value& v, bool in_container, std::string* out) {
  if (v.raw) {
    out->append(v.bytes);
    return;
  }
  switch (v.type) {
    case Type::kTrue:
    case Type::kFalse:
      if (in_container) out->push_back(static_cast<char>(v.i ? 1 : 2));
      return;  // a field's boolean is in its header
    case Type::kByte:
      out->push_back(static_cast<char>(v.i));
      return;
    case Type::kI16:
    case Type::kI32:
    case Type::kI64:
      PutZigzag(v.i, out);
      return;
    case Type::kDouble:
      out->append(v.bytes);
      return;
    case Type::kBinary:
      PutVarint(v.bytes.size(), out);
      out->append(v.bytes);
      return;
    case Type::kList:
    case Type::kSet: {
      const auto n = v.elements.size();
      const auto et = static_cast<uint8_t>(v.element_type);
      if (n < 15) {
        out->push_back(static_cast<char>((n << 4) | et));
      } else {
        out->push_back(static_cast<char>(0xf0 | et));
        PutVarint(n, out);
      }
      for (const auto& e : v.elements) Write(e, true, out);
      return;
    }
    case Type::kMap: {
      const auto n = v.elements.size() / 2;
      PutVarint(n, out);
      if (n == 0) return;
      out->push_back(static_cast<char>((static_cast<uint8_t>(v.key_type) << 4) | static_cast<uint8_t>(v.element_type)));
      for (const auto& e : v.elements) Write(e, true, out);
      return;
    }
    case Type::kStruct: {
      int16_t last = 0;
      for (const auto& f : v.fields) {
        uint8_t t = static_cast<uint8_t>(f.value.type);
        if (f.value.type == Type::kTrue || f.value.type == Type::kFalse) t = f.value.i ? 1 : 2;
        const int delta = f.id - last;
        if (delta > 0 && delta <= 15) {
          out->push_back(static_cast<char>((delta << 4) | t));
        } else {
          out->push_back(static_cast<char>(t));
          PutZigzag(f.id, out);
        }
        Write(f.value, false, out);
        last = f.id;
      }
      out->push_back(0);
      return;
    }
    case Type::kStop:
      return;
  }
}

}  // namespace

Value Value::Int(Type type, int64_t v) {
  Value x;
  x.type = type;
  x.i = v;
  return x;
}

Value* Value::Find(int16_t id) {
  for (auto& f : fields) {
    if (f.id == id) return &f.value;
  }
  return nullptr;
}

const Value* Value::Find(int16_t id) const { return const_cast<Value*>(this)->Find(id); }

void Value::Erase(int16_t id) {
  fields.erase(std::remove_if(fields.begin(), fields.end(), [id](const Field& f) { return f.id == id; }),
               fields.end());
}

void Value::SetInt(int16_t id, Type type, int64_t v) {
  if (Value* f = Find(id)) {
    f->type = type;
    f->i = v;
    return;
  }
  auto at = std::find_if(fields.begin(), fields.end(), [id](const Field& f) { return f.id > id; });
  fields.insert(at, Field{id, Int(type, v)});
}

Result<Value> ParseStruct(std::string_view data, std::string_view what, size_t* consumed, int parse_depth) {
  Reader r(data, what, parse_depth);
  ORBIT_ASSIGN_OR_RETURN(Value v, r.Read(Type::kStruct, 0, false));
  if (consumed) *consumed = r.pos();
  return v;
}

void WriteStruct(const Value& s, std::string* out) { Write(s, false, out); }

}  // namespace orbitlake::columnar::thrift
