#include "pipeline/json_decoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

#include <arrow/api.h>
#include <fmt/format.h>
#include <simdjson.h>

#include "columnar/arrow_status.h"
#include "pipeline/expr.h"
#include "pipeline/json_text.h"

namespace orbitlake::pipeline {

namespace od = simdjson::ondemand;
using Kind = DeltaType::Kind;
namespace jt = json_text;

// ---------------------------------------------------------------- types

Result<std::shared_ptr<arrow::DataType>> ToArrow(const DeltaType& t) {
  auto child = [&](size_t i) -> Result<std::shared_ptr<arrow::DataType>> {
    if (!t.children[i].type) return Status::InvalidArgument("field '" + t.children[i].name + "' has no type");
    return ToArrow(*t.children[i].type);
  };
  switch (t.kind) {
    case Kind::kString: return arrow::utf8();
    case Kind::kLong: return arrow::int64();
    case Kind::kInteger: return arrow::int32();
    case Kind::kShort: return arrow::int16();
    case Kind::kByte: return arrow::int8();
    case Kind::kDouble: return arrow::float64();
    case Kind::kFloat: return arrow::float32();
    case Kind::kBoolean: return arrow::boolean();
    case Kind::kBinary: return arrow::binary();
    case Kind::kDate: return arrow::date32();
    case Kind::kTimestamp: return arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
    case Kind::kTimestampNtz: return arrow::timestamp(arrow::TimeUnit::MICRO);
    case Kind::kDecimal:
      if (t.precision < 1 || t.precision > 38 || t.scale < 0 || t.scale > t.precision) {
        return Status::InvalidArgument(fmt::format("decimal({},{}): precision must be 1..38 and scale 0..precision",
                                                   t.precision, t.scale));
      }
      return arrow::decimal128(t.precision, t.scale);
    case Kind::kStruct: {
      if (t.children.empty()) return Status::InvalidArgument("a struct needs at least one field");
      arrow::FieldVector fields;
      for (size_t i = 0; i < t.children.size(); ++i) {
        const auto& f = t.children[i];
        if (f.name.empty()) return Status::InvalidArgument("a struct field has no name");
        for (size_t j = 0; j < i; ++j) {
          if (t.children[j].name == f.name) return Status::InvalidArgument("struct field '" + f.name + "' twice");
        }
        ORBIT_ASSIGN_OR_RETURN(auto ft, child(i));
        fields.push_back(arrow::field(f.name, std::move(ft), f.nullable));
      }
      return arrow::struct_(std::move(fields));
    }
    case Kind::kArray: {
      if (t.children.size() != 1) return Status::InvalidArgument("an array needs exactly one element type");
      ORBIT_ASSIGN_OR_RETURN(auto et, child(0));
      return arrow::list(arrow::field("element", std::move(et), t.children[0].nullable));
    }
    case Kind::kMap: {
      if (t.children.size() != 2) return Status::InvalidArgument("a map needs a key and a value type");
      ORBIT_ASSIGN_OR_RETURN(auto kt, child(0));
      ORBIT_ASSIGN_OR_RETURN(auto vt, child(1));
      return std::static_pointer_cast<arrow::DataType>(std::make_shared<arrow::MapType>(
          arrow::field("key", std::move(kt), false), arrow::field("value", std::move(vt), t.children[1].nullable)));
    }
  }
  return Status::InvalidArgument("unknown Delta type");
}

bool IsRejection(const Status& s) {
  return s.code() == StatusCode::kCorruption || s.code() == StatusCode::kInvalidArgument;
}

// ---------------------------------------------------------------- the message

namespace {

std::string JsonTypeName(od::json_type t) {
  switch (t) {
    case od::json_type::array: return "an array";
    case od::json_type::object: return "an object";
    case od::json_type::number: return "a number";
    case od::json_type::string: return "a string";
    case od::json_type::boolean: return "a boolean";
    case od::json_type::null: return "null";
  }
  return "?";
}

}  // namespace


struct JsonMessage::Impl {
  explicit Impl(JsonOptions o) : options(o) {}

  JsonOptions options;
  od::parser parser;
  std::unique_ptr<char[]> buf;
  size_t cap = 0;  // bytes of buf, padding included
  size_t len = 0;
  od::document doc;
  bool parsed = false;
  Status status = Status::Corruption("no message parsed");

  std::string_view text() const { return {buf.get(), len}; }

  // The reason for a simdjson error met while reading the message: the precise checker
  // names the first syntax error and its offset. Allocation failures are not reasons.
  Status Diagnose(simdjson::error_code e) const {
    if (e == simdjson::MEMALLOC) return Status::IOError("simdjson: out of memory");
    if (auto se = jt::FindSyntaxError(text(), options.max_depth)) {
      return Status::Corruption(fmt::format("JSON syntax error at byte {}: {}", se->offset, se->what));
    }
    // simdjson refused what the checker accepts (should not happen): its own words.
    return Status::Corruption(fmt::format("JSON syntax error: {}", simdjson::error_message(e)));
  }

  // Rewinds and returns the root object.
  Status Root(od::object* root) {
    if (!parsed) return status;
    if (doc.is_alive()) {
      doc.rewind();
    } else if (auto e = parser.iterate(buf.get(), len, cap).get(doc)) {
      // An earlier reader met an error and simdjson abandoned the document, which then
      // cannot be rewound: index it again (only after errors).
      return Diagnose(e);
    }
    od::json_type type;
    if (auto e = doc.type().get(type)) return Diagnose(e);
    if (type != od::json_type::object) {
      if (auto se = jt::FindSyntaxError(text(), options.max_depth)) {
        return Status::Corruption(fmt::format("JSON syntax error at byte {}: {}", se->offset, se->what));
      }
      return Status::Corruption(fmt::format("the message is {}, not a JSON object", JsonTypeName(type)));
    }
    if (auto e = doc.get_object().get(*root)) return Diagnose(e);
    return Status::OK();
  }

  // After the root object was read to its end: anything but the end of the document is
  // trailing content.
  Status CheckEnd() {
    const char* at = nullptr;
    if (doc.current_location().get(at) == simdjson::SUCCESS) return Diagnose(simdjson::TAPE_ERROR);
    return Status::OK();
  }
};

JsonMessage::JsonMessage(JsonOptions options) : impl_(std::make_unique<Impl>(options)) {}
JsonMessage::~JsonMessage() = default;

std::string_view JsonMessage::text() const { return impl_->text(); }

Status JsonMessage::Parse(std::span<const uint8_t> payload) {
  Impl& m = *impl_;
  m.parsed = false;
  m.len = 0;
  if (payload.size() > m.options.max_message_bytes) {
    m.status = Status::Corruption(fmt::format("message of {} bytes is larger than the limit of {} bytes",
                                              payload.size(), m.options.max_message_bytes));
    return m.status;
  }
  const size_t need = payload.size() + simdjson::SIMDJSON_PADDING;
  if (need > m.cap) {
    const size_t cap = std::max(need, m.cap * 2);
    m.buf.reset(new (std::nothrow) char[cap]);
    m.cap = m.buf ? cap : 0;
    if (!m.buf) return m.status = Status::IOError("out of memory for a message buffer");
  }
  if (!payload.empty()) std::memcpy(m.buf.get(), payload.data(), payload.size());
  std::memset(m.buf.get() + payload.size(), 0, simdjson::SIMDJSON_PADDING);
  m.len = payload.size();
  if (jt::MayNestDeeperThan(m.text(), m.options.max_depth)) {
    if (auto se = jt::FindSyntaxError(m.text(), m.options.max_depth)) {
      return m.status = Status::Corruption(fmt::format("JSON syntax error at byte {}: {}", se->offset, se->what));
    }
  }
  if (auto e = m.parser.iterate(m.buf.get(), m.len, m.cap).get(m.doc)) return m.status = m.Diagnose(e);
  m.parsed = true;
  m.status = Status::OK();
  return Status::OK();
}

// ---------------------------------------------------------------- routes

namespace {

// A JSON scalar reduced to a comparable form: strings unescaped, numbers as
// sign + significant digits + exponent (so 3, 3.0 and 30e-1 are equal).
struct Canonical {
  od::json_type type = od::json_type::null;
  std::string text;  // string: the bytes; number: the digits; boolean: "true"/"false"
  bool negative = false;
  int64_t exponent = 0;
  bool operator==(const Canonical&) const = default;
};

// Digits without leading/trailing zeros and the exponent of the last one; zero is "".
void CanonicalNumber(const jt::JsonNumber& n, Canonical* out) {
  std::string& d = out->text;
  d.clear();
  d.append(n.int_digits).append(n.frac_digits);
  int64_t exp = n.exponent - static_cast<int64_t>(n.frac_digits.size());
  const size_t first = d.find_first_not_of('0');
  if (first == std::string::npos) {
    d.clear();
    out->negative = false;
    out->exponent = 0;
    return;
  }
  d.erase(0, first);
  while (d.back() == '0') d.pop_back(), ++exp;
  out->negative = n.negative;
  out->exponent = exp;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

struct RouteMatcher::Compiled {
  std::vector<std::string> path;
  Canonical literal;
  mutable Canonical scratch;  // reused: no allocation per message once grown
};

RouteMatcher::RouteMatcher(std::unique_ptr<Compiled> c) : c_(std::move(c)) {}
RouteMatcher::~RouteMatcher() = default;
RouteMatcher::RouteMatcher(RouteMatcher&&) noexcept = default;
RouteMatcher& RouteMatcher::operator=(RouteMatcher&&) noexcept = default;

namespace {

// Reads a scalar value into `out`; false (no error) when it is an object or array.
Result<bool> ReadCanonical(JsonMessage::Impl& m, od::value v, Canonical* out) {
  od::json_type type;
  if (auto e = v.type().get(type)) return m.Diagnose(e);
  out->type = type;
  out->negative = false;
  out->exponent = 0;
  switch (type) {
    case od::json_type::string: {
      std::string_view s;
      if (auto e = v.get_string().get(s)) return m.Diagnose(e);
      out->text.assign(s);
      return true;
    }
    case od::json_type::number: {
      const auto n = jt::ParseJsonNumber(TrimRight(v.raw_json_token()));
      if (!n) return m.Diagnose(simdjson::NUMBER_ERROR);
      CanonicalNumber(*n, out);
      return true;
    }
    case od::json_type::boolean: {
      bool b = false;
      if (auto e = v.get_bool().get(b)) return m.Diagnose(e);
      out->text = b ? "true" : "false";
      return true;
    }
    case od::json_type::null: {
      bool is_null = false;
      if (v.is_null().get(is_null) || !is_null) return m.Diagnose(simdjson::N_ATOM_ERROR);
      out->text.clear();
      return true;
    }
    default: return false;
  }
}

}  // namespace

Result<RouteMatcher> RouteMatcher::Make(const RouteSpec& route) {
  if (route.field.empty()) return Status::InvalidArgument("route: `field` is empty");
  auto c = std::make_unique<Compiled>();
  c->path = route.field;
  JsonMessage msg;
  const std::string wrapped = "{\"v\":" + route.equals_json + "}";
  // Compile time: the precise checker validates the whole literal first.
  Status st = jt::FindSyntaxError(wrapped, JsonOptions{}.max_depth) ? Status::InvalidArgument("syntax") : msg.Parse(wrapped);
  od::object root;
  if (st.ok()) st = msg.impl_->Root(&root);
  bool scalar = false;
  if (st.ok()) {
    od::value v;
    if (auto e = root.find_field("v").get(v)) {
      st = msg.impl_->Diagnose(e);
    } else {
      auto r = ReadCanonical(*msg.impl_, v, &c->literal);
      st = r.status();
      scalar = r.ok() && *r;
    }
  }
  if (!st.ok() || !scalar) {
    return Status::InvalidArgument(fmt::format("route: `equals = {}` is not one JSON string, number, boolean or null",
                                               route.equals_json));
  }
  return RouteMatcher(std::move(c));
}

Result<bool> RouteMatcher::Matches(JsonMessage& message) const {
  JsonMessage::Impl& m = *message.impl_;
  od::object obj;
  ORBIT_RETURN_IF_ERROR(m.Root(&obj));
  for (size_t level = 0; level < c_->path.size(); ++level) {
    const std::string& want = c_->path[level];
    bool found = false;
    od::value value;
    for (auto field : obj) {
      od::field f;
      if (auto e = std::move(field).get(f)) return m.Diagnose(e);
      std::string_view key;
      if (auto e = f.unescaped_key().get(key)) return m.Diagnose(e);
      if (key != want) continue;
      if (found) {
        return Status::InvalidArgument(fmt::format("route field {}: key \"{}\" appears twice", fmt::join(c_->path, "."),
                                                   jt::Excerpt(want)));
      }
      found = true;
      value = f.value();
      if (level + 1 == c_->path.size()) {
        ORBIT_ASSIGN_OR_RETURN(bool scalar, ReadCanonical(m, value, &c_->scratch));
        if (!scalar) c_->scratch.type = od::json_type::object;
      } else {
        od::json_type type;
        if (auto e = value.type().get(type)) return m.Diagnose(e);
        if (type != od::json_type::object) return false;
        // Descend at once: the rest of this object is not read (the table decode
        // checks the whole message), so a later duplicate of an outer key is not seen.
        if (auto e = value.get_object().get(obj)) return m.Diagnose(e);
        break;
      }
    }
    if (!found) return false;
    if (level + 1 == c_->path.size()) return c_->scratch == c_->literal;
  }
  return false;
}

// ---------------------------------------------------------------- the table plan

namespace {

// One decoded value in the row scratch (the "tape"), in a column's type. Nested values
// are a header slot followed by their children's slots (see TableRows::Plan).
struct Slot {
  enum class Tag : uint8_t { kNull, kInt, kDouble, kDecimal, kBytes, kList, kMap, kStruct };
  struct Dec {
    uint64_t lo;
    int64_t hi;
  };
  Tag tag = Tag::kNull;
  uint32_t n = 0;  // kBytes: length; kList/kMap: entries; kStruct: index into struct_index
  union {
    int64_t i;
    double d;
    const char* p;
    Dec dec;
  } u{};

  static Slot Null() { return {}; }
  static Slot Int(int64_t v) {
    Slot s;
    s.tag = Tag::kInt;
    s.u.i = v;
    return s;
  }
  static Slot Double(double v) {
    Slot s;
    s.tag = Tag::kDouble;
    s.u.d = v;
    return s;
  }
  static Slot Decimal(__int128 v) {
    Slot s;
    s.tag = Tag::kDecimal;
    s.u.dec.lo = static_cast<uint64_t>(v);
    s.u.dec.hi = static_cast<int64_t>(v >> 64);
    return s;
  }
  static Slot Bytes(const void* p, size_t len) {
    Slot s;
    s.tag = Tag::kBytes;
    s.u.p = static_cast<const char*>(p);
    s.n = static_cast<uint32_t>(len);
    return s;
  }
  __int128 decimal() const { return (static_cast<__int128>(u.dec.hi) << 64) | u.dec.lo; }
  std::string_view bytes() const { return {u.p, n}; }
};

// A column type compiled and bound to its builder.
struct TypeNode {
  Kind kind = Kind::kString;
  int precision = 0, scale = 0;
  bool nullable = true;
  std::string name;  // a struct field's name, for reasons
  std::vector<TypeNode> children;
  arrow::ArrayBuilder* builder = nullptr;
  std::vector<uint64_t> seen;  // struct: per field, the object visit that last saw it
};

bool IsNested(Kind k) { return k == Kind::kStruct || k == Kind::kArray || k == Kind::kMap; }
bool IsIntegral(Kind k) { return k == Kind::kLong || k == Kind::kInteger || k == Kind::kShort || k == Kind::kByte; }

void IntRange(Kind k, int64_t* min, int64_t* max) {
  switch (k) {
    case Kind::kInteger: *min = INT32_MIN, *max = INT32_MAX; return;
    case Kind::kShort: *min = INT16_MIN, *max = INT16_MAX; return;
    case Kind::kByte: *min = INT8_MIN, *max = INT8_MAX; return;
    default: *min = INT64_MIN, *max = INT64_MAX; return;
  }
}

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kLong: return "long";
    case Kind::kInteger: return "integer";
    case Kind::kShort: return "short";
    case Kind::kByte: return "byte";
    default: return "?";
  }
}

Result<TypeNode> CompileType(const DeltaType& t, bool nullable, std::string name) {
  TypeNode n;
  n.kind = t.kind;
  n.precision = t.precision;
  n.scale = t.scale;
  n.nullable = nullable;
  n.name = std::move(name);
  ORBIT_RETURN_IF_ERROR(ToArrow(t).status());  // validates the whole tree
  if (t.kind == Kind::kMap && t.children[0].type->kind != Kind::kString) {
    return Status::InvalidArgument("map keys must be string (they are JSON object keys), not " +
                                   jt::TypeName(*t.children[0].type));
  }
  for (size_t i = 0; i < t.children.size(); ++i) {
    const auto& f = t.children[i];
    // Map keys are never null; the other children say so themselves.
    const bool child_nullable = t.kind == Kind::kMap && i == 0 ? false : f.nullable;
    ORBIT_ASSIGN_OR_RETURN(TypeNode c, CompileType(*f.type, child_nullable, f.name));
    n.children.push_back(std::move(c));
  }
  if (t.kind == Kind::kStruct) n.seen.assign(n.children.size(), 0);
  return n;
}

void Bind(TypeNode& n, arrow::ArrayBuilder* b) {
  n.builder = b;
  switch (n.kind) {
    case Kind::kStruct:
      for (size_t i = 0; i < n.children.size(); ++i) Bind(n.children[i], b->child(static_cast<int>(i)));
      break;
    case Kind::kArray: Bind(n.children[0], static_cast<arrow::ListBuilder*>(b)->value_builder()); break;
    case Kind::kMap: {
      auto* mb = static_cast<arrow::MapBuilder*>(b);
      Bind(n.children[0], mb->key_builder());
      Bind(n.children[1], mb->item_builder());
      break;
    }
    default: break;
  }
}

enum class Source { kJson, kKafka, kIngestTime, kConstant, kDerived, kExpr };
enum class ValueState : uint8_t { kMissing, kNull, kValue };

struct Column {
  std::string name;
  std::string from_text;  // "$.page.url", "kafka.offset", "ingest_time", "column ts", "constant"
  std::string type_name;
  bool required = false;
  EpochUnit unit = EpochUnit::kMillis;
  TypeNode type;
  std::shared_ptr<arrow::DataType> arrow_type;
  std::unique_ptr<arrow::ArrayBuilder> builder;
  bool fixed_width = false;  // top-level builder whose appends are unchecked after Reserve()

  Source source = Source::kJson;
  FromKafka kafka;
  int derived_from = -1;
  bool derive_date = false;  // date from timestamp / timestamp_ntz; otherwise a copy
  Slot constant;             // kConstant (bytes in constant_bytes)
  std::string constant_bytes;
  std::shared_ptr<const Expr> expr;  // kExpr
  std::vector<int> expr_columns;     // kExpr: the column of each of expr->columns()
  std::vector<StringTransform> transform;
  std::string transformed;  // the value after a case transform (valid until the next message)
};

// `$.a.b`: the object members to walk; node 0 is the message's root object.
struct PathNode {
  std::string name;
  std::vector<int> children;
  int column = -1;        // the column reading this path (a leaf), or -1 (an object on the way)
  int first_column = -1;  // a column below, for reasons
  uint64_t seen = 0;      // the object visit that last saw this key
};

struct CompiledCheck {
  CheckSpec spec;
  int column = -1;
  Slot literal;
  std::string literal_bytes;
};

struct PathPart {
  std::string_view name;  // a struct field or a map key (is_key)
  int64_t index = -1;     // an array element
  bool is_key = false;
};

}  // namespace

struct TableRows::Plan {
  JsonOptions options;
  std::vector<Column> columns;
  std::vector<PathNode> nodes;
  std::vector<int> derived_order;
  std::vector<CompiledCheck> checks;

  // Per-row scratch, reused (capacity only grows).
  std::vector<Slot> tape;
  // kStruct slots: struct_index[s.n + j] = tape index of field j's value (-1: missing),
  // struct_index[s.n + fields] = tape index after the struct's last slot.
  std::vector<int32_t> struct_index;
  std::vector<int32_t> start;       // per column: its value's tape index, -1 when missing
  std::vector<ValueState> state;    // per column
  std::string bytes;                // base64-decoded values (reserved per message: stable)
  std::vector<PathPart> path;       // where inside a nested column, for reasons
  std::vector<std::string_view> keys;  // map keys, for duplicate detection
  uint64_t visits = 0;              // object visits (duplicate-key stamps)
  JsonMessage::Impl* msg = nullptr;

  // ---- reasons
  std::string Where() const {
    std::string s;
    for (const auto& p : path) {
      if (p.index >= 0) {
        s += fmt::format("[{}]", p.index);
      } else if (p.is_key) {
        s += fmt::format("[\"{}\"]", jt::Excerpt(p.name, 32));
      } else {
        s += '.';
        s += p.name;
      }
    }
    return s;
  }
  Status ColumnError(int col, std::string_view what) const {
    const Column& c = columns[static_cast<size_t>(col)];
    return Status::InvalidArgument(fmt::format("column {} ({}) from {}{}: {}", c.name, c.type_name, c.from_text,
                                               Where(), what));
  }
  Status Mismatch(int col, std::string_view expected, od::json_type got, od::value& v) const {
    std::string shown;
    const std::string_view raw = TrimRight(v.raw_json_token());
    switch (got) {
      case od::json_type::object: shown = "an object"; break;
      case od::json_type::array: shown = "an array"; break;
      case od::json_type::number:
        if (!jt::ParseJsonNumber(raw)) return msg->Diagnose(simdjson::NUMBER_ERROR);
        shown = jt::Excerpt(raw);
        break;
      case od::json_type::boolean:
        if (raw != "true" && raw != "false") return msg->Diagnose(simdjson::T_ATOM_ERROR);
        shown = raw;
        break;
      default: {
        std::string_view unused;
        if (auto e = v.get_string().get(unused)) return msg->Diagnose(e);
        shown = jt::Excerpt(raw);
        break;
      }
    }
    return ColumnError(col, fmt::format("expected {}, got {}", expected, shown));
  }

  // ---- phase 1: decode into the tape
  Status DecodeValue(od::value v, const TypeNode& t, int col);
  Status DecodeStruct(od::value v, const TypeNode& t, int col);
  Status DecodeArray(od::value v, const TypeNode& t, int col);
  Status DecodeMap(od::value v, const TypeNode& t, int col);
  Status DecodeNode(od::object obj, int node);
  Status DecodeOther(int col, const MessageMeta& meta, int64_t ingest_time_us);
  Status ApplyTransforms(int col);
  Status EvaluateExpr(int col);
  Status RunChecks() const;
  Status CompileLiteral(int col, const std::string& json, Slot* slot, std::string* storage);

  // ---- phase 2: replay the tape into the builders
  template <bool kTop>
  int32_t Emit(const TypeNode& t, int32_t idx, arrow::Status* st) const;
};


Status TableRows::Plan::DecodeValue(od::value v, const TypeNode& t, int col) {
  od::json_type type;
  if (auto e = v.type().get(type)) return msg->Diagnose(e);
  if (type == od::json_type::null) {
    bool is_null = false;
    if (v.is_null().get(is_null) || !is_null) return msg->Diagnose(simdjson::N_ATOM_ERROR);
    tape.push_back(Slot::Null());
    return Status::OK();
  }
  const Column& c = columns[static_cast<size_t>(col)];
  // The number's exact text, grammar-checked (simdjson does not check skipped or
  // unconverted numbers: "01" and "-" are syntax errors here).
  auto number_text = [&](std::string_view* out) -> Status {
    *out = TrimRight(v.raw_json_token());
    if (!jt::ParseJsonNumber(*out)) return msg->Diagnose(simdjson::NUMBER_ERROR);
    return Status::OK();
  };
  auto string_value = [&](std::string_view* out) -> Status {
    if (auto e = v.get_string().get(*out)) return msg->Diagnose(e);
    return Status::OK();
  };
  auto coerced = [&](const Status& st) { return ColumnError(col, st.message()); };
  switch (t.kind) {
    case Kind::kString: {
      if (type != od::json_type::string) return Mismatch(col, "a string", type, v);
      std::string_view s;
      ORBIT_RETURN_IF_ERROR(string_value(&s));
      tape.push_back(Slot::Bytes(s.data(), s.size()));
      return Status::OK();
    }
    case Kind::kLong:
    case Kind::kInteger:
    case Kind::kShort:
    case Kind::kByte: {
      if (type != od::json_type::number) return Mismatch(col, "an integer", type, v);
      std::string_view text;
      ORBIT_RETURN_IF_ERROR(number_text(&text));
      int64_t min = 0, max = 0, x = 0;
      IntRange(t.kind, &min, &max);
      if (Status st = jt::ParseInteger(text, min, max, KindName(t.kind), &x); !st.ok()) return coerced(st);
      tape.push_back(Slot::Int(x));
      return Status::OK();
    }
    case Kind::kDouble:
    case Kind::kFloat: {
      if (type != od::json_type::number) return Mismatch(col, "a number", type, v);
      std::string_view text;
      ORBIT_RETURN_IF_ERROR(number_text(&text));
      double d = 0;
      if (t.kind == Kind::kDouble) {
        if (Status st = jt::ParseDouble(text, &d); !st.ok()) return coerced(st);
      } else {
        float f = 0;
        if (Status st = jt::ParseFloat(text, &f); !st.ok()) return coerced(st);
        d = f;
      }
      tape.push_back(Slot::Double(d));
      return Status::OK();
    }
    case Kind::kDecimal: {
      std::string_view text;
      if (type == od::json_type::number) {
        ORBIT_RETURN_IF_ERROR(number_text(&text));
      } else if (type == od::json_type::string) {
        ORBIT_RETURN_IF_ERROR(string_value(&text));
        if (!jt::ParseJsonNumber(text)) {
          return ColumnError(col, fmt::format("\"{}\" is not a decimal number", jt::Excerpt(text)));
        }
      } else {
        return Mismatch(col, "a number or a string holding one", type, v);
      }
      __int128 x = 0;
      if (Status st = jt::ParseDecimal(text, t.precision, t.scale, &x); !st.ok()) return coerced(st);
      tape.push_back(Slot::Decimal(x));
      return Status::OK();
    }
    case Kind::kBoolean: {
      if (type != od::json_type::boolean) return Mismatch(col, "true or false", type, v);
      bool b = false;
      if (auto e = v.get_bool().get(b)) return msg->Diagnose(e);
      tape.push_back(Slot::Int(b ? 1 : 0));
      return Status::OK();
    }
    case Kind::kBinary: {
      if (type != od::json_type::string) return Mismatch(col, "a base64 string", type, v);
      std::string_view s;
      ORBIT_RETURN_IF_ERROR(string_value(&s));
      const size_t at = bytes.size();
      // Append() reserved room for the whole message: data() does not move.
      if (Status st = jt::DecodeBase64(s, &bytes); !st.ok()) return coerced(st);
      tape.push_back(Slot::Bytes(bytes.data() + at, bytes.size() - at));
      return Status::OK();
    }
    case Kind::kDate:
    case Kind::kTimestamp:
    case Kind::kTimestampNtz: {
      int64_t x = 0;
      if (type == od::json_type::number) {
        std::string_view text;
        ORBIT_RETURN_IF_ERROR(number_text(&text));
        if (Status st = jt::EpochToMicros(text, c.unit, &x); !st.ok()) return coerced(st);
        if (t.kind == Kind::kDate) x = jt::DayOfMicros(x);
      } else if (type == od::json_type::string) {
        std::string_view s;
        ORBIT_RETURN_IF_ERROR(string_value(&s));
        if (t.kind == Kind::kDate) {
          int32_t d = 0;
          if (Status st = jt::ParseIsoDate(s, &d); !st.ok()) return coerced(st);
          x = d;
        } else {
          const auto rule = t.kind == Kind::kTimestamp ? jt::OffsetRule::kOptionalUtc : jt::OffsetRule::kForbidden;
          if (Status st = jt::ParseIsoTimestamp(s, rule, &x); !st.ok()) return coerced(st);
        }
      } else {
        return Mismatch(col, t.kind == Kind::kDate ? "a date string or an epoch number"
                                                   : "an ISO-8601 string or an epoch number",
                        type, v);
      }
      tape.push_back(Slot::Int(x));
      return Status::OK();
    }
    case Kind::kStruct:
      if (type != od::json_type::object) return Mismatch(col, "an object", type, v);
      return DecodeStruct(v, t, col);
    case Kind::kArray:
      if (type != od::json_type::array) return Mismatch(col, "an array", type, v);
      return DecodeArray(v, t, col);
    case Kind::kMap:
      if (type != od::json_type::object) return Mismatch(col, "an object", type, v);
      return DecodeMap(v, t, col);
  }
  return Status::Internal("unknown type kind");
}

namespace {

// The index of the declared name that `f`'s key spells, or -1; false on a simdjson
// error (*err set). The raw key bytes are compared first (no unescaping, no copy: the
// hot path); only a key holding a backslash is unescaped and compared again.
template <typename NameAt>
bool MatchKey(JsonMessage::Impl& m, od::field& f, size_t count, NameAt name_at, int* out, Status* err) {
  const char* k = f.key().raw();
  const char* end = m.buf.get() + m.len;
  const auto room = static_cast<size_t>(end - k);
  for (size_t i = 0; i < count; ++i) {
    const std::string_view n = name_at(i);
    // k[n.size()] is the closing quote: the key is exactly n, unless n itself holds a
    // backslash (then the raw bytes spell something else).
    if (room > n.size() && std::memcmp(k, n.data(), n.size()) == 0 && k[n.size()] == '"' &&
        n.find('\\') == std::string_view::npos) {
      *out = static_cast<int>(i);
      return true;
    }
  }
  const void* quote = std::memchr(k, '"', room);
  const auto key_len = quote ? static_cast<size_t>(static_cast<const char*>(quote) - k) : room;
  *out = -1;
  if (std::memchr(k, '\\', key_len) == nullptr) return true;
  std::string_view key;
  if (auto e = f.unescaped_key().get(key)) {
    *err = m.Diagnose(e);
    return false;
  }
  for (size_t i = 0; i < count; ++i) {
    if (name_at(i) == key) {
      *out = static_cast<int>(i);
      return true;
    }
  }
  return true;
}

}  // namespace

Status TableRows::Plan::DecodeStruct(od::value v, const TypeNode& t, int col) {
  od::object obj;
  if (auto e = v.get_object().get(obj)) return msg->Diagnose(e);
  const auto self = tape.size();
  const auto fields = t.children.size();
  const auto base = struct_index.size();
  struct_index.resize(base + fields + 1, -1);
  Slot s;
  s.tag = Slot::Tag::kStruct;
  s.n = static_cast<uint32_t>(base);
  tape.push_back(s);
  const uint64_t visit = ++visits;
  auto& seen = const_cast<std::vector<uint64_t>&>(t.seen);  // scratch inside the plan
  for (auto field : obj) {
    od::field f;
    if (auto e = std::move(field).get(f)) return msg->Diagnose(e);
    int found = -1;
    Status err;
    if (!MatchKey(*msg, f, fields, [&](size_t i) -> std::string_view { return t.children[i].name; }, &found, &err)) {
      return err;
    }
    if (found < 0) continue;  // undeclared: skipped
    const auto j = static_cast<size_t>(found);
    path.push_back({t.children[j].name});
    if (seen[j] == visit) return ColumnError(col, "the key appears twice");
    seen[j] = visit;
    struct_index[base + j] = static_cast<int32_t>(tape.size());
    ORBIT_RETURN_IF_ERROR(DecodeValue(f.value(), t.children[j], col));
    path.pop_back();
  }
  for (size_t j = 0; j < fields; ++j) {
    const int32_t at = struct_index[base + j];
    if (!t.children[j].nullable && (at < 0 || tape[static_cast<size_t>(at)].tag == Slot::Tag::kNull)) {
      path.push_back({t.children[j].name});
      return ColumnError(col, fmt::format("{}, but field {} is not nullable", at < 0 ? "missing" : "null",
                                          t.children[j].name));
    }
  }
  struct_index[base + fields] = static_cast<int32_t>(tape.size());
  (void)self;
  return Status::OK();
}

Status TableRows::Plan::DecodeArray(od::value v, const TypeNode& t, int col) {
  od::array arr;
  if (auto e = v.get_array().get(arr)) return msg->Diagnose(e);
  const auto self = tape.size();
  Slot s;
  s.tag = Slot::Tag::kList;
  tape.push_back(s);
  uint32_t count = 0;
  const TypeNode& et = t.children[0];
  for (auto element : arr) {
    od::value ev;
    if (auto e = std::move(element).get(ev)) return msg->Diagnose(e);
    path.push_back({{}, count});
    const auto at = tape.size();
    ORBIT_RETURN_IF_ERROR(DecodeValue(ev, et, col));
    if (!et.nullable && tape[at].tag == Slot::Tag::kNull) return ColumnError(col, "null, but elements are not nullable");
    path.pop_back();
    ++count;
  }
  tape[self].n = count;
  return Status::OK();
}

Status TableRows::Plan::DecodeMap(od::value v, const TypeNode& t, int col) {
  od::object obj;
  if (auto e = v.get_object().get(obj)) return msg->Diagnose(e);
  const auto self = tape.size();
  Slot s;
  s.tag = Slot::Tag::kMap;
  tape.push_back(s);
  const size_t keys_base = keys.size();
  uint32_t count = 0;
  const TypeNode& vt = t.children[1];
  for (auto field : obj) {
    od::field f;
    if (auto e = std::move(field).get(f)) return msg->Diagnose(e);
    std::string_view key;
    if (auto e = f.unescaped_key().get(key)) return msg->Diagnose(e);
    tape.push_back(Slot::Bytes(key.data(), key.size()));
    keys.push_back(key);
    path.push_back({key, -1, true});
    const auto at = tape.size();
    ORBIT_RETURN_IF_ERROR(DecodeValue(f.value(), vt, col));
    if (!vt.nullable && tape[at].tag == Slot::Tag::kNull) return ColumnError(col, "null, but values are not nullable");
    path.pop_back();
    ++count;
  }
  tape[self].n = count;
  // Duplicate keys: pairwise for small maps, sorted otherwise.
  auto first = keys.begin() + static_cast<std::ptrdiff_t>(keys_base);
  std::string_view dup;
  bool has_dup = false;
  if (count <= 16) {
    for (auto i = first; i != keys.end() && !has_dup; ++i) {
      for (auto j = first; j != i; ++j) {
        if (*i == *j) {
          has_dup = true;
          dup = *i;
          break;
        }
      }
    }
  } else {
    std::sort(first, keys.end());
    auto it = std::adjacent_find(first, keys.end());
    if (it != keys.end()) has_dup = true, dup = *it;
  }
  if (has_dup) return ColumnError(col, fmt::format("map key \"{}\" appears twice", jt::Excerpt(dup)));
  keys.resize(keys_base);
  return Status::OK();
}

Status TableRows::Plan::DecodeNode(od::object obj, int node) {
  const uint64_t visit = ++visits;
  for (auto field : obj) {
    od::field f;
    if (auto e = std::move(field).get(f)) return msg->Diagnose(e);
    const std::vector<int>& children = nodes[static_cast<size_t>(node)].children;
    int found = -1;
    Status err;
    if (!MatchKey(*msg, f, children.size(),
                  [&](size_t i) -> std::string_view { return nodes[static_cast<size_t>(children[i])].name; }, &found,
                  &err)) {
      return err;
    }
    if (found < 0) continue;  // undeclared: skipped
    const int child = children[static_cast<size_t>(found)];
    PathNode& n = nodes[static_cast<size_t>(child)];
    if (n.seen == visit) return ColumnError(n.first_column, fmt::format("key \"{}\" appears twice", jt::Excerpt(n.name)));
    n.seen = visit;
    if (n.column >= 0) {
      const auto col = static_cast<size_t>(n.column);
      start[col] = static_cast<int32_t>(tape.size());
      ORBIT_RETURN_IF_ERROR(DecodeValue(f.value(), columns[col].type, n.column));
      state[col] = tape[static_cast<size_t>(start[col])].tag == Slot::Tag::kNull ? ValueState::kNull : ValueState::kValue;
      continue;
    }
    od::value v = f.value();
    od::json_type type;
    if (auto e = v.type().get(type)) return msg->Diagnose(e);
    if (type == od::json_type::null) continue;  // the columns below stay missing (null)
    if (type != od::json_type::object) {
      return ColumnError(n.first_column, fmt::format("\"{}\" on the way is {}, not an object", jt::Excerpt(n.name),
                                                     JsonTypeName(type)));
    }
    od::object inner;
    if (auto e = v.get_object().get(inner)) return msg->Diagnose(e);
    ORBIT_RETURN_IF_ERROR(DecodeNode(inner, child));
  }
  return Status::OK();
}

namespace {

bool Mul(int64_t a, int64_t b, int64_t* out) { return !__builtin_mul_overflow(a, b, out); }

}  // namespace

// Kafka fields, ingest time, constants, derived columns: one slot (or a copied start).
Status TableRows::Plan::DecodeOther(int col, const MessageMeta& meta, int64_t ingest_time_us) {
  const auto ci = static_cast<size_t>(col);
  Column& c = columns[ci];
  const Kind k = c.type.kind;
  auto put = [&](Slot s) {
    start[ci] = static_cast<int32_t>(tape.size());
    state[ci] = s.tag == Slot::Tag::kNull ? ValueState::kNull : ValueState::kValue;
    tape.push_back(s);
    return Status::OK();
  };
  auto integer = [&](int64_t v, std::string_view what) {
    int64_t min = 0, max = 0;
    IntRange(k, &min, &max);
    if (v < min || v > max) return ColumnError(col, fmt::format("{} {} is out of range for {}", what, v, KindName(k)));
    return put(Slot::Int(v));
  };
  // A time in microseconds into a timestamp, timestamp_ntz, long (in `long_unit`) or date.
  auto time = [&](int64_t micros, int64_t long_value) {
    if (k == Kind::kDate) return put(Slot::Int(jt::DayOfMicros(micros)));
    if (k == Kind::kLong) return put(Slot::Int(long_value));
    return put(Slot::Int(micros));
  };
  auto bytes_value = [&](std::span<const uint8_t> b, std::string_view what) {
    if (k == Kind::kString && !simdjson::validate_utf8(reinterpret_cast<const char*>(b.data()), b.size())) {
      return ColumnError(col, fmt::format("{} is not valid UTF-8 (declare the column binary)", what));
    }
    return put(Slot::Bytes(b.data(), b.size()));
  };
  switch (c.source) {
    case Source::kJson: return Status::OK();
    case Source::kKafka:
      switch (c.kafka.field) {
        case FromKafka::Field::kTopic: return put(Slot::Bytes(meta.topic.data(), meta.topic.size()));
        case FromKafka::Field::kPartition: return integer(meta.partition, "partition");
        case FromKafka::Field::kOffset: return integer(meta.offset, "offset");
        case FromKafka::Field::kTimestamp: {
          if (!meta.timestamp_ms) return put(Slot::Null());
          int64_t us = 0;
          if (!Mul(*meta.timestamp_ms, 1000, &us)) {
            return ColumnError(col, fmt::format("Kafka timestamp {} ms is outside the timestamp range", *meta.timestamp_ms));
          }
          return time(us, *meta.timestamp_ms);
        }
        case FromKafka::Field::kKey:
          if (!meta.key) return put(Slot::Null());
          return bytes_value(*meta.key, "the key");
        case FromKafka::Field::kHeader: {
          const MessageHeader* last = nullptr;
          for (const auto& h : meta.headers) {
            if (h.name == c.kafka.header) last = &h;
          }
          if (last == nullptr || !last->value) return put(Slot::Null());
          return bytes_value(*last->value, "the header");
        }
      }
      return Status::Internal("unknown Kafka field");
    case Source::kIngestTime: return time(ingest_time_us, ingest_time_us);
    case Source::kConstant: {
      Slot s = c.constant;
      if (s.tag == Slot::Tag::kBytes) s.u.p = c.constant_bytes.data();
      return put(s);
    }
    case Source::kExpr: return EvaluateExpr(col);
    case Source::kDerived: {
      const auto from = static_cast<size_t>(c.derived_from);
      if (!c.derive_date || start[from] < 0 || state[from] != ValueState::kValue) {
        start[ci] = start[from];
        state[ci] = state[from];
        return Status::OK();
      }
      return put(Slot::Int(jt::DayOfMicros(tape[static_cast<size_t>(start[from])].u.i)));
    }
  }
  return Status::Internal("unknown column source");
}

Status TableRows::Plan::EvaluateExpr(int col) {
  const auto ci = static_cast<size_t>(col);
  Column& c = columns[ci];
  auto value = [&](size_t j) -> std::optional<double> {
    const auto from = static_cast<size_t>(c.expr_columns[j]);
    if (start[from] < 0 || state[from] != ValueState::kValue) return std::nullopt;
    const Slot& s = tape[static_cast<size_t>(start[from])];
    switch (columns[from].type.kind) {
      case Kind::kDouble:
      case Kind::kFloat: return s.u.d;
      case Kind::kDecimal: return static_cast<double>(s.decimal()) / std::pow(10.0, columns[from].type.scale);
      default: return static_cast<double>(s.u.i);
    }
  };
  auto result = c.expr->Evaluate(value);
  if (!result.ok()) return ColumnError(col, result.status().message());
  start[ci] = static_cast<int32_t>(tape.size());
  if (!*result) {
    state[ci] = ValueState::kNull;
    tape.push_back(Slot::Null());
    return Status::OK();
  }
  const double v = **result;
  const Kind k = c.type.kind;
  if (k == Kind::kDouble || k == Kind::kFloat) {
    if (k == Kind::kFloat && std::fabs(v) > std::numeric_limits<float>::max()) {
      return ColumnError(col, fmt::format("{} is out of range for float", v));
    }
    state[ci] = ValueState::kValue;
    tape.push_back(Slot::Double(k == Kind::kFloat ? static_cast<double>(static_cast<float>(v)) : v));
    return Status::OK();
  }
  int64_t min = 0, max = 0;
  IntRange(k, &min, &max);
  if (std::floor(v) != v) return ColumnError(col, fmt::format("{} is not an integer (round() it)", v));
  if (v < static_cast<double>(min) || v > static_cast<double>(max)) {
    return ColumnError(col, fmt::format("{} is out of range for {}", v, KindName(k)));
  }
  state[ci] = ValueState::kValue;
  tape.push_back(Slot::Int(static_cast<int64_t>(v)));
  return Status::OK();
}

Status TableRows::Plan::ApplyTransforms(int col) {
  const auto ci = static_cast<size_t>(col);
  Column& c = columns[ci];
  if (c.transform.empty() || start[ci] < 0 || state[ci] != ValueState::kValue) return Status::OK();
  std::string_view v = tape[static_cast<size_t>(start[ci])].bytes();
  bool owned = false;  // v points into c.transformed
  for (StringTransform t : c.transform) {
    switch (t) {
      case StringTransform::kTrim: {
        auto space = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v'; };
        while (!v.empty() && space(v.front())) v.remove_prefix(1);
        while (!v.empty() && space(v.back())) v.remove_suffix(1);
        break;
      }
      case StringTransform::kLower:
      case StringTransform::kUpper: {
        if (!owned) {
          c.transformed.assign(v.data(), v.size());
        } else {
          c.transformed.erase(0, static_cast<size_t>(v.data() - c.transformed.data()));
          c.transformed.resize(v.size());
        }
        owned = true;
        const bool lower = t == StringTransform::kLower;
        for (char& ch : c.transformed) {
          if (lower && ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
          if (!lower && ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
        }
        v = c.transformed;
        break;
      }
      case StringTransform::kEmptyToNull:
        if (v.empty()) {
          start[ci] = static_cast<int32_t>(tape.size());
          state[ci] = ValueState::kNull;
          tape.push_back(Slot::Null());
          return Status::OK();
        }
        break;
    }
  }
  start[ci] = static_cast<int32_t>(tape.size());
  tape.push_back(Slot::Bytes(v.data(), v.size()));
  return Status::OK();
}

namespace {

// <0, 0, >0. REQUIRES: both slots hold values of the column's primitive kind.
int CompareSlots(Kind k, const Slot& a, const Slot& b) {
  switch (k) {
    case Kind::kDouble:
    case Kind::kFloat: return a.u.d < b.u.d ? -1 : a.u.d > b.u.d ? 1 : 0;
    case Kind::kDecimal: {
      const __int128 x = a.decimal(), y = b.decimal();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case Kind::kString:
    case Kind::kBinary: {
      const int c = a.bytes().compare(b.bytes());
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    default: return a.u.i < b.u.i ? -1 : a.u.i > b.u.i ? 1 : 0;
  }
}

std::string FormatDecimal(__int128 v, int scale) {
  const bool neg = v < 0;
  unsigned __int128 u = neg ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  } while (u != 0);
  while (digits.size() <= static_cast<size_t>(scale)) digits.push_back('0');
  std::reverse(digits.begin(), digits.end());
  if (scale > 0) digits.insert(digits.size() - static_cast<size_t>(scale), 1, '.');
  return neg ? "-" + digits : digits;
}

std::string FormatSlot(const TypeNode& t, const Slot& s) {
  if (s.tag == Slot::Tag::kNull) return "null";
  switch (t.kind) {
    case Kind::kString: return "\"" + jt::Excerpt(s.bytes()) + "\"";
    case Kind::kBinary: return fmt::format("{} bytes", s.n);
    case Kind::kDouble:
    case Kind::kFloat: return fmt::format("{}", s.u.d);
    case Kind::kDecimal: return FormatDecimal(s.decimal(), t.scale);
    case Kind::kBoolean: return s.u.i ? "true" : "false";
    case Kind::kDate: return FormatIsoDate(s.u.i);
    case Kind::kTimestamp: return jt::FormatMicros(s.u.i, true);
    case Kind::kTimestampNtz: return jt::FormatMicros(s.u.i, false);
    case Kind::kStruct:
    case Kind::kArray:
    case Kind::kMap: return "not null";
    default: return std::to_string(s.u.i);
  }
}

}  // namespace

Status TableRows::Plan::RunChecks() const {
  for (const CompiledCheck& ch : checks) {
    const auto ci = static_cast<size_t>(ch.column);
    const bool has = state[ci] == ValueState::kValue;
    const Slot* value = has ? &tape[static_cast<size_t>(start[ci])] : nullptr;
    bool pass = false;
    switch (ch.spec.op) {
      case CheckSpec::Op::kIsNull: pass = !has; break;
      case CheckSpec::Op::kIsNotNull: pass = has; break;
      default: {
        if (!has) break;  // a comparison with null is not true: the check fails
        Slot lit = ch.literal;
        if (lit.tag == Slot::Tag::kBytes) lit.u.p = ch.literal_bytes.data();
        const int c = CompareSlots(columns[ci].type.kind, *value, lit);
        switch (ch.spec.op) {
          case CheckSpec::Op::kEq: pass = c == 0; break;
          case CheckSpec::Op::kNe: pass = c != 0; break;
          case CheckSpec::Op::kLt: pass = c < 0; break;
          case CheckSpec::Op::kLe: pass = c <= 0; break;
          case CheckSpec::Op::kGt: pass = c > 0; break;
          case CheckSpec::Op::kGe: pass = c >= 0; break;
          default: break;
        }
      }
    }
    if (!pass) {
      return Status::InvalidArgument(fmt::format("check failed: {} ({} = {})", ch.spec.text, ch.spec.column,
                                                 has ? FormatSlot(columns[ci].type, *value) : "null"));
    }
  }
  return Status::OK();
}

template <bool kTop>
int32_t TableRows::Plan::Emit(const TypeNode& t, int32_t idx, arrow::Status* st) const {
  const Slot& s = tape[static_cast<size_t>(idx)];
  // After a failed append, Arrow builders may be left without the capacity they claim:
  // stop touching them (the caller reports the failure; the rows are unusable).
  if (!st->ok()) return idx + 1;
  if (s.tag == Slot::Tag::kNull) {
    *st &= t.builder->AppendNull();
    return idx + 1;
  }
  auto num = [&](auto* b, auto v) {
    if constexpr (kTop) {
      b->UnsafeAppend(v);
    } else {
      *st &= b->Append(v);
    }
  };
  arrow::ArrayBuilder* b = t.builder;
  switch (t.kind) {
    case Kind::kString: *st &= static_cast<arrow::StringBuilder*>(b)->Append(s.u.p, static_cast<int32_t>(s.n)); break;
    case Kind::kBinary: *st &= static_cast<arrow::BinaryBuilder*>(b)->Append(s.u.p, static_cast<int32_t>(s.n)); break;
    case Kind::kLong: num(static_cast<arrow::Int64Builder*>(b), s.u.i); break;
    case Kind::kInteger: num(static_cast<arrow::Int32Builder*>(b), static_cast<int32_t>(s.u.i)); break;
    case Kind::kShort: num(static_cast<arrow::Int16Builder*>(b), static_cast<int16_t>(s.u.i)); break;
    case Kind::kByte: num(static_cast<arrow::Int8Builder*>(b), static_cast<int8_t>(s.u.i)); break;
    case Kind::kDouble: num(static_cast<arrow::DoubleBuilder*>(b), s.u.d); break;
    case Kind::kFloat: num(static_cast<arrow::FloatBuilder*>(b), static_cast<float>(s.u.d)); break;
    case Kind::kBoolean: num(static_cast<arrow::BooleanBuilder*>(b), s.u.i != 0); break;
    case Kind::kDate: num(static_cast<arrow::Date32Builder*>(b), static_cast<int32_t>(s.u.i)); break;
    case Kind::kTimestamp:
    case Kind::kTimestampNtz: num(static_cast<arrow::TimestampBuilder*>(b), s.u.i); break;
    case Kind::kDecimal:
      num(static_cast<arrow::Decimal128Builder*>(b), arrow::Decimal128(s.u.dec.hi, s.u.dec.lo));
      break;
    case Kind::kStruct: {
      *st &= static_cast<arrow::StructBuilder*>(b)->Append();
      const size_t fields = t.children.size();
      for (size_t j = 0; j < fields; ++j) {
        const int32_t at = struct_index[s.n + j];
        if (!st->ok()) break;
        if (at < 0) {
          *st &= t.children[j].builder->AppendNull();
        } else {
          Emit<false>(t.children[j], at, st);
        }
      }
      return struct_index[s.n + fields];
    }
    case Kind::kArray: {
      *st &= static_cast<arrow::ListBuilder*>(b)->Append();
      int32_t i = idx + 1;
      for (uint32_t k = 0; k < s.n; ++k) i = Emit<false>(t.children[0], i, st);
      return i;
    }
    case Kind::kMap: {
      *st &= static_cast<arrow::MapBuilder*>(b)->Append();
      int32_t i = idx + 1;
      for (uint32_t k = 0; k < s.n; ++k) {
        i = Emit<false>(t.children[0], i, st);
        i = Emit<false>(t.children[1], i, st);
      }
      return i;
    }
  }
  return idx + 1;
}

// ---------------------------------------------------------------- TableRows

namespace {

std::string PathText(const std::vector<std::string>& segments) { return "$." + fmt::format("{}", fmt::join(segments, ".")); }

bool SameType(const DeltaType& a, const DeltaType& b) {
  if (a.kind != b.kind || a.precision != b.precision || a.scale != b.scale || a.children.size() != b.children.size()) {
    return false;
  }
  for (size_t i = 0; i < a.children.size(); ++i) {
    const auto& x = a.children[i];
    const auto& y = b.children[i];
    if (x.name != y.name || x.nullable != y.nullable || !x.type || !y.type || !SameType(*x.type, *y.type)) return false;
  }
  return true;
}

// Which Kafka field / ingest time feeds which column types.
bool KafkaFits(FromKafka::Field f, Kind k) {
  switch (f) {
    case FromKafka::Field::kTopic: return k == Kind::kString;
    case FromKafka::Field::kPartition:
    case FromKafka::Field::kOffset: return IsIntegral(k);
    case FromKafka::Field::kTimestamp:
      return k == Kind::kTimestamp || k == Kind::kTimestampNtz || k == Kind::kLong || k == Kind::kDate;
    case FromKafka::Field::kKey:
    case FromKafka::Field::kHeader: return k == Kind::kString || k == Kind::kBinary;
  }
  return false;
}

}  // namespace

namespace {

// A builder failure is never a rejection of the message (IsRejection), whatever Arrow
// called it: the caller must stop rather than quarantine a good message.
Status BuilderFailure(const arrow::Status& st, std::string_view what) {
  Status s = columnar::FromArrow(st, what);
  if (IsRejection(s)) return Status::Internal(s.message());
  return s;
}

}  // namespace

JsonMessage::Impl& TableRows::ImplOf(JsonMessage& m) { return *m.impl_; }

// Decodes `json` (one JSON scalar as written in the pipeline file) as a value of column
// `col` into *slot, its bytes copied into *storage. Constants and check literals.
Status TableRows::Plan::CompileLiteral(int col, const std::string& json, Slot* slot, std::string* storage) {
  Plan& plan = *this;
  JsonMessage msg(plan.options);
  JsonMessage::Impl& m = ImplOf(msg);
  const std::string wrapped = "{\"v\":" + json + "}";
  // Compile time: the precise checker validates the whole literal first.
  Status st = jt::FindSyntaxError(wrapped, plan.options.max_depth) ? Status::InvalidArgument("syntax") : msg.Parse(wrapped);
  od::object root;
  if (st.ok()) st = m.Root(&root);
  od::value v;
  if (st.ok()) {
    if (auto e = root.find_field("v").get(v)) st = m.Diagnose(e);
  }
  if (!st.ok()) return Status::InvalidArgument(fmt::format("{} is not one JSON value", json));
  plan.msg = &m;
  plan.tape.clear();
  plan.struct_index.clear();
  plan.path.clear();
  plan.bytes.clear();
  plan.bytes.reserve(jt::Base64DecodedMax(wrapped.size()));
  st = plan.DecodeValue(v, plan.columns[static_cast<size_t>(col)].type, col);
  plan.msg = nullptr;
  if (!st.ok()) return Status::InvalidArgument(st.message());
  *slot = plan.tape.at(0);
  if (slot->tag == Slot::Tag::kBytes) storage->assign(slot->bytes());
  return Status::OK();
}

Result<std::unique_ptr<TableRows>> TableRows::Make(const TableSpec& spec, const JsonOptions& options,
                                                   arrow::MemoryPool* pool) {
  if (pool == nullptr) pool = arrow::default_memory_pool();
  auto plan = std::make_unique<Plan>();
  plan->options = options;
  plan->nodes.emplace_back();  // the root object
  auto bad = [&](const ColumnSpec& c, std::string_view why) {
    return Status::InvalidArgument(fmt::format("table {}: column {}: {}", spec.name, c.name, why));
  };
  if (spec.columns.empty()) return Status::InvalidArgument("table " + spec.name + " has no columns");
  arrow::FieldVector fields;
  std::vector<std::string> derived_names(spec.columns.size());
  for (size_t i = 0; i < spec.columns.size(); ++i) {
    const ColumnSpec& cs = spec.columns[i];
    if (cs.name.empty()) return Status::InvalidArgument("table " + spec.name + ": a column has no name");
    for (size_t j = 0; j < i; ++j) {
      if (spec.columns[j].name == cs.name) return bad(cs, "declared twice");
    }
    if (!cs.type) return bad(cs, "no type");
    Column c;
    c.name = cs.name;
    c.required = cs.required;
    c.unit = cs.unit;
    c.type_name = jt::TypeName(*cs.type);
    auto type = CompileType(*cs.type, !cs.required, cs.name);
    if (!type.ok()) return bad(cs, type.status().message());
    c.type = std::move(type).value();
    ORBIT_ASSIGN_OR_RETURN(c.arrow_type, ToArrow(*cs.type));
    const Kind k = c.type.kind;
    const int col = static_cast<int>(i);
    if (const auto* jp = std::get_if<FromJsonPath>(&cs.from)) {
      c.source = Source::kJson;
      if (jp->segments.empty()) return bad(cs, "empty JSON path");
      c.from_text = PathText(jp->segments);
      int node = 0;
      for (size_t s = 0; s < jp->segments.size(); ++s) {
        if (plan->nodes[static_cast<size_t>(node)].column >= 0) {
          return bad(cs, fmt::format("{} goes inside column {}'s value; read it from that column instead",
                                     c.from_text, spec.columns[static_cast<size_t>(plan->nodes[static_cast<size_t>(node)].column)].name));
        }
        int next = -1;
        for (int ch : plan->nodes[static_cast<size_t>(node)].children) {
          if (plan->nodes[static_cast<size_t>(ch)].name == jp->segments[s]) next = ch;
        }
        if (next < 0) {
          next = static_cast<int>(plan->nodes.size());
          PathNode n;
          n.name = jp->segments[s];
          n.first_column = col;
          plan->nodes.push_back(std::move(n));
          plan->nodes[static_cast<size_t>(node)].children.push_back(next);
        }
        node = next;
      }
      PathNode& leaf = plan->nodes[static_cast<size_t>(node)];
      if (leaf.column >= 0) {
        return bad(cs, fmt::format("{} is read by column {} too; derive one from the other (from = column)",
                                   c.from_text, spec.columns[static_cast<size_t>(leaf.column)].name));
      }
      if (!leaf.children.empty()) {
        return bad(cs, fmt::format("{} is also the prefix of another column's path; read those from this column",
                                   c.from_text));
      }
      leaf.column = col;
    } else if (const auto* kf = std::get_if<FromKafka>(&cs.from)) {
      c.source = Source::kKafka;
      c.kafka = *kf;
      static constexpr const char* kNames[] = {"topic", "partition", "offset", "timestamp", "key", "header"};
      c.from_text = std::string("kafka.") + kNames[static_cast<int>(kf->field)];
      if (kf->field == FromKafka::Field::kHeader) {
        if (kf->header.empty()) return bad(cs, "kafka.header needs a header name");
        c.from_text += "." + kf->header;
      }
      if (!KafkaFits(kf->field, k)) return bad(cs, fmt::format("{} cannot be stored as {}", c.from_text, c.type_name));
    } else if (std::holds_alternative<FromIngestTime>(cs.from)) {
      c.source = Source::kIngestTime;
      c.from_text = "ingest_time";
      if (k != Kind::kTimestamp && k != Kind::kTimestampNtz && k != Kind::kLong && k != Kind::kDate) {
        return bad(cs, "ingest_time is a timestamp, timestamp_ntz, long (microseconds) or date column, not " +
                           c.type_name);
      }
    } else if (const auto* fc = std::get_if<FromColumn>(&cs.from)) {
      c.source = Source::kDerived;
      c.from_text = "column " + fc->name;
      derived_names[i] = fc->name;
    } else if (const auto* fe = std::get_if<FromExpr>(&cs.from)) {
      c.source = Source::kExpr;
      c.from_text = "expr " + fe->text;
      auto e = Expr::Parse(fe->text);
      if (!e.ok()) return bad(cs, e.status().message());
      c.expr = std::move(*e);
      if (k != Kind::kDouble && k != Kind::kFloat && k != Kind::kLong && k != Kind::kInteger && k != Kind::kShort &&
          k != Kind::kByte) {
        return bad(cs, "an expr column is double, float or an integer type, not " + c.type_name);
      }
    } else {
      c.source = Source::kConstant;
      c.from_text = "constant " + jt::Excerpt(std::get<FromConstant>(cs.from).json);
      if (IsNested(k)) return bad(cs, "constants of nested types are not supported");
    }
    c.transform = cs.transform;
    if (!c.transform.empty() && k != Kind::kString) return bad(cs, "transforms apply to string columns, not " + c.type_name);
    c.fixed_width = !IsNested(k) && k != Kind::kString && k != Kind::kBinary;
    fields.push_back(arrow::field(c.name, c.arrow_type, !c.required));
    plan->columns.push_back(std::move(c));
  }

  // Derived columns: their source, the pair of types, and an order without cycles.
  std::vector<int> mark(spec.columns.size(), 0);  // 0 new, 1 on the stack, 2 done
  std::function<Status(size_t)> visit = [&](size_t i) -> Status {
    const Source src = plan->columns[i].source;
    if (mark[i] == 2 || (src != Source::kDerived && src != Source::kExpr)) return Status::OK();
    if (mark[i] == 1) return bad(spec.columns[i], "derived columns form a cycle");
    mark[i] = 1;
    const ColumnSpec& cs = spec.columns[i];
    if (src == Source::kExpr) {
      Column& c = plan->columns[i];
      for (const auto& name : c.expr->columns()) {
        size_t from = 0;
        while (from < spec.columns.size() && spec.columns[from].name != name) ++from;
        if (from == spec.columns.size() || from == i) return bad(cs, "no column " + name + " for the expression");
        const Kind fk = plan->columns[from].type.kind;
        if (IsNested(fk) || fk == Kind::kString || fk == Kind::kBinary || fk == Kind::kBoolean || fk == Kind::kDate ||
            fk == Kind::kTimestamp || fk == Kind::kTimestampNtz) {
          return bad(cs, fmt::format("column {} is {}: expressions read numeric columns", name,
                                     plan->columns[from].type_name));
        }
        c.expr_columns.push_back(static_cast<int>(from));
        ORBIT_RETURN_IF_ERROR(visit(from));
      }
      mark[i] = 2;
      plan->derived_order.push_back(static_cast<int>(i));
      return Status::OK();
    }
    size_t from = 0;
    while (from < spec.columns.size() && spec.columns[from].name != derived_names[i]) ++from;
    if (from == spec.columns.size() || from == i) return bad(cs, "no column " + derived_names[i] + " to derive from");
    const Kind fk = plan->columns[from].type.kind, k = plan->columns[i].type.kind;
    Column& c = plan->columns[i];
    c.derived_from = static_cast<int>(from);
    if (SameType(*spec.columns[from].type, *cs.type)) {
      c.derive_date = false;
    } else if (k == Kind::kDate && (fk == Kind::kTimestamp || fk == Kind::kTimestampNtz)) {
      c.derive_date = true;
    } else {
      return bad(cs, fmt::format("cannot derive {} from column {} ({}): a date from a timestamp, or the same type",
                                 c.type_name, derived_names[i], plan->columns[from].type_name));
    }
    ORBIT_RETURN_IF_ERROR(visit(from));
    mark[i] = 2;
    plan->derived_order.push_back(static_cast<int>(i));
    return Status::OK();
  };
  for (size_t i = 0; i < spec.columns.size(); ++i) ORBIT_RETURN_IF_ERROR(visit(i));

  for (size_t i = 0; i < spec.columns.size(); ++i) {
    Column& c = plan->columns[i];
    if (c.source != Source::kConstant) continue;
    const auto& json = std::get<FromConstant>(spec.columns[i].from).json;
    Slot slot;
    Status st = plan->CompileLiteral(static_cast<int>(i), json, &slot, &c.constant_bytes);
    if (!st.ok()) return bad(spec.columns[i], "constant " + st.message());
    if (slot.tag == Slot::Tag::kNull && c.required) return bad(spec.columns[i], "a required column cannot be null");
    c.constant = slot;
  }

  for (const CheckSpec& ck : spec.checks) {
    CompiledCheck cc;
    cc.spec = ck;
    auto bad_check = [&](std::string_view why) {
      return Status::InvalidArgument(fmt::format("table {}: check `{}`: {}", spec.name, ck.text, why));
    };
    for (size_t i = 0; i < spec.columns.size(); ++i) {
      if (spec.columns[i].name == ck.column) cc.column = static_cast<int>(i);
    }
    if (cc.column < 0) return bad_check("no column " + ck.column);
    if (ck.op != CheckSpec::Op::kIsNull && ck.op != CheckSpec::Op::kIsNotNull) {
      const Column& c = plan->columns[static_cast<size_t>(cc.column)];
      if (IsNested(c.type.kind)) return bad_check("comparisons need a primitive column, " + c.name + " is " + c.type_name);
      Status st = plan->CompileLiteral(cc.column, ck.literal_json, &cc.literal, &cc.literal_bytes);
      if (!st.ok()) return bad_check(st.message());
      if (cc.literal.tag == Slot::Tag::kNull) return bad_check("a comparison with null is never true; use `is null`");
    }
    plan->checks.push_back(std::move(cc));
  }

  for (Column& c : plan->columns) {
    auto builder = arrow::MakeBuilder(c.arrow_type, pool);
    if (!builder.ok()) return BuilderFailure(builder.status(), "make builder for column " + c.name);
    c.builder = std::move(builder).ValueUnsafe();
    Bind(c.type, c.builder.get());
  }
  plan->start.assign(plan->columns.size(), -1);
  plan->state.assign(plan->columns.size(), ValueState::kMissing);
  std::unique_ptr<TableRows> rows(new TableRows());
  rows->plan_ = std::move(plan);
  rows->schema_ = arrow::schema(std::move(fields));
  ORBIT_RETURN_IF_ERROR(rows->Reserve());
  return rows;
}

TableRows::~TableRows() = default;

Status TableRows::Reserve() {
  // Capacity for the next kReserveRows rows in every top-level builder, so that the
  // fixed-width appends below are unchecked stores; strings, binary and nested children
  // check their own capacity.
  constexpr int64_t kReserveRows = 4096;
  arrow::Status st;
  for (Column& c : plan_->columns) st &= c.builder->Reserve(kReserveRows);
  if (!st.ok()) return BuilderFailure(st, "reserve table rows");
  reserved_ = rows_ + kReserveRows;
  return Status::OK();
}

Status TableRows::Append(JsonMessage& message, const MessageMeta& meta, int64_t ingest_time_us) {
  Plan& p = *plan_;
  JsonMessage::Impl& m = ImplOf(message);
  p.msg = &m;
  p.tape.clear();
  p.struct_index.clear();
  p.path.clear();
  p.keys.clear();
  p.bytes.clear();
  p.bytes.reserve(jt::Base64DecodedMax(m.len));  // stable while decoding this message
  std::fill(p.start.begin(), p.start.end(), -1);
  std::fill(p.state.begin(), p.state.end(), ValueState::kMissing);

  // Phase 1: decode and validate every column into the scratch tape.
  od::object root;
  ORBIT_RETURN_IF_ERROR(m.Root(&root));
  ORBIT_RETURN_IF_ERROR(p.DecodeNode(root, 0));
  ORBIT_RETURN_IF_ERROR(m.CheckEnd());
  const int n = static_cast<int>(p.columns.size());
  for (int c = 0; c < n; ++c) {
    const Source s = p.columns[static_cast<size_t>(c)].source;
    if (s != Source::kJson && s != Source::kDerived && s != Source::kExpr) {
      ORBIT_RETURN_IF_ERROR(p.DecodeOther(c, meta, ingest_time_us));
    }
    if (s != Source::kDerived && s != Source::kExpr) ORBIT_RETURN_IF_ERROR(p.ApplyTransforms(c));
  }
  for (int c : p.derived_order) {
    ORBIT_RETURN_IF_ERROR(p.DecodeOther(c, meta, ingest_time_us));
    ORBIT_RETURN_IF_ERROR(p.ApplyTransforms(c));
  }
  for (int c = 0; c < n; ++c) {
    const Column& col = p.columns[static_cast<size_t>(c)];
    const ValueState vs = p.state[static_cast<size_t>(c)];
    if (col.required && vs != ValueState::kValue) {
      return Status::InvalidArgument(fmt::format("column {} is required: {}{}", col.name,
                                                 vs == ValueState::kNull ? "null" : "missing",
                                                 col.source == Source::kJson ? " at " + col.from_text : ""));
    }
  }
  ORBIT_RETURN_IF_ERROR(p.RunChecks());

  // Phase 2: the row is good; append it. Only allocation can fail from here on.
  if (rows_ == reserved_) ORBIT_RETURN_IF_ERROR(Reserve());
  arrow::Status st;
  for (int c = 0; c < n && st.ok(); ++c) {
    const Column& col = p.columns[static_cast<size_t>(c)];
    const int32_t at = p.start[static_cast<size_t>(c)];
    if (at < 0) {
      st &= col.builder->AppendNull();
    } else if (col.fixed_width) {
      p.Emit<true>(col.type, at, &st);
    } else {
      p.Emit<false>(col.type, at, &st);
    }
  }
  p.msg = nullptr;
  if (!st.ok()) return BuilderFailure(st, "append table row");
  ++rows_;
  return Status::OK();
}

Result<std::shared_ptr<arrow::RecordBatch>> TableRows::TakeBatch() {
  std::vector<std::shared_ptr<arrow::Array>> cols;
  cols.reserve(plan_->columns.size());
  arrow::Status st;
  for (Column& c : plan_->columns) {
    std::shared_ptr<arrow::Array> a;
    st &= c.builder->Finish(&a);
    cols.push_back(std::move(a));
  }
  const int64_t rows = rows_;
  rows_ = reserved_ = 0;  // Finish() handed the buffers over: nothing is reserved now
  if (!st.ok()) return BuilderFailure(st, "finish table columns");
  for (const auto& a : cols) {
    if (!a || a->length() != rows) return Status::Internal("table columns out of step after an allocation failure");
  }
  return arrow::RecordBatch::Make(schema_, rows, std::move(cols));
}

}  // namespace orbitlake::pipeline
