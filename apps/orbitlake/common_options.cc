#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "apps/orbitlake/commands.h"
#include "common/byte_size.h"
#include "common/duration.h"
#include "producer/pacing.h"
#include "storage/table_uri.h"

namespace orbitlake::cli {
namespace {

// Environment variables, one per concept, read by every command that has the option.
constexpr const char* kEnvBrokers = "ORBITLAKE_BROKERS";
constexpr const char* kEnvTopic = "ORBITLAKE_TOPIC";
constexpr const char* kEnvGroup = "ORBITLAKE_GROUP";

// Kafka's own limit on topic names (kafka.common.internals.Topic).
constexpr size_t kMaxTopicNameLength = 249;

std::string Quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

// A duration bound in the largest unit ParseDuration accepts that keeps it whole.
std::string DurationText(std::chrono::nanoseconds d) {
  const int64_t ns = d.count();
  constexpr int64_t kDayNs = 86'400'000'000'000;
  if (ns > kDayNs && ns % kDayNs == 0) return fmt::format("{}d", ns / kDayNs);
  if (ns % 1'000'000'000 == 0) return fmt::format("{}s", ns / 1'000'000'000);
  if (ns % 1'000'000 == 0) return fmt::format("{}ms", ns / 1'000'000);
  if (ns % 1'000 == 0) return fmt::format("{}us", ns / 1'000);
  return fmt::format("{}ns", ns);
}

// A byte-size bound in the largest binary unit that keeps it whole ("1MiB", "1TiB").
std::string ByteSizeText(int64_t b) {
  const char* units[] = {"TiB", "GiB", "MiB", "KiB"};
  for (int i = 0; i < 4; ++i) {
    const int64_t unit = int64_t{1} << (10 * (4 - i));
    if (b >= unit && b % unit == 0) return fmt::format("{}{}", b / unit, units[i]);
  }
  return fmt::format("{}", b);
}

// A CLI11 validator running `check` on each value; its message is the Status's.
CLI::Validator FromCheck(std::function<Status(const std::string&)> check, std::string description) {
  return CLI::Validator(
      [check = std::move(check)](std::string& value) {
        Status st = check(value);
        return st.ok() ? std::string() : st.message();
      },
      std::move(description));
}

template <typename T>
Status CheckIntegral(std::string_view text, T min, T max) {
  auto bad = [&] {
    return Status::InvalidArgument(fmt::format("must be an integer from {} to {}, got {}", min, max, Quoted(text)));
  };
  T value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return bad();
  if (value < min || value > max) return bad();
  return Status::OK();
}

}  // namespace

void AddKafkaOptions(CLI::App* sub, KafkaFlags* flags) {
  sub->add_option("-b,--brokers", flags->client.brokers, "Kafka bootstrap servers, host:port[,host:port]")
      ->capture_default_str()
      ->envname(kEnvBrokers)
      ->check(FromCheck(
          [](const std::string& v) {
            return v.empty() ? Status::InvalidArgument("must name at least one host:port") : Status::OK();
          },
          ""));
  sub->add_option("-X", flags->properties,
                  "librdkafka property key=value, repeatable (e.g. -X security.protocol=SASL_SSL); "
                  "applied last, so it overrides orbitlake's defaults");
}

Status ApplyKafkaProperties(KafkaFlags* flags) {
  for (const auto& kv : flags->properties) {
    ORBIT_ASSIGN_OR_RETURN(auto pair, kafka::ParseProperty(kv));
    flags->client.properties.push_back(std::move(pair));
  }
  return Status::OK();
}

CLI::Option* AddTopicOption(CLI::App* sub, std::string* topic, const std::string& help, bool from_env) {
  CLI::Option* opt = sub->add_option("-t,--topic", *topic, help)->capture_default_str()->check(
      FromCheck([](const std::string& v) { return CheckTopicName(v); }, ""));
  if (from_env) opt->envname(kEnvTopic);
  return opt;
}

CLI::Option* AddTopicsOption(CLI::App* sub, std::vector<std::string>* topics, const std::string& help) {
  return sub->add_option("-t,--topic", *topics, help + " (repeatable; a comma list a,b is split)")
      ->capture_default_str()
      ->delimiter(',')
      ->envname(kEnvTopic)
      ->check(FromCheck([](const std::string& v) { return CheckTopicName(v); }, ""));
}

CLI::Option* AddGroupOption(CLI::App* sub, std::string* group, const std::string& help) {
  return sub->add_option("-g,--group", *group, help)
      ->capture_default_str()
      ->envname(kEnvGroup)
      ->check(FromCheck(
          [](const std::string& v) {
            return v.empty() ? Status::InvalidArgument("the consumer group name is empty") : Status::OK();
          },
          ""));
}

Status CheckInteger(std::string_view text, int64_t min, int64_t max) { return CheckIntegral(text, min, max); }

Status CheckUnsigned(std::string_view text, uint64_t min, uint64_t max) { return CheckIntegral(text, min, max); }

Status CheckNumber(std::string_view text, double min, double max) {
  auto bad = [&] {
    return Status::InvalidArgument(fmt::format("must be a number from {} to {}, got {}", min, max, Quoted(text)));
  };
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return bad();
  if (!std::isfinite(value) || value < min || value > max) return bad();
  return Status::OK();
}

Status CheckDuration(std::string_view text, std::chrono::nanoseconds min, std::chrono::nanoseconds max) {
  auto bad = [&] {
    return Status::InvalidArgument(fmt::format("must be a duration from {} to {} (e.g. 500ms, 5s), got {}",
                                               DurationText(min), DurationText(max), Quoted(text)));
  };
  auto d = ParseDuration(text, std::max<std::chrono::nanoseconds>(max, std::chrono::hours(24)));
  if (!d.ok() || *d < min || *d > max) return bad();
  return Status::OK();
}

Status CheckByteSize(std::string_view text, int64_t min, int64_t max) {
  auto d = ParseByteSize(text, std::numeric_limits<int64_t>::max() / 2);
  if (!d.ok() || *d < min || *d > max) {
    return Status::InvalidArgument(fmt::format("must be a byte size from {} to {} (e.g. 128MiB, 1GiB, 104857600), "
                                               "got {}",
                                               ByteSizeText(min), ByteSizeText(max), Quoted(text)));
  }
  return Status::OK();
}

Status CheckSleepRange(std::string_view text) {
  auto r = producer::ParseSleepRange(text);
  return r.ok() ? Status::OK() : r.status();
}

Status CheckTopicName(std::string_view text) {
  if (text.empty()) return Status::InvalidArgument("the topic name is empty");
  if (text.find(',') != std::string_view::npos) {
    return Status::InvalidArgument("takes one topic, got the list " + Quoted(text));
  }
  const bool legal_chars = std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
  });
  if (!legal_chars || text == "." || text == ".." || text.size() > kMaxTopicNameLength) {
    return Status::InvalidArgument(fmt::format(
        "{} is not a Kafka topic name (1 to {} of the characters a-z A-Z 0-9 . _ -)", Quoted(text),
        kMaxTopicNameLength));
  }
  return Status::OK();
}

CLI::Validator ByteSizeIn(int64_t min, int64_t max) {
  return FromCheck([=](const std::string& v) { return CheckByteSize(v, min, max); }, "SIZE");
}

CLI::Validator IntegerIn(int64_t min, int64_t max) {
  return FromCheck([=](const std::string& v) { return CheckInteger(v, min, max); },
                   fmt::format("{} to {}", min, max));
}

CLI::Validator UnsignedIn(uint64_t min, uint64_t max) {
  return FromCheck([=](const std::string& v) { return CheckUnsigned(v, min, max); },
                   fmt::format("{} to {}", min, max));
}

CLI::Validator NumberIn(double min, double max) {
  return FromCheck([=](const std::string& v) { return CheckNumber(v, min, max); },
                   fmt::format("{} to {}", min, max));
}

CLI::Validator DurationIn(std::chrono::nanoseconds min, std::chrono::nanoseconds max) {
  return FromCheck([=](const std::string& v) { return CheckDuration(v, min, max); },
                   fmt::format("duration {} to {}", DurationText(min), DurationText(max)));
}

CLI::Validator SleepRangeValidator() {
  return FromCheck([](const std::string& v) { return CheckSleepRange(v); }, "MIN..MAX");
}

CLI::Validator TableLocation() {
  return FromCheck(
      [](const std::string& v) {
        auto r = storage::ParseTableUri(v);
        return r.ok() ? Status::OK() : r.status();
      },
      "path, file:// or s3:// URI");
}

CLI::Option* AddStorageOptions(CLI::App* sub, std::vector<std::string>* items) {
  return sub
      ->add_option("-S,--storage-option", *items,
                   "Object-store setting key=value, repeatable, overriding the AWS_* variables, e.g. "
                   "-S endpoint_url=http://127.0.0.1:8333 -S allow_http=true (keys: endpoint_url, region, "
                   "access_key_id, secret_access_key, session_token, allow_http, virtual_hosted_style_request; "
                   "AWS_ prefix optional, as delta-rs's storage_options); for every table the command opens, local ones "
                   "ignore them")
      ->check(FromCheck([](const std::string& v) { return storage::ParseStorageOptions({v}).status(); },
                        "KEY=VALUE"));
}

Result<std::shared_ptr<storage::Storage>> OpenTableWith(const std::string& location,
                                                        const std::vector<std::string>& storage_items) {
  ORBIT_ASSIGN_OR_RETURN(storage::StorageOptions options, storage::ParseStorageOptions(storage_items));
  return storage::OpenTableStorage(location, options);
}

CLI::Validator LocalFolder() {
  return CLI::Validator(
      [](std::string& value) {
        auto r = storage::ParseTableUri(value);
        if (!r.ok()) return r.status().message();
        if (r->scheme != "file") return "'" + value + "' is not a local folder (a path or a file:// URI)";
        value = r->path;
        return std::string();
      },
      "path or file:// URI");
}

int Fail(const std::string& command, const Status& status) {
  fmt::print(stderr, "orbitlake {}: error: {}\n", command, status.ToString());
  return kExitError;
}

void SetUpOptionSources(CLI::App& root) {
  for (CLI::App* sub : root.get_subcommands({})) {
    std::vector<std::pair<CLI::Option*, std::string>> variables;
    std::string env;
    for (CLI::Option* opt : sub->get_options()) {
      if (opt->get_envname().empty()) continue;
      variables.emplace_back(opt, opt->get_envname());
      env += fmt::format("\n  {:<18} {}", opt->get_envname(), opt->get_name());
    }
    // CLI11 applies (and checks) the variables of every command, chosen or not: each
    // command gets its own back only when it is the one being parsed (this callback runs
    // before the config file and the environment are applied).
    for (auto& variable : variables) variable.first->envname("");
    sub->preparse_callback([variables](size_t) {
      for (const auto& [opt, name] : variables) opt->envname(name);
    });
    const std::string name = sub->get_name();
    std::string text = fmt::format(
        "Options may also come from a config file, 'orbitlake --config FILE {0} ...': TOML, its\n"
        "[{0}] section, keys named like the long options (e.g. name = \"x\", list = [\"a\", \"b\"],\n"
        "flag = true); a syntax error or an unknown key stops the command.\n",
        name);
    if (!env.empty()) {
      text += "Environment:" + env + "\nPrecedence: command line > config file > environment > default.";
    } else {
      text += "Precedence: command line > config file > default.";
    }
    sub->footer(text);
  }
}

}  // namespace orbitlake::cli
