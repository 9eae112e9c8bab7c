#include "kafka/producer.h"

#include <optional>
#include <thread>
#include <utility>

#include "kafka/rdkafka_util.h"

namespace orbitlake::kafka {

using internal::BuildConf;
using internal::ErrorStatus;

Producer::Producer(ProducerOptions options) : options_(std::move(options)) {}

Producer::~Producer() {
  if (handle_ != nullptr) rd_kafka_destroy(handle_);
}

void Producer::DeliveryCallback(rd_kafka_s* /*rk*/, const void* raw, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  const auto* msg = static_cast<const rd_kafka_message_t*>(raw);
  // The common case costs one counter: this runs once per message (millions per second).
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR && !self->options_.on_delivery) {
    self->delivered_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  DeliveryReport report;
  report.topic = msg->rkt != nullptr ? rd_kafka_topic_name(msg->rkt) : "";
  report.partition = msg->partition;
  report.offset = msg->offset;
  report.opaque = msg->_private;
  if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    report.status = ErrorStatus(msg->err, "delivery to " + std::string(report.topic) + " partition " +
                                                    std::to_string(report.partition));
    self->failed_.fetch_add(1);
    std::lock_guard lock(self->mu_);
    if (self->first_error_.ok()) self->first_error_ = report.status;
  } else {
    self->delivered_.fetch_add(1);
  }
  if (self->options_.on_delivery) self->options_.on_delivery(report);
}

Result<std::unique_ptr<Producer>> Producer::Create(ProducerOptions options) {
  std::unique_ptr<Producer> p(new Producer(std::move(options)));
  const auto& o = p->options_;
  std::vector<std::pair<std::string, std::string>> defaults = {
      {"enable.idempotence", o.idempotent ? "true" : "false"},
      {"acks", "all"},
      {"linger.ms", std::to_string(o.linger.count())},
      {"compression.type", o.compression},
      {"message.timeout.ms", std::to_string(o.delivery_timeout.count())},
      {"queue.buffering.max.messages", "1000000"},
      {"batch.size", "1000000"},
  };

  ORBIT_ASSIGN_OR_RETURN(internal::ConfPtr conf, BuildConf(o.client, defaults));
  rd_kafka_conf_set_opaque(conf.get(), p.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), [](rd_kafka_t* rk, const rd_kafka_message_t* m, void* op) {
    DeliveryCallback(rk, m, op);
  });
  char err[512];
  p->handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err);
  if (p->handle_ == nullptr) return Status::InvalidArgument("creating Kafka producer: " + RedactSecrets(err));
  conf.release();  // owned by the handle now
  return p;
}

ProducerTopic::~ProducerTopic() {
  if (handle_ != nullptr) rd_kafka_topic_destroy(handle_);
}

ProducerTopic::ProducerTopic(ProducerTopic&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)), name_(std::move(other.name_)) {}

ProducerTopic& ProducerTopic::operator=(ProducerTopic&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) rd_kafka_topic_destroy(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
    name_ = std::move(other.name_);
  }
  return *this;
}

Result<ProducerTopic> Producer::OpenTopic(std::string_view topic) {
  std::string name(topic);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(handle_, name.c_str(), nullptr);
  if (rkt == nullptr) return ErrorStatus(rd_kafka_last_error(), "opening topic '" + name + "'");
  return ProducerTopic(rkt, std::move(name));
}

Status Producer::Produce(std::string_view topic, std::string_view key, std::span<const uint8_t> value,
                         int64_t timestamp_ms, int32_t partition, void* opaque,
                         std::chrono::milliseconds enqueue_timeout) {
  ORBIT_ASSIGN_OR_RETURN(ProducerTopic t, OpenTopic(topic));
  return Produce(t, key, value, timestamp_ms, partition, opaque, enqueue_timeout);
}

Status Producer::Produce(const ProducerTopic& topic, std::string_view key, std::span<const uint8_t> value,
                         int64_t timestamp_ms, int32_t partition, void* opaque,
                         std::chrono::milliseconds enqueue_timeout) {
  // The deadline is only needed once the queue is full: reading the clock for every
  // message showed up in profiles on virtual machines with a slow clock_gettime.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  for (;;) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        handle_, RD_KAFKA_V_RKT(topic.handle_), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_VALUE(const_cast<uint8_t*>(value.data()), value.size()),
        RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_TIMESTAMP(timestamp_ms > 0 ? timestamp_ms : 0),
        RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::OK();
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) return ErrorStatus(err, "produce to " + topic.name());
    // Queue full: the documented remedy is to serve delivery reports, then retry.
    const auto now = std::chrono::steady_clock::now();
    if (!deadline) deadline = now + enqueue_timeout;
    if (now >= *deadline) {
      return ErrorStatus(err, "produce to " + topic.name() + " (local queue stayed full)");
    }
    rd_kafka_poll(handle_, 10);
  }
}

void Producer::Poll(std::chrono::milliseconds timeout) {
  rd_kafka_poll(handle_, static_cast<int>(timeout.count()));
}

Status Producer::Flush(std::chrono::milliseconds timeout) {
  rd_kafka_resp_err_t err = rd_kafka_flush(handle_, static_cast<int>(timeout.count()));
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    return Status::Timeout(std::to_string(rd_kafka_outq_len(handle_)) +
                           " message(s) still undelivered after flushing for " +
                           std::to_string(timeout.count()) + " ms (brokers: " + options_.client.brokers + ")");
  }
  return ErrorStatus(err, "flush");
}

int Producer::InFlight() const { return rd_kafka_outq_len(handle_); }

Status Producer::first_error() const {
  std::lock_guard lock(mu_);
  return first_error_;
}

}  // namespace orbitlake::kafka
