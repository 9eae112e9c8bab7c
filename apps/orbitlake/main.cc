// orbitlake: stream device telemetry through Kafka into Delta Lake tables.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "apps/orbitlake/commands.h"
#include "apps/orbitlake/config_file.h"
#include "apps/orbitlake/version.h"
#include "common/signals.h"
#include "kafka/client.h"

namespace {

constexpr const char* kExitCodesHelp =
    "Exit codes: 0 done; 1 the operation failed (one line on stderr says why); 2 usage error\n"
    "(a bad option, value or config file: nothing ran); 3 it ran but data was not delivered\n"
    "(produce: events not acknowledged; demo: not everything committed in time; smoke: the\n"
    "round trip lost or duplicated messages); 130 interrupted (demo).\n";

// A command-line or config-file error: one line, "orbitlake <command>: error: ...", and
// exit code 2, whatever CLI11's own code and format would be.
int UsageError(CLI::App& app, const CLI::ParseError& e) {
  std::string command;
  for (const CLI::App* sub : app.get_subcommands()) command = " " + sub->get_name();
  std::string message = e.what();
  if (command.empty() && dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
    std::string names;
    for (const CLI::App* sub : app.get_subcommands({})) names += (names.empty() ? "" : ", ") + sub->get_name();
    const std::vector<std::string> rest = app.remaining();
    message = rest.empty() ? "a command is required: " + names
                           : "unknown command '" + rest.front() + "' (commands: " + names + ")";
  }
  fmt::print(stderr, "orbitlake{}: error: {}\n", command, message);
  return orbitlake::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "orbitlake " ORBITLAKE_VERSION
      " - stream device telemetry through Apache Kafka into Delta Lake tables, exactly once.\n"
      "Run 'orbitlake <command> --help' for the options of each command."};
  app.set_version_flag("--version", [] {
    return std::string("orbitlake " ORBITLAKE_VERSION " (librdkafka ") + orbitlake::kafka::LibraryVersion() + ")";
  });
  app.require_subcommand(1);
  // One config file for every command: TOML with a [command] section per command
  // (e.g. [ingest] brokers = "..."), read strictly (config_file.h). Fallthrough lets it
  // follow the command name.
  orbitlake::cli::SetStrictConfig(app, "--config",
                                  "Read options from this TOML file, one [command] section per command");
  app.fallthrough(true);
  app.footer(kExitCodesHelp);

  orbitlake::cli::RunFn run;
  orbitlake::cli::AddSmokeCommand(app, run);
  orbitlake::cli::AddGenerateCommand(app, run);
  orbitlake::cli::AddProduceCommand(app, run);
  orbitlake::cli::AddIngestCommand(app, run);
  orbitlake::cli::AddDemoCommand(app, run);
  orbitlake::cli::AddReaderCommands(app, run);
  orbitlake::cli::AddPipelineCommand(app, run);
  orbitlake::cli::AddBridgeCommand(app, run);
  orbitlake::cli::AddSimulateCommand(app, run);
  orbitlake::cli::AddMaintenanceCommands(app, run);
  orbitlake::cli::AddSchemaCommand(app, run);
  orbitlake::cli::AddDashboardCommand(app, run);
  orbitlake::cli::SetUpOptionSources(app);
  for (CLI::App* sub : app.get_subcommands({})) sub->footer(sub->get_footer() + "\n\n" + kExitCodesHelp);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return UsageError(app, e);
  }
  orbitlake::InstallStopSignals();
  return run ? run() : orbitlake::cli::kExitOk;
}
