// A minimal synchronous Redis client: commands as argument vectors, replies as plain
// values. hiredis (Debian libhiredis-dev) is used only in redis_client.cc.
//
// Failures: a connection that cannot be made or is lost is Unavailable naming
// host:port; the next Command() reconnects, so a Redis restart is ridden out by
// retrying the command. A Redis error reply ("-ERR ...") is a Reply of kind kError,
// not a failed Status (the caller decides what it means).
//
// Thread safety: none; one client per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace orbitlake::registry {

struct RedisReply {
  enum class Kind { kNil, kString, kInteger, kArray, kStatus, kError };
  Kind kind = Kind::kNil;
  std::string str;  // kString, kStatus, kError
  int64_t integer = 0;
  std::vector<RedisReply> elements;  // kArray
};

struct RedisOptions {
  std::string host = "127.0.0.1";
  // Default 5555, the reference architecture's (not Redis's own 6379).
  int port = 5555;
  // Connecting and each command must finish within this. Default 5 s.
  std::chrono::milliseconds timeout{5'000};
};

class RedisClient {
 public:
  // Connects lazily: Create never fails for an unreachable server (Command does).
  static std::unique_ptr<RedisClient> Create(const RedisOptions& options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Sends one command (binary-safe arguments) and waits for its reply.
  Result<RedisReply> Command(const std::vector<std::string>& args);

  std::string address() const;

 private:
  explicit RedisClient(const RedisOptions& options);
  Status Connect();
  void Disconnect();

  RedisOptions options_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orbitlake::registry
