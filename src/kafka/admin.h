// Topic administration through the Kafka protocol (no Kafka CLI tools needed).
//
// Thread safety: free functions; each call uses its own short-lived client.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"
#include "kafka/client.h"

namespace orbitlake::kafka {

// Creates `topic` with `partitions` partitions (replication factor 1 unless set by the
// broker). AlreadyExists when it exists. Unavailable/Timeout when the brokers cannot be
// reached within `timeout`; the message names the bootstrap servers.
Status CreateTopic(const ClientOptions& client, const std::string& topic, int partitions,
                   std::chrono::milliseconds timeout = std::chrono::seconds(15));

// Creates the topic if it is missing; OK when it already exists.
Status EnsureTopic(const ClientOptions& client, const std::string& topic, int partitions,
                   std::chrono::milliseconds timeout = std::chrono::seconds(15));

Status DeleteTopic(const ClientOptions& client, const std::string& topic,
                   std::chrono::milliseconds timeout = std::chrono::seconds(15));

// Number of partitions of `topic`; NotFound when it does not exist.
Result<int> PartitionCount(const ClientOptions& client, const std::string& topic,
                           std::chrono::milliseconds timeout = std::chrono::seconds(15));

}  // namespace orbitlake::kafka
