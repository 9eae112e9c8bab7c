#include "registry/registry.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "pipeline/json_decoder.h"
#include "pipeline/pipeline_file.h"
#include "pipeline/types.h"
#include "registry/redis_client.h"

namespace orbitlake::registry {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxTypeLength = 128;
constexpr std::string_view kQuarantineSuffix = "-quarantine";

// ---------------------------------------------------------------- folder
class FolderRegistry final : public Registry {
 public:
  FolderRegistry(std::string url, std::string dir) : url_(std::move(url)), dir_(std::move(dir)) {}

  Result<std::vector<Schema>> List() override {
    std::error_code ec;
    if (!fs::is_directory(dir_, ec)) {
      return Status::NotFound(fmt::format("schema registry folder {} does not exist (create it with "
                                          "`orbitlake schema put`)", dir_));
    }
    std::vector<Schema> out;
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
      const std::string type = entry.path().filename().string();
      if (!entry.is_directory() || !CheckEventType(type).ok()) continue;
      ORBIT_ASSIGN_OR_RETURN(int64_t latest, Latest(type));
      if (latest == 0) continue;
      ORBIT_ASSIGN_OR_RETURN(std::string doc, Read(type, latest));
      out.push_back({type, latest, std::move(doc)});
    }
    if (ec) return Status::IOError(fmt::format("cannot list schema registry folder {}: {}", dir_, ec.message()));
    std::sort(out.begin(), out.end(), [](const Schema& a, const Schema& b) { return a.type < b.type; });
    return out;
  }

  Result<std::vector<Schema>> Versions(const std::string& type) override {
    ORBIT_RETURN_IF_ERROR(CheckEventType(type));
    ORBIT_ASSIGN_OR_RETURN(int64_t latest, Latest(type));
    std::vector<Schema> out;
    for (int64_t v = 1; v <= latest; ++v) {
      auto doc = Read(type, v);
      if (!doc.ok() && doc.status().code() == StatusCode::kNotFound) continue;  // a gap left by hand
      if (!doc.ok()) return doc.status();
      out.push_back({type, v, std::move(*doc)});
    }
    return out;
  }

  Status Append(const std::string& type, int64_t expected_latest, const std::string& document) override {
    ORBIT_RETURN_IF_ERROR(CheckEventType(type));
    const fs::path folder = fs::path(dir_) / type;
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) return Status::IOError(fmt::format("cannot create {}: {}", folder.string(), ec.message()));
    ORBIT_ASSIGN_OR_RETURN(int64_t latest, Latest(type));
    if (latest != expected_latest) {
      return Status::Conflict(fmt::format("{} got version {} meanwhile", type, latest));
    }
    const fs::path tmp = folder / fmt::format(".put-{}-{}.tmp", ::getpid(), std::random_device{}());
    {
      std::ofstream out(tmp, std::ios::binary);
      out << document;
      out.flush();
      if (!out) return Status::IOError("cannot write " + tmp.string());
    }
    const fs::path target = folder / fmt::format("{}.toml", expected_latest + 1);
    // link() fails when the name exists: two puts of one version cannot both win.
    const int rc = ::link(tmp.c_str(), target.c_str());
    const int err = errno;
    fs::remove(tmp, ec);
    if (rc != 0 && err == EEXIST) return Status::Conflict(fmt::format("{} got version {} meanwhile", type, expected_latest + 1));
    if (rc != 0) return Status::IOError(fmt::format("cannot create {}: {}", target.string(), std::strerror(err)));
    return Status::OK();
  }

  std::string url() const override { return url_; }

 private:
  Result<int64_t> Latest(const std::string& type) const {
    std::error_code ec;
    int64_t latest = 0;
    const fs::path folder = fs::path(dir_) / type;
    if (!fs::is_directory(folder, ec)) return latest;
    for (const auto& f : fs::directory_iterator(folder, ec)) {
      const std::string name = f.path().filename().string();
      if (name.size() < 6 || name.substr(name.size() - 5) != ".toml" || name[0] == '0') continue;
      int64_t v = 0;
      auto [p, e] = std::from_chars(name.data(), name.data() + name.size() - 5, v);
      if (e == std::errc() && p == name.data() + name.size() - 5) latest = std::max(latest, v);
    }
    if (ec) return Status::IOError(fmt::format("cannot list {}: {}", folder.string(), ec.message()));
    return latest;
  }

  Result<std::string> Read(const std::string& type, int64_t version) const {
    const fs::path p = fs::path(dir_) / type / fmt::format("{}.toml", version);
    std::ifstream in(p, std::ios::binary);
    if (!in) return Status::NotFound("cannot open " + p.string());
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return Status::IOError("cannot read " + p.string());
    return text.str();
  }

  std::string url_;
  std::string dir_;
};

// ---------------------------------------------------------------- Redis
// KEYS[1] the type's list, KEYS[2] the set of types; ARGV: document, expected length, type.
constexpr const char* kAppendScript =
    "if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[2]) then return -1 end "
    "redis.call('RPUSH', KEYS[1], ARGV[1]) redis.call('SADD', KEYS[2], ARGV[3]) "
    "return redis.call('LLEN', KEYS[1])";

class RedisRegistry final : public Registry {
 public:
  RedisRegistry(std::string url, const RedisOptions& o, const std::string& ns)
      : url_(std::move(url)), types_key_(ns + ":schema-types"), schema_prefix_(ns + ":schema:"),
        client_(RedisClient::Create(o)) {}

  Result<std::vector<Schema>> List() override {
    ORBIT_ASSIGN_OR_RETURN(RedisReply types, Call({"SMEMBERS", types_key_}));
    std::vector<Schema> out;
    for (const auto& t : types.elements) {
      if (t.kind != RedisReply::Kind::kString || !CheckEventType(t.str).ok()) continue;
      const std::string key = schema_prefix_ + t.str;
      ORBIT_ASSIGN_OR_RETURN(RedisReply n, Call({"LLEN", key}));
      if (n.integer == 0) continue;
      // LINDEX by the length just read: a put in between adds at the end, never changes it.
      ORBIT_ASSIGN_OR_RETURN(RedisReply doc, Call({"LINDEX", key, std::to_string(n.integer - 1)}));
      if (doc.kind != RedisReply::Kind::kString) continue;
      out.push_back({t.str, n.integer, doc.str});
    }
    std::sort(out.begin(), out.end(), [](const Schema& a, const Schema& b) { return a.type < b.type; });
    return out;
  }

  Result<std::vector<Schema>> Versions(const std::string& type) override {
    ORBIT_RETURN_IF_ERROR(CheckEventType(type));
    ORBIT_ASSIGN_OR_RETURN(RedisReply docs, Call({"LRANGE", schema_prefix_ + type, "0", "-1"}));
    std::vector<Schema> out;
    for (size_t i = 0; i < docs.elements.size(); ++i) {
      out.push_back({type, static_cast<int64_t>(i + 1), docs.elements[i].str});
    }
    return out;
  }

  Status Append(const std::string& type, int64_t expected_latest, const std::string& document) override {
    ORBIT_RETURN_IF_ERROR(CheckEventType(type));
    ORBIT_ASSIGN_OR_RETURN(RedisReply r, Call({"EVAL", kAppendScript, "2", schema_prefix_ + type, types_key_, document,
                                               std::to_string(expected_latest), type}));
    if (r.kind != RedisReply::Kind::kInteger) return Status::Internal("Redis " + url_ + ": unexpected EVAL reply");
    if (r.integer < 0) return Status::Conflict(fmt::format("{} got a new version meanwhile", type));
    return Status::OK();
  }

  std::string url() const override { return url_; }

 private:
  Result<RedisReply> Call(const std::vector<std::string>& args) {
    ORBIT_ASSIGN_OR_RETURN(RedisReply r, client_->Command(args));
    if (r.kind == RedisReply::Kind::kError) {
      // A restarting server answers LOADING (dataset loading) or BUSY until it is ready:
      // the registry is away for a moment, like a refused connection, not broken.
      if (r.str.starts_with("LOADING") || r.str.starts_with("BUSY") || r.str.starts_with("TRYAGAIN")) {
        return Status::Unavailable(fmt::format("Redis {}: {}: {}", url_, args[0], r.str));
      }
      return Status::IOError(fmt::format("Redis {}: {}: {}", url_, args[0], r.str));
    }
    return r;
  }

  std::string url_;
  std::string types_key_;
  std::string schema_prefix_;
  std::unique_ptr<RedisClient> client_;
};

bool SameColumn(const pipeline::ColumnSpec& a, const pipeline::ColumnSpec& b) {
  std::string x = a.name, y = b.name;
  std::transform(x.begin(), x.end(), x.begin(), [](unsigned char c) { return std::tolower(c); });
  std::transform(y.begin(), y.end(), y.begin(), [](unsigned char c) { return std::tolower(c); });
  return x == y;
}

}  // namespace

Status CheckEventType(std::string_view type) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(fmt::format("event type '{}': {}", type, why));
  };
  if (type.empty()) return bad("empty");
  if (type.size() > kMaxTypeLength) return bad(fmt::format("longer than {} characters", kMaxTypeLength));
  if (!std::isalpha(static_cast<unsigned char>(type[0]))) return bad("must start with a letter");
  for (char c : type) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
      return bad("only letters, digits, _ and - are allowed (it names a table and a folder)");
    }
  }
  if (type.size() >= kQuarantineSuffix.size() && type.substr(type.size() - kQuarantineSuffix.size()) == kQuarantineSuffix) {
    return bad("must not end in -quarantine (quarantine tables are named so)");
  }
  return Status::OK();
}

Result<std::unique_ptr<Registry>> OpenRegistry(const std::string& url, const RegistryOptions& options) {
  if (url.empty()) return Status::InvalidArgument("the schema registry is empty: give redis://HOST:PORT or a folder");
  constexpr std::string_view kRedis = "redis://";
  constexpr std::string_view kFile = "file://";
  if (url.rfind(kRedis, 0) == 0) {
    std::string rest = url.substr(kRedis.size());
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    std::string ns = "orbitlake";
    if (const size_t slash = rest.find('/'); slash != std::string::npos) {
      ns = rest.substr(slash + 1);
      rest = rest.substr(0, slash);
      const bool ok = !ns.empty() && std::all_of(ns.begin(), ns.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':';
      });
      if (!ok) {
        return Status::InvalidArgument(fmt::format("schema registry {}: namespace '{}' may hold letters, digits, "
                                                   "_ - . : only", url, ns));
      }
    }
    RedisOptions ro;
    ro.timeout = options.timeout;
    const size_t colon = rest.rfind(':');
    ro.host = rest.substr(0, colon);
    if (colon != std::string::npos) {
      const std::string port = rest.substr(colon + 1);
      int p = 0;
      auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
      if (ec != std::errc() || ptr != port.data() + port.size() || p < 1 || p > 65535) {
        return Status::InvalidArgument(fmt::format("schema registry {}: port '{}' is not a number from 1 to 65535", url, port));
      }
      ro.port = p;
    }
    if (ro.host.empty() || ro.host.find('/') != std::string::npos) {
      return Status::InvalidArgument(fmt::format("schema registry {}: expected redis://HOST[:PORT][/NAMESPACE]", url));
    }
    return std::unique_ptr<Registry>(new RedisRegistry(url, ro, ns));
  }
  std::string dir = url;
  if (url.rfind(kFile, 0) == 0) {
    dir = url.substr(kFile.size());
  } else if (url.find("://") != std::string::npos) {
    return Status::InvalidArgument(fmt::format("schema registry {}: unknown scheme (redis://HOST:PORT, file://PATH or "
                                               "a folder)", url));
  }
  if (dir.empty()) return Status::InvalidArgument(fmt::format("schema registry {}: empty folder path", url));
  return std::unique_ptr<Registry>(new FolderRegistry(url, dir));
}

Result<pipeline::TableSpec> ParseSchema(const Schema& schema, const std::string& registry_url) {
  ORBIT_RETURN_IF_ERROR(CheckEventType(schema.type));
  return pipeline::ParseTableSchema(schema.document, fmt::format("{}/{} v{}", registry_url, schema.type, schema.version),
                                    schema.type);
}

Status CheckCompatible(const pipeline::TableSpec& prev, const pipeline::TableSpec& next) {
  for (const auto& old : prev.columns) {
    auto it = std::find_if(next.columns.begin(), next.columns.end(),
                           [&](const pipeline::ColumnSpec& c) { return SameColumn(c, old); });
    if (it == next.columns.end()) {
      return Status::InvalidArgument(fmt::format("column {} of the previous version is missing (a version may only "
                                                 "add columns)", old.name));
    }
    if (it->name != old.name) {
      return Status::InvalidArgument(fmt::format("column {} was renamed to {}", old.name, it->name));
    }
    if (!pipeline::SameType(*it->type, *old.type)) {
      return Status::InvalidArgument(fmt::format("column {} changes type from {} to {}", old.name,
                                                 pipeline::ToString(*old.type), pipeline::ToString(*it->type)));
    }
    if (it->required != old.required) {
      return Status::InvalidArgument(fmt::format("column {}: required changes from {} to {}", old.name, old.required,
                                                 it->required));
    }
  }
  for (const auto& c : next.columns) {
    const bool is_new = std::none_of(prev.columns.begin(), prev.columns.end(),
                                     [&](const pipeline::ColumnSpec& o) { return SameColumn(o, c); });
    if (is_new && c.required) {
      return Status::InvalidArgument(fmt::format("new column {} is required: columns added by a new version must be "
                                                 "optional (older events do not have them)", c.name));
    }
  }
  if (prev.partition_by != next.partition_by) {
    return Status::InvalidArgument("partition_by changes: a version cannot repartition the table");
  }
  return Status::OK();
}

Result<PutResult> PutSchema(Registry& registry, const std::string& type, const std::string& document) {
  ORBIT_RETURN_IF_ERROR(CheckEventType(type));
  ORBIT_ASSIGN_OR_RETURN(pipeline::TableSpec next, ParseSchema({type, 0, document}, registry.url()));
  // What only the decoder checks (two columns reading one path, ...): refused now, not
  // when an ingester rebuilds its pipeline.
  if (auto rows = pipeline::TableRows::Make(next); !rows.ok()) {
    return rows.status().WithContext(fmt::format("{} in {}", type, registry.url()));
  }
  constexpr int kAttempts = 5;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    ORBIT_ASSIGN_OR_RETURN(std::vector<Schema> versions, registry.Versions(type));
    PutResult result;
    if (!versions.empty()) {
      const Schema& latest = versions.back();
      if (latest.document == document) {
        result.version = latest.version;
        result.unchanged = true;
        return result;
      }
      ORBIT_ASSIGN_OR_RETURN(pipeline::TableSpec prev, ParseSchema(latest, registry.url()));
      if (Status st = CheckCompatible(prev, next); !st.ok()) {
        return st.WithContext(fmt::format("{} v{} -> v{}", type, latest.version, latest.version + 1));
      }
      for (const auto& c : next.columns) {
        if (std::none_of(prev.columns.begin(), prev.columns.end(),
                         [&](const pipeline::ColumnSpec& o) { return SameColumn(o, c); })) {
          result.added_columns.push_back(c.name);
        }
      }
    }
    const int64_t expected = versions.empty() ? 0 : versions.back().version;
    Status st = registry.Append(type, expected, document);
    if (st.code() == StatusCode::kConflict) continue;
    ORBIT_RETURN_IF_ERROR(st);
    result.version = expected + 1;
    return result;
  }
  return Status::Conflict(fmt::format("{}: other puts kept coming first ({} attempts)", type, kAttempts));
}

}  // namespace orbitlake::registry
