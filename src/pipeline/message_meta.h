// Where a Kafka message came from: what a decoder may copy into a row besides the
// payload (columns `from = "kafka.topic|partition|offset|timestamp|key"`,
// `kafka.header.NAME`).
//
// Plain views: no librdkafka, no JSON parser. Everything points into memory the caller
// owns (the consumed message) and must stay valid for the duration of the call it is
// passed to; nothing keeps a reference afterwards.
// Thread safety: a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace orbitlake::pipeline {

struct MessageHeader {
  std::string_view name;
  // A Kafka header value may be null (distinct from empty): nullopt.
  std::optional<std::span<const uint8_t>> value;
};

struct MessageMeta {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  // Kafka's message timestamp (create or log-append time) in ms since the epoch;
  // nullopt when the broker has none (librdkafka: RD_KAFKA_TIMESTAMP_NOT_AVAILABLE).
  std::optional<int64_t> timestamp_ms;
  // nullopt: the message has no key (a null key), distinct from an empty one.
  std::optional<std::span<const uint8_t>> key;
  // In the message's order. Kafka allows a name more than once: a column reads the last
  // one (as Kafka's Java client's lastHeader()).
  std::span<const MessageHeader> headers;
};

}  // namespace orbitlake::pipeline
