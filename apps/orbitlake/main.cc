// orbitlake: stream device telemetry through Kafka into Delta Lake tables.
#include <CLI/CLI.hpp>

#include "apps/orbitlake/commands.h"
#include "apps/orbitlake/version.h"
#include "common/signals.h"
#include "kafka/client.h"

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
  // (e.g. [ingest] brokers = "..."). Fallthrough lets it follow the command name.
  app.set_config("--config", "", "Read options from this TOML file, one [command] section per command");
  app.fallthrough(true);

  orbitlake::cli::RunFn run;
  orbitlake::cli::AddSmokeCommand(app, run);
  orbitlake::cli::AddGenerateCommand(app, run);
  orbitlake::cli::AddProduceCommand(app, run);
  orbitlake::cli::AddIngestCommand(app, run);
  orbitlake::cli::AddDemoCommand(app, run);
  orbitlake::cli::AddReaderCommands(app, run);
  orbitlake::cli::AddPipelineCommand(app, run);

  CLI11_PARSE(app, argc, argv);
  orbitlake::InstallStopSignals();
  return run ? run() : orbitlake::cli::kExitOk;
}
