// Internal to src/kafka: RAII for librdkafka handles and config building.
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "kafka/client.h"

namespace orbitlake::kafka::internal {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
struct HandleDeleter {
  void operator()(rd_kafka_t* h) const { rd_kafka_destroy(h); }
};
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// A conf with `defaults` then the user's properties applied. Unknown keys or bad values
// are InvalidArgument naming the key (never the value of a secret).
Result<ConfPtr> BuildConf(const ClientOptions& options,
                          const std::vector<std::pair<std::string, std::string>>& defaults);

// enable.metrics.push (KIP-714 client metrics) exists from librdkafka 2.5 on; older
// releases refuse the property, so it is only set when the loaded library knows it.
inline bool HasClientMetrics() { return rd_kafka_version() >= 0x020500ff; }

// Maps a librdkafka error to a Status; the retryable ones become Unavailable/Timeout.
Status ErrorStatus(rd_kafka_resp_err_t err, std::string_view context);

PartitionListPtr ToList(const std::vector<TopicPartition>& tps);
std::vector<TopicPartition> FromList(const rd_kafka_topic_partition_list_t* list);

}  // namespace orbitlake::kafka::internal
