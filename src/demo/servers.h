// What the demos share: local servers started by the project's scripts (scripts/kafka,
// scripts/mqtt), checks that a server answers, and how a demo knows every produced
// message is committed (the tables' txn offsets reach the topics' end offsets).
//
// Thread safety: free functions are safe from any thread; a LocalServer belongs to one.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "delta/snapshot.h"
#include "kafka/client.h"

namespace orbitlake::demo {

// True when a Kafka broker answers at client.brokers (a metadata request for `topic`).
// librdkafka's own connection errors are silenced: "no broker" is an expected answer.
bool BrokerAnswers(kafka::ClientOptions client, const std::string& topic);

// The port of "host:port" (the first server), or "" when there is none.
std::string PortOf(const std::string& brokers);

// A server a demo started with a project script (`SCRIPT start --dir DIR --port PORT`,
// which prints the address last), stopped by Stop() or the destructor; never one the
// demo found running.
class LocalServer {
 public:
  LocalServer(std::string script, std::string dir) : script_(std::move(script)), dir_(std::move(dir)) {}
  ~LocalServer() { Stop(); }
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;
  // The address the script printed.
  Result<std::string> Start(const std::string& port);
  void Stop();
  bool can_start() const { return !script_.empty(); }

 private:
  std::string script_, dir_;
  bool started_ = false;
};

// The Kafka a demo uses: the one answering at client->brokers, else (unless `given`, or
// without a script) a local one started with `server`, whose address replaces
// client->brokers. *started tells which. `probe_topic`: any topic name for the metadata
// request. Unavailable when none answers and none may be started.
Status UseOrStartKafka(kafka::ClientOptions* client, bool given, const std::string& probe_topic, LocalServer& server,
                       const std::string& state_dir, const std::function<void(const std::string&)>& log,
                       bool* started);

// End offsets of every partition of `topic`.
Result<std::vector<int64_t>> EndOffsets(const kafka::ClientOptions& client, const std::string& topic);

// True when the table's txn offsets for (app_id, topic) cover every partition's end offset.
bool TableHasAll(const delta::Snapshot& snap, const std::string& app_id, const std::string& topic,
                 const std::vector<int64_t>& ends);

}  // namespace orbitlake::demo
