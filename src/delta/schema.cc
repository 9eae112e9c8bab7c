#include "delta/schema.h"

#include <regex>

#include <arrow/api.h>
#include <nlohmann/json.hpp>

namespace orbitlake::delta {
namespace {

using nlohmann::json;

Result<json> TypeToJson(const arrow::DataType& t, const std::string& where);

Result<json> FieldToJson(const arrow::Field& f) {
  ORBIT_ASSIGN_OR_RETURN(json type, TypeToJson(*f.type(), f.name()));
  return json{{"name", f.name()}, {"type", std::move(type)}, {"nullable", f.nullable()}, {"metadata", json::object()}};
}

Result<json> TypeToJson(const arrow::DataType& t, const std::string& where) {
  switch (t.id()) {
    case arrow::Type::BOOL: return json("boolean");
    case arrow::Type::INT8: return json("byte");
    case arrow::Type::INT16: return json("short");
    case arrow::Type::INT32: return json("integer");
    case arrow::Type::INT64: return json("long");
    case arrow::Type::FLOAT: return json("float");
    case arrow::Type::DOUBLE: return json("double");
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING: return json("string");
    case arrow::Type::BINARY:
    case arrow::Type::LARGE_BINARY: return json("binary");
    case arrow::Type::DATE32: return json("date");
    case arrow::Type::TIMESTAMP: {
      const auto& ts = static_cast<const arrow::TimestampType&>(t);
      // timestamp_ntz needs the timestampNtz table feature: Table sets it on create.
      return json(ts.timezone().empty() ? "timestamp_ntz" : "timestamp");
    }
    case arrow::Type::DECIMAL128: {
      const auto& d = static_cast<const arrow::Decimal128Type&>(t);
      return json("decimal(" + std::to_string(d.precision()) + "," + std::to_string(d.scale()) + ")");
    }
    case arrow::Type::STRUCT: {
      json fields = json::array();
      for (const auto& f : t.fields()) {
        ORBIT_ASSIGN_OR_RETURN(json fj, FieldToJson(*f));
        fields.push_back(std::move(fj));
      }
      return json{{"type", "struct"}, {"fields", std::move(fields)}};
    }
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST: {
      const auto& value = *t.field(0);
      ORBIT_ASSIGN_OR_RETURN(json et, TypeToJson(*value.type(), where + ".element"));
      return json{{"type", "array"}, {"elementType", std::move(et)}, {"containsNull", value.nullable()}};
    }
    case arrow::Type::MAP: {
      const auto& m = static_cast<const arrow::MapType&>(t);
      ORBIT_ASSIGN_OR_RETURN(json kt, TypeToJson(*m.key_type(), where + ".key"));
      ORBIT_ASSIGN_OR_RETURN(json vt, TypeToJson(*m.item_type(), where + ".value"));
      return json{{"type", "map"}, {"keyType", std::move(kt)}, {"valueType", std::move(vt)},
                  {"valueContainsNull", m.item_field()->nullable()}};
    }
    default:
      return Status::Unsupported("column '" + where + "': Arrow type " + t.ToString() + " has no Delta equivalent");
  }
}

Result<std::shared_ptr<arrow::DataType>> TypeFromJson(const json& j, const std::string& where);

Result<std::shared_ptr<arrow::Field>> FieldFromJson(const json& j) {
  if (!j.is_object() || !j.contains("name") || !j.contains("type")) {
    return Status::Corruption("schemaString: field without name/type: " + j.dump());
  }
  std::string name = j["name"].get<std::string>();
  ORBIT_ASSIGN_OR_RETURN(auto type, TypeFromJson(j["type"], name));
  bool nullable = j.value("nullable", true);
  return arrow::field(name, type, nullable);
}

Result<std::shared_ptr<arrow::DataType>> TypeFromJson(const json& j, const std::string& where) {
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    if (s == "boolean") return arrow::boolean();
    if (s == "byte") return arrow::int8();
    if (s == "short") return arrow::int16();
    if (s == "integer") return arrow::int32();
    if (s == "long") return arrow::int64();
    if (s == "float") return arrow::float32();
    if (s == "double") return arrow::float64();
    if (s == "string") return arrow::utf8();
    if (s == "binary") return arrow::binary();
    if (s == "date") return arrow::date32();
    if (s == "timestamp") return arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
    if (s == "timestamp_ntz") return arrow::timestamp(arrow::TimeUnit::MICRO);
    static const std::regex kDecimal(R"(decimal\(\s*(\d+)\s*,\s*(\d+)\s*\))");
    std::smatch m;
    if (std::regex_match(s, m, kDecimal)) return arrow::decimal128(std::stoi(m[1]), std::stoi(m[2]));
    return Status::Unsupported("column '" + where + "': Delta type '" + s + "' is not supported");
  }
  if (!j.is_object()) return Status::Corruption("schemaString: bad type for '" + where + "'");
  const std::string kind = j.value("type", "");
  if (kind == "struct") {
    arrow::FieldVector fields;
    for (const auto& f : j.value("fields", json::array())) {
      ORBIT_ASSIGN_OR_RETURN(auto field, FieldFromJson(f));
      fields.push_back(std::move(field));
    }
    return arrow::struct_(fields);
  }
  if (kind == "array") {
    ORBIT_ASSIGN_OR_RETURN(auto et, TypeFromJson(j["elementType"], where + ".element"));
    return arrow::list(arrow::field("element", et, j.value("containsNull", true)));
  }
  if (kind == "map") {
    ORBIT_ASSIGN_OR_RETURN(auto kt, TypeFromJson(j["keyType"], where + ".key"));
    ORBIT_ASSIGN_OR_RETURN(auto vt, TypeFromJson(j["valueType"], where + ".value"));
    return std::static_pointer_cast<arrow::DataType>(std::make_shared<arrow::MapType>(
        arrow::field("key", kt, false), arrow::field("value", vt, j.value("valueContainsNull", true))));
  }
  return Status::Unsupported("column '" + where + "': Delta type " + j.dump() + " is not supported");
}

}  // namespace

std::string DeltaTypeName(const arrow::DataType& t) {
  switch (t.id()) {
    case arrow::Type::TIMESTAMP:
      return static_cast<const arrow::TimestampType&>(t).timezone().empty() ? "timestamp_ntz" : "timestamp";
    case arrow::Type::STRUCT: {
      std::string out = "struct<";
      for (int i = 0; i < t.num_fields(); ++i) {
        out += (i ? "," : "") + t.field(i)->name() + ":" + DeltaTypeName(*t.field(i)->type());
      }
      return out + ">";
    }
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST: return "array<" + DeltaTypeName(*t.field(0)->type()) + ">";
    case arrow::Type::MAP: {
      const auto& m = static_cast<const arrow::MapType&>(t);
      return "map<" + DeltaTypeName(*m.key_type()) + "," + DeltaTypeName(*m.item_type()) + ">";
    }
    default: {
      auto j = TypeToJson(t, "");
      return j.ok() && j->is_string() ? j->get<std::string>() : t.ToString();
    }
  }
}

std::optional<std::string> FirstSchemaDifference(const arrow::Schema& found, const arrow::Schema& expected) {
  auto quoted = [](const std::string& name) { return "'" + name + "'"; };
  for (const auto& want : expected.fields()) {
    const auto have = found.GetFieldByName(want->name());
    const std::string name = quoted(want->name());
    if (!have) {
      return "column " + name + " (" + DeltaTypeName(*want->type()) + ") is missing from the table";
    }
    if (!have->type()->Equals(*want->type())) {
      std::string have_name = DeltaTypeName(*have->type()), want_name = DeltaTypeName(*want->type());
      std::string line = "column " + name + " is " + have_name + " in the table, expected " + want_name;
      if (have_name == want_name) line += " (nested nullability differs)";
      return line;
    }
    if (have->nullable() != want->nullable()) {
      return "column " + name + " is " + (have->nullable() ? "nullable" : "not null") + " in the table, expected " +
             (want->nullable() ? "nullable" : "not null");
    }
  }
  for (const auto& have : found.fields()) {
    if (!expected.GetFieldByName(have->name())) {
      return "the table has an extra column " + quoted(have->name()) + " (" + DeltaTypeName(*have->type()) + ")";
    }
  }
  if (found.field_names() != expected.field_names()) {
    auto join = [](const std::vector<std::string>& names) {
      std::string out;
      for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
      return out;
    };
    return "columns are in another order: the table has " + join(found.field_names()) + "; expected " +
           join(expected.field_names());
  }
  return std::nullopt;
}

Result<std::string> ToSchemaString(const arrow::Schema& schema) {
  json fields = json::array();
  for (const auto& f : schema.fields()) {
    ORBIT_ASSIGN_OR_RETURN(json fj, FieldToJson(*f));
    fields.push_back(std::move(fj));
  }
  return json{{"type", "struct"}, {"fields", std::move(fields)}}.dump();
}

Result<std::shared_ptr<arrow::Schema>> FromSchemaString(std::string_view schema_string) {
  json j = json::parse(schema_string, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || j.value("type", "") != "struct") {
    return Status::Corruption("schemaString is not a struct type JSON");
  }
  try {
    ORBIT_ASSIGN_OR_RETURN(auto st, TypeFromJson(j, "<root>"));
    return arrow::schema(st->fields());
  } catch (const json::exception& e) {
    return Status::Corruption(std::string("schemaString: ") + e.what());
  }
}

}  // namespace orbitlake::delta
