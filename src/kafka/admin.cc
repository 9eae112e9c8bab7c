#include "kafka/admin.h"

#include <thread>

#include "kafka/rdkafka_util.h"

namespace orbitlake::kafka {
namespace {

using internal::ErrorStatus;
using internal::HandlePtr;

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

Result<HandlePtr> AdminHandle(const ClientOptions& client) {
  // A producer-type handle would make metadata requests auto-create topics.
  std::vector<std::pair<std::string, std::string>> defaults = {{"allow.auto.create.topics", "false"}};
  ORBIT_ASSIGN_OR_RETURN(internal::ConfPtr conf, internal::BuildConf(client, defaults));
  char err[512];
  rd_kafka_t* h = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err);
  if (h == nullptr) return Status::InvalidArgument("creating Kafka admin client: " + RedactSecrets(err));
  conf.release();
  return HandlePtr(h);
}

Status Unreachable(const ClientOptions& client, std::chrono::milliseconds timeout, std::string_view what) {
  return Status::Timeout(std::string(what) + ": no answer from Kafka at " + client.brokers + " within " +
                         std::to_string(timeout.count()) + " ms (is the broker running? scripts/kafka start)");
}

// Runs one admin request and returns the topic-level result status.
template <typename Submit, typename GetResults>
Status RunTopicOp(const ClientOptions& client, const std::string& topic, std::chrono::milliseconds timeout,
                  std::string_view what, Submit submit, GetResults results) {
  ORBIT_ASSIGN_OR_RETURN(HandlePtr h, AdminHandle(client));
  QueuePtr q(rd_kafka_queue_new(h.get()));
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(h.get(), RD_KAFKA_ADMIN_OP_ANY);
  char err[512];
  rd_kafka_AdminOptions_set_request_timeout(opts, static_cast<int>(timeout.count()), err, sizeof err);
  rd_kafka_AdminOptions_set_operation_timeout(opts, static_cast<int>(timeout.count()), err, sizeof err);
  submit(h.get(), opts, q.get());
  rd_kafka_AdminOptions_destroy(opts);
  EventPtr ev(rd_kafka_queue_poll(q.get(), static_cast<int>(timeout.count()) + 1000));
  if (!ev) return Unreachable(client, timeout, what);
  if (rd_kafka_event_error(ev.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (rd_kafka_event_error(ev.get()) == RD_KAFKA_RESP_ERR__TIMED_OUT) return Unreachable(client, timeout, what);
    return ErrorStatus(rd_kafka_event_error(ev.get()), std::string(what) + " " + topic);
  }
  size_t n = 0;
  const rd_kafka_topic_result_t** res = results(ev.get(), &n);
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* msg = rd_kafka_topic_result_error_string(res[i]);
      return ErrorStatus(e, std::string(what) + " " + topic + (msg != nullptr ? std::string(" (") + msg + ")" : ""));
    }
  }
  return Status::OK();
}

}  // namespace

Status CreateTopic(const ClientOptions& client, const std::string& topic, int partitions,
                   std::chrono::milliseconds timeout) {
  if (partitions < 1) return Status::InvalidArgument("a topic needs at least one partition");
  return RunTopicOp(
      client, topic, timeout, "create topic",
      [&](rd_kafka_t* h, rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* q) {
        char err[512];
        rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, -1, err, sizeof err);
        rd_kafka_CreateTopics(h, &nt, 1, opts, q);
        rd_kafka_NewTopic_destroy(nt);
      },
      [](rd_kafka_event_t* ev, size_t* n) {
        return rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), n);
      });
}

Status EnsureTopic(const ClientOptions& client, const std::string& topic, int partitions,
                   std::chrono::milliseconds timeout) {
  Status st = CreateTopic(client, topic, partitions, timeout);
  if (st.code() == StatusCode::kAlreadyExists) return Status::OK();
  if (!st.ok()) return st;
  // Creation is asynchronous on the broker: wait until its metadata shows the topic, so
  // an immediate produce does not auto-create it with default settings.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    Result<int> n = PartitionCount(client, topic, timeout);
    if (n.ok() && *n == partitions) return Status::OK();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status::Timeout("topic " + topic + " created but not visible in metadata yet");
}

Status DeleteTopic(const ClientOptions& client, const std::string& topic, std::chrono::milliseconds timeout) {
  return RunTopicOp(
      client, topic, timeout, "delete topic",
      [&](rd_kafka_t* h, rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* q) {
        rd_kafka_DeleteTopic_t* dt = rd_kafka_DeleteTopic_new(topic.c_str());
        rd_kafka_DeleteTopics(h, &dt, 1, opts, q);
        rd_kafka_DeleteTopic_destroy(dt);
      },
      [](rd_kafka_event_t* ev, size_t* n) {
        return rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), n);
      });
}

Result<int> PartitionCount(const ClientOptions& client, const std::string& topic, std::chrono::milliseconds timeout) {
  ORBIT_ASSIGN_OR_RETURN(HandlePtr h, AdminHandle(client));
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(h.get(), topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(h.get(), 0, rkt, &md, static_cast<int>(timeout.count()));
  rd_kafka_topic_destroy(rkt);
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT) {
    return Unreachable(client, timeout, "metadata of " + topic);
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return ErrorStatus(err, "metadata of " + topic);
  Result<int> out = Status::NotFound("topic " + topic + " does not exist");
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (topic == md->topics[i].topic && md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out = md->topics[i].partition_cnt;
    }
  }
  rd_kafka_metadata_destroy(md);
  return out;
}

}  // namespace orbitlake::kafka
