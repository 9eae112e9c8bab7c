// orbitlake schema put|list|show: the schema registry (docs/schema-registry.md), and
// the CLI side of `ingest --registry`.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "apps/orbitlake/commands.h"
#include "apps/orbitlake/registry_options.h"
#include "common/signals.h"
#include "registry/registry.h"
#include "registry/registry_ingest.h"
#include "common/duration.h"

namespace orbitlake::cli {

std::string DefaultRegistryUrl() {
  const char* host = std::getenv("REDIS_HOST");
  const char* port = std::getenv("REDIS_PORT");
  return fmt::format("redis://{}:{}", host != nullptr && *host != '\0' ? host : "localhost",
                     port != nullptr && *port != '\0' ? port : "5555");
}

namespace {

// $S3_BUCKET/$S3_PREFIX as the original (prefix default "data/"), else a local folder.
std::string DefaultTablesBase() {
  const char* bucket = std::getenv("S3_BUCKET");
  if (bucket != nullptr && *bucket != '\0') {
    const char* prefix = std::getenv("S3_PREFIX");
    std::string p = prefix != nullptr ? prefix : "data/";
    while (!p.empty() && p.back() == '/') p.pop_back();
    return fmt::format("s3://{}{}{}", bucket, p.empty() ? "" : "/", p);
  }
  return "./data/delta-tables/clickstream";
}

struct SchemaFlags {
  std::string registry;
  std::string type;
  std::string file;
  int64_t version = 0;
};

Result<std::unique_ptr<registry::Registry>> Open(const SchemaFlags& f) { return registry::OpenRegistry(f.registry); }

int Put(const SchemaFlags& f) {
  std::string doc;
  if (f.file == "-") {
    std::ostringstream s;
    s << std::cin.rdbuf();
    doc = s.str();
  } else {
    std::ifstream in(f.file, std::ios::binary);
    if (!in) return Fail("schema put", Status::NotFound("cannot open schema file " + f.file));
    std::ostringstream s;
    s << in.rdbuf();
    doc = s.str();
  }
  auto reg = Open(f);
  if (!reg.ok()) return Fail("schema put", reg.status());
  auto r = registry::PutSchema(**reg, f.type, doc);
  if (!r.ok()) return Fail("schema put", r.status());
  if (r->unchanged) {
    fmt::print("{} v{} unchanged (the same document is the latest version) in {}\n", f.type, r->version, (*reg)->url());
  } else {
    std::string added;
    for (const auto& c : r->added_columns) added += (added.empty() ? "" : ", ") + c;
    fmt::print("{} v{} registered in {}{}\n", f.type, r->version, (*reg)->url(),
               added.empty() ? "" : " (new columns: " + added + ")");
  }
  return kExitOk;
}

int List(const SchemaFlags& f) {
  auto reg = Open(f);
  if (!reg.ok()) return Fail("schema list", reg.status());
  auto list = (*reg)->List();
  if (!list.ok()) return Fail("schema list", list.status());
  fmt::print("{:<24} {:>7} {:>7}\n", "event type", "version", "columns");
  for (const auto& s : *list) {
    auto t = registry::ParseSchema(s, (*reg)->url());
    fmt::print("{:<24} {:>7} {:>7}{}\n", s.type, s.version, t.ok() ? std::to_string(t->columns.size()) : "?",
               t.ok() ? "" : "  INVALID: " + t.status().message());
  }
  fmt::print("{} event type(s) in {}\n", list->size(), (*reg)->url());
  return kExitOk;
}

int Show(const SchemaFlags& f) {
  auto reg = Open(f);
  if (!reg.ok()) return Fail("schema show", reg.status());
  auto versions = (*reg)->Versions(f.type);
  if (!versions.ok()) return Fail("schema show", versions.status());
  if (versions->empty()) return Fail("schema show", Status::NotFound(fmt::format("no event type {} in {}", f.type, (*reg)->url())));
  const registry::Schema* s = &versions->back();
  if (f.version > 0) {
    s = nullptr;
    for (const auto& v : *versions) {
      if (v.version == f.version) s = &v;
    }
    if (s == nullptr) {
      return Fail("schema show", Status::NotFound(fmt::format("{} has no version {} (latest: {})", f.type, f.version,
                                                              versions->back().version)));
    }
  }
  fmt::print("# {} v{} of {} (latest v{})\n{}", s->type, s->version, (*reg)->url(), versions->back().version,
             s->document);
  if (!s->document.empty() && s->document.back() != '\n') fmt::print("\n");
  return kExitOk;
}

}  // namespace

void AddRegistryIngestOptions(CLI::App* sub, RegistryIngestFlags* flags) {
  flags->registry_opt =
      sub->add_option("--registry", flags->url,
                      "One table per event type from this schema registry: redis://HOST:PORT[/NAMESPACE] or a "
                      "folder (docs/schema-registry.md); the topic is -t, else KAFKA_TOPIC, else raw_events");
  flags->tables_opt = sub->add_option("--tables", flags->tables,
                                      "With --registry: the tables' base (BASE/<event type>, BASE/_quarantine). "
                                      "Default s3://$S3_BUCKET/$S3_PREFIX when S3_BUCKET is set, else "
                                      "./data/delta-tables/clickstream");
  sub->add_option("--registry-refresh", flags->refresh,
                  "With --registry: how often the registry is re-read for new types and versions")
      ->capture_default_str()
      ->check(DurationIn(std::chrono::milliseconds(100), std::chrono::hours(24)));
}

std::string RegistryTablesText(const RegistryIngestFlags& flags) {
  return fmt::format("{}/<event type> (schema registry {})", flags.tables.empty() ? DefaultTablesBase() : flags.tables,
                     flags.url);
}

Result<ingest::IngestSummary> RunRegistryIngestFlags(const RegistryIngestFlags& flags, const ingest::IngestOptions& options,
                                                     const std::string& topic_given,
                                                     std::function<void(const ingest::IngestStats&)> on_progress) {
  ORBIT_ASSIGN_OR_RETURN(auto reg, registry::OpenRegistry(flags.url));
  registry::RegistryIngestOptions ro;
  ro.ingest = options;
  ro.tables_base = flags.tables.empty() ? DefaultTablesBase() : flags.tables;
  ro.topic = "raw_events";
  if (const char* t = std::getenv("KAFKA_TOPIC"); t != nullptr && *t != '\0') ro.topic = t;
  if (!topic_given.empty()) ro.topic = topic_given;
  ORBIT_ASSIGN_OR_RETURN(auto refresh, ParseDuration(flags.refresh));
  ro.refresh_interval = std::chrono::duration_cast<std::chrono::milliseconds>(refresh);
  ro.stop_requested = [] { return StopRequested(); };
  ro.log = [](const std::string& line) { fmt::print(stderr, "\norbitlake ingest: {}\n", line); };
  ORBIT_ASSIGN_OR_RETURN(registry::RegistryIngestSummary s, registry::RunRegistryIngest(*reg, ro, std::move(on_progress)));
  ingest::IngestSummary out;
  out.stats = s.stats;
  std::string types;
  for (const auto& sc : s.schemas) types += fmt::format("{}{} v{}", types.empty() ? "" : ", ", sc.type, sc.version);
  fmt::print(stderr, "orbitlake ingest: {} run(s) of the registry's pipeline; last with {}\n", s.runs, types);
  return out;
}

void AddSchemaCommand(CLI::App& root, RunFn& run) {
  auto f = std::make_shared<SchemaFlags>();
  CLI::App* group = root.add_subcommand(
      "schema",
      "The schema registry: event type -> schema, for `orbitlake ingest --registry` (one table per type).\n"
      "A schema is the column list of a pipeline table, in TOML (docs/schema-registry.md):\n"
      "  columns = [\n"
      "    { name = \"event_id\", type = \"string\", required = true },\n"
      "    { name = \"url\", type = \"string\" },\n"
      "  ]\n"
      "Registries: redis://HOST:PORT[/NAMESPACE] (default redis://$REDIS_HOST:$REDIS_PORT, localhost:5555)\n"
      "or a folder (FOLDER/<type>/<version>.toml).");
  group->require_subcommand(1);
  auto add_registry = [&](CLI::App* sub) {
    f->registry = DefaultRegistryUrl();
    sub->add_option("--registry", f->registry, "redis://HOST:PORT[/NAMESPACE], or a folder")->capture_default_str();
  };
  CLI::App* put = group->add_subcommand(
      "put", "Register a schema (a new version when it differs from the latest). A new version may only add\n"
             "optional columns; every existing column keeps its type and `required`.\n"
             "Example: orbitlake schema put page_view page_view.toml");
  put->add_option("type", f->type, "Event type (letters, digits, _ and -, starting with a letter)")->required();
  put->add_option("file", f->file, "The schema's TOML file, - for stdin")->required();
  add_registry(put);
  put->callback([f, &run] { run = [f] { return Put(*f); }; });
  CLI::App* list = group->add_subcommand("list", "Event types and their latest versions");
  add_registry(list);
  list->callback([f, &run] { run = [f] { return List(*f); }; });
  CLI::App* show = group->add_subcommand("show", "Print a type's schema (latest, or --version N)");
  show->add_option("type", f->type, "Event type")->required();
  show->add_option("--version", f->version, "Version to show (default: the latest)")->check(IntegerIn(1, INT64_MAX));
  add_registry(show);
  show->callback([f, &run] { run = [f] { return Show(*f); }; });
}

}  // namespace orbitlake::cli
