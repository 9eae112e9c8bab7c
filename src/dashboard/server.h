// `orbitlake dashboard`: an HTTP server (cpp-httplib) for the live dashboard of one or
// more Delta tables. Endpoints (all GET; JSON unless noted):
//   /                         the page (HTML); /static/<file> its script, style and uPlot
//   /api/info                 orbitlake and uPlot versions, the tables, the --metrics URL
//   /api/tables               per table: state (ok | waiting | error), message, version,
//                             layout (time/group/value columns, units, all columns)
//   /api/series?table=I&since=V&from=MS&to=MS&buckets=N
//                             the points after version V (dashboard::ReadSeries: only the
//                             files of later commits are read), downsampled to N buckets
//   /api/health?table=I       commit rate, rows per commit, produce->commit latency,
//                             offsets per partition, last commit age (HealthTracker), and
//                             the "<table>-quarantine" sibling's rows when it exists
//   /api/metrics              the ingester's Prometheus text from --metrics, fetched here
//                             (server-side: the page stays same-origin)
// A table that does not exist yet answers state "waiting" and is picked up when it
// appears: every request loads the newest snapshot.
//
// Thread safety: requests are served on httplib's worker threads; everything they share
// is immutable or guarded (HealthTracker, atomic counters). Stop() or the destructor
// ends serving and joins the threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "dashboard/health.h"
#include "dashboard/layout.h"
#include "storage/storage.h"

namespace orbitlake::dashboard {

struct DashboardTable {
  // The location as the user wrote it (shown on the page and in messages).
  std::string location;
  // REQUIRES: not null.
  std::shared_ptr<storage::Storage> storage;
  // The quarantine table next to it ("<location>-quarantine"); null when not looked for.
  std::shared_ptr<storage::Storage> quarantine;
  std::string quarantine_location;
};

struct DashboardOptions {
  // "host:port" to listen on. Loopback by default, like the ingester's /metrics: the page
  // shows table contents, so exposing it (0.0.0.0:PORT) must be asked for. Port 0 picks a
  // free port (see DashboardServer::port()). Default "127.0.0.1:8080".
  std::string listen = "127.0.0.1:8080";
  // Series and charted columns (LayoutOptions). Default: chosen from each schema.
  LayoutOptions layout;
  // The ingester's Prometheus endpoint, "http://host:port/metrics"; empty: none. Default empty.
  std::string metrics_url;
  // How long fetching --metrics may take before the page shows it as unreachable. Default 2 s.
  std::chrono::milliseconds metrics_timeout{2000};
  // Upper bound of the buckets a client may ask for (a series request's `buckets`). Default 5000.
  int max_buckets = 5000;
  // The page's default auto-refresh period in seconds (0, 5 or 60; the page's selector
  // can change it). Default 5.
  int refresh_s = 5;
  HealthOptions health;
};

struct ServerStats {
  int64_t requests = 0;         // every HTTP request answered
  int64_t series_requests = 0;  // /api/series
  int64_t files_read = 0;       // data files read for series and health
};

class DashboardServer {
 public:
  // InvalidArgument for a malformed `listen` or `metrics_url`; IOError when the address
  // cannot be bound (port taken).
  static Result<std::unique_ptr<DashboardServer>> Start(std::vector<DashboardTable> tables, DashboardOptions options);
  ~DashboardServer();
  DashboardServer(const DashboardServer&) = delete;
  DashboardServer& operator=(const DashboardServer&) = delete;

  int port() const;
  // "http://host:port/"
  std::string url() const;
  ServerStats stats() const;
  void Stop();

 private:
  struct Impl;
  explicit DashboardServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Splits "http://host[:port][/path]" into its parts; InvalidArgument naming the problem
// otherwise (only http: the ingester's /metrics speaks plain HTTP).
struct HttpUrl {
  std::string host;
  int port = 80;
  std::string path = "/";
};
Result<HttpUrl> ParseHttpUrl(const std::string& url);

// Splits "host:port" (port 0..65535, host required); InvalidArgument naming the problem.
Result<std::pair<std::string, int>> ParseListenAddress(const std::string& address);

}  // namespace orbitlake::dashboard
