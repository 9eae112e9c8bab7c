#include "kafka/client.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <mutex>
#include <set>

#include "kafka/rdkafka_util.h"

namespace orbitlake::kafka {

Result<std::pair<std::string, std::string>> ParseProperty(std::string_view kv) {
  auto eq = kv.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    // Echo only the leading key-like part: a mistyped "sasl.password:hunter2" must not
    // print the password.
    size_t key_end = 0;
    while (key_end < kv.size() && (std::isalnum(static_cast<unsigned char>(kv[key_end])) || kv[key_end] == '.' ||
                                   kv[key_end] == '_' || kv[key_end] == '-')) {
      ++key_end;
    }
    std::string shown(kv.substr(0, key_end));
    if (key_end < kv.size()) shown += "...";
    return Status::InvalidArgument("expected key=value for a librdkafka property (-X), got '" + shown + "'");
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

namespace {

// Secret values seen by BuildConf, for RedactSecrets(). Process-wide because librdkafka's
// log callback only gets the handle, whose opaque belongs to the client object; the
// values live in the process's memory anyway (librdkafka keeps its own copy).
std::mutex secrets_mu;
std::set<std::string>& KnownSecrets() {  // GUARDED_BY(secrets_mu)
  static auto* secrets = new std::set<std::string>();
  return *secrets;
}

constexpr size_t kMinTrackedSecret = 3;

void DefaultLogSink(int /*level*/, std::string_view line) {
  // One write per line, so lines of concurrent librdkafka threads do not interleave.
  std::string out(line);
  out += '\n';
  std::fwrite(out.data(), 1, out.size(), stderr);
}

std::atomic<LogSink> log_sink{&DefaultLogSink};

std::string_view LevelName(int level) {
  switch (level) {
    case 0: case 1: case 2: return "critical";
    case 3: return "error";
    case 4: return "warning";
    case 5: return "notice";
    case 6: return "info";
    default: return "debug";
  }
}

void LogCallback(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  std::string line = "orbitlake: kafka ";
  line += LevelName(level);
  line += " [";
  line += facility != nullptr ? facility : "";
  line += "] ";
  if (rk != nullptr) {
    line += rd_kafka_name(rk);
    line += ": ";
  }
  line += message != nullptr ? message : "";
  log_sink.load()(level, RedactSecrets(line));
}

}  // namespace

std::string RedactSecrets(std::string_view text) {
  std::string out(text);
  std::lock_guard lock(secrets_mu);
  // Longer values first: a secret that contains another is replaced whole.
  std::vector<const std::string*> by_length;
  for (const auto& s : KnownSecrets()) by_length.push_back(&s);
  std::sort(by_length.begin(), by_length.end(), [](auto* a, auto* b) { return a->size() > b->size(); });
  for (const std::string* s : by_length) {
    for (size_t pos = out.find(*s); pos != std::string::npos; pos = out.find(*s, pos)) {
      out.replace(pos, s->size(), "<redacted>");
      pos += std::string_view("<redacted>").size();
    }
  }
  return out;
}

void SetLogSink(LogSink sink) { log_sink.store(sink != nullptr ? sink : &DefaultLogSink); }

namespace internal {

Result<ConfPtr> BuildConf(const ClientOptions& options,
                          const std::vector<std::pair<std::string, std::string>>& defaults) {
  ConfPtr conf(rd_kafka_conf_new());
  char err[512];
  auto set = [&](const std::string& k, const std::string& v) -> Status {
    if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      std::string shown = IsSecretProperty(k) ? "<redacted>" : v;
      return Status::InvalidArgument("librdkafka property " + k + "=" + shown + ": " + RedactSecrets(err));
    }
    return Status::OK();
  };
  {
    std::lock_guard lock(secrets_mu);
    for (const auto* list : {&defaults, &options.properties}) {
      for (const auto& [k, v] : *list) {
        if (IsSecretProperty(k) && v.size() >= kMinTrackedSecret) KnownSecrets().insert(v);
      }
    }
  }
  rd_kafka_conf_set_log_cb(conf.get(), &LogCallback);
  if (options.brokers.empty()) return Status::InvalidArgument("no bootstrap servers given (--brokers)");
  ORBIT_RETURN_IF_ERROR(set("bootstrap.servers", options.brokers));
  ORBIT_RETURN_IF_ERROR(set("client.id", options.client_id));
  // A broker closing an idle connection is routine (connections.max.idle.ms), not
  // worth an error line per connection; real connection failures are still logged.
  ORBIT_RETURN_IF_ERROR(set("log.connection.close", "false"));
  // No client metrics (KIP-714) by default, on every handle: destroying a handle that
  // pushes waits for its last push, so against Kafka 4 a producer, admin or consumer
  // took up to ~1 s longer to close at random (`orbitlake produce` of 60 events: 0.04 s
  // or 1.1 s; `ingest --until-caught-up` the same second at exit).
  // -X enable.metrics.push=true turns them back on.
  if (HasClientMetrics()) ORBIT_RETURN_IF_ERROR(set("enable.metrics.push", "false"));
  for (const auto& [k, v] : defaults) ORBIT_RETURN_IF_ERROR(set(k, v));
  for (const auto& [k, v] : options.properties) ORBIT_RETURN_IF_ERROR(set(k, v));
  return conf;
}

Status ErrorStatus(rd_kafka_resp_err_t err, std::string_view context) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::OK();
  std::string m(context);
  m += ": ";
  m += rd_kafka_err2str(err);
  m = RedactSecrets(m);
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

std::string LibraryVersion() { return rd_kafka_version_str(); }

}  // namespace orbitlake::kafka
