#include "demo/servers.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "demo/demo.h"
#include "ingest/committer.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"

namespace orbitlake::demo {

Result<std::string> RunProcess(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe(fds) != 0) return Status::IOError(fmt::format("pipe: {}", std::strerror(errno)));
  pid_t pid = fork();
  if (pid < 0) return Status::IOError(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    fmt::print(stderr, "cannot run {}: {}\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::IOError(fmt::format("{} failed ({})", argv[0],
                                       WIFEXITED(status) ? fmt::format("exit code {}", WEXITSTATUS(status))
                                                         : fmt::format("signal {}", WTERMSIG(status))));
  }
  return out;
}

// True when a broker answers at client.brokers (a metadata request for the topic).
// librdkafka's own connection errors are silenced: "no broker" is an expected answer.
bool BrokerAnswers(kafka::ClientOptions client, const std::string& topic) {
  client.properties.insert(client.properties.begin(), {"log_level", "0"});
  auto n = kafka::PartitionCount(client, topic, std::chrono::seconds(3));
  return n.ok() || n.status().code() == StatusCode::kNotFound;
}

// The port of "host:port" (the first server), or "" when there is none.
std::string PortOf(const std::string& brokers) {
  std::string first = brokers.substr(0, brokers.find(','));
  auto colon = first.rfind(':');
  return colon == std::string::npos ? "" : first.substr(colon + 1);
}

Result<std::string> LocalServer::Start(const std::string& port) {
  ORBIT_ASSIGN_OR_RETURN(std::string out, RunProcess({script_, "start", "--dir", dir_, "--port", port}));
  started_ = true;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
}

void LocalServer::Stop() {
  if (!started_) return;
  started_ = false;
  (void)RunProcess({script_, "stop", "--dir", dir_});
}

// End offsets of every partition of `topic`.
Result<std::vector<int64_t>> EndOffsets(const kafka::ClientOptions& client, const std::string& topic) {
  ORBIT_ASSIGN_OR_RETURN(int n, kafka::PartitionCount(client, topic));
  ORBIT_ASSIGN_OR_RETURN(auto consumer,
                         kafka::Consumer::Create({.client = client, .group_id = "orbitlake-demo-watermarks"}));
  std::vector<int64_t> ends;
  for (int p = 0; p < n; ++p) {
    ORBIT_ASSIGN_OR_RETURN(auto wm, consumer->QueryWatermarks(topic, p, std::chrono::seconds(10)));
    ends.push_back(wm.high);
  }
  return ends;
}

// True when the table's txn offsets cover every partition's end offset.
bool TableHasAll(const delta::Snapshot& snap, const std::string& app_id, const std::string& topic,
                 const std::vector<int64_t>& ends) {
  for (size_t p = 0; p < ends.size(); ++p) {
    if (ends[p] == 0) continue;
    auto v = snap.TxnVersion(ingest::TxnAppId(app_id, topic, static_cast<int32_t>(p)));
    if (!v || *v < ends[p] - 1) return false;
  }
  return true;
}

Status UseOrStartKafka(kafka::ClientOptions* client, bool given, const std::string& probe_topic, LocalServer& server,
                       const std::string& state_dir, const std::function<void(const std::string&)>& log,
                       bool* started) {
  *started = false;
  if (BrokerAnswers(*client, probe_topic)) {
    log(fmt::format("Kafka answers at {}", client->brokers));
    return Status::OK();
  }
  if (given || !server.can_start()) {
    return Status::Unavailable(fmt::format("no Kafka broker answers at {}{}", client->brokers,
                                           given ? "" : " (and no scripts/kafka to start one)"));
  }
  log(fmt::format("no Kafka at {}: starting a local broker (state in {})", client->brokers, state_dir));
  ORBIT_ASSIGN_OR_RETURN(client->brokers, server.Start(PortOf(client->brokers)));
  *started = true;
  log(fmt::format("Kafka started at {}", client->brokers));
  return Status::OK();
}

}  // namespace orbitlake::demo
