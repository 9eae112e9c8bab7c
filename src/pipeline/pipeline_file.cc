#include "pipeline/pipeline_file.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <deque>
#include <filesystem>
#include <functional>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "common/duration.h"
#include "pipeline/check.h"
#include "pipeline/expr.h"
#include "pipeline/from.h"
#include "pipeline/suggest.h"
#include "pipeline/types.h"

namespace orbitlake::pipeline {
namespace {

using Kind = DeltaType::Kind;
using Json = nlohmann::json;

constexpr size_t kMaxTopicName = 249;  // Kafka's limit
constexpr std::string_view kQuarantineSuffix = "-quarantine";

std::string NodeTypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    case toml::node_type::none: break;
  }
  return "nothing";
}

std::string Join(const std::string& prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}
std::string Index(const std::string& prefix, size_t i) { return fmt::format("{}[{}]", prefix, i); }

std::string Lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Source and table names: letters, digits, '_' and '-', not starting with '-' or a digit.
bool IsObjectName(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; });
}
// Column names: identifiers, so that checks and `from` can name them.
bool IsColumnName(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}
bool IsTopicName(std::string_view s) {
  if (s.empty() || s.size() > kMaxTopicName || s == "." || s == "..") return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'; });
}

// ---- ISO 8601 text for date and timestamp literals: YYYY-MM-DD[(T| )hh:mm[:ss[.f+]]][Z|(+|-)hh:mm]
bool Digits(std::string_view s, size_t at, size_t n) {
  if (at + n > s.size()) return false;
  for (size_t i = at; i < at + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}
int Num(std::string_view s, size_t at, size_t n) { return std::stoi(std::string(s.substr(at, n))); }
bool IsoDatePrefix(std::string_view s) {
  if (!Digits(s, 0, 4) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2) || s[7] != '-' || !Digits(s, 8, 2)) return false;
  int month = Num(s, 5, 2), day = Num(s, 8, 2);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}
bool IsIsoDate(std::string_view s) { return s.size() == 10 && IsoDatePrefix(s); }
// zone: 0 none allowed, 1 required, 2 optional.
enum class Zone { kForbidden, kRequired, kOptional };
bool IsIsoTimestamp(std::string_view s, Zone zone) {
  if (!IsoDatePrefix(s)) return false;
  size_t p = 10;
  bool has_time = false;
  if (p < s.size() && (s[p] == 'T' || s[p] == ' ')) {
    if (!Digits(s, p + 1, 2) || p + 3 >= s.size() || s[p + 3] != ':' || !Digits(s, p + 4, 2)) return false;
    if (Num(s, p + 1, 2) > 23 || Num(s, p + 4, 2) > 59) return false;
    p += 6;
    has_time = true;
    if (p < s.size() && s[p] == ':') {
      if (!Digits(s, p + 1, 2) || Num(s, p + 1, 2) > 60) return false;
      p += 3;
      if (p < s.size() && s[p] == '.') {
        size_t start = ++p;
        while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) ++p;
        if (p == start) return false;
      }
    }
  }
  bool has_zone = false;
  if (has_time && p < s.size()) {
    if (s[p] == 'Z') {
      ++p;
      has_zone = true;
    } else if (s[p] == '+' || s[p] == '-') {
      if (!Digits(s, p + 1, 2) || p + 3 >= s.size() || s[p + 3] != ':' || !Digits(s, p + 4, 2)) return false;
      p += 6;
      has_zone = true;
    }
  }
  if (p != s.size()) return false;
  if (zone == Zone::kForbidden && has_zone) return false;
  if (zone == Zone::kRequired && has_time && !has_zone) return false;
  return true;
}

std::string TomlToText(const toml::node& n) {
  std::ostringstream os;
  if (auto* v = n.as_date()) os << v->get();
  else if (auto* v = n.as_time()) os << v->get();
  else if (auto* v = n.as_date_time()) os << v->get();
  return os.str();
}

std::string DumpJson(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string StripTrailingSlashes(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}
// The form two paths are compared in (a URI as written, a local path normalised).
std::string ComparablePath(const std::string& p) {
  if (p.find("://") != std::string::npos) return StripTrailingSlashes(p);
  return StripTrailingSlashes(std::filesystem::path(p).lexically_normal().string());
}

// A column while its table is being read: the spec and where its keys are in the file.
struct ColumnDraft {
  ColumnSpec spec;
  std::string key;  // "table[0].columns[2]"
  const toml::node* node = nullptr;
  const toml::node* from_node = nullptr;  // null when `from` was not written
};

class FileReader {
 public:
  FileReader(std::string_view text, std::string file) : text_(text), file_(std::move(file)) {
    size_t start = 0;
    while (start <= text_.size()) {
      size_t end = text_.find('\n', start);
      if (end == std::string_view::npos) end = text_.size();
      lines_.push_back(text_.substr(start, end - start));
      start = end + 1;
    }
  }

  // A schema document: a [[table]]'s columns, partition_by and checks at the top level.
  Result<TableSpec> ReadSchema(const std::string& table_name) {
    toml::table root;
    try {
      root = toml::parse(text_, std::string_view(file_));
    } catch (const toml::parse_error& e) {
      return Status::InvalidArgument(OneLine(fmt::format("{}:{}:{}: invalid TOML: {}", file_, e.source().begin.line,
                                                         e.source().begin.column, e.description())));
    }
    ORBIT_RETURN_IF_ERROR(CheckKeys(root, "", {"columns", "partition_by", "checks"}));
    TableSpec table;
    table.name = table_name;
    ORBIT_ASSIGN_OR_RETURN(const toml::node* columns,
                           Required(root, "columns", "", "the columns, e.g. columns = [{ name = \"id\", "
                                                         "type = \"string\", from = \"$.id\" }]"));
    ORBIT_RETURN_IF_ERROR(ReadColumns(*columns, "columns", &table));
    if (const auto* p = root.get("partition_by")) ORBIT_RETURN_IF_ERROR(ReadPartitionBy(*p, "partition_by", &table));
    if (const auto* c = root.get("checks")) ORBIT_RETURN_IF_ERROR(ReadChecks(*c, "checks", &table));
    return table;
  }

  Result<PipelineSpec> Read() {
    toml::table root;
    try {
      root = toml::parse(text_, std::string_view(file_));
    } catch (const toml::parse_error& e) {
      return Status::InvalidArgument(OneLine(fmt::format("{}:{}:{}: invalid TOML: {}", file_, e.source().begin.line,
                                                         e.source().begin.column, e.description())));
    }
    PipelineSpec spec;
    spec.file = file_;
    ORBIT_RETURN_IF_ERROR(CheckKeys(root, "", {"kafka", "source", "table"}));
    if (const toml::node* kafka = root.get("kafka")) ORBIT_RETURN_IF_ERROR(ReadKafka(*kafka, &spec.kafka));
    // [[source]] may be left out when every table names its source inline
    // (source = { delta = "PATH" }).
    if (root.get("source") != nullptr || !TablesDeclareSources(root)) {
      ORBIT_ASSIGN_OR_RETURN(auto sources, ArrayOfTables(root, "source", "[[source]]",
                                                         "a pipeline reads at least one [[source]] (name, topics, format)"));
      for (size_t i = 0; i < sources.size(); ++i) {
        ORBIT_RETURN_IF_ERROR(ReadSource(*sources[i], Index("source", i), &spec));
      }
    }
    ORBIT_ASSIGN_OR_RETURN(auto tables, ArrayOfTables(root, "table", "[[table]]",
                                                      "a pipeline writes at least one [[table]] (name, path, columns)"));
    for (size_t i = 0; i < tables.size(); ++i) {
      ORBIT_RETURN_IF_ERROR(ReadTable(*tables[i], Index("table", i), &spec));
    }
    ORBIT_RETURN_IF_ERROR(CheckRoutes(spec));
    ORBIT_RETURN_IF_ERROR(ResolvePaths(&spec));
    return spec;
  }

 private:
  // ---- messages
  Status Err(toml::source_position at, const std::string& key, std::string what) const {
    return Status::InvalidArgument(OneLine(fmt::format("{}:{}:{}: {}: {}", file_, at.line, at.column, key, what)));
  }
  Status Err(const toml::node& n, const std::string& key, std::string what) const {
    return Err(n.source().begin, key, std::move(what));
  }
  // The position of character `offset` of string node `n`, when the file holds the
  // string as a one-line literal without escapes (else the string's start).
  toml::source_position InString(const toml::node& n, size_t offset) const {
    toml::source_position pos = n.source().begin;
    const auto* str = n.as_string();
    if (str == nullptr || pos.line == 0 || pos.line > lines_.size() || pos.column == 0) return pos;
    std::string_view line = lines_[pos.line - 1];
    const std::string& value = str->get();
    size_t open = pos.column - 1;
    auto ascii = [](std::string_view s) {
      return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    };
    // toml++ counts columns in code points: only ASCII makes them byte offsets.
    if (open >= line.size() || !ascii(line.substr(0, open)) || !ascii(value.substr(0, std::min(offset, value.size())))) {
      return pos;
    }
    char quote = line[open];
    if ((quote != '"' && quote != '\'') || line.substr(open + 1, value.size()) != value ||
        open + 1 + value.size() >= line.size() || line[open + 1 + value.size()] != quote) {
      return pos;
    }
    pos.column = static_cast<toml::source_index>(pos.column + 1 + std::min(offset, value.size()));
    return pos;
  }
  Status ErrInString(const toml::node& n, size_t offset, const std::string& key, std::string what) const {
    return Err(InString(n, offset), key, std::move(what));
  }
  Status WrongType(const toml::node& n, const std::string& key, std::string_view expected) const {
    return Err(n, key, fmt::format("expected {}, got {}", expected, NodeTypeName(n)));
  }

  // ---- generic key readers
  Status CheckKeys(const toml::table& t, const std::string& prefix, std::vector<std::string> known) const {
    std::vector<std::pair<const toml::key*, const toml::node*>> entries;
    for (auto&& [k, v] : t) entries.emplace_back(&k, &v);
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      const auto& x = a.first->source().begin;
      const auto& y = b.first->source().begin;
      return x.line != y.line ? x.line < y.line : x.column < y.column;
    });
    for (const auto& [k, v] : entries) {
      if (std::find(known.begin(), known.end(), k->str()) != known.end()) continue;
      std::string list;
      for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
      return Err(k->source().begin, Join(prefix, k->str()),
                 fmt::format("unknown key{}; {} takes {}", DidYouMean(k->str(), known),
                             prefix.empty() ? std::string("the file") : prefix, list));
    }
    return Status::OK();
  }

  Result<const toml::table*> Table(const toml::node& n, const std::string& key) const {
    if (const auto* t = n.as_table()) return t;
    return WrongType(n, key, "a table");
  }

  Result<std::vector<const toml::table*>> ArrayOfTables(const toml::table& root, std::string_view key,
                                                        std::string_view header, std::string_view missing) const {
    const toml::node* n = root.get(key);
    if (n == nullptr) return Err(toml::source_position{1, 1}, std::string(key), fmt::format("missing: {}", missing));
    if (n->is_table()) {
      return Err(*n, std::string(key),
                 fmt::format("write {} (each one is an entry of an array of tables), not [{}]", header, key));
    }
    const auto* arr = n->as_array();
    if (arr == nullptr) return WrongType(*n, std::string(key), fmt::format("an array of tables ({})", header));
    if (arr->empty()) return Err(*n, std::string(key), fmt::format("empty: {}", missing));
    std::vector<const toml::table*> out;
    for (size_t i = 0; i < arr->size(); ++i) {
      ORBIT_ASSIGN_OR_RETURN(const toml::table* t, Table((*arr)[i], Index(std::string(key), i)));
      out.push_back(t);
    }
    return out;
  }

  Result<const toml::node*> Required(const toml::table& t, std::string_view key, const std::string& prefix,
                                     std::string_view what) const {
    if (const toml::node* n = t.get(key)) return n;
    return Err(t, Join(prefix, key), fmt::format("missing: {}", what));
  }

  Result<std::string> String(const toml::node& n, const std::string& key, bool allow_empty = false) const {
    const auto* s = n.as_string();
    if (s == nullptr) return WrongType(n, key, "a string");
    if (!allow_empty && s->get().empty()) return Err(n, key, "must not be empty");
    return s->get();
  }

  Result<bool> Bool(const toml::node& n, const std::string& key) const {
    if (const auto* b = n.as_boolean()) return b->get();
    return WrongType(n, key, "true or false");
  }

  // The elements of an array of strings, each with its node (for positions).
  Result<std::vector<std::pair<std::string, const toml::node*>>> StringArray(const toml::node& n,
                                                                            const std::string& key) const {
    const auto* arr = n.as_array();
    if (arr == nullptr) {
      if (n.is_string()) {
        return Err(n, key, fmt::format("expected an array of strings, got a string (write [\"{}\"])", n.as_string()->get()));
      }
      return WrongType(n, key, "an array of strings");
    }
    std::vector<std::pair<std::string, const toml::node*>> out;
    for (size_t i = 0; i < arr->size(); ++i) {
      ORBIT_ASSIGN_OR_RETURN(std::string s, String((*arr)[i], Index(key, i)));
      out.emplace_back(std::move(s), &(*arr)[i]);
    }
    return out;
  }

  // ---- [kafka]
  Status ReadKafka(const toml::node& n, KafkaSpec* kafka) const {
    ORBIT_ASSIGN_OR_RETURN(const toml::table* t, Table(n, "kafka"));
    ORBIT_RETURN_IF_ERROR(CheckKeys(*t, "kafka", {"brokers", "group", "app_id", "properties"}));
    if (const auto* v = t->get("brokers")) { ORBIT_ASSIGN_OR_RETURN(kafka->brokers, String(*v, "kafka.brokers")); }
    if (const auto* v = t->get("group")) { ORBIT_ASSIGN_OR_RETURN(kafka->group, String(*v, "kafka.group")); }
    if (const auto* v = t->get("app_id")) { ORBIT_ASSIGN_OR_RETURN(kafka->app_id, String(*v, "kafka.app_id")); }
    if (const auto* v = t->get("properties")) {
      ORBIT_ASSIGN_OR_RETURN(const toml::table* props, Table(*v, "kafka.properties"));
      std::vector<std::pair<const toml::key*, const toml::node*>> entries;
      for (auto&& [k, value] : *props) entries.emplace_back(&k, &value);
      std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        const auto& x = a.first->source().begin;
        const auto& y = b.first->source().begin;
        return x.line != y.line ? x.line < y.line : x.column < y.column;
      });
      for (const auto& [k, value] : entries) {
        // A dotted key (security.protocol = ...) is a nested table in TOML: ask for quotes.
        std::string key = "kafka.properties." + std::string(k->str());
        if (value->is_table()) {
          return Err(k->source().begin, key,
                     fmt::format("a table; quote librdkafka keys that contain dots: \"{}.…\" = \"value\"", k->str()));
        }
        std::string name(k->str());
        if (name == "bootstrap.servers" || name == "metadata.broker.list") {
          return Err(k->source().begin, key, "set the brokers with kafka.brokers");
        }
        if (name == "group.id") return Err(k->source().begin, key, "set the group with kafka.group");
        std::string text;
        if (const auto* s = value->as_string()) text = s->get();
        else if (const auto* i = value->as_integer()) text = std::to_string(i->get());
        else if (const auto* b = value->as_boolean()) text = b->get() ? "true" : "false";
        else if (const auto* f = value->as_floating_point()) text = fmt::format("{}", f->get());
        else return WrongType(*value, key, "a string, number or boolean");
        kafka->properties.emplace_back(name, std::move(text));
      }
    }
    return Status::OK();
  }

  // ---- [[source]]
  Status ReadSource(const toml::table& t, const std::string& key, PipelineSpec* spec) {
    ORBIT_RETURN_IF_ERROR(CheckKeys(t, key, {"name", "topics", "files", "delta", "glob", "starting_files", "format",
                                             "quarantine", "starting_offsets"}));
    SourceSpec source;
    ORBIT_ASSIGN_OR_RETURN(const toml::node* name, Required(t, "name", key, "the source's name (tables refer to it)"));
    ORBIT_ASSIGN_OR_RETURN(source.name, String(*name, Join(key, "name")));
    if (!IsObjectName(source.name)) {
      return Err(*name, Join(key, "name"), fmt::format("'{}' is not a valid name (letters, digits, _ and -, "
                                                       "starting with a letter or _)", source.name));
    }
    for (const auto& other : spec->sources) {
      if (other.name == source.name) return Err(*name, Join(key, "name"), fmt::format("duplicate source name '{}'", source.name));
    }
    const toml::node* files = t.get("files");
    const toml::node* delta = t.get("delta");
    if (delta != nullptr) {
      for (const char* other : {"files", "topics"}) {
        if (const auto* n = t.get(other)) {
          return Err(*n, Join(key, other), "a source reads one of topics, files or a Delta table (delta), not several");
        }
      }
      DeltaSourceSpec d;
      ORBIT_ASSIGN_OR_RETURN(d.path, String(*delta, Join(key, "delta")));
      if (d.path.empty()) return Err(*delta, Join(key, "delta"), "empty: the Delta table to read new commits from");
      source.delta = std::move(d);
      files = delta;  // no topics below
    }
    if (files != nullptr && delta == nullptr) {
      ORBIT_RETURN_IF_ERROR(ReadFiles(t, *files, key, &source));
    } else {
      for (const char* only : {"glob", "starting_files"}) {
        if (const auto* n = t.get(only)) return Err(*n, Join(key, only), "only for a file source (files = \"DIR\")");
      }
    }
    if (files != nullptr && t.get("topics") != nullptr) {
      return Err(*t.get("topics"), Join(key, "topics"), "a source reads either topics or files, not both");
    }
    ORBIT_ASSIGN_OR_RETURN(const toml::node* topics,
                           files != nullptr ? Result<const toml::node*>(nullptr)
                                            : Required(t, "topics", key, "the Kafka topics to read, e.g. [\"events\"], "
                                                                         "files = \"DIR\" for a folder of JSON files, or "
                                                                         "delta = \"PATH\" for a Delta table's new commits"));
    std::vector<std::pair<std::string, const toml::node*>> names;
    if (topics != nullptr) { ORBIT_ASSIGN_OR_RETURN(names, StringArray(*topics, Join(key, "topics"))); }
    if (topics != nullptr && names.empty()) return Err(*topics, Join(key, "topics"), "empty: name at least one topic");
    for (size_t i = 0; i < names.size(); ++i) {
      const auto& [topic, node] = names[i];
      std::string tkey = Index(Join(key, "topics"), i);
      if (!IsTopicName(topic)) {
        return Err(*node, tkey, fmt::format("'{}' is not a Kafka topic name (1 to 249 letters, digits, '.', '_', '-')", topic));
      }
      if (std::find(source.topics.begin(), source.topics.end(), topic) != source.topics.end()) {
        return Err(*node, tkey, fmt::format("topic '{}' is listed twice", topic));
      }
      for (const auto& other : spec->sources) {
        if (std::find(other.topics.begin(), other.topics.end(), topic) != other.topics.end()) {
          return Err(*node, tkey, fmt::format("topic '{}' is already read by source '{}'; one source per topic "
                                              "(give both sets of tables that source)", topic, other.name));
        }
      }
      source.topics.push_back(topic);
    }
    if (const auto* f = t.get("format")) {
      ORBIT_ASSIGN_OR_RETURN(std::string format, String(*f, Join(key, "format")));
      if (format == "json") source.format = Format::kJson;
      else if (format == "telemetry") source.format = Format::kTelemetry;
      else return Err(*f, Join(key, "format"), fmt::format("unknown format '{}'{}; one of json, telemetry", format,
                                                            DidYouMean(format, {"json", "telemetry"})));
    }
    if (files != nullptr && source.format != Format::kJson) {
      return Err(*t.get("format"), Join(key, "format"),
                 delta != nullptr ? "a Delta source gives its rows as JSON objects (format = \"json\")"
                                  : "a file source reads JSON (format = \"json\")");
    }
    if (const auto* q = t.get("quarantine")) { ORBIT_ASSIGN_OR_RETURN(source.quarantine_path, String(*q, Join(key, "quarantine"))); }
    if (const auto* so = t.get("starting_offsets"); so != nullptr && files != nullptr && delta == nullptr) {
      return Err(*so, Join(key, "starting_offsets"), "for Kafka sources; a file source has starting_files");
    }
    if (const auto* so = t.get("starting_offsets")) {
      ORBIT_ASSIGN_OR_RETURN(std::string from, String(*so, Join(key, "starting_offsets")));
      if (from == "earliest") source.starting_offsets = StartFrom::kEarliest;
      else if (from == "latest") source.starting_offsets = StartFrom::kLatest;
      else return Err(*so, Join(key, "starting_offsets"), fmt::format("'{}' is not earliest or latest{}", from,
                                                                      DidYouMean(from, {"earliest", "latest"})));
    }
    spec->sources.push_back(std::move(source));
    source_nodes_.push_back(&t);
    return Status::OK();
  }

  // files = "DIR", glob = "*.json" | [...], starting_files = "all" | "new"
  Status ReadFiles(const toml::table& t, const toml::node& dir, const std::string& key, SourceSpec* source) {
    FilesSpec files;
    ORBIT_ASSIGN_OR_RETURN(files.dir, String(dir, Join(key, "files")));
    if (files.dir.empty()) return Err(dir, Join(key, "files"), "empty: the folder to read JSON files from");
    if (const auto* g = t.get("glob")) {
      files.patterns.clear();
      if (g->is_string()) {
        files.patterns.push_back(g->as_string()->get());
      } else {
        ORBIT_ASSIGN_OR_RETURN(auto globs, StringArray(*g, Join(key, "glob")));
        for (auto& [p, node] : globs) files.patterns.push_back(p);
      }
      if (files.patterns.empty()) return Err(*g, Join(key, "glob"), "empty: give at least one pattern, e.g. \"*.json\"");
      for (const auto& p : files.patterns) {
        if (p.empty() || p.find('/') != std::string::npos) {
          return Err(*g, Join(key, "glob"), fmt::format("'{}': a pattern matches file names in the folder (no '/')", p));
        }
      }
    }
    if (const auto* sf = t.get("starting_files")) {
      ORBIT_ASSIGN_OR_RETURN(std::string from, String(*sf, Join(key, "starting_files")));
      if (from == "all") files.starting = StartFiles::kAll;
      else if (from == "new") files.starting = StartFiles::kNew;
      else return Err(*sf, Join(key, "starting_files"), fmt::format("'{}' is not all or new{}", from,
                                                                    DidYouMean(from, {"all", "new"})));
    }
    source->files = std::move(files);
    return Status::OK();
  }

  // ---- [[table]]
  Status ReadTable(const toml::table& t, const std::string& key, PipelineSpec* spec) {
    ORBIT_RETURN_IF_ERROR(CheckKeys(t, key, {"name", "path", "source", "where", "default", "partition_by", "columns",
                                             "checks", "quarantine", "dedup"}));
    TableSpec table;
    ORBIT_ASSIGN_OR_RETURN(const toml::node* name, Required(t, "name", key, "the table's name"));
    ORBIT_ASSIGN_OR_RETURN(table.name, String(*name, Join(key, "name")));
    if (!IsObjectName(table.name)) {
      return Err(*name, Join(key, "name"), fmt::format("'{}' is not a valid name (letters, digits, _ and -, "
                                                       "starting with a letter or _)", table.name));
    }
    for (const auto& other : spec->tables) {
      if (other.name == table.name) return Err(*name, Join(key, "name"), fmt::format("duplicate table name '{}'", table.name));
    }
    ORBIT_ASSIGN_OR_RETURN(const toml::node* path, Required(t, "path", key, "the Delta table's folder or URI"));
    ORBIT_ASSIGN_OR_RETURN(table.path, String(*path, Join(key, "path")));
    for (size_t i = 0; i < spec->tables.size(); ++i) {
      if (ComparablePath(spec->tables[i].path) == ComparablePath(table.path)) {
        return Err(*path, Join(key, "path"), fmt::format("table '{}' already writes to '{}'", spec->tables[i].name, table.path));
      }
    }
    ORBIT_RETURN_IF_ERROR(ReadTableSource(t, key, spec, &table));
    if (const auto* w = t.get("where")) {
      ORBIT_ASSIGN_OR_RETURN(table.where, ReadWhere(*w, Join(key, "where")));
    }
    if (const auto* d = t.get("default")) {
      ORBIT_ASSIGN_OR_RETURN(table.default_route, Bool(*d, Join(key, "default")));
      if (table.default_route && table.where) {
        return Err(*d, Join(key, "default"), "a default table takes the messages no other table takes: it has no where");
      }
    }
    ORBIT_ASSIGN_OR_RETURN(const toml::node* columns,
                           Required(t, "columns", key, "the table's columns, e.g. columns = [{ name = \"id\", "
                                                       "type = \"string\", from = \"$.id\" }]"));
    ORBIT_RETURN_IF_ERROR(ReadColumns(*columns, Join(key, "columns"), &table));
    if (const auto* p = t.get("partition_by")) ORBIT_RETURN_IF_ERROR(ReadPartitionBy(*p, Join(key, "partition_by"), &table));
    if (const auto* c = t.get("checks")) ORBIT_RETURN_IF_ERROR(ReadChecks(*c, Join(key, "checks"), &table));
    if (const auto* q = t.get("quarantine")) { ORBIT_ASSIGN_OR_RETURN(table.quarantine_path, String(*q, Join(key, "quarantine"))); }
    if (const auto* d = t.get("dedup")) ORBIT_RETURN_IF_ERROR(ReadDedup(*d, Join(key, "dedup"), &table));
    spec->tables.push_back(std::move(table));
    table_nodes_.push_back(&t);
    return Status::OK();
  }

  // True when the file has tables and each gives its source inline.
  static bool TablesDeclareSources(const toml::table& root) {
    const auto* arr = root.get("table") != nullptr ? root.get("table")->as_array() : nullptr;
    if (arr == nullptr || arr->empty()) return false;
    for (const auto& n : *arr) {
      const auto* t = n.as_table();
      if (t == nullptr || t->get("source") == nullptr || !t->get("source")->is_table()) return false;
    }
    return true;
  }

  Status ReadTableSource(const toml::table& t, const std::string& key, PipelineSpec* spec_out, TableSpec* table) {
    const PipelineSpec& spec = *spec_out;
    const toml::node* s = t.get("source");
    if (s != nullptr && s->is_table()) {
      // `source = { delta = "PATH" }` (or topics/files): a source of this table only,
      // named "<table>-source" (the name its txns and quarantine carry).
      toml::table& inline_source = inline_sources_.emplace_back(*s->as_table());
      if (inline_source.get("name") != nullptr) {
        return Err(*inline_source.get("name"), Join(Join(key, "source"), "name"),
                   "an inline source is named after its table; declare a [[source]] to name it");
      }
      table->source = table->name + "-source";
      inline_source.insert("name", table->source);
      return ReadSource(inline_source, Join(key, "source"), spec_out);
    }
    if (s == nullptr) {
      if (spec.sources.size() == 1) {
        table->source = spec.sources[0].name;
        return Status::OK();
      }
      std::string names;
      for (const auto& src : spec.sources) names += (names.empty() ? "" : ", ") + src.name;
      return Err(t, Join(key, "source"), fmt::format("missing: which source feeds this table ({})", names));
    }
    ORBIT_ASSIGN_OR_RETURN(table->source, String(*s, Join(key, "source")));
    std::vector<std::string> names;
    for (const auto& src : spec.sources) {
      if (src.name == table->source) return Status::OK();
      names.push_back(src.name);
    }
    return Err(*s, Join(key, "source"), fmt::format("no source named '{}'{}", table->source, DidYouMean(table->source, names)));
  }

  Result<RouteSpec> ReadWhere(const toml::node& n, const std::string& key) const {
    if (!n.is_table()) {
      return Err(n, key, fmt::format("expected a table like {{ field = \"event_type\", equals = \"page_view\" }}, got {}",
                                     NodeTypeName(n)));
    }
    const toml::table& t = *n.as_table();
    ORBIT_RETURN_IF_ERROR(CheckKeys(t, key, {"field", "equals"}));
    RouteSpec route;
    ORBIT_ASSIGN_OR_RETURN(const toml::node* field, Required(t, "field", key, "the message field to compare, e.g. \"event_type\""));
    ORBIT_ASSIGN_OR_RETURN(std::string text, String(*field, Join(key, "field")));
    size_t offset = 0;
    auto path = ParseFieldPath(text, &offset);
    if (!path.ok()) return ErrInString(*field, offset, Join(key, "field"), path.status().message());
    route.field = std::move(*path);
    ORBIT_ASSIGN_OR_RETURN(const toml::node* equals, Required(t, "equals", key, "the value the field must have"));
    if (const auto* s = equals->as_string()) route.equals_json = DumpJson(Json(s->get()));
    else if (const auto* i = equals->as_integer()) route.equals_json = DumpJson(Json(i->get()));
    else if (const auto* b = equals->as_boolean()) route.equals_json = b->get() ? "true" : "false";
    else if (const auto* f = equals->as_floating_point(); f != nullptr && std::isfinite(f->get())) route.equals_json = DumpJson(Json(f->get()));
    else return WrongType(*equals, Join(key, "equals"), "a string, a finite number or a boolean");
    return route;
  }

  // ---- columns
  Status ReadColumns(const toml::node& n, const std::string& key, TableSpec* table) const {
    const auto* arr = n.as_array();
    if (arr == nullptr) return WrongType(n, key, "an array of tables ({ name = ..., type = ..., from = ... })");
    if (arr->empty()) return Err(n, key, "empty: a table needs at least one column");
    std::vector<ColumnDraft> drafts;
    for (size_t i = 0; i < arr->size(); ++i) {
      ColumnDraft draft;
      draft.key = Index(key, i);
      draft.node = &(*arr)[i];
      ORBIT_RETURN_IF_ERROR(ReadColumn((*arr)[i], drafts, &draft));
      drafts.push_back(std::move(draft));
    }
    ORBIT_RETURN_IF_ERROR(ResolveColumnRefs(drafts, table->name));
    for (auto& d : drafts) table->columns.push_back(std::move(d.spec));
    return Status::OK();
  }

  Status ReadColumn(const toml::node& n, const std::vector<ColumnDraft>& earlier, ColumnDraft* draft) const {
    const std::string& key = draft->key;
    ORBIT_ASSIGN_OR_RETURN(const toml::table* t, Table(n, key));
    ORBIT_RETURN_IF_ERROR(CheckKeys(*t, key, {"name", "type", "from", "value", "expr", "transform", "required", "unit"}));
    ColumnSpec& col = draft->spec;
    ORBIT_ASSIGN_OR_RETURN(const toml::node* name, Required(*t, "name", key, "the column's name"));
    ORBIT_ASSIGN_OR_RETURN(col.name, String(*name, Join(key, "name")));
    if (!IsColumnName(col.name)) {
      return Err(*name, Join(key, "name"), fmt::format("'{}' is not a valid column name (letters, digits and _, "
                                                       "starting with a letter or _)", col.name));
    }
    for (const auto& other : earlier) {
      if (Lowercase(other.spec.name) == Lowercase(col.name)) {
        return Err(*name, Join(key, "name"),
                   other.spec.name == col.name
                       ? fmt::format("duplicate column name '{}'", col.name)
                       : fmt::format("column '{}' duplicates '{}' (Delta compares column names ignoring case)",
                                     col.name, other.spec.name));
      }
    }
    ORBIT_ASSIGN_OR_RETURN(const toml::node* type, Required(*t, "type", key, "the column's Delta type, e.g. \"string\""));
    ORBIT_ASSIGN_OR_RETURN(std::string type_text, String(*type, Join(key, "type")));
    size_t offset = 0;
    auto parsed = ParseDeltaType(type_text, &offset);
    if (!parsed.ok()) return ErrInString(*type, offset, Join(key, "type"), parsed.status().message());
    col.type = std::move(*parsed);

    const toml::node* from = t->get("from");
    const toml::node* value = t->get("value");
    const toml::node* expr = t->get("expr");
    if ((from != nullptr) + (value != nullptr) + (expr != nullptr) > 1) {
      const toml::node* second = expr != nullptr ? expr : value;
      return Err(*second, Join(key, expr != nullptr ? "expr" : "value"),
                 "a column has one of from (where its value comes from), value (a constant) or expr (arithmetic over "
                 "other columns)");
    }
    if (expr != nullptr) {
      draft->from_node = expr;
      ORBIT_ASSIGN_OR_RETURN(std::string text, String(*expr, Join(key, "expr")));
      auto e = Expr::Parse(text, &offset);
      if (!e.ok()) return ErrInString(*expr, offset, Join(key, "expr"), e.status().message());
      const Kind k = col.type->kind;
      if (k != Kind::kDouble && k != Kind::kFloat && k != Kind::kLong && k != Kind::kInteger && k != Kind::kShort &&
          k != Kind::kByte) {
        return Err(*type, Join(key, "type"), fmt::format("an expr column is double, float or an integer type, not {}",
                                                         ToString(*col.type)));
      }
      col.from = FromExpr{std::move(text)};
    } else if (value != nullptr) {
      ORBIT_ASSIGN_OR_RETURN(Json json, ConstantJson(*value, *col.type, Join(key, "value")));
      col.from = FromConstant{DumpJson(json)};
    } else if (from != nullptr) {
      draft->from_node = from;
      ORBIT_ASSIGN_OR_RETURN(std::string text, String(*from, Join(key, "from")));
      auto f = ParseFrom(text, &offset);
      if (!f.ok()) return ErrInString(*from, offset, Join(key, "from"), f.status().message());
      col.from = std::move(*f);
    } else {
      col.from = FromJsonPath{{col.name}};  // the documented default: the member of the same name
    }
    if (const auto* r = t->get("required")) { ORBIT_ASSIGN_OR_RETURN(col.required, Bool(*r, Join(key, "required"))); }
    if (const auto* tr = t->get("transform")) { ORBIT_RETURN_IF_ERROR(ReadTransforms(*tr, Join(key, "transform"), &col)); }
    if (const auto* u = t->get("unit")) {
      ORBIT_ASSIGN_OR_RETURN(std::string unit, String(*u, Join(key, "unit")));
      static const std::vector<std::string> kUnits{"s", "ms", "us", "ns"};
      if (unit == "s") col.unit = EpochUnit::kSeconds;
      else if (unit == "ms") col.unit = EpochUnit::kMillis;
      else if (unit == "us") col.unit = EpochUnit::kMicros;
      else if (unit == "ns") col.unit = EpochUnit::kNanos;
      else return Err(*u, Join(key, "unit"), fmt::format("unknown unit '{}'{}; one of s, ms, us, ns", unit, DidYouMean(unit, kUnits)));
      Kind k = col.type->kind;
      if (k != Kind::kTimestamp && k != Kind::kTimestampNtz && k != Kind::kDate) {
        return Err(*u, Join(key, "unit"), fmt::format("unit applies to timestamp, timestamp_ntz and date columns "
                                                      "(epoch numbers), not {}", ToString(*col.type)));
      }
      if (!std::holds_alternative<FromJsonPath>(col.from)) {
        return Err(*u, Join(key, "unit"), "unit applies to values read from the message ($. paths)");
      }
    }
    return CheckSourceType(*draft, t);
  }

  // `transform = "trim"` or `["trim", "lower"]`, on string columns.
  Status ReadTransforms(const toml::node& n, const std::string& key, ColumnSpec* col) const {
    static const std::vector<std::string> kNames{"trim", "lower", "upper", "empty_to_null"};
    auto one = [&](const toml::node& item, const std::string& at) -> Status {
      ORBIT_ASSIGN_OR_RETURN(std::string name, String(item, at));
      if (name == "trim") col->transform.push_back(StringTransform::kTrim);
      else if (name == "lower") col->transform.push_back(StringTransform::kLower);
      else if (name == "upper") col->transform.push_back(StringTransform::kUpper);
      else if (name == "empty_to_null") col->transform.push_back(StringTransform::kEmptyToNull);
      else return Err(item, at, fmt::format("unknown transform '{}'{}; one of trim, lower, upper, empty_to_null", name,
                                            DidYouMean(name, kNames)));
      return Status::OK();
    };
    if (const auto* arr = n.as_array()) {
      for (size_t i = 0; i < arr->size(); ++i) ORBIT_RETURN_IF_ERROR(one((*arr)[i], Index(key, i)));
    } else if (n.as_string() != nullptr) {
      ORBIT_RETURN_IF_ERROR(one(n, key));
    } else {
      return WrongType(n, key, "a transform name or an array of them (\"trim\", \"lower\", ...)");
    }
    if (col->type->kind != Kind::kString) {
      return Err(n, key, fmt::format("transforms apply to string columns, not {}", ToString(*col->type)));
    }
    return Status::OK();
  }

  // The types Kafka metadata and the ingest time can fill.
  Status CheckSourceType(const ColumnDraft& d, const toml::table* t) const {
    const DeltaType& type = *d.spec.type;
    const toml::node* at = d.from_node != nullptr ? d.from_node : t;
    std::string key = Join(d.key, "from");
    auto need = [&](std::initializer_list<Kind> kinds, std::string_view names) -> Status {
      for (Kind k : kinds) {
        if (type.kind == k) return Status::OK();
      }
      return Err(*at, key, fmt::format("{} fills {} columns, not {}", ToString(d.spec.from), names, ToString(type)));
    };
    if (const auto* k = std::get_if<FromKafka>(&d.spec.from)) {
      switch (k->field) {
        case FromKafka::Field::kTopic: return need({Kind::kString}, "string");
        case FromKafka::Field::kPartition: return need({Kind::kInteger, Kind::kLong}, "integer or long");
        case FromKafka::Field::kOffset: return need({Kind::kLong}, "long");
        case FromKafka::Field::kTimestamp: return need({Kind::kTimestamp, Kind::kLong}, "timestamp or long (epoch ms)");
        case FromKafka::Field::kKey: return need({Kind::kString, Kind::kBinary}, "string or binary");
        case FromKafka::Field::kHeader: return need({Kind::kString, Kind::kBinary}, "string or binary");
      }
    }
    if (std::holds_alternative<FromIngestTime>(d.spec.from)) {
      return need({Kind::kTimestamp, Kind::kTimestampNtz, Kind::kDate}, "timestamp, timestamp_ntz or date");
    }
    return Status::OK();
  }

  // `from = "other_column"`: the column exists, its type converts, and there is no cycle.
  Status ResolveColumnRefs(const std::vector<ColumnDraft>& drafts, const std::string& table) const {
    std::map<std::string, size_t> index;
    std::vector<std::string> names;
    for (size_t i = 0; i < drafts.size(); ++i) {
      index[drafts[i].spec.name] = i;
      names.push_back(drafts[i].spec.name);
    }
    std::vector<std::vector<size_t>> deps(drafts.size());
    for (size_t i = 0; i < drafts.size(); ++i) {
      if (const auto* ex = std::get_if<FromExpr>(&drafts[i].spec.from)) {
        const toml::node& at = *drafts[i].from_node;
        std::string key = Join(drafts[i].key, "expr");
        auto e = Expr::Parse(ex->text);
        if (!e.ok()) return Err(at, key, e.status().message());
        for (const auto& name : (*e)->columns()) {
          auto it = index.find(name);
          if (it == index.end()) {
            return Err(at, key, fmt::format("'{}' is not a column of table '{}'{}", name, table, DidYouMean(name, names)));
          }
          if (it->second == i) return Err(at, key, fmt::format("column '{}' cannot come from itself", name));
          const Kind k = drafts[it->second].spec.type->kind;
          if (k != Kind::kDouble && k != Kind::kFloat && k != Kind::kLong && k != Kind::kInteger && k != Kind::kShort &&
              k != Kind::kByte && k != Kind::kDecimal) {
            return Err(at, key, fmt::format("'{}' is {}: expressions read numeric columns", name,
                                            ToString(*drafts[it->second].spec.type)));
          }
          deps[i].push_back(it->second);
        }
        continue;
      }
      const auto* ref = std::get_if<FromColumn>(&drafts[i].spec.from);
      if (ref == nullptr) continue;
      const toml::node& at = *drafts[i].from_node;
      std::string key = Join(drafts[i].key, "from");
      auto it = index.find(ref->name);
      if (it == index.end()) {
        return Err(at, key, fmt::format("'{}' is not a column of table '{}'{}; a message field is written $.{}, "
                                        "see also kafka.*, ingest_time, and value = for a constant",
                                        ref->name, table, DidYouMean(ref->name, names), ref->name));
      }
      if (it->second == i) return Err(at, key, fmt::format("column '{}' cannot come from itself", ref->name));
      const DeltaType& to = *drafts[i].spec.type;
      const DeltaType& from = *drafts[it->second].spec.type;
      if (!CanDeriveColumn(to, from)) {
        return Err(at, key, fmt::format("a {} column cannot come from '{}' ({}): a column may copy one of the same type, "
                                        "take the date of a timestamp, or widen an integer or float",
                                        ToString(to), ref->name, ToString(from)));
      }
      deps[i].push_back(it->second);
    }
    // Depth-first walk; a column met again while it is on the path closes a cycle.
    std::vector<int> mark(drafts.size(), 0);  // 0 new, 1 on the path, 2 done
    std::vector<size_t> path;
    std::function<Status(size_t)> visit = [&](size_t i) -> Status {
      if (mark[i] == 2) return Status::OK();
      if (mark[i] == 1) {
        std::string cycle;
        auto from = std::find(path.begin(), path.end(), i);
        for (auto c = from; c != path.end(); ++c) cycle += drafts[*c].spec.name + " -> ";
        const size_t at = *from;
        const bool is_expr = std::holds_alternative<FromExpr>(drafts[at].spec.from);
        return Err(*drafts[at].from_node, Join(drafts[at].key, is_expr ? "expr" : "from"),
                   fmt::format("columns come from each other in a cycle: {}{}", cycle, drafts[i].spec.name));
      }
      mark[i] = 1;
      path.push_back(i);
      for (size_t d : deps[i]) ORBIT_RETURN_IF_ERROR(visit(d));
      path.pop_back();
      mark[i] = 2;
      return Status::OK();
    };
    for (size_t i = 0; i < drafts.size(); ++i) ORBIT_RETURN_IF_ERROR(visit(i));
    return Status::OK();
  }

  // A `value = ...` constant as JSON, checked against the column's type.
  Result<Json> ConstantJson(const toml::node& n, const DeltaType& type, const std::string& key) const {
    auto mismatch = [&](std::string_view expected) {
      return Err(n, key, fmt::format("a {} value is {}, got {}", ToString(type), expected, NodeTypeName(n)));
    };
    switch (type.kind) {
      case Kind::kString:
      case Kind::kBinary:
        if (const auto* s = n.as_string()) return Json(s->get());
        return mismatch("a string");
      case Kind::kBoolean:
        if (const auto* b = n.as_boolean()) return Json(b->get());
        return mismatch("true or false");
      case Kind::kByte:
      case Kind::kShort:
      case Kind::kInteger:
      case Kind::kLong: {
        const auto* i = n.as_integer();
        if (i == nullptr) return mismatch("an integer");
        int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
        if (type.kind == Kind::kByte) lo = std::numeric_limits<int8_t>::min(), hi = std::numeric_limits<int8_t>::max();
        if (type.kind == Kind::kShort) lo = std::numeric_limits<int16_t>::min(), hi = std::numeric_limits<int16_t>::max();
        if (type.kind == Kind::kInteger) lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
        if (i->get() < lo || i->get() > hi) {
          return Err(n, key, fmt::format("{} is out of range for {} ({}..{})", i->get(), ToString(type), lo, hi));
        }
        return Json(i->get());
      }
      case Kind::kFloat:
      case Kind::kDouble:
      case Kind::kDecimal: {
        if (const auto* i = n.as_integer()) return Json(i->get());
        if (const auto* f = n.as_floating_point()) {
          if (!std::isfinite(f->get())) return Err(n, key, "inf and nan cannot be stored as JSON constants");
          return Json(f->get());
        }
        return mismatch("a number");
      }
      case Kind::kDate: {
        if (n.is_date()) return Json(TomlToText(n));
        if (const auto* s = n.as_string(); s != nullptr && IsIsoDate(s->get())) return Json(s->get());
        return mismatch("a date (2024-01-31, or the string \"2024-01-31\")");
      }
      case Kind::kTimestamp:
      case Kind::kTimestampNtz: {
        const bool ntz = type.kind == Kind::kTimestampNtz;
        if (const auto* dt = n.as_date_time()) {
          if (!ntz && !dt->get().offset) return Err(n, key, "a timestamp is UTC: give the date-time a Z or an offset");
          if (ntz && dt->get().offset) return Err(n, key, "a timestamp_ntz has no time zone: drop the Z or offset");
          return Json(TomlToText(n));
        }
        if (const auto* s = n.as_string(); s != nullptr && IsIsoTimestamp(s->get(), ntz ? Zone::kForbidden : Zone::kRequired)) {
          return Json(s->get());
        }
        return mismatch(ntz ? "a local date-time (2024-01-31T12:00:00)" : "a date-time with a zone (2024-01-31T12:00:00Z)");
      }
      case Kind::kArray: {
        const auto* arr = n.as_array();
        if (arr == nullptr) return mismatch("an array");
        Json out = Json::array();
        for (size_t i = 0; i < arr->size(); ++i) {
          ORBIT_ASSIGN_OR_RETURN(Json e, ConstantJson((*arr)[i], *type.children[0].type, Index(key, i)));
          out.push_back(std::move(e));
        }
        return out;
      }
      case Kind::kStruct: {
        const auto* t = n.as_table();
        if (t == nullptr) return mismatch("a table of its fields");
        std::vector<std::string> names;
        for (const auto& f : type.children) names.push_back(f.name);
        ORBIT_RETURN_IF_ERROR(CheckKeys(*t, key, names));
        Json out = Json::object();
        for (const auto& f : type.children) {
          const toml::node* v = t->get(f.name);
          if (v == nullptr) {
            if (!f.nullable) return Err(n, Join(key, f.name), "missing: the field is not null");
            continue;
          }
          ORBIT_ASSIGN_OR_RETURN(out[f.name], ConstantJson(*v, *f.type, Join(key, f.name)));
        }
        return out;
      }
      case Kind::kMap: {
        const auto* t = n.as_table();
        if (t == nullptr) return mismatch("a table of its entries");
        if (type.children[0].type->kind != Kind::kString) {
          return Err(n, key, fmt::format("constants of {} are not supported (map keys must be string)", ToString(type)));
        }
        Json out = Json::object();
        for (auto&& [k, v] : *t) {
          ORBIT_ASSIGN_OR_RETURN(out[std::string(k.str())], ConstantJson(v, *type.children[1].type, Join(key, k.str())));
        }
        return out;
      }
    }
    return Status::Internal("unhandled type kind");
  }

  // ---- partition_by and checks
  Status ReadPartitionBy(const toml::node& n, const std::string& key, TableSpec* table) const {
    ORBIT_ASSIGN_OR_RETURN(auto names, StringArray(n, key));
    std::vector<std::string> columns;
    for (const auto& c : table->columns) columns.push_back(c.name);
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string& name = names[i].first;  // not a structured binding: lambdas capture it
      const toml::node* node = names[i].second;
      std::string ikey = Index(key, i);
      auto it = std::find_if(table->columns.begin(), table->columns.end(), [&](const ColumnSpec& c) { return c.name == name; });
      if (it == table->columns.end()) {
        return Err(*node, ikey, fmt::format("'{}' is not a column of table '{}'{}", name, table->name, DidYouMean(name, columns)));
      }
      if (!IsPrimitive(*it->type)) {
        return Err(*node, ikey, fmt::format("cannot partition by '{}': its type {} is not primitive", name, ToString(*it->type)));
      }
      if (std::find(table->partition_by.begin(), table->partition_by.end(), name) != table->partition_by.end()) {
        return Err(*node, ikey, fmt::format("'{}' is listed twice", name));
      }
      table->partition_by.push_back(name);
    }
    if (table->partition_by.size() == table->columns.size()) {
      return Err(n, key, "every column is a partition column: a table needs at least one column that is not");
    }
    return Status::OK();
  }

  // dedup = { key = ["device", "seq"], within = "1h" }
  Status ReadDedup(const toml::node& n, const std::string& key, TableSpec* table) const {
    ORBIT_ASSIGN_OR_RETURN(const toml::table* t, Table(n, key));
    ORBIT_RETURN_IF_ERROR(CheckKeys(*t, key, {"key", "within"}));
    DedupSpec dedup;
    ORBIT_ASSIGN_OR_RETURN(const toml::node* k, Required(*t, "key", key, "the columns that identify a row, e.g. "
                                                                      "key = [\"device\", \"seq\"]"));
    ORBIT_ASSIGN_OR_RETURN(auto names, StringArray(*k, Join(key, "key")));
    if (names.empty()) return Err(*k, Join(key, "key"), "empty: name at least one column");
    std::vector<std::string> columns;
    for (const auto& c : table->columns) columns.push_back(c.name);
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string& name = names[i].first;
      const std::string ikey = Index(Join(key, "key"), i);
      auto it = std::find_if(table->columns.begin(), table->columns.end(), [&](const ColumnSpec& c) { return c.name == name; });
      if (it == table->columns.end()) {
        return Err(*names[i].second, ikey,
                   fmt::format("'{}' is not a column of table '{}'{}", name, table->name, DidYouMean(name, columns)));
      }
      if (!IsPrimitive(*it->type)) {
        return Err(*names[i].second, ikey,
                   fmt::format("cannot dedup on '{}': its type {} is not primitive", name, ToString(*it->type)));
      }
      if (std::find(dedup.key.begin(), dedup.key.end(), name) != dedup.key.end()) {
        return Err(*names[i].second, ikey, fmt::format("'{}' is listed twice", name));
      }
      dedup.key.push_back(name);
    }
    if (const auto* w = t->get("within")) {
      ORBIT_ASSIGN_OR_RETURN(std::string text, String(*w, Join(key, "within")));
      auto d = ParseDuration(text, std::chrono::hours(24 * 7));
      if (!d.ok()) return Err(*w, Join(key, "within"), d.status().message());
      if (*d < std::chrono::seconds(1)) return Err(*w, Join(key, "within"), "must be at least 1s");
      dedup.within = std::chrono::duration_cast<std::chrono::seconds>(*d);
    }
    table->dedup = std::move(dedup);
    return Status::OK();
  }

  Status ReadChecks(const toml::node& n, const std::string& key, TableSpec* table) const {
    ORBIT_ASSIGN_OR_RETURN(auto texts, StringArray(n, key));
    std::vector<std::string> columns;
    for (const auto& c : table->columns) columns.push_back(c.name);
    for (size_t i = 0; i < texts.size(); ++i) {
      const auto& [text, node] = texts[i];
      std::string ikey = Index(key, i);
      size_t offset = 0;
      auto check = ParseCheck(text, &offset);
      if (!check.ok()) return ErrInString(*node, offset, ikey, check.status().message());
      size_t column_at = text.find(check->column);
      auto it = std::find_if(table->columns.begin(), table->columns.end(),
                             [&](const ColumnSpec& c) { return c.name == check->column; });
      if (it == table->columns.end()) {
        return ErrInString(*node, column_at, ikey,
                           fmt::format("check '{}': '{}' is not a column of table '{}'{}", text, check->column,
                                       table->name, DidYouMean(check->column, columns)));
      }
      std::string problem = CheckTypeProblem(*check, *it->type);
      if (!problem.empty()) return Err(*node, ikey, fmt::format("check '{}': {}", text, problem));
      table->checks.push_back(std::move(*check));
    }
    return Status::OK();
  }

  // Why a check's literal does not fit its column's type ("" when it does).
  static std::string CheckTypeProblem(const CheckSpec& check, const DeltaType& type) {
    using Op = CheckSpec::Op;
    if (check.op == Op::kIsNull || check.op == Op::kIsNotNull) return "";
    std::string t = ToString(type);
    if (!IsPrimitive(type) || type.kind == Kind::kBinary) {
      return fmt::format("a {} column ('{}') can only be tested with is null / is not null", t, check.column);
    }
    Json literal = Json::parse(check.literal_json, nullptr, /*allow_exceptions=*/false);
    if (literal.is_discarded()) return fmt::format("cannot read the literal {}", check.literal_json);
    if (type.kind == Kind::kBoolean) {
      if (!literal.is_boolean()) return fmt::format("'{}' is boolean: compare it with true or false", check.column);
      if (check.op != Op::kEq && check.op != Op::kNe) return "booleans compare with = or != only";
      return "";
    }
    if (IsNumeric(type)) {
      return literal.is_number() ? "" : fmt::format("'{}' is {}: compare it with a number", check.column, t);
    }
    if (type.kind == Kind::kString) {
      return literal.is_string() ? "" : fmt::format("'{}' is string: compare it with quoted text ('...')", check.column);
    }
    // date, timestamp, timestamp_ntz: an ISO 8601 string.
    bool ok = literal.is_string() &&
              (type.kind == Kind::kDate ? IsIsoDate(literal.get<std::string>())
                                        : IsIsoTimestamp(literal.get<std::string>(),
                                                         type.kind == Kind::kTimestampNtz ? Zone::kForbidden : Zone::kOptional));
    if (ok) return "";
    return type.kind == Kind::kDate
               ? fmt::format("'{}' is date: compare it with a date like '2024-01-31'", check.column)
               : fmt::format("'{}' is {}: compare it with a date or date-time like '2024-01-31T12:00:00{}'", check.column, t,
                             type.kind == Kind::kTimestampNtz ? "" : "Z");
  }

  // ---- whole-file rules
  Status CheckRoutes(const PipelineSpec& spec) const {
    for (size_t s = 0; s < spec.sources.size(); ++s) {
      const SourceSpec& source = spec.sources[s];
      std::optional<size_t> default_table, take_all;
      bool used = false;
      for (size_t i = 0; i < spec.tables.size(); ++i) {
        const TableSpec& t = spec.tables[i];
        if (t.source != source.name) continue;
        used = true;
        if (t.default_route) {
          if (default_table) {
            return Err(*table_nodes_[i]->get("default"), Join(Index("table", i), "default"),
                       fmt::format("source '{}' already has a default table ('{}'): at most one per source", source.name,
                                   spec.tables[*default_table].name));
          }
          default_table = i;
        } else if (!t.where && !take_all) {
          take_all = i;
        }
      }
      if (!used) {
        return Err(*source_nodes_[s], Index("source", s),
                   fmt::format("source '{}' feeds no table (set source = \"{}\" on a [[table]])", source.name, source.name));
      }
      if (default_table && take_all) {
        return Err(*table_nodes_[*default_table]->get("default"), Join(Index("table", *default_table), "default"),
                   fmt::format("table '{}' takes every message of source '{}' (it has no where), so the default table "
                               "would never get one",
                               spec.tables[*take_all].name, source.name));
      }
    }
    return Status::OK();
  }

  // Default quarantine paths, then: no quarantine path is a table's path.
  Status ResolvePaths(PipelineSpec* spec) const {
    for (size_t s = 0; s < spec->sources.size(); ++s) {
      SourceSpec& source = spec->sources[s];
      if (!source.quarantine_path.empty()) continue;
      const TableSpec* first = nullptr;
      for (const auto& t : spec->tables) {
        if (t.source == source.name) {
          first = &t;
          break;
        }
      }
      std::string path = StripTrailingSlashes(first->path);
      size_t slash = path.rfind('/');
      size_t scheme = path.find("://");
      if (scheme != std::string::npos && (slash == std::string::npos || slash < scheme + 3)) {
        return Err(*source_nodes_[s], Join(Index("source", s), "quarantine"),
                   fmt::format("cannot derive a quarantine path next to '{}': set quarantine", first->path));
      }
      std::string name = source.name + std::string(kQuarantineSuffix);
      source.quarantine_path = slash == std::string::npos ? name : path.substr(0, slash + 1) + name;
    }
    for (auto& t : spec->tables) {
      if (t.quarantine_path.empty()) t.quarantine_path = StripTrailingSlashes(t.path) + std::string(kQuarantineSuffix);
    }
    std::map<std::string, std::string> table_paths;  // comparable path -> table name
    for (const auto& t : spec->tables) table_paths[ComparablePath(t.path)] = t.name;
    auto clash = [&](const std::string& q, const toml::node& at, const std::string& key) -> Status {
      auto it = table_paths.find(ComparablePath(q));
      if (it == table_paths.end()) return Status::OK();
      return Err(at, key, fmt::format("quarantine path '{}' is table '{}''s path", q, it->second));
    };
    for (size_t s = 0; s < spec->sources.size(); ++s) {
      const toml::node* q = source_nodes_[s]->get("quarantine");
      ORBIT_RETURN_IF_ERROR(clash(spec->sources[s].quarantine_path, q ? *q : *source_nodes_[s], Join(Index("source", s), "quarantine")));
    }
    for (size_t i = 0; i < spec->tables.size(); ++i) {
      const toml::node* q = table_nodes_[i]->get("quarantine");
      ORBIT_RETURN_IF_ERROR(clash(spec->tables[i].quarantine_path, q ? *q : *table_nodes_[i], Join(Index("table", i), "quarantine")));
    }
    return Status::OK();
  }

  std::string_view text_;
  std::string file_;
  std::vector<std::string_view> lines_;
  // The [[source]] and [[table]] entries, by index of spec.sources / spec.tables.
  std::vector<const toml::table*> source_nodes_;
  std::deque<toml::table> inline_sources_;  // `source = { ... }` of tables (stable addresses)
  std::vector<const toml::table*> table_nodes_;
};

}  // namespace

Result<PipelineSpec> ParsePipeline(std::string_view toml, const std::string& file_name) {
  return FileReader(toml, file_name).Read();
}

Result<TableSpec> ParseTableSchema(std::string_view toml, const std::string& file_name,
                                   const std::string& table_name) {
  return FileReader(toml, file_name).ReadSchema(table_name);
}

Result<PipelineSpec> LoadPipelineFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoStatus("cannot open pipeline file", path, errno);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return ErrnoStatus("cannot read pipeline file", path, errno);
  return ParsePipeline(text.str(), path);
}

}  // namespace orbitlake::pipeline
