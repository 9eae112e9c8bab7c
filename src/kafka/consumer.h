// Kafka consumer: an owning wrapper over a librdkafka consumer handle, with
// deadline-bounded batch consumption and a rebalance hook.
//
// Offsets: auto-commit is off. Callers that keep their offsets elsewhere (orbitlake
// keeps them in the Delta log) choose the start offset of each assigned partition in
// RebalanceListener::OnAssign, and may tell Kafka what they committed with Commit() so
// standard lag tools see it.
//
// Thread safety: a Consumer is used from one thread. The listener is called on that
// thread, from inside ConsumeBatch().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "kafka/client.h"

struct rd_kafka_s;
struct rd_kafka_message_s;

namespace orbitlake::kafka {

// One consumed message. Owns librdkafka's buffer: payload() and key() are views valid
// for the Message's lifetime, so decoding can be zero-copy.
class Message {
 public:
  Message() = default;
  explicit Message(rd_kafka_message_s* m) : m_(m) {}
  ~Message();
  Message(Message&& o) noexcept : m_(o.m_) { o.m_ = nullptr; }
  Message& operator=(Message&& o) noexcept;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  std::string_view topic() const;
  int32_t partition() const;
  int64_t offset() const;
  std::span<const uint8_t> payload() const;
  // Empty when the message has no key.
  std::string_view key() const;
  // False for a null key (distinct from an empty one).
  bool has_key() const;
  // The message's headers, in order, appended to `out` (name, value; a null value is
  // has_value == false). Views into the message: valid while it lives. Parsed on first
  // call, so messages whose headers nobody reads cost nothing.
  struct Header {
    std::string_view name;
    std::span<const uint8_t> value;
    bool has_value = false;
  };
  void Headers(std::vector<Header>& out) const;
  // Milliseconds since the epoch; -1 when the message has none.
  int64_t timestamp_ms() const;
  // True when the broker stamped it on append (LogAppendTime), false for CreateTime.
  bool timestamp_is_log_append() const;

 private:
  rd_kafka_message_s* m_ = nullptr;
};

class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  // `partitions` were just assigned. Set each offset to where reading must start, or
  // leave kOffsetStored to use Kafka's committed offset (else auto.offset.reset). An
  // error stops the consumer: the next ConsumeBatch() returns it.
  virtual Status OnAssign(std::vector<TopicPartition>& partitions) = 0;
  // `partitions` are about to be taken away: the last moment to finish work for them.
  virtual void OnRevoke(const std::vector<TopicPartition>& partitions) = 0;
};

struct ConsumerOptions {
  ClientOptions client;
  // group.id. Default "orbitlake".
  std::string group_id = "orbitlake";
  // Where partitions without a committed offset start: "earliest" or "latest".
  // Default "earliest", so nothing produced before the first start is missed.
  std::string auto_offset_reset = "earliest";
  // Rebalance hook; may be null. Not owned; must outlive the consumer.
  RebalanceListener* listener = nullptr;
  // Report reaching the end of a partition (see ConsumeBatch). Default on.
  bool report_partition_end = true;
  // Payload bytes prefetched into the local queue at most (librdkafka
  // queued.max.messages.kbytes, one queue for all partitions), in KiB. librdkafka's
  // default (64 MiB) costs several hundred MB of process memory once its per-message
  // overhead and fetch buffers are counted. Default 4096: with the short backoff below it
  // keeps a consumer of a 6-partition topic on one broker at the raw consume rate.
  int prefetch_kbytes = 4096;
  // How long fetching pauses once the local queue is full (fetch.queue.backoff.ms,
  // librdkafka >= 2.3; older ones pause until their broker thread wakes, up to 1 s).
  // librdkafka's default, 1 s, idles a consumer that drains the queue faster than that,
  // which a catching-up ingester always does. Default 10 ms.
  std::chrono::milliseconds prefetch_backoff{10};
};

class Consumer {
 public:
  static Result<std::unique_ptr<Consumer>> Create(ConsumerOptions options);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Joins the group and subscribes; partitions arrive through the listener.
  Status Subscribe(const std::vector<std::string>& topics);
  // Reads exactly these partitions from their offsets, without group management.
  Status Assign(const std::vector<TopicPartition>& partitions);

  // Appends up to `max_messages` messages to `out`, returning once that many arrived or
  // `timeout` passed (OK either way; possibly with none). Partitions whose end was
  // reached are appended to `reached_end` when given. Transient errors (broker down,
  // unknown topic yet) do not fail the call: see last_transient_error(). Fatal errors
  // and listener failures are returned.
  Status ConsumeBatch(std::vector<Message>& out, size_t max_messages, std::chrono::milliseconds timeout,
                      std::vector<TopicPartition>* reached_end = nullptr);

  // Commits these next-offsets to Kafka (informational for orbitlake).
  Status Commit(const std::vector<TopicPartition>& offsets, bool async);

  Result<Watermarks> QueryWatermarks(const std::string& topic, int32_t partition,
                                     std::chrono::milliseconds timeout);
  // The watermarks librdkafka learned from its last fetch of this partition, without
  // asking the broker; NotFound before the first fetch. Cheap: for lag metrics.
  Result<Watermarks> CachedWatermarks(const std::string& topic, int32_t partition);

  // Moves the fetch position of assigned partitions to their `offset` (e.g. back to
  // the last offset a table holds + 1, after a batch was dropped). Messages already
  // fetched past it are discarded by librdkafka.
  Status Seek(const std::vector<TopicPartition>& positions, std::chrono::milliseconds timeout);
  Result<std::vector<TopicPartition>> Assignment();

  // Leaves the group (triggers OnRevoke) and stops fetching. Idempotent.
  Status Close();

  Status last_transient_error() const { return last_transient_; }

 private:
  explicit Consumer(ConsumerOptions options) : options_(std::move(options)) {}
  static void RebalanceCallback(rd_kafka_s* rk, int err, void* partitions, void* opaque);

  ConsumerOptions options_;
  rd_kafka_s* handle_ = nullptr;
  bool closed_ = false;
  Status listener_error_;
  Status last_transient_;
};

}  // namespace orbitlake::kafka
