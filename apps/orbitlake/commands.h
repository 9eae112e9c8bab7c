// Subcommands of the orbitlake CLI. Each Add*Command registers one subcommand on the
// root app; when the user picks it, it stores its body in `run`, which main() calls
// after parsing. Bodies return the process exit code.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "kafka/client.h"
#include "storage/table_uri.h"

namespace orbitlake::cli {

using RunFn = std::function<int()>;

// Exit codes shared by all subcommands (listed in `orbitlake --help` and the README).
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;        // the operation failed (message printed)
inline constexpr int kExitUsage = 2;        // bad command line or config file: nothing ran
inline constexpr int kExitDataLoss = 3;     // it ran, but data was not acknowledged / committed
inline constexpr int kExitInterrupted = 130;  // stopped by Ctrl-C before it finished (demo)

// --brokers and -X key=value (repeatable), the Kafka options every Kafka-facing
// subcommand shares. --brokers also reads ORBITLAKE_BROKERS. The -X strings are parsed
// into `client` by ApplyKafkaProperties().
struct KafkaFlags {
  kafka::ClientOptions client;
  std::vector<std::string> properties;
};
void AddKafkaOptions(CLI::App* sub, KafkaFlags* flags);
// InvalidArgument for a malformed -X.
Status ApplyKafkaProperties(KafkaFlags* flags);

// -t/--topic for a command that uses one topic: reads ORBITLAKE_TOPIC when `from_env`;
// a list ("a,b") is refused, and so is a name Kafka would refuse.
CLI::Option* AddTopicOption(CLI::App* sub, std::string* topic, const std::string& help, bool from_env = true);
// -t/--topic for a command that takes several: repeatable, and comma lists are split
// wherever they come from (-t a,b, a config array or string, ORBITLAKE_TOPIC=a,b).
CLI::Option* AddTopicsOption(CLI::App* sub, std::vector<std::string>* topics, const std::string& help);
// -g/--group, also from ORBITLAKE_GROUP.
CLI::Option* AddGroupOption(CLI::App* sub, std::string* group, const std::string& help);

// Parse-time checks for option values: each refuses with one line naming the range,
// e.g. "--max-rows: must be an integer from 1 to 100000000, got '0'" (CLI11 prefixes
// the option). The pure Check* functions are what they run (unit-tested).
Status CheckInteger(std::string_view text, int64_t min, int64_t max);
Status CheckUnsigned(std::string_view text, uint64_t min, uint64_t max);
Status CheckNumber(std::string_view text, double min, double max);  // finite only
Status CheckDuration(std::string_view text, std::chrono::nanoseconds min, std::chrono::nanoseconds max);
// A byte size as ParseByteSize reads it ("128MiB", "1GiB", "104857600").
Status CheckByteSize(std::string_view text, int64_t min, int64_t max);
Status CheckSleepRange(std::string_view text);
Status CheckTopicName(std::string_view text);
CLI::Validator IntegerIn(int64_t min, int64_t max);
CLI::Validator UnsignedIn(uint64_t min, uint64_t max);
CLI::Validator NumberIn(double min, double max);
CLI::Validator DurationIn(std::chrono::nanoseconds min, std::chrono::nanoseconds max);
CLI::Validator ByteSizeIn(int64_t min, int64_t max);
CLI::Validator SleepRangeValidator();
// A table location (storage::ParseTableUri: a local path, a file:// URI or
// s3://bucket/prefix; no other scheme, never empty). The value is kept as written; open it with OpenTableStorage.
CLI::Validator TableLocation();
// A local folder given like a table location (a path or a file:// URI, not s3://); the value is
// replaced by the local path, so add it with ->transform(), not ->check().
CLI::Validator LocalFolder();

// The help text of a table location argument.
inline constexpr const char* kTableLocationHelp =
    "Delta table: a folder, a file:// URI or s3://bucket/prefix (S3: AWS_* variables or -S, see README)";

// -S/--storage-option key=value, repeatable: settings of object-store tables (S3:
// endpoint_url, region, access_key_id, secret_access_key, session_token, allow_http,
// virtual_hosted_style_request; "AWS_" prefix optional, any case), overriding the AWS_*
// environment variables; a local table ignores them. Each item is checked when parsed
// (key=value, known key); a message never shows a value (it may be a secret).
CLI::Option* AddStorageOptions(CLI::App* sub, std::vector<std::string>* items);
// OpenTableStorage(location, the parsed -S items).
Result<std::shared_ptr<storage::Storage>> OpenTableWith(const std::string& location,
                                                        const std::vector<std::string>& storage_items);

// Call after all subcommands are added. Adds to every subcommand's --help where its
// options may also come from (its config file section, the environment variables its
// options read) and the precedence: command line > config file > environment >
// default. And makes only the chosen command read the environment: CLI11 would apply
// (and check) variables for every command, so ORBITLAKE_TOPIC=a,b, fine for ingest,
// would fail `orbitlake ingest` (or `orbitlake` alone) through produce's one-topic check.
void SetUpOptionSources(CLI::App& root);

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
void AddBridgeCommand(CLI::App& root, RunFn& run);    // bridge mqtt
void AddSimulateCommand(CLI::App& root, RunFn& run);  // simulate devices, simulate sensors
void AddSimulateSensorsCommand(CLI::App* simulate, RunFn& run);
// optimize, vacuum, checkpoint
void AddMaintenanceCommands(CLI::App& root, RunFn& run);
void AddSchemaCommand(CLI::App& root, RunFn& run);  // schema put|list|show (registry_options.h)
void AddDashboardCommand(CLI::App& root, RunFn& run);  // dashboard (src/dashboard)

}  // namespace orbitlake::cli
