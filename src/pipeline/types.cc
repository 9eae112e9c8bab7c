#include "pipeline/types.h"

#include <array>
#include <cctype>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pipeline/suggest.h"

namespace orbitlake::pipeline {
namespace {

using Kind = DeltaType::Kind;

constexpr std::array<std::pair<std::string_view, Kind>, 12> kPrimitives{{
    {"string", Kind::kString},
    {"long", Kind::kLong},
    {"integer", Kind::kInteger},
    {"short", Kind::kShort},
    {"byte", Kind::kByte},
    {"double", Kind::kDouble},
    {"float", Kind::kFloat},
    {"boolean", Kind::kBoolean},
    {"binary", Kind::kBinary},
    {"date", Kind::kDate},
    {"timestamp", Kind::kTimestamp},
    {"timestamp_ntz", Kind::kTimestampNtz},
}};

// Spellings from SQL dialects, Arrow and programming languages, and what Delta calls them.
constexpr std::array<std::pair<std::string_view, std::string_view>, 24> kAliases{{
    {"int", "integer"},        {"int32", "integer"},   {"bigint", "long"},
    {"int64", "long"},         {"smallint", "short"},  {"int16", "short"},
    {"tinyint", "byte"},       {"int8", "byte"},       {"bool", "boolean"},
    {"str", "string"},         {"text", "string"},     {"varchar", "string"},
    {"char", "string"},        {"utf8", "string"},     {"real", "float"},
    {"float32", "float"},      {"float64", "double"},  {"bytes", "binary"},
    {"datetime", "timestamp"}, {"timestamptz", "timestamp"}, {"list", "array"},
    {"numeric", "decimal(P,S)"}, {"dict", "map"},       {"object", "struct"},
}};

constexpr int kMaxDecimalPrecision = 38;
constexpr int kMaxDepth = 64;  // nesting levels: a bound on recursion, far above real schemas

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string Lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> TypeWords() {
  std::vector<std::string> words;
  for (const auto& [name, kind] : kPrimitives) words.emplace_back(name);
  for (const char* nested : {"decimal", "array", "map", "struct"}) words.emplace_back(nested);
  return words;
}

class TypeParser {
 public:
  explicit TypeParser(std::string_view text) : text_(text) {}

  Result<std::shared_ptr<const DeltaType>> Parse(size_t* error_offset) {
    auto type = ParseType(0);
    if (type.ok()) {
      SkipSpace();
      if (pos_ < text_.size()) type = Fail(pos_, fmt::format("unexpected '{}' after the type", Rest()));
    }
    if (!type.ok() && error_offset != nullptr) *error_offset = error_offset_;
    return type;
  }

 private:
  Status Fail(size_t at, std::string what) {
    error_offset_ = at;
    return Status::InvalidArgument(OneLine(fmt::format("type '{}', character {}: {}", text_, at + 1, what)));
  }
  // What follows the current position, shortened, for messages.
  std::string Rest() const {
    std::string_view rest = text_.substr(pos_);
    return rest.size() > 12 ? std::string(rest.substr(0, 12)) + "..." : std::string(rest);
  }

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  Status Expect(char c, std::string_view where) {
    if (Consume(c)) return Status::OK();
    if (pos_ >= text_.size()) return Fail(pos_, fmt::format("expected '{}' {}, found the end", c, where));
    return Fail(pos_, fmt::format("expected '{}' {}, found '{}'", c, where, Rest()));
  }
  // A word of letters, digits and '_' (empty when the next character starts none).
  std::string_view Word() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  Result<int> Integer(std::string_view what) {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    if (start == pos_) return Fail(start, fmt::format("expected the {} (a number)", what));
    if (pos_ - start > 3) return Fail(start, fmt::format("{} {} is out of range", what, text_.substr(start, pos_ - start)));
    return std::stoi(std::string(text_.substr(start, pos_ - start)));
  }

  Result<std::shared_ptr<const DeltaType>> ParseType(int depth) {
    if (depth > kMaxDepth) return Fail(pos_, fmt::format("types nested deeper than {} levels", kMaxDepth));
    SkipSpace();
    const size_t start = pos_;
    std::string_view word = Word();
    if (word.empty()) {
      if (pos_ >= text_.size()) return Fail(pos_, "expected a type, found the end");
      return Fail(pos_, fmt::format("expected a type, found '{}'", Rest()));
    }
    for (const auto& [name, kind] : kPrimitives) {
      if (word == name) return Primitive(kind);
    }
    if (word == "decimal") return ParseDecimal(start);
    if (word == "array") return ParseArray(depth);
    if (word == "map") return ParseMap(depth);
    if (word == "struct") return ParseStruct(depth);
    return Fail(start, UnknownTypeMessage(word));
  }

  static std::string UnknownTypeMessage(std::string_view word) {
    std::string lower = Lowercase(word);
    for (const auto& [alias, name] : kAliases) {
      if (lower == alias) return fmt::format("unknown type '{}' (did you mean {}?)", word, name);
    }
    if (lower != word) {
      for (const auto& known : TypeWords()) {
        if (lower == known) return fmt::format("unknown type '{}' (type names are lowercase: did you mean {}?)", word, known);
      }
    }
    return fmt::format("unknown type '{}'{}", word, DidYouMean(word, TypeWords()));
  }

  Result<std::shared_ptr<const DeltaType>> ParseDecimal(size_t start) {
    if (!Consume('(')) {
      return Fail(start, "decimal needs a precision and a scale, e.g. decimal(12,2)");
    }
    const size_t p_at = (SkipSpace(), pos_);
    ORBIT_ASSIGN_OR_RETURN(int precision, Integer("precision"));
    ORBIT_RETURN_IF_ERROR(Expect(',', "between decimal's precision and scale"));
    const size_t s_at = (SkipSpace(), pos_);
    ORBIT_ASSIGN_OR_RETURN(int scale, Integer("scale"));
    ORBIT_RETURN_IF_ERROR(Expect(')', "after decimal's scale"));
    if (precision < 1 || precision > kMaxDecimalPrecision) {
      return Fail(p_at, fmt::format("decimal precision {} is not in 1..{}", precision, kMaxDecimalPrecision));
    }
    if (scale > precision) {
      return Fail(s_at, fmt::format("decimal scale {} is larger than its precision {}", scale, precision));
    }
    auto t = std::make_shared<DeltaType>();
    t->kind = Kind::kDecimal;
    t->precision = precision;
    t->scale = scale;
    return std::shared_ptr<const DeltaType>(std::move(t));
  }

  Result<std::shared_ptr<const DeltaType>> ParseArray(int depth) {
    ORBIT_RETURN_IF_ERROR(Expect('<', "after array"));
    ORBIT_ASSIGN_OR_RETURN(auto element, ParseType(depth + 1));
    ORBIT_RETURN_IF_ERROR(Expect('>', "to close array<"));
    auto t = std::make_shared<DeltaType>();
    t->kind = Kind::kArray;
    t->children.push_back({"element", std::move(element), true});
    return std::shared_ptr<const DeltaType>(std::move(t));
  }

  Result<std::shared_ptr<const DeltaType>> ParseMap(int depth) {
    ORBIT_RETURN_IF_ERROR(Expect('<', "after map"));
    const size_t key_at = (SkipSpace(), pos_);
    ORBIT_ASSIGN_OR_RETURN(auto key, ParseType(depth + 1));
    if (!IsPrimitive(*key)) {
      return Fail(key_at, fmt::format("a map key must be a primitive type, not {}", ToString(*key)));
    }
    ORBIT_RETURN_IF_ERROR(Expect(',', "between map's key and value types"));
    ORBIT_ASSIGN_OR_RETURN(auto value, ParseType(depth + 1));
    ORBIT_RETURN_IF_ERROR(Expect('>', "to close map<"));
    auto t = std::make_shared<DeltaType>();
    t->kind = Kind::kMap;
    t->children.push_back({"key", std::move(key), false});
    t->children.push_back({"value", std::move(value), true});
    return std::shared_ptr<const DeltaType>(std::move(t));
  }

  Result<std::shared_ptr<const DeltaType>> ParseStruct(int depth) {
    ORBIT_RETURN_IF_ERROR(Expect('<', "after struct"));
    auto t = std::make_shared<DeltaType>();
    t->kind = Kind::kStruct;
    if (Consume('>')) return Fail(pos_ - 1, "a struct needs at least one field");
    do {
      SkipSpace();
      const size_t name_at = pos_;
      if (pos_ >= text_.size() || !IsNameStart(text_[pos_])) {
        return Fail(pos_, pos_ >= text_.size() ? std::string("expected a field name, found the end")
                                               : fmt::format("expected a field name (letters, digits, _), found '{}'", Rest()));
      }
      std::string name(Word());
      for (const auto& f : t->children) {
        if (Lowercase(f.name) == Lowercase(name)) {
          return Fail(name_at, fmt::format("duplicate struct field '{}' (names are compared ignoring case)", name));
        }
      }
      ORBIT_RETURN_IF_ERROR(Expect(':', fmt::format("after field name '{}'", name)));
      ORBIT_ASSIGN_OR_RETURN(auto type, ParseType(depth + 1));
      bool nullable = true;
      const size_t after_type = pos_;
      if (Word() == "not") {
        if (Word() != "null") return Fail(after_type, "expected 'not null' after the field's type");
        nullable = false;
      } else {
        pos_ = after_type;
      }
      t->children.push_back({std::move(name), std::move(type), nullable});
    } while (Consume(','));
    ORBIT_RETURN_IF_ERROR(Expect('>', "to close struct< (or ',' and another field)"));
    return std::shared_ptr<const DeltaType>(std::move(t));
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t error_offset_ = 0;
};

nlohmann::json SchemaJson(const DeltaType& type) {
  switch (type.kind) {
    case Kind::kStruct: {
      nlohmann::json fields = nlohmann::json::array();
      for (const auto& f : type.children) {
        fields.push_back({{"name", f.name}, {"type", SchemaJson(*f.type)}, {"nullable", f.nullable},
                          {"metadata", nlohmann::json::object()}});
      }
      return {{"type", "struct"}, {"fields", std::move(fields)}};
    }
    case Kind::kArray:
      return {{"type", "array"}, {"elementType", SchemaJson(*type.children[0].type)},
              {"containsNull", type.children[0].nullable}};
    case Kind::kMap:
      return {{"type", "map"}, {"keyType", SchemaJson(*type.children[0].type)},
              {"valueType", SchemaJson(*type.children[1].type)},
              {"valueContainsNull", type.children[1].nullable}};
    default:
      return ToString(type);
  }
}

int IntegralRank(Kind k) {
  switch (k) {
    case Kind::kByte: return 1;
    case Kind::kShort: return 2;
    case Kind::kInteger: return 3;
    case Kind::kLong: return 4;
    default: return 0;
  }
}

}  // namespace

Result<std::shared_ptr<const DeltaType>> ParseDeltaType(std::string_view text, size_t* error_offset) {
  return TypeParser(text).Parse(error_offset);
}

std::string_view PrimitiveName(DeltaType::Kind kind) {
  for (const auto& [name, k] : kPrimitives) {
    if (k == kind) return name;
  }
  switch (kind) {
    case Kind::kDecimal: return "decimal";
    case Kind::kStruct: return "struct";
    case Kind::kArray: return "array";
    case Kind::kMap: return "map";
    default: return "?";
  }
}

std::string ToString(const DeltaType& type) {
  switch (type.kind) {
    case Kind::kDecimal: return fmt::format("decimal({},{})", type.precision, type.scale);
    case Kind::kArray: return "array<" + ToString(*type.children[0].type) + ">";
    case Kind::kMap: return "map<" + ToString(*type.children[0].type) + "," + ToString(*type.children[1].type) + ">";
    case Kind::kStruct: {
      std::string out = "struct<";
      for (size_t i = 0; i < type.children.size(); ++i) {
        const auto& f = type.children[i];
        if (i > 0) out += ',';
        out += f.name + ":" + ToString(*f.type);
        if (!f.nullable) out += " not null";
      }
      return out + ">";
    }
    default: return std::string(PrimitiveName(type.kind));
  }
}

std::string ToSchemaJson(const DeltaType& type) { return SchemaJson(type).dump(); }

bool IsPrimitive(const DeltaType& type) {
  return type.kind != Kind::kStruct && type.kind != Kind::kArray && type.kind != Kind::kMap;
}

bool IsIntegral(const DeltaType& type) { return IntegralRank(type.kind) > 0; }

bool IsNumeric(const DeltaType& type) {
  return IsIntegral(type) || type.kind == Kind::kDouble || type.kind == Kind::kFloat || type.kind == Kind::kDecimal;
}

bool SameType(const DeltaType& a, const DeltaType& b) {
  if (a.kind != b.kind || a.children.size() != b.children.size()) return false;
  if (a.kind == Kind::kDecimal && (a.precision != b.precision || a.scale != b.scale)) return false;
  for (size_t i = 0; i < a.children.size(); ++i) {
    const auto& x = a.children[i];
    const auto& y = b.children[i];
    if (x.name != y.name || x.nullable != y.nullable || !SameType(*x.type, *y.type)) return false;
  }
  return true;
}

std::shared_ptr<const DeltaType> Primitive(DeltaType::Kind kind) {
  static const std::vector<std::shared_ptr<const DeltaType>> kTypes = [] {
    std::vector<std::shared_ptr<const DeltaType>> types;
    for (int k = 0; k <= static_cast<int>(Kind::kMap); ++k) {
      auto t = std::make_shared<DeltaType>();
      t->kind = static_cast<Kind>(k);
      types.push_back(std::move(t));
    }
    return types;
  }();
  assert(kind != Kind::kDecimal && kind != Kind::kStruct && kind != Kind::kArray && kind != Kind::kMap);
  return kTypes[static_cast<size_t>(kind)];
}

bool CanDeriveColumn(const DeltaType& to, const DeltaType& from) {
  if (SameType(to, from)) return true;
  if (to.kind == Kind::kDate) return from.kind == Kind::kTimestamp || from.kind == Kind::kTimestampNtz;
  if (IsIntegral(to) && IsIntegral(from)) return IntegralRank(to.kind) > IntegralRank(from.kind);
  return to.kind == Kind::kDouble && from.kind == Kind::kFloat;
}

}  // namespace orbitlake::pipeline
