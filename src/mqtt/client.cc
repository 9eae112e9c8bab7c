#include "mqtt/client.h"

#include <mosquitto.h>
#include <poll.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <iterator>
#include <mutex>

namespace orbitlake::mqtt {
namespace {

using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

void InitLibrary() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string ErrorText(int rc) {
  if (rc == MOSQ_ERR_ERRNO) return std::strerror(errno);
  return mosquitto_strerror(rc);
}

// Waits until the socket is readable (POLLIN) or writable (POLLOUT), at most `wait`.
bool WaitSocket(int fd, short events, milliseconds wait) {
  if (fd < 0) return false;
  pollfd p{fd, events, 0};
  int n = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, wait.count())));
  return n > 0 && (p.revents & (events | POLLERR | POLLHUP)) != 0;
}

}  // namespace

std::string BrokerAddress::ToString() const { return "tcp://" + host + ":" + std::to_string(port); }

Result<BrokerAddress> ParseBrokerUrl(std::string_view url) {
  const std::string original(url);
  for (std::string_view scheme : {"tcp://", "mqtt://"}) {
    if (url.substr(0, scheme.size()) == scheme) {
      url.remove_prefix(scheme.size());
      break;
    }
  }
  if (url.find("://") != std::string_view::npos) {
    return Status::InvalidArgument("MQTT broker '" + original + "': only tcp:// and mqtt:// are supported");
  }
  if (!url.empty() && url.back() == '/') url.remove_suffix(1);
  BrokerAddress a;
  const size_t colon = url.rfind(':');
  a.host = std::string(url.substr(0, colon));
  if (colon != std::string_view::npos) {
    std::string_view port = url.substr(colon + 1);
    int p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p < 1 || p > 65535) {
      return Status::InvalidArgument("MQTT broker '" + original + "': the port must be 1..65535");
    }
    a.port = p;
  }
  if (a.host.empty() || a.host.find_first_of("/ ") != std::string::npos) {
    return Status::InvalidArgument("MQTT broker '" + original + "': expected tcp://HOST:PORT");
  }
  return a;
}

bool TopicMatches(std::string_view filter, std::string_view topic) {
  bool result = false;
  const std::string f(filter), t(topic);
  return mosquitto_topic_matches_sub(f.c_str(), t.c_str(), &result) == MOSQ_ERR_SUCCESS && result;
}

Status CheckTopicFilter(std::string_view filter) {
  const std::string f(filter);
  if (f.empty() || mosquitto_sub_topic_check(f.c_str()) != MOSQ_ERR_SUCCESS) {
    return Status::InvalidArgument("'" + f + "' is not a valid MQTT topic filter (+ and # only as whole levels, # last)");
  }
  return Status::OK();
}

Status CheckTopicName(std::string_view topic) {
  const std::string t(topic);
  if (t.empty() || mosquitto_pub_topic_check(t.c_str()) != MOSQ_ERR_SUCCESS) {
    return Status::InvalidArgument("'" + t + "' is not a valid MQTT topic to publish to (no + or #)");
  }
  return Status::OK();
}

Connection::Connection(::mosquitto* handle) : handle_(handle) {}

Connection::~Connection() {
  if (handle_ != nullptr) {
    // No DISCONNECT: it would be queued behind PUBACKs the owner may not have released.
    // Dropping the socket leaves everything unacknowledged with the broker.
    mosquitto_destroy(handle_);
  }
}

Status Connection::Check(int rc, std::string_view what) {
  if (rc == MOSQ_ERR_SUCCESS) return Status::OK();
  if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST || rc == MOSQ_ERR_ERRNO || rc == MOSQ_ERR_KEEPALIVE) {
    connected_ = false;
    return Status::Unavailable(std::string(what) + ": MQTT broker " + where_ + ": " + ErrorText(rc));
  }
  return Status::Internal(std::string(what) + ": MQTT broker " + where_ + ": " + ErrorText(rc));
}

void Connection::OnConnect(::mosquitto*, void* self, int rc) {
  auto* c = static_cast<Connection*>(self);
  c->connack_ = rc;
  c->connected_ = rc == 0;
}

void Connection::OnDisconnect(::mosquitto*, void* self, int) { static_cast<Connection*>(self)->connected_ = false; }

void Connection::OnMessage(::mosquitto*, void* self, const ::mosquitto_message* m) {
  auto* c = static_cast<Connection*>(self);
  if (c->sink_ == nullptr) return;  // cannot happen: messages only arrive inside Read()
  Message msg;
  msg.topic = m->topic != nullptr ? m->topic : "";
  if (m->payloadlen > 0) msg.payload.assign(static_cast<const char*>(m->payload), static_cast<size_t>(m->payloadlen));
  msg.qos = m->qos;
  msg.retain = m->retain;
  c->sink_->push_back(std::move(msg));
}

void Connection::OnPublish(::mosquitto*, void* self, int mid) { static_cast<Connection*>(self)->acked_.push_back(mid); }

void Connection::OnSubscribe(::mosquitto*, void* self, int mid, int count, const int* granted) {
  auto* c = static_cast<Connection*>(self);
  if (mid != c->suback_mid_) return;
  c->suback_ok_ = true;
  for (int i = 0; i < count; ++i) {
    if (granted[i] > 2) c->suback_ok_ = false;  // 0x80: refused
  }
  c->suback_mid_ = -2;  // answered
}

Result<std::unique_ptr<Connection>> Connection::Connect(const ConnectOptions& o) {
  InitLibrary();
  if (o.client_id.empty()) return Status::InvalidArgument("an MQTT client id is required");
  ::mosquitto* h = mosquitto_new(o.client_id.c_str(), o.clean_session, nullptr);
  if (h == nullptr) return Status::Internal("mosquitto_new failed: " + std::string(std::strerror(errno)));
  std::unique_ptr<Connection> c(new Connection(h));
  c->where_ = o.broker.ToString();
  mosquitto_user_data_set(h, c.get());
  // Queued packets go out only in Flush() (see the header): that is what defers PUBACKs.
  mosquitto_threaded_set(h, true);
  mosquitto_int_option(h, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_int_option(h, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_connect_callback_set(h, &Connection::OnConnect);
  mosquitto_disconnect_callback_set(h, &Connection::OnDisconnect);
  mosquitto_message_callback_set(h, &Connection::OnMessage);
  mosquitto_publish_callback_set(h, &Connection::OnPublish);
  mosquitto_subscribe_callback_set(h, &Connection::OnSubscribe);
  // libmosquitto would otherwise keep at most 20 of our QoS 1 publishes in flight.
  mosquitto_max_inflight_messages_set(h, 0);
  int rc = mosquitto_connect(h, o.broker.host.c_str(), o.broker.port, static_cast<int>(o.keepalive.count()));
  if (rc != MOSQ_ERR_SUCCESS) {
    return Status::Unavailable("cannot connect to MQTT broker " + c->where_ + ": " + ErrorText(rc));
  }
  const auto deadline = Steady::now() + o.connect_timeout;
  // Sent once, before anything is read: a later Flush() would also send the PUBACKs of
  // messages a persistent session delivers right after the CONNACK.
  ORBIT_RETURN_IF_ERROR(c->Flush(o.connect_timeout).WithContext("connecting"));
  while (c->connack_ < 0) {
    if (Steady::now() >= deadline) {
      return Status::Unavailable("MQTT broker " + c->where_ + " did not answer the CONNECT within " +
                                 std::to_string(o.connect_timeout.count()) + " ms");
    }
    ORBIT_RETURN_IF_ERROR(c->ReadPackets(milliseconds(50), 0, &c->early_).WithContext("connecting"));
  }
  if (c->connack_ != 0) {
    return Status::InvalidArgument("MQTT broker " + c->where_ + " refused the connection: " +
                                    mosquitto_connack_string(c->connack_));
  }
  return c;
}

Status Connection::Subscribe(const std::vector<std::string>& filters, milliseconds timeout) {
  std::vector<std::string> copies(filters);
  std::vector<char*> raw;
  for (auto& f : copies) {
    ORBIT_RETURN_IF_ERROR(CheckTopicFilter(f));
    raw.push_back(f.data());
  }
  int mid = 0;
  suback_ok_ = false;
  ORBIT_RETURN_IF_ERROR(Check(mosquitto_subscribe_multiple(handle_, &mid, static_cast<int>(raw.size()), raw.data(), 1,
                                                           0, nullptr),
                              "subscribe"));
  suback_mid_ = mid;
  const auto deadline = Steady::now() + timeout;
  // A persistent session's queued messages may arrive before the SUBACK: Read() returns
  // them first, and nothing is flushed after the SUBSCRIBE so that their PUBACKs wait.
  ORBIT_RETURN_IF_ERROR(Flush(timeout).WithContext("subscribing"));
  while (suback_mid_ != -2) {
    if (Steady::now() >= deadline) return Status::Timeout("MQTT broker " + where_ + " did not answer the SUBSCRIBE");
    ORBIT_RETURN_IF_ERROR(ReadPackets(milliseconds(50), 0, &early_).WithContext("subscribing"));
  }
  if (!suback_ok_) return Status::InvalidArgument("MQTT broker " + where_ + " refused a subscription");
  return Status::OK();
}

Status Connection::Read(milliseconds wait, size_t max, std::vector<Message>* out) {
  if (!early_.empty()) {
    const size_t n = std::min(early_.size(), std::max<size_t>(max, 1));
    std::move(early_.begin(), early_.begin() + static_cast<std::ptrdiff_t>(n), std::back_inserter(*out));
    early_.erase(early_.begin(), early_.begin() + static_cast<std::ptrdiff_t>(n));
    if (n >= max) return Status::OK();
    max -= n;
    wait = milliseconds(0);
  }
  return ReadPackets(wait, max, out);
}

Status Connection::ReadPackets(milliseconds wait, size_t max, std::vector<Message>* out) {
  sink_ = out;
  const size_t start = out->size();
  Status st;
  milliseconds next_wait = wait;
  // max == 0 still processes control packets (CONNACK, SUBACK, PUBACK), one at a time.
  const size_t limit = max == 0 ? 1 : max;
  for (size_t packets = 0; packets < limit + 64 && out->size() - start < limit; ++packets) {
    if (!WaitSocket(mosquitto_socket(handle_), POLLIN, next_wait)) break;
    st = Check(mosquitto_loop_read(handle_, 1), "read");
    if (!st.ok()) break;
    // One packet at a time while waiting for a CONNACK/SUBACK: reading on could take a
    // PUBLISH whose PUBACK the next Flush() (of the SUBSCRIBE) would send along.
    if (max == 0) break;
    next_wait = milliseconds(0);  // drain what is already there, then return
  }
  sink_ = nullptr;
  if (!st.ok()) return st;
  if (!connected_ && connack_ == 0) return Status::Unavailable("MQTT broker " + where_ + " closed the connection");
  return Check(mosquitto_loop_misc(handle_), "keep-alive");
}

Status Connection::Flush(milliseconds timeout) {
  const auto deadline = Steady::now() + timeout;
  while (mosquitto_want_write(handle_)) {
    ORBIT_RETURN_IF_ERROR(Check(mosquitto_loop_write(handle_, 1), "write"));
    if (!mosquitto_want_write(handle_)) break;
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Steady::now());
    if (left.count() <= 0) return Status::Timeout("MQTT broker " + where_ + " is not taking data");
    WaitSocket(mosquitto_socket(handle_), POLLOUT, left);
  }
  return Status::OK();
}

Status Connection::Publish(std::string_view topic, std::string_view payload, int qos, int* mid) {
  const std::string t(topic);
  return Check(mosquitto_publish(handle_, mid, t.c_str(), static_cast<int>(payload.size()), payload.data(), qos, false),
               "publish");
}

std::vector<int> Connection::TakeAcknowledged() {
  std::vector<int> out;
  out.swap(acked_);
  return out;
}

}  // namespace orbitlake::mqtt
