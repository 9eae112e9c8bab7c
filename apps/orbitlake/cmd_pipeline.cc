// orbitlake pipeline check: validate a declared pipeline (TOML) and print what it resolves to.
#include <fmt/format.h>

#include "apps/orbitlake/commands.h"
#include "pipeline/describe.h"
#include "pipeline/pipeline_file.h"

namespace orbitlake::cli {
namespace {

constexpr const char* kPipelineHelp =
    "Declared pipelines (TOML files: Kafka topics -> Delta tables with typed columns,\n"
    "routes and checks). 'pipeline check FILE' validates one.";
constexpr const char* kPipelineFooter =
    "Reference with examples: docs/pipelines.md; a complete file: examples/pipelines/clickstream.toml.\n"
    "Running a pipeline ('orbitlake ingest --pipeline FILE') is not available yet.";

constexpr const char* kCheckHelp =
    "Validate a pipeline file and print the sources, tables, columns and routes it\n"
    "resolves to (no Kafka, no table is touched).";
constexpr const char* kCheckFooter =
    "Prints the Kafka settings; each source (topics, format, quarantine table); each\n"
    "table (path, source, route, partition columns, quarantine table), its columns (name,\n"
    "type, from, required) and its checks, with the defaults the file leaves out filled in\n"
    "(e.g. quarantine paths).\n"
    "\n"
    "An invalid file gives one error line naming the file, line, column and key, e.g.\n"
    "  orbitlake pipeline: error: clickstream.toml:37:51: table[1].columns[3].type:\n"
    "    type 'array<struct<sku:strin,qty:integer>>', character 18: unknown type 'strin'\n"
    "    (did you mean string?)\n"
    "Array indexes count from 0: table[1] is the second [[table]], columns[3] its fourth column.\n"
    "\n"
    "Exit status: 0 the file is valid, 1 it is not (or cannot be read).\n"
    "\n"
    "Example:\n"
    "  orbitlake pipeline check examples/pipelines/clickstream.toml\n"
    "Every key is described in docs/pipelines.md.";

int RunCheck(const std::string& file) {
  auto spec = pipeline::LoadPipelineFile(file);
  if (!spec.ok()) {
    // The message already names the file and place: print it as is (no status code).
    fmt::print(stderr, "orbitlake pipeline: error: {}\n", spec.status().message());
    return kExitError;
  }
  fmt::print("{}: valid ({} source{}, {} table{})\n\n{}", file, spec->sources.size(),
             spec->sources.size() == 1 ? "" : "s", spec->tables.size(), spec->tables.size() == 1 ? "" : "s",
             pipeline::DescribePipeline(*spec));
  return kExitOk;
}

}  // namespace

void AddPipelineCommand(CLI::App& root, RunFn& run) {
  CLI::App* pipeline = root.add_subcommand("pipeline", kPipelineHelp);
  pipeline->footer(kPipelineFooter);
  pipeline->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  CLI::App* check = pipeline->add_subcommand("check", kCheckHelp);
  check->footer(kCheckFooter);
  check->add_option("file", *file, "The pipeline file (TOML)")->required();
  check->callback([file, &run] { run = [file] { return RunCheck(*file); }; });
}

}  // namespace orbitlake::cli
