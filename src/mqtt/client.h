// MQTT client: an owning wrapper over a libmosquitto connection (the only place
// libmosquitto is used), driven by the calling thread, with the acknowledgement of
// received QoS 1 messages under the caller's control.
//
// Why libmosquitto, and how acknowledgements are deferred: libmosquitto 2.0 (Debian 12:
// 2.0.11) and Eclipse Paho C both send the PUBACK of a received QoS 1 message on their
// own, before or right after the message callback, and neither has a "manual ack" call
// (mosquitto issue #118 is still open). But libmosquitto's public "external loop" API
// splits network reads from network writes: with mosquitto_threaded_set(true) a packet
// the library wants to send (a PUBACK included) is only queued, and goes out when the
// application calls mosquitto_loop_write(). So this class reads with Read(), which
// queues the PUBACKs of what it returns, and sends them only in Flush(): a caller that
// flushes only after it has stored every message returned so far (the bridge: after
// Kafka acknowledged them) acknowledges nothing it has not stored. If the process dies
// or the connection drops before Flush(), the broker still holds the messages and
// redelivers them to the persistent session (clean_session off). PUBACKs go out in the
// order the messages came, as MQTT 3.1.1 requires. Paho was the alternative; it gives
// no such split, and the Paho C++ wrapper is not in Debian 12's main archive in a
// version with manual acks either.
//
// Thread safety: none; one thread owns a Connection. Different Connections may be used
// from different threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

struct mosquitto;
struct mosquitto_message;

namespace orbitlake::mqtt {

// "tcp://host:port" or "mqtt://host:port" (port default 1883).
struct BrokerAddress {
  std::string host;
  int port = 1883;
  std::string ToString() const;  // "tcp://host:port"
};
Result<BrokerAddress> ParseBrokerUrl(std::string_view url);

// True when `topic` matches the subscription filter `filter` (+ and # wildcards).
bool TopicMatches(std::string_view filter, std::string_view topic);
// InvalidArgument when `filter` is not a valid subscription filter (e.g. "a/#/b").
Status CheckTopicFilter(std::string_view filter);
// InvalidArgument when `topic` is not a valid topic to publish to (no wildcards).
Status CheckTopicName(std::string_view topic);

struct ConnectOptions {
  BrokerAddress broker;
  // The MQTT client id. With clean_session off it names the broker-side session (its
  // subscriptions and the QoS 1 messages queued for it), so it must be stable across
  // restarts. Required.
  std::string client_id;
  // Off: the broker keeps the session (subscriptions, unacknowledged and queued QoS 1
  // messages) while the client is away. Default on.
  bool clean_session = true;
  // MQTT keep-alive: the broker drops a client it heard nothing from for 1.5x this.
  // A caller that holds back Flush() (waiting for Kafka) sends nothing meanwhile, so this
  // bounds how long it can wait before the broker drops it and redelivers. Default 60 s.
  std::chrono::seconds keepalive{60};
  // TCP connect plus CONNACK must complete within this. Default 5 s.
  std::chrono::milliseconds connect_timeout{5'000};
};

struct Message {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retain = false;
};

class Connection {
 public:
  // Connects and waits for the CONNACK. Unavailable when the broker cannot be reached
  // in time, PermissionDenied when it refuses the connection.
  static Result<std::unique_ptr<Connection>> Connect(const ConnectOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Subscribes to every filter at QoS 1 and waits for the SUBACK (within `timeout`).
  // Sends whatever is queued (see Flush): call it before reading anything.
  Status Subscribe(const std::vector<std::string>& filters, std::chrono::milliseconds timeout);

  // Appends to *out the messages that arrive within `wait` (returning as soon as at
  // least one did and nothing more is ready), at most `max`. The PUBACKs of QoS 1 messages
  // are queued, not sent. Also serves keep-alive timers. Unavailable when the connection
  // is lost (the messages read before stay in *out; their PUBACKs are never sent).
  Status Read(std::chrono::milliseconds wait, size_t max, std::vector<Message>* out);

  // Sends everything queued: PUBACKs of all messages Read() returned, publishes, pings.
  // Waits up to `timeout` for the socket to take it. Unavailable when the connection is
  // lost.
  Status Flush(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Queues a publish; *mid identifies its PUBACK in TakeAcknowledged(). Call Flush()
  // (or Read(), which does not send) then Flush() to get it out.
  Status Publish(std::string_view topic, std::string_view payload, int qos, int* mid);

  // The message ids of our QoS 1 publishes the broker acknowledged since the last call.
  std::vector<int> TakeAcknowledged();

  bool connected() const { return connected_; }

 private:
  explicit Connection(::mosquitto* handle);
  Status Check(int rc, std::string_view what);
  Status ReadPackets(std::chrono::milliseconds wait, size_t max, std::vector<Message>* out);
  static void OnConnect(::mosquitto*, void* self, int rc);
  static void OnDisconnect(::mosquitto*, void* self, int rc);
  static void OnMessage(::mosquitto*, void* self, const ::mosquitto_message* message);
  static void OnPublish(::mosquitto*, void* self, int mid);
  static void OnSubscribe(::mosquitto*, void* self, int mid, int count, const int* granted);

  ::mosquitto* handle_;
  std::string where_;  // "tcp://host:port" for error messages
  bool connected_ = false;
  int connack_ = -1;
  int suback_mid_ = -1;
  bool suback_ok_ = false;
  std::vector<Message>* sink_ = nullptr;
  std::vector<int> acked_;
  std::vector<Message> early_;  // arrived while connecting or subscribing
};

}  // namespace orbitlake::mqtt
