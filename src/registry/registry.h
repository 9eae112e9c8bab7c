// The schema registry: event type -> schema, for ingesting one table per event type
// (docs/schema-registry.md). A schema is a document in the pipeline table's column
// syntax (pipeline_file.h ParseTableSchema: `columns`, optional `partition_by` and
// `checks`), stored as written. Each put of a changed document is a new version
// (1, 2, ...) of its type; the latest version is the one ingested.
//
// Backends (OpenRegistry):
//   - Redis, `redis://HOST[:PORT][/NAMESPACE]` (port 5555 by default, as the reference
//     architecture; namespace "orbitlake"): a set `<ns>:schema-types` of the types and a
//     list `<ns>:schema:<type>` of the documents, version N at index N-1. A put is one
//     Lua script (atomic: check the expected length, RPUSH, SADD). Namespaces let
//     several registries share one server (tests, environments).
//   - a folder, `PATH` or `file://PATH`: `PATH/<type>/<N>.toml` is version N. A put
//     writes a temporary file and links it to the next version's name, which fails when
//     another put took it (no lost update); files may also be written by hand.
//
// Event type names: a letter, then letters, digits, `_` and `-`, at most 128
// characters, not ending in `-quarantine` (each type is a table name and a folder).
//
// Versions: a new version may add columns that are not `required`; every column of the
// previous version must stay, with the same type and `required`, and `partition_by` must
// not change (CheckCompatible): the table of the type evolves by ADD COLUMNS, never by a
// rewrite. Putting the latest document again is not a new version.
//
// Thread safety: a Registry is used from one thread at a time; several processes may
// use one backend at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "pipeline/spec.h"

namespace orbitlake::registry {

struct Schema {
  std::string type;
  int64_t version = 0;   // 1, 2, ...
  std::string document;  // TOML, as put
};

class Registry {
 public:
  virtual ~Registry() = default;
  // Every type's latest version, sorted by type. Unavailable when the backend cannot be
  // reached (Redis down): callers retry.
  virtual Result<std::vector<Schema>> List() = 0;
  // Every version of `type`, oldest first; empty for a type never put.
  virtual Result<std::vector<Schema>> Versions(const std::string& type) = 0;
  // Stores `document` as version `expected_latest + 1` of `type` if its latest version
  // is still `expected_latest` (0: none yet); Conflict when another put came first.
  virtual Status Append(const std::string& type, int64_t expected_latest, const std::string& document) = 0;
  // The registry as given to OpenRegistry, for messages.
  virtual std::string url() const = 0;
};

struct RegistryOptions {
  // Redis: connecting and each command must finish within this. Default 5 s.
  std::chrono::milliseconds timeout{5'000};
};

// `redis://HOST[:PORT][/NAMESPACE]`, `file://PATH` or a folder path. InvalidArgument for another
// scheme or a malformed address. Redis is connected lazily (List/Append report it).
Result<std::unique_ptr<Registry>> OpenRegistry(const std::string& url, const RegistryOptions& options = {});

// InvalidArgument naming the type when it is not a valid event type name (see above).
Status CheckEventType(std::string_view type);

// Parses a schema's document (errors name "<registry>/<type> v<N>:<line>:<col>: ...").
Result<pipeline::TableSpec> ParseSchema(const Schema& schema, const std::string& registry_url);

// OK when `next` may follow `prev` (see "Versions" above); else InvalidArgument naming
// the column and what changed.
Status CheckCompatible(const pipeline::TableSpec& prev, const pipeline::TableSpec& next);

struct PutResult {
  int64_t version = 0;
  bool unchanged = false;                  // the document was already the latest version
  std::vector<std::string> added_columns;  // relative to the previous version
};

// Validates `document` (syntax, columns, and compatibility with the latest version) and
// appends it as a new version unless it is the latest already. Retries a put that lost
// a race (a few times).
Result<PutResult> PutSchema(Registry& registry, const std::string& type, const std::string& document);

}  // namespace orbitlake::registry
