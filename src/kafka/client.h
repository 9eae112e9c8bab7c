// Settings shared by every Kafka client orbitlake creates, and the one place where
// librdkafka configuration objects are built.
//
// librdkafka is used only inside src/kafka/: the rest of orbitlake sees Status/Result,
// plain structs and spans over message bytes.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace orbitlake::kafka {

struct ClientOptions {
  // Bootstrap servers, "host:port[,host:port...]". Default: a local broker.
  std::string brokers = "127.0.0.1:9092";
  // librdkafka properties given by the user (-X key=value), applied after orbitlake's
  // own defaults so they win. Values of secret properties (passwords, keys) are never
  // printed in errors or logs.
  std::vector<std::pair<std::string, std::string>> properties;
  // Client id reported to the broker. Default "orbitlake".
  std::string client_id = "orbitlake";
};

// Parses "key=value" (from -X) into a pair; InvalidArgument when there is no '='.
Result<std::pair<std::string, std::string>> ParseProperty(std::string_view kv);

// True for property names whose values must not be shown (sasl.password, ssl.key.password,
// sasl.oauthbearer.client.secret, ...).
bool IsSecretProperty(std::string_view key);

// Replaces, in `text`, every value of a secret property that any Kafka client of this
// process was configured with by "<redacted>". librdkafka's own log lines and error
// strings pass through it: they are free text (a SASL or TLS error may quote what it was
// given), so redacting the known values is the only check that does not depend on how
// librdkafka words them. Values shorter than 3 bytes are not tracked (they would blank
// out unrelated text, and are no secret anyway).
std::string RedactSecrets(std::string_view text);

// The version of the librdkafka library this process runs with (e.g. "2.6.1"), which
// may be newer than the rdkafka.h it was built against.
std::string LibraryVersion();

// librdkafka's log lines (connection errors, authentication failures, `-X debug=...`
// output) do not go to stderr raw: every client routes them through this sink as one
// line "orbitlake: kafka <level> [<facility>] <client>: <message>", secrets redacted.
// The default sink writes that line to stderr; tests may replace it (nullptr restores
// the default). Thread safety: librdkafka calls the sink from its own threads; setting
// it is safe at any time.
using LogSink = void (*)(int syslog_level, std::string_view line);
void SetLogSink(LogSink sink);

// Kafka's "no partition chosen" sentinel and "latest/earliest offset" markers, so that
// callers do not need librdkafka's headers.
inline constexpr int32_t kAnyPartition = -1;
inline constexpr int64_t kOffsetBeginning = -2;
inline constexpr int64_t kOffsetEnd = -1;
inline constexpr int64_t kOffsetStored = -1000;

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  // Next offset to read (or commit), or one of the kOffset* markers.
  int64_t offset = kOffsetStored;
  bool operator==(const TopicPartition&) const = default;
};

struct Watermarks {
  int64_t low = 0;   // first offset still in the log
  int64_t high = 0;  // offset the next produced message will get
};

}  // namespace orbitlake::kafka
