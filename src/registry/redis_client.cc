#include "registry/redis_client.h"

#include <hiredis/hiredis.h>

#include <fmt/format.h>

namespace orbitlake::registry {

struct RedisClient::Impl {
  redisContext* ctx = nullptr;
};

namespace {

RedisReply Convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.kind = RedisReply::Kind::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.kind = RedisReply::Kind::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.kind = RedisReply::Kind::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.kind = RedisReply::Kind::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.kind = RedisReply::Kind::kArray;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      out.kind = RedisReply::Kind::kNil;
  }
  return out;
}

timeval ToTimeval(std::chrono::milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

}  // namespace

std::unique_ptr<RedisClient> RedisClient::Create(const RedisOptions& options) {
  return std::unique_ptr<RedisClient>(new RedisClient(options));
}

RedisClient::RedisClient(const RedisOptions& options) : options_(options), impl_(std::make_unique<Impl>()) {}

RedisClient::~RedisClient() { Disconnect(); }

std::string RedisClient::address() const { return fmt::format("{}:{}", options_.host, options_.port); }

void RedisClient::Disconnect() {
  if (impl_->ctx != nullptr) redisFree(impl_->ctx);
  impl_->ctx = nullptr;
}

Status RedisClient::Connect() {
  const timeval tv = ToTimeval(options_.timeout);
  redisContext* c = redisConnectWithTimeout(options_.host.c_str(), options_.port, tv);
  if (c == nullptr) return Status::Unavailable("Redis " + address() + ": cannot allocate a connection");
  if (c->err != 0) {
    std::string why = c->errstr;
    redisFree(c);
    return Status::Unavailable(fmt::format("Redis {} unreachable: {}", address(), why));
  }
  redisSetTimeout(c, tv);
  impl_->ctx = c;
  return Status::OK();
}

Result<RedisReply> RedisClient::Command(const std::vector<std::string>& args) {
  if (impl_->ctx == nullptr) ORBIT_RETURN_IF_ERROR(Connect());
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  void* raw = redisCommandArgv(impl_->ctx, static_cast<int>(argv.size()), argv.data(), lens.data());
  if (raw == nullptr) {
    std::string why = impl_->ctx->errstr;
    Disconnect();  // a context with an error is unusable: reconnect next time
    return Status::Unavailable(fmt::format("Redis {}: {} failed: {}", address(), args.empty() ? "" : args[0], why));
  }
  auto* reply = static_cast<redisReply*>(raw);
  RedisReply out = Convert(reply);
  freeReplyObject(reply);
  return out;
}

}  // namespace orbitlake::registry
