#include "kafka/consumer.h"

#include <cstring>

#include "kafka/rdkafka_util.h"

namespace orbitlake::kafka {

using internal::ErrorStatus;
using internal::FromList;
using internal::PartitionListPtr;
using internal::ToList;

Message::~Message() {
  if (m_ != nullptr) rd_kafka_message_destroy(m_);
}

Message& Message::operator=(Message&& o) noexcept {
  if (this != &o) {
    if (m_ != nullptr) rd_kafka_message_destroy(m_);
    m_ = o.m_;
    o.m_ = nullptr;
  }
  return *this;
}

std::string_view Message::topic() const { return m_->rkt != nullptr ? rd_kafka_topic_name(m_->rkt) : ""; }
int32_t Message::partition() const { return m_->partition; }
int64_t Message::offset() const { return m_->offset; }
std::span<const uint8_t> Message::payload() const {
  return {static_cast<const uint8_t*>(m_->payload), m_->payload != nullptr ? m_->len : 0};
}
std::string_view Message::key() const {
  return m_->key != nullptr ? std::string_view(static_cast<const char*>(m_->key), m_->key_len) : std::string_view();
}
bool Message::has_key() const { return m_->key != nullptr; }
void Message::Headers(std::vector<Header>& out) const {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m_, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR || headers == nullptr) return;
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    out.push_back({name, {static_cast<const uint8_t*>(value), value != nullptr ? size : 0}, value != nullptr});
  }
}
int64_t Message::timestamp_ms() const {
  rd_kafka_timestamp_type_t type;
  return rd_kafka_message_timestamp(m_, &type);
}
bool Message::timestamp_is_log_append() const {
  rd_kafka_timestamp_type_t type;
  rd_kafka_message_timestamp(m_, &type);
  return type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME;
}

Consumer::~Consumer() {
  if (handle_ != nullptr) {
    (void)Close();
    rd_kafka_destroy(handle_);
  }
}

void Consumer::RebalanceCallback(rd_kafka_s* rk, int err_int, void* raw, void* opaque) {
  auto* self = static_cast<Consumer*>(opaque);
  auto err = static_cast<rd_kafka_resp_err_t>(err_int);
  auto* list = static_cast<rd_kafka_topic_partition_list_t*>(raw);
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    std::vector<TopicPartition> tps = FromList(list);
    if (self->options_.listener != nullptr) {
      Status st = self->options_.listener->OnAssign(tps);
      if (!st.ok() && self->listener_error_.ok()) self->listener_error_ = st;
    }
    PartitionListPtr chosen = ToList(tps);
    if (cooperative) {
      rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, chosen.get());
      if (e != nullptr) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, chosen.get());
    }
  } else {
    // Revocation (or a lost assignment): the same duty, finish work before giving up.
    if (self->options_.listener != nullptr) self->options_.listener->OnRevoke(FromList(list));
    if (cooperative) {
      rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, list);
      if (e != nullptr) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, nullptr);
    }
  }
}

Result<std::unique_ptr<Consumer>> Consumer::Create(ConsumerOptions options) {
  std::unique_ptr<Consumer> c(new Consumer(std::move(options)));
  const auto& o = c->options_;
  if (o.group_id.empty()) return Status::InvalidArgument("consumer group id must not be empty");
  std::vector<std::pair<std::string, std::string>> defaults = {
      {"group.id", o.group_id},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", o.auto_offset_reset},
      {"enable.partition.eof", o.report_partition_end ? "true" : "false"},
      {"fetch.wait.max.ms", "100"},
      {"queued.max.messages.kbytes", std::to_string(o.prefetch_kbytes)},
      // A subscribed topic created after the subscription (an MQTT bridge creates a
      // rarely used topic on its first message) is only seen at a metadata refresh:
      // librdkafka's default of 5 min would leave it unread that long.
      {"topic.metadata.refresh.interval.ms", "10000"},
  };
  // The property is unknown to librdkafka < 2.3 (an error if set); those run without it.
  constexpr int kFetchQueueBackoffSince = 0x020300ff;
  if (rd_kafka_version() >= kFetchQueueBackoffSince) {
    defaults.emplace_back("fetch.queue.backoff.ms", std::to_string(o.prefetch_backoff.count()));
  }
  ORBIT_ASSIGN_OR_RETURN(internal::ConfPtr conf, internal::BuildConf(o.client, defaults));
  rd_kafka_conf_set_opaque(conf.get(), c.get());
  rd_kafka_conf_set_rebalance_cb(conf.get(), [](rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                                rd_kafka_topic_partition_list_t* parts, void* op) {
    RebalanceCallback(rk, static_cast<int>(err), parts, op);
  });
  char err[512];
  c->handle_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof err);
  if (c->handle_ == nullptr) return Status::InvalidArgument("creating Kafka consumer: " + RedactSecrets(err));
  conf.release();
  rd_kafka_poll_set_consumer(c->handle_);
  return c;
}

Status Consumer::Subscribe(const std::vector<std::string>& topics) {
  std::vector<TopicPartition> tps;
  for (const auto& t : topics) tps.push_back({t, RD_KAFKA_PARTITION_UA, kOffsetStored});
  PartitionListPtr list = ToList(tps);
  return ErrorStatus(rd_kafka_subscribe(handle_, list.get()), "subscribe");
}

Status Consumer::Assign(const std::vector<TopicPartition>& partitions) {
  PartitionListPtr list = ToList(partitions);
  return ErrorStatus(rd_kafka_assign(handle_, list.get()), "assign");
}

Status Consumer::ConsumeBatch(std::vector<Message>& out, size_t max_messages, std::chrono::milliseconds timeout,
                              std::vector<TopicPartition>* reached_end) {
  using std::chrono::steady_clock;
  const auto deadline = steady_clock::now() + timeout;
  // While messages are queued they are taken without waiting, and the clock is read
  // only every kClockEvery messages: reading it per message was a measurable share of
  // the ingester's CPU.
  constexpr int kClockEvery = 256;
  int since_clock = 0;
  size_t got = 0;
  while (got < max_messages) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(handle_, 0);
    if (m == nullptr) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
      if (left.count() <= 0) break;
      m = rd_kafka_consumer_poll(handle_, static_cast<int>(left.count()));
      since_clock = 0;
    } else if (++since_clock == kClockEvery) {
      since_clock = 0;
      if (steady_clock::now() >= deadline) max_messages = got + 1;  // take this one, then stop
    }
    if (!listener_error_.ok()) {
      if (m != nullptr) rd_kafka_message_destroy(m);
      return listener_error_;
    }
    if (m == nullptr) continue;  // the deadline is checked again above
    switch (m->err) {
      case RD_KAFKA_RESP_ERR_NO_ERROR:
        out.emplace_back(m);
        ++got;
        break;
      case RD_KAFKA_RESP_ERR__PARTITION_EOF:
        if (reached_end != nullptr) {
          reached_end->push_back({m->rkt != nullptr ? rd_kafka_topic_name(m->rkt) : "", m->partition, m->offset});
        }
        rd_kafka_message_destroy(m);
        break;
      default: {
        Status st = ErrorStatus(m->err, "consume");
        rd_kafka_message_destroy(m);
        char fatal[512];
        if (rd_kafka_fatal_error(handle_, fatal, sizeof fatal) != RD_KAFKA_RESP_ERR_NO_ERROR) {
          return Status::IOError("fatal consumer error: " + RedactSecrets(fatal));
        }
        last_transient_ = st;
        break;
      }
    }
  }
  return Status::OK();
}

Status Consumer::Commit(const std::vector<TopicPartition>& offsets, bool async) {
  if (offsets.empty()) return Status::OK();
  PartitionListPtr list = ToList(offsets);
  return ErrorStatus(rd_kafka_commit(handle_, list.get(), async ? 1 : 0), "commit offsets to Kafka");
}

Result<Watermarks> Consumer::QueryWatermarks(const std::string& topic, int32_t partition,
                                             std::chrono::milliseconds timeout) {
  Watermarks w;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(handle_, topic.c_str(), partition, &w.low, &w.high,
                                                             static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return ErrorStatus(err, "watermarks of " + topic + "/" + std::to_string(partition));
  }
  return w;
}

Result<Watermarks> Consumer::CachedWatermarks(const std::string& topic, int32_t partition) {
  Watermarks w;
  rd_kafka_resp_err_t err = rd_kafka_get_watermark_offsets(handle_, topic.c_str(), partition, &w.low, &w.high);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR || w.high < 0) {
    return Status::NotFound("no cached watermarks for " + topic + "/" + std::to_string(partition));
  }
  return w;
}

Status Consumer::Seek(const std::vector<TopicPartition>& positions, std::chrono::milliseconds timeout) {
  if (positions.empty()) return Status::OK();
  PartitionListPtr list = ToList(positions);
  rd_kafka_error_t* e = rd_kafka_seek_partitions(handle_, list.get(), static_cast<int>(timeout.count()));
  if (e != nullptr) {
    Status st = ErrorStatus(rd_kafka_error_code(e), "seek");
    rd_kafka_error_destroy(e);
    return st;
  }
  for (int i = 0; i < list->cnt; ++i) {
    if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return ErrorStatus(list->elems[i].err,
                         "seek " + std::string(list->elems[i].topic) + "/" + std::to_string(list->elems[i].partition));
    }
  }
  return Status::OK();
}

Result<std::vector<TopicPartition>> Consumer::Assignment() {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_assignment(handle_, &raw);
  PartitionListPtr list(raw);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return ErrorStatus(err, "assignment");
  return FromList(list.get());
}

Status Consumer::Close() {
  if (closed_) return Status::OK();
  closed_ = true;
  return ErrorStatus(rd_kafka_consumer_close(handle_), "close consumer");
}

}  // namespace orbitlake::kafka
