// Subcommands of the orbitlake CLI. Each Add*Command registers one subcommand on the
// root app; when the user picks it, it stores its body in `run`, which main() calls
// after parsing. Bodies return the process exit code.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "kafka/client.h"

namespace orbitlake::cli {

using RunFn = std::function<int()>;

// Exit codes shared by all subcommands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;       // the operation failed (message printed)
inline constexpr int kExitDataLoss = 2;    // it ran, but data was lost or not acknowledged

// --brokers and -X key=value (repeatable), the Kafka options every Kafka-facing
// subcommand shares. The -X strings are parsed into `client` by ApplyKafkaProperties().
struct KafkaFlags {
  kafka::ClientOptions client;
  std::vector<std::string> properties;
};
void AddKafkaOptions(CLI::App* sub, KafkaFlags* flags);
// InvalidArgument for a malformed -X.
Status ApplyKafkaProperties(KafkaFlags* flags);

// Prints "orbitlake <cmd>: error: <status>" to stderr and returns kExitError.
int Fail(const std::string& command, const Status& status);

void AddSmokeCommand(CLI::App& root, RunFn& run);
void AddGenerateCommand(CLI::App& root, RunFn& run);
void AddProduceCommand(CLI::App& root, RunFn& run);
void AddIngestCommand(CLI::App& root, RunFn& run);
void AddDemoCommand(CLI::App& root, RunFn& run);
// tail, history, describe
void AddReaderCommands(CLI::App& root, RunFn& run);
void AddPipelineCommand(CLI::App& root, RunFn& run);  // pipeline check

}  // namespace orbitlake::cli
