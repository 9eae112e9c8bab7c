#include <fmt/format.h>

#include "apps/orbitlake/commands.h"

namespace orbitlake::cli {

void AddKafkaOptions(CLI::App* sub, KafkaFlags* flags) {
  sub->add_option("-b,--brokers", flags->client.brokers, "Kafka bootstrap servers, host:port[,host:port]")
      ->capture_default_str();
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

int Fail(const std::string& command, const Status& status) {
  fmt::print(stderr, "orbitlake {}: error: {}\n", command, status.ToString());
  return kExitError;
}

}  // namespace orbitlake::cli
