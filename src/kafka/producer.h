// Kafka producer: an owning wrapper over a librdkafka producer handle.
//
// Delivery guarantees: by default the producer is idempotent with acks=all, so a
// message acknowledged by the broker is stored once, in order per partition, even when
// librdkafka retries internally. Every delivery report is counted; callers decide
// success by comparing delivered() with the number of Produce() calls after Flush().
//
// Thread safety: Produce(), Poll() and the counters may be called from several threads
// at once (librdkafka producers are thread-safe). Delivery callbacks run on the thread
// that calls Poll() or Flush().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "kafka/client.h"

struct rd_kafka_s;
struct rd_kafka_topic_s;

namespace orbitlake::kafka {

struct DeliveryReport {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = -1;
  // OK, or why the message was not stored (after librdkafka's own retries).
  Status status;
  // The opaque value given to Produce().
  void* opaque = nullptr;
};

struct ProducerOptions {
  ClientOptions client;
  // enable.idempotence: no duplicates or reordering from internal retries. Default on.
  bool idempotent = true;
  // linger.ms: how long to wait to fill a batch. Larger batches = fewer requests and
  // better compression, at the cost of latency. Default 5 ms.
  std::chrono::milliseconds linger{5};
  // compression.type for produced batches. Default "lz4" (cheap, and Kafka keeps it).
  std::string compression = "lz4";
  // message.timeout.ms: how long librdkafka keeps retrying one message before
  // reporting it failed. Default 30 s, so an unreachable broker fails in bounded time.
  std::chrono::milliseconds delivery_timeout{30'000};
  // Called for every delivery report, on the thread calling Poll()/Flush(). Optional.
  std::function<void(const DeliveryReport&)> on_delivery;
};

class Producer;

// A topic opened on one Producer, for producing many messages to it: librdkafka looks a
// topic given by name up under a handle-wide lock on every message, which was ~6 % of
// `orbitlake produce`'s CPU. Cheap to move; must not outlive its Producer.
//
// Thread safety: may be used from several threads at once, like the Producer.
class ProducerTopic {
 public:
  ProducerTopic() = default;
  ~ProducerTopic();
  ProducerTopic(ProducerTopic&& other) noexcept;
  ProducerTopic& operator=(ProducerTopic&& other) noexcept;
  ProducerTopic(const ProducerTopic&) = delete;
  ProducerTopic& operator=(const ProducerTopic&) = delete;

  const std::string& name() const { return name_; }

 private:
  friend class Producer;
  ProducerTopic(rd_kafka_topic_s* handle, std::string name) : handle_(handle), name_(std::move(name)) {}
  rd_kafka_topic_s* handle_ = nullptr;
  std::string name_;
};

class Producer {
 public:
  static Result<std::unique_ptr<Producer>> Create(ProducerOptions options);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Enqueues one message (bytes are copied). timestamp_ms <= 0 lets the broker/client
  // stamp it. When the local queue is full it serves delivery reports and retries
  // until `enqueue_timeout` passes (then Unavailable).
  Status Produce(std::string_view topic, std::string_view key, std::span<const uint8_t> value,
                 int64_t timestamp_ms = 0, int32_t partition = kAnyPartition,
                 void* opaque = nullptr,
                 std::chrono::milliseconds enqueue_timeout = std::chrono::seconds(30));

  // Opens `topic` for the Produce() overload below (InvalidArgument for a name
  // librdkafka refuses).
  Result<ProducerTopic> OpenTopic(std::string_view topic);

  // As above, to a topic opened with OpenTopic() on this producer.
  Status Produce(const ProducerTopic& topic, std::string_view key, std::span<const uint8_t> value,
                 int64_t timestamp_ms = 0, int32_t partition = kAnyPartition, void* opaque = nullptr,
                 std::chrono::milliseconds enqueue_timeout = std::chrono::seconds(30));

  // Serves delivery callbacks for up to `timeout`.
  void Poll(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

  // Waits until every enqueued message has a delivery report, or Timeout naming how
  // many are still in flight.
  Status Flush(std::chrono::milliseconds timeout);

  // Messages enqueued and not yet reported.
  int InFlight() const;

  uint64_t delivered() const { return delivered_.load(); }
  uint64_t failed() const { return failed_.load(); }
  // The first delivery error seen, for the summary ("why").
  Status first_error() const;

 private:
  explicit Producer(ProducerOptions options);
  static void DeliveryCallback(rd_kafka_s* rk, const void* msg, void* opaque);

  ProducerOptions options_;
  rd_kafka_s* handle_ = nullptr;
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> failed_{0};
  mutable std::mutex mu_;
  Status first_error_;  // GUARDED_BY(mu_)
};

}  // namespace orbitlake::kafka
