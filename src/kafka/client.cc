#include "kafka/client.h"

#include <array>

#include "kafka/rdkafka_util.h"

namespace orbitlake::kafka {

Result<std::pair<std::string, std::string>> ParseProperty(std::string_view kv) {
  auto eq = kv.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Status::InvalidArgument("expected key=value for a librdkafka property, got '" +
                                   std::string(kv.substr(0, kv.find('='))) + "'");
  }
  return std::pair{std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1))};
}

bool IsSecretProperty(std::string_view key) {
  // sasl.password, ssl.key.password, ssl.keystore.password, sasl.oauthbearer.client.secret,
  // ssl.key.pem, sasl.oauthbearer.config (may embed credentials).
  static constexpr std::array<std::string_view, 4> kMarkers = {"password", "secret", "ssl.key.pem",
                                                               "oauthbearer.config"};
  for (auto m : kMarkers) {
    if (key.find(m) != std::string_view::npos) return true;
  }
  return false;
}

namespace internal {

Result<ConfPtr> BuildConf(const ClientOptions& options,
                          const std::vector<std::pair<std::string, std::string>>& defaults) {
  ConfPtr conf(rd_kafka_conf_new());
  char err[512];
  auto set = [&](const std::string& k, const std::string& v) -> Status {
    if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      std::string shown = IsSecretProperty(k) ? "<redacted>" : v;
      return Status::InvalidArgument("librdkafka property " + k + "=" + shown + ": " + err);
    }
    return Status::OK();
  };
  if (options.brokers.empty()) return Status::InvalidArgument("no bootstrap servers given (--brokers)");
  ORBIT_RETURN_IF_ERROR(set("bootstrap.servers", options.brokers));
  ORBIT_RETURN_IF_ERROR(set("client.id", options.client_id));
  for (const auto& [k, v] : defaults) ORBIT_RETURN_IF_ERROR(set(k, v));
  for (const auto& [k, v] : options.properties) ORBIT_RETURN_IF_ERROR(set(k, v));
  return conf;
}

Status ErrorStatus(rd_kafka_resp_err_t err, std::string_view context) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::OK();
  std::string m(context);
  m += ": ";
  m += rd_kafka_err2str(err);
  switch (err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
      return Status::Timeout(std::move(m));
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
      return Status::Unavailable(std::move(m));
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
      return Status::NotFound(std::move(m));
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
      return Status::AlreadyExists(std::move(m));
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
      return Status::InvalidArgument(std::move(m));
    default:
      return Status::IOError(std::move(m));
  }
}

PartitionListPtr ToList(const std::vector<TopicPartition>& tps) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(tps.size())));
  for (const auto& tp : tps) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = tp.offset;
  }
  return list;
}

std::vector<TopicPartition> FromList(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  if (list == nullptr) return out;
  out.reserve(list->cnt);
  for (int i = 0; i < list->cnt; ++i) {
    out.push_back({list->elems[i].topic, list->elems[i].partition, list->elems[i].offset});
  }
  return out;
}

}  // namespace internal
}  // namespace orbitlake::kafka
