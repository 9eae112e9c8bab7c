#include "delta/actions.h"

#include <cctype>
#include <cstdio>
#include <limits>
#include <type_traits>
#include <random>

namespace orbitlake::delta {
namespace {

using nlohmann::json;

// An integer field's value, refused unless it is a JSON integer within T's range.
// nlohmann's get<T>() would also take true (1) and 2.5 (2), and converting a float out of
// T's range (1e300) is undefined behaviour (found by actions_fuzz under UBSan).
template <typename T>
Status GetInteger(const json& v, const char* key, T* out) {
  bool fits = false;
  if (v.is_number_unsigned()) {
    fits = v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max());
  } else if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    fits = i >= std::numeric_limits<T>::min() && i <= std::numeric_limits<T>::max();
  }
  if (!fits) {
    std::string shown = v.dump();
    if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
    return Status::Corruption(std::string("field '") + key + "' is " + shown + ", expected an integer from " +
                              std::to_string(std::numeric_limits<T>::min()) + " to " +
                              std::to_string(std::numeric_limits<T>::max()));
  }
  *out = v.is_number_unsigned() ? static_cast<T>(v.get<uint64_t>()) : static_cast<T>(v.get<int64_t>());
  return Status::OK();
}

// Reads optional fields leniently: absent or null -> nullopt; wrong type -> Corruption.
template <typename T>
Status Get(const json& obj, const char* key, std::optional<T>* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::OK();
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    T v{};
    ORBIT_RETURN_IF_ERROR(GetInteger(*it, key, &v));
    *out = v;
  } else {
    try {
      *out = it->get<T>();
    } catch (const json::exception& e) {
      return Status::Corruption(std::string("field '") + key + "': " + e.what());
    }
  }
  return Status::OK();
}

template <typename T>
Status Require(const json& obj, const char* action, const char* key, T* out) {
  std::optional<T> v;
  ORBIT_RETURN_IF_ERROR(Get(obj, key, &v));
  if (!v) return Status::Corruption(std::string(action) + " action without '" + key + "'");
  *out = std::move(*v);
  return Status::OK();
}

Status GetStringMap(const json& obj, const char* key, StringMap* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::OK();
  if (!it->is_object()) return Status::Corruption(std::string("field '") + key + "' is not an object");
  for (auto& [k, v] : it->items()) {
    if (v.is_string()) (*out)[k] = v.get<std::string>();
    else if (!v.is_null()) (*out)[k] = v.dump();
  }
  return Status::OK();
}

Status GetPartitionValues(const json& obj, PartitionValues* out) {
  auto it = obj.find("partitionValues");
  if (it == obj.end() || it->is_null()) return Status::OK();
  if (!it->is_object()) return Status::Corruption("partitionValues is not an object");
  for (auto& [k, v] : it->items()) {
    if (v.is_null()) (*out)[k] = std::nullopt;
    else if (v.is_string()) (*out)[k] = v.get<std::string>();
    else (*out)[k] = v.dump();
  }
  return Status::OK();
}

json PartitionValuesJson(const PartitionValues& pv) {
  json o = json::object();
  for (const auto& [k, v] : pv) o[k] = v ? json(*v) : json(nullptr);
  return o;
}

Result<Action> ParseProtocol(const json& j) {
  Protocol p;
  ORBIT_RETURN_IF_ERROR(Require(j, "protocol", "minReaderVersion", &p.min_reader_version));
  ORBIT_RETURN_IF_ERROR(Require(j, "protocol", "minWriterVersion", &p.min_writer_version));
  ORBIT_RETURN_IF_ERROR(Get(j, "readerFeatures", &p.reader_features));
  ORBIT_RETURN_IF_ERROR(Get(j, "writerFeatures", &p.writer_features));
  return Action(std::move(p));
}

Result<Action> ParseMetadata(const json& j) {
  Metadata m;
  ORBIT_RETURN_IF_ERROR(Require(j, "metaData", "id", &m.id));
  ORBIT_RETURN_IF_ERROR(Get(j, "name", &m.name));
  ORBIT_RETURN_IF_ERROR(Get(j, "description", &m.description));
  if (auto f = j.find("format"); f != j.end() && f->is_object()) {
    std::optional<std::string> provider;
    ORBIT_RETURN_IF_ERROR(Get(*f, "provider", &provider));
    if (provider) m.format_provider = *provider;
    ORBIT_RETURN_IF_ERROR(GetStringMap(*f, "options", &m.format_options));
  }
  ORBIT_RETURN_IF_ERROR(Require(j, "metaData", "schemaString", &m.schema_string));
  std::optional<std::vector<std::string>> pcols;
  ORBIT_RETURN_IF_ERROR(Get(j, "partitionColumns", &pcols));
  if (pcols) m.partition_columns = std::move(*pcols);
  ORBIT_RETURN_IF_ERROR(GetStringMap(j, "configuration", &m.configuration));
  ORBIT_RETURN_IF_ERROR(Get(j, "createdTime", &m.created_time));
  return Action(std::move(m));
}

Result<Action> ParseAdd(const json& j) {
  AddFile a;
  ORBIT_RETURN_IF_ERROR(Require(j, "add", "path", &a.path));
  ORBIT_RETURN_IF_ERROR(GetPartitionValues(j, &a.partition_values));
  std::optional<int64_t> size, mtime;
  std::optional<bool> dc;
  ORBIT_RETURN_IF_ERROR(Get(j, "size", &size));
  ORBIT_RETURN_IF_ERROR(Get(j, "modificationTime", &mtime));
  ORBIT_RETURN_IF_ERROR(Get(j, "dataChange", &dc));
  a.size = size.value_or(0);
  a.modification_time = mtime.value_or(0);
  a.data_change = dc.value_or(true);
  ORBIT_RETURN_IF_ERROR(Get(j, "stats", &a.stats));
  if (auto t = j.find("tags"); t != j.end() && t->is_object()) {
    a.tags.emplace();
    ORBIT_RETURN_IF_ERROR(GetStringMap(j, "tags", &*a.tags));
  }
  auto dv = j.find("deletionVector");
  a.has_deletion_vector = dv != j.end() && !dv->is_null();
  return Action(std::move(a));
}

Result<Action> ParseRemove(const json& j) {
  RemoveFile r;
  ORBIT_RETURN_IF_ERROR(Require(j, "remove", "path", &r.path));
  ORBIT_RETURN_IF_ERROR(Get(j, "deletionTimestamp", &r.deletion_timestamp));
  std::optional<bool> dc;
  ORBIT_RETURN_IF_ERROR(Get(j, "dataChange", &dc));
  r.data_change = dc.value_or(true);
  ORBIT_RETURN_IF_ERROR(Get(j, "extendedFileMetadata", &r.extended_file_metadata));
  ORBIT_RETURN_IF_ERROR(GetPartitionValues(j, &r.partition_values));
  ORBIT_RETURN_IF_ERROR(Get(j, "size", &r.size));
  auto dv = j.find("deletionVector");
  r.has_deletion_vector = dv != j.end() && !dv->is_null();
  return Action(std::move(r));
}

Result<Action> ParseTxn(const json& j) {
  Txn t;
  ORBIT_RETURN_IF_ERROR(Require(j, "txn", "appId", &t.app_id));
  ORBIT_RETURN_IF_ERROR(Require(j, "txn", "version", &t.version));
  ORBIT_RETURN_IF_ERROR(Get(j, "lastUpdated", &t.last_updated));
  return Action(std::move(t));
}

json ToJson(const Protocol& p) {
  json j = {{"minReaderVersion", p.min_reader_version}, {"minWriterVersion", p.min_writer_version}};
  if (p.reader_features) j["readerFeatures"] = *p.reader_features;
  if (p.writer_features) j["writerFeatures"] = *p.writer_features;
  return {{"protocol", j}};
}

json ToJson(const Metadata& m) {
  json j = {{"id", m.id},
            {"format", {{"provider", m.format_provider}, {"options", json(m.format_options)}}},
            {"schemaString", m.schema_string},
            {"partitionColumns", m.partition_columns},
            {"configuration", json(m.configuration)}};
  if (m.name) j["name"] = *m.name;
  if (m.description) j["description"] = *m.description;
  if (m.created_time) j["createdTime"] = *m.created_time;
  return {{"metaData", j}};
}

json ToJson(const AddFile& a) {
  json j = {{"path", a.path},
            {"partitionValues", PartitionValuesJson(a.partition_values)},
            {"size", a.size},
            {"modificationTime", a.modification_time},
            {"dataChange", a.data_change}};
  if (a.stats) j["stats"] = *a.stats;
  if (a.tags) j["tags"] = json(*a.tags);
  return {{"add", j}};
}

json ToJson(const RemoveFile& r) {
  json j = {{"path", r.path}, {"dataChange", r.data_change}};
  if (r.deletion_timestamp) j["deletionTimestamp"] = *r.deletion_timestamp;
  if (r.extended_file_metadata) {
    j["extendedFileMetadata"] = *r.extended_file_metadata;
    j["partitionValues"] = PartitionValuesJson(r.partition_values);
  }
  if (r.size) j["size"] = *r.size;
  return {{"remove", j}};
}

json ToJson(const Txn& t) {
  json j = {{"appId", t.app_id}, {"version", t.version}};
  if (t.last_updated) j["lastUpdated"] = *t.last_updated;
  return {{"txn", j}};
}

json ToJson(const CommitInfo& c) { return {{"commitInfo", c.json}}; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::optional<Action>> ParseAction(const json& line) {
  if (!line.is_object()) return Status::Corruption("log line is not a JSON object");
  for (auto& [key, value] : line.items()) {
    if (!value.is_object()) continue;
    Result<Action> a = Status::Internal("unset");
    if (key == "protocol") a = ParseProtocol(value);
    else if (key == "metaData") a = ParseMetadata(value);
    else if (key == "add") a = ParseAdd(value);
    else if (key == "remove") a = ParseRemove(value);
    else if (key == "txn") a = ParseTxn(value);
    else if (key == "commitInfo") a = Action(CommitInfo{value});
    else continue;
    if (!a.ok()) return a.status();
    return std::optional<Action>(std::move(*a));
  }
  return std::optional<Action>();
}

json ActionToJson(const Action& action) {
  return std::visit([](const auto& a) { return ToJson(a); }, action);
}

Result<std::vector<Action>> ParseCommit(std::string_view text, std::string_view name) {
  std::vector<Action> out;
  size_t line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto where = std::string(name) + " line " + std::to_string(line_no);
    ORBIT_RETURN_IF_ERROR(CheckJsonDepth(line, where));
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Status::Corruption(where + ": not JSON");
    auto a = ParseAction(j);
    if (!a.ok()) return a.status().WithContext(where);
    if (*a) out.push_back(std::move(**a));
  }
  return out;
}

Status CheckJsonDepth(std::string_view text, std::string_view where) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;  // skips the escaped character, e.g. \"
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) {
        return Status::Corruption(std::string(where) + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                                  " levels (at byte " + std::to_string(i + 1) + ")");
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return Status::OK();
}

std::string SerializeCommit(const std::vector<Action>& actions) {
  std::string out;
  for (const auto& a : actions) {
    out += ActionToJson(a).dump();
    out += '\n';
  }
  return out;
}

std::string NewUuid() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  uint64_t hi = rng(), lo = rng();
  hi = (hi & ~0xF000ULL) | 0x4000ULL;                   // version 4
  lo = (lo & ~(0xC0ULL << 56)) | (0x80ULL << 56);       // RFC 4122 variant
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx", static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xFFFF), static_cast<unsigned long long>(hi & 0xFFFF),
                static_cast<unsigned long long>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

std::string DecodePath(std::string_view p) {
  std::string out;
  out.reserve(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '%' && i + 2 < p.size() && HexValue(p[i + 1]) >= 0 &&
        HexValue(p[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(p[i + 1]) * 16 + HexValue(p[i + 2]));
      i += 2;
    } else {
      out += p[i];
    }
  }
  return out;
}

std::string EncodePath(std::string_view p) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : p) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/' || c == '=') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace orbitlake::delta
