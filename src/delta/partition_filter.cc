#include "delta/partition_filter.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <arrow/api.h>

#include "delta/partition.h"

namespace orbitlake::delta {
namespace {

// The stored string of a partition value as a comparable key (nullopt: null value).
// Parsing goes through PartitionValueArray, so the filter accepts exactly the forms the
// reader does (delta-rs' and Spark's timestamp text, any decimal scale, ...).
Result<std::optional<PartitionFilter::Key>> KeyOf(const std::optional<std::string>& value,
                                                  const std::shared_ptr<arrow::DataType>& type) {
  ORBIT_ASSIGN_OR_RETURN(auto array, PartitionValueArray(value, type, 1));
  if (array->IsNull(0)) return std::optional<PartitionFilter::Key>();
  switch (type->id()) {
    case arrow::Type::STRING:
    case arrow::Type::BINARY:
      return std::optional<PartitionFilter::Key>(
          std::string(static_cast<const arrow::BaseBinaryArray<arrow::BinaryType>&>(*array).GetView(0)));
    case arrow::Type::INT8: return std::optional<PartitionFilter::Key>(int64_t{static_cast<const arrow::Int8Array&>(*array).Value(0)});
    case arrow::Type::INT16: return std::optional<PartitionFilter::Key>(int64_t{static_cast<const arrow::Int16Array&>(*array).Value(0)});
    case arrow::Type::INT32: return std::optional<PartitionFilter::Key>(int64_t{static_cast<const arrow::Int32Array&>(*array).Value(0)});
    case arrow::Type::DATE32: return std::optional<PartitionFilter::Key>(int64_t{static_cast<const arrow::Date32Array&>(*array).Value(0)});
    case arrow::Type::INT64: return std::optional<PartitionFilter::Key>(int64_t{static_cast<const arrow::Int64Array&>(*array).Value(0)});
    case arrow::Type::TIMESTAMP:
      return std::optional<PartitionFilter::Key>(int64_t{static_cast<const arrow::TimestampArray&>(*array).Value(0)});
    case arrow::Type::BOOL: return std::optional<PartitionFilter::Key>(static_cast<const arrow::BooleanArray&>(*array).Value(0));
    case arrow::Type::FLOAT: return std::optional<PartitionFilter::Key>(double{static_cast<const arrow::FloatArray&>(*array).Value(0)});
    case arrow::Type::DOUBLE: return std::optional<PartitionFilter::Key>(static_cast<const arrow::DoubleArray&>(*array).Value(0));
    case arrow::Type::DECIMAL128: {
      arrow::Decimal128 d(static_cast<const arrow::Decimal128Array&>(*array).GetValue(0));
      return std::optional<PartitionFilter::Key>(std::make_pair(d.high_bits(), d.low_bits()));
    }
    default: break;
  }
  return Status::Unsupported("partition column of type " + type->ToString());
}

bool Compare(const PartitionFilter::Key& a, PartitionFilter::Op op, const PartitionFilter::Key& b) {
  using Op = PartitionFilter::Op;
  // NaN compares false with everything (SQL), which the variant's operator< would not do.
  if (const double* x = std::get_if<double>(&a); x && std::isnan(*x)) return op == Op::kNe;
  if (const double* y = std::get_if<double>(&b); y && std::isnan(*y)) return op == Op::kNe;
  switch (op) {
    case Op::kEq: return a == b;
    case Op::kNe: return a != b;
    case Op::kLt: return a < b;
    case Op::kLe: return a <= b;
    case Op::kGt: return a > b;
    case Op::kGe: return a >= b;
    default: return false;
  }
}

const char* OpText(PartitionFilter::Op op) {
  using Op = PartitionFilter::Op;
  switch (op) {
    case Op::kEq: return "=";
    case Op::kNe: return "!=";
    case Op::kLt: return "<";
    case Op::kLe: return "<=";
    case Op::kGt: return ">";
    case Op::kGe: return ">=";
    case Op::kIsNull: return "IS NULL";
    case Op::kIsNotNull: return "IS NOT NULL";
  }
  return "?";
}

// A tiny tokenizer over the filter text.
struct Lexer {
  std::string_view text;
  size_t pos = 0;

  void SkipSpace() {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
  }
  bool AtEnd() {
    SkipSpace();
    return pos >= text.size();
  }
  Status Error(const std::string& what) const {
    return Status::InvalidArgument("--where '" + std::string(text) + "': " + what + " at character " +
                                   std::to_string(pos + 1));
  }
  static bool IdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
  // A bare word: identifier, keyword or unquoted value.
  std::string Word() {
    SkipSpace();
    size_t start = pos;
    while (pos < text.size() && (IdentChar(text[pos]) || text[pos] == '.' || text[pos] == '-' || text[pos] == '+' ||
                                 text[pos] == ':')) {
      ++pos;
    }
    return std::string(text.substr(start, pos - start));
  }
  // Peeks a keyword (case-insensitive) and consumes it when present.
  bool Keyword(std::string_view kw) {
    SkipSpace();
    if (text.size() - pos < kw.size()) return false;
    for (size_t i = 0; i < kw.size(); ++i) {
      if (std::toupper(static_cast<unsigned char>(text[pos + i])) != kw[i]) return false;
    }
    if (pos + kw.size() < text.size() && IdentChar(text[pos + kw.size()])) return false;
    pos += kw.size();
    return true;
  }
  Result<std::string> Column() {
    SkipSpace();
    if (pos < text.size() && text[pos] == '`') {
      size_t end = text.find('`', pos + 1);
      if (end == std::string_view::npos) return Error("unterminated `column`");
      std::string name(text.substr(pos + 1, end - pos - 1));
      pos = end + 1;
      return name;
    }
    size_t start = pos;
    while (pos < text.size() && IdentChar(text[pos])) ++pos;
    if (pos == start) return Error("expected a column name");
    return std::string(text.substr(start, pos - start));
  }
  Result<PartitionFilter::Op> Operator() {
    SkipSpace();
    using Op = PartitionFilter::Op;
    static const std::pair<std::string_view, Op> kOps[] = {{"==", Op::kEq}, {"!=", Op::kNe}, {"<>", Op::kNe},
                                                           {"<=", Op::kLe}, {">=", Op::kGe}, {"=", Op::kEq},
                                                           {"<", Op::kLt},  {">", Op::kGt}};
    for (const auto& [t, op] : kOps) {
      if (text.substr(pos, t.size()) == t) {
        pos += t.size();
        return op;
      }
    }
    if (Keyword("IS")) {
      const bool negated = Keyword("NOT");
      if (!Keyword("NULL")) return Error("expected NULL after IS");
      return negated ? Op::kIsNotNull : Op::kIsNull;
    }
    return Error("expected a comparison (=, !=, <, <=, >, >=, IS NULL, IS NOT NULL)");
  }
  // 'quoted' ('' inside for a quote) or a bare word. Sets *quoted.
  Result<std::string> Value(bool* quoted) {
    SkipSpace();
    if (pos < text.size() && text[pos] == '\'') {
      std::string out;
      for (size_t i = pos + 1; i < text.size(); ++i) {
        if (text[i] != '\'') {
          out += text[i];
          continue;
        }
        if (i + 1 < text.size() && text[i + 1] == '\'') {
          out += '\'';
          ++i;
          continue;
        }
        pos = i + 1;
        *quoted = true;
        return out;
      }
      return Error("unterminated 'string'");
    }
    std::string w = Word();
    if (w.empty()) return Error("expected a value");
    *quoted = false;
    return w;
  }
};

}  // namespace

Result<PartitionFilter> PartitionFilter::Parse(std::string_view text, const arrow::Schema& schema,
                                               const std::vector<std::string>& partition_columns) {
  PartitionFilter f;
  Lexer lex{text};
  if (lex.AtEnd()) return f;
  for (;;) {
    Term t;
    ORBIT_ASSIGN_OR_RETURN(t.column, lex.Column());
    if (std::find(partition_columns.begin(), partition_columns.end(), t.column) == partition_columns.end()) {
      std::string names;
      for (const auto& c : partition_columns) names += (names.empty() ? "" : ", ") + c;
      return Status::InvalidArgument("--where: '" + t.column + "' is not a partition column of this table (" +
                                     (names.empty() ? std::string("it has none") : "partition columns: " + names) +
                                     ")");
    }
    auto field = schema.GetFieldByName(t.column);
    if (!field) return Status::InvalidArgument("--where: column '" + t.column + "' is not in the table schema");
    t.type = field->type();
    ORBIT_ASSIGN_OR_RETURN(t.op, lex.Operator());
    if (t.op != Op::kIsNull && t.op != Op::kIsNotNull) {
      ORBIT_ASSIGN_OR_RETURN(t.literal, lex.Value(&t.quoted));
      auto key = KeyOf(t.literal, t.type);
      if (!key.ok() || !*key) {
        return Status::InvalidArgument("--where: '" + t.literal + "' is not a value of column '" + t.column +
                                       "' (type " + field->type()->ToString() + ")");
      }
      t.key = **key;
    }
    f.terms_.push_back(std::move(t));
    if (lex.AtEnd()) break;
    if (lex.Keyword("OR")) return lex.Error("only AND is supported, not OR");
    if (!lex.Keyword("AND")) return lex.Error("expected AND");
  }
  return f;
}

bool PartitionFilter::Matches(const PartitionValues& values) const {
  for (const Term& t : terms_) {
    auto it = values.find(t.column);
    std::optional<std::string> stored = it == values.end() ? std::nullopt : it->second;
    // A value the table's own type cannot parse is not a match: never act on a
    // partition the filter cannot judge.
    auto key = KeyOf(stored, t.type);
    if (!key.ok()) return false;
    const bool is_null = !key->has_value();
    if (t.op == Op::kIsNull) {
      if (!is_null) return false;
      continue;
    }
    if (t.op == Op::kIsNotNull) {
      if (is_null) return false;
      continue;
    }
    if (is_null || !Compare(**key, t.op, t.key)) return false;
  }
  return true;
}

std::vector<std::string> PartitionFilter::Describe() const {
  std::vector<std::string> out;
  for (const Term& t : terms_) {
    std::string s = t.column + " " + OpText(t.op);
    if (t.op != Op::kIsNull && t.op != Op::kIsNotNull) {
      std::string lit;
      for (char c : t.literal) lit += c == '\'' ? std::string("''") : std::string(1, c);
      s += t.quoted ? " '" + lit + "'" : " " + t.literal;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace orbitlake::delta
