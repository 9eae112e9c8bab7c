#include "dashboard/server.h"

#include <sys/socket.h>

#include <charconv>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "dashboard/assets.h"
#include "dashboard/series.h"
#include "delta/snapshot.h"
#include "readers/table_views.h"

namespace orbitlake::dashboard {
namespace {

using json = nlohmann::json;

int64_t WallNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<int64_t> IntParam(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  const std::string v = req.get_param_value(name);
  int64_t out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return out;
}

void SendJson(httplib::Response& res, const json& j, int status = 200) {
  res.status = status;
  // The page polls; a cached answer would freeze it.
  res.set_header("Cache-Control", "no-store");
  res.set_content(j.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

json LayoutJson(const TableLayout& l) {
  return {{"time_column", l.time_column}, {"group_column", l.group_column}, {"value_columns", l.value_columns},
          {"units", l.units}, {"all_columns", l.all_columns}};
}

}  // namespace

Result<std::pair<std::string, int>> ParseListenAddress(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("--listen must be host:port, got '" + address + "'");
  std::string host = address.substr(0, colon);
  if (host.empty()) {
    return Status::InvalidArgument("--listen " + address +
                                   " has no host: use 127.0.0.1:PORT (this machine) or 0.0.0.0:PORT (every interface)");
  }
  const std::string port_text = address.substr(colon + 1);
  int port = -1;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 0 || port > 65535) {
    return Status::InvalidArgument("--listen " + address + ": port must be a number from 0 to 65535");
  }
  return std::make_pair(host, port);
}

Result<HttpUrl> ParseHttpUrl(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) {
    return Status::InvalidArgument("--metrics must be an http:// URL such as http://127.0.0.1:9464/metrics, got '" +
                                   url + "'");
  }
  std::string rest = url.substr(kScheme.size());
  HttpUrl u;
  auto slash = rest.find('/');
  if (slash != std::string::npos) {
    u.path = rest.substr(slash);
    rest = rest.substr(0, slash);
  }
  auto colon = rest.rfind(':');
  u.host = rest.substr(0, colon);
  if (colon != std::string::npos) {
    const std::string p = rest.substr(colon + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), u.port);
    if (ec != std::errc() || end != p.data() + p.size() || u.port <= 0 || u.port > 65535) {
      return Status::InvalidArgument("--metrics " + url + ": port must be a number from 1 to 65535");
    }
  }
  if (u.host.empty()) return Status::InvalidArgument("--metrics " + url + " has no host");
  return u;
}

struct DashboardServer::Impl {
  struct Watched {
    DashboardTable table;
    HealthTracker health;
    Watched(DashboardTable t, HealthOptions o) : table(std::move(t)), health(o) {}
  };
  DashboardOptions options;
  std::vector<std::unique_ptr<Watched>> tables;
  std::optional<HttpUrl> metrics;
  httplib::Server server;
  std::thread thread;
  std::string host;
  int port = 0;
  std::atomic<int64_t> requests{0}, series_requests{0}, series_files_read{0};

  // The table's newest snapshot and layout, or the JSON answer to send instead
  // (waiting / error) with its state.
  struct Loaded {
    std::optional<delta::Snapshot> snapshot;
    std::optional<TableLayout> layout;
    json problem;  // {"state", "message"} when snapshot or layout is missing
  };
  Loaded Load(const Watched& w) const {
    Loaded l;
    auto snap = readers::LoadForReading(*w.table.storage, w.table.location);
    if (!snap.ok()) {
      const bool waiting = snap.status().code() == StatusCode::kNotFound;
      l.problem = {{"state", waiting ? "waiting" : "error"}, {"message", snap.status().message()}};
      return l;
    }
    auto layout = ChooseLayout(*snap->schema(), options.layout);
    if (!layout.ok()) {
      l.problem = {{"state", "error"}, {"message", layout.status().message()}};
      return l;
    }
    l.snapshot = std::move(*snap);
    l.layout = std::move(*layout);
    return l;
  }

  const Watched* TableOf(const httplib::Request& req, httplib::Response& res) const {
    auto i = IntParam(req, "table");
    if (!i || *i < 0 || *i >= static_cast<int64_t>(tables.size())) {
      SendJson(res, {{"error", "table must be an index from 0 to " + std::to_string(tables.size() - 1)}}, 400);
      return nullptr;
    }
    return tables[static_cast<size_t>(*i)].get();
  }

  json TableInfo(const Watched& w) const {
    Loaded l = Load(w);
    json j = {{"location", w.table.location}};
    if (!l.snapshot) {
      j.update(l.problem);
      return j;
    }
    j["state"] = "ok";
    j["version"] = l.snapshot->version();
    j["layout"] = LayoutJson(*l.layout);
    if (l.layout->time_column.empty()) {
      j["message"] = "no timestamp column to chart against";
    } else if (l.layout->value_columns.empty()) {
      j["message"] = "no numeric columns to chart";
    }
    return j;
  }

  void Series(const httplib::Request& req, httplib::Response& res) {
    ++series_requests;
    const Watched* w = TableOf(req, res);
    if (w == nullptr) return;
    SeriesRequest sr;
    sr.since_version = IntParam(req, "since").value_or(-1);
    sr.from_ms = IntParam(req, "from");
    sr.to_ms = IntParam(req, "to");
    sr.buckets = static_cast<int>(std::clamp<int64_t>(IntParam(req, "buckets").value_or(0), 0, options.max_buckets));
    Loaded l = Load(*w);
    if (!l.snapshot) return SendJson(res, l.problem);
    auto r = ReadSeries(*w->table.storage, *l.snapshot, *l.layout, sr);
    if (!r.ok()) return SendJson(res, {{"state", "error"}, {"message", r.status().ToString()}});
    series_files_read += r->files_read;
    json j = SeriesJson(*r);
    j["state"] = "ok";
    j["layout"] = LayoutJson(*l.layout);
    SendJson(res, j);
  }

  void Health(const httplib::Request& req, httplib::Response& res) {
    const Watched* cw = TableOf(req, res);
    if (cw == nullptr) return;
    Watched& w = const_cast<Watched&>(*cw);  // the tracker is internally synchronised
    Loaded l = Load(w);
    if (!l.snapshot) return SendJson(res, l.problem);
    auto report = w.health.Report(*w.table.storage, *l.snapshot, WallNowMs());
    if (!report.ok()) return SendJson(res, {{"state", "error"}, {"message", report.status().ToString()}});
    json j = std::move(*report);
    j["state"] = "ok";
    j["quarantine"] = Quarantine(w);
    SendJson(res, j);
  }

  json Quarantine(const Watched& w) const {
    if (!w.table.quarantine) return nullptr;
    json q = {{"location", w.table.quarantine_location}};
    auto snap = delta::LoadSnapshot(*w.table.quarantine);
    if (!snap.ok()) {
      q["exists"] = false;
      if (snap.status().code() != StatusCode::kNotFound) q["message"] = snap.status().ToString();
      return q;
    }
    q["exists"] = true;
    q["version"] = snap->version();
    auto rows = snap->NumRecords();
    q["rows"] = rows ? json(*rows) : json(nullptr);
    auto last = delta::History(*w.table.quarantine, 1);
    q["last_commit_ms"] = last.ok() && !last->empty() ? json(last->front().timestamp_ms) : json(nullptr);
    return q;
  }

  void Metrics(httplib::Response& res) const {
    if (!metrics) return SendJson(res, {{"url", nullptr}});
    const std::string url = options.metrics_url;
    httplib::Client client(metrics->host, metrics->port);
    const auto timeout = std::chrono::duration_cast<std::chrono::microseconds>(options.metrics_timeout);
    client.set_connection_timeout(0, static_cast<time_t>(timeout.count()));
    client.set_read_timeout(0, static_cast<time_t>(timeout.count()));
    auto r = client.Get(metrics->path);
    if (!r) {
      return SendJson(res, {{"url", url}, {"ok", false}, {"error", "cannot reach " + url + ": " + httplib::to_string(r.error())}});
    }
    if (r->status != 200) {
      return SendJson(res, {{"url", url}, {"ok", false}, {"error", url + " answered HTTP " + std::to_string(r->status)}});
    }
    // name{labels} value, without comments: what the page lists.
    json samples = json::array();
    size_t start = 0;
    const std::string& body = r->body;
    while (start < body.size()) {
      size_t end = body.find('\n', start);
      if (end == std::string::npos) end = body.size();
      std::string line = body.substr(start, end - start);
      start = end + 1;
      if (line.empty() || line[0] == '#') continue;
      auto sp = line.rfind(' ');
      if (sp == std::string::npos) continue;
      samples.push_back({{"name", line.substr(0, sp)}, {"value", line.substr(sp + 1)}});
    }
    SendJson(res, {{"url", url}, {"ok", true}, {"samples", std::move(samples)}});
  }

  void Routes() {
    server.set_logger([this](const httplib::Request&, const httplib::Response&) { ++requests; });
    auto page = [](const httplib::Request&, httplib::Response& res) {
      const Asset* a = FindAsset("index.html");
      res.set_content(std::string(a->data), std::string(a->content_type));
    };
    server.Get("/", page);
    server.Get("/index.html", page);
    server.Get(R"(/static/([A-Za-z0-9._-]+))", [](const httplib::Request& req, httplib::Response& res) {
      const Asset* a = FindAsset(req.matches[1].str());
      if (a == nullptr) {
        res.status = 404;
        res.set_content(req.matches[1].str() + " is not part of this build" +
                            (req.matches[1].str().rfind("uPlot", 0) == 0
                                 ? ": uPlot was not found when orbitlake was built; run scripts/setup (or "
                                   "scripts/vendor-uplot), then rebuild"
                                 : ""),
                        "text/plain");
        return;
      }
      res.set_header("Cache-Control", "max-age=3600");
      res.set_content(std::string(a->data), std::string(a->content_type));
    });
    server.Get("/api/info", [this](const httplib::Request&, httplib::Response& res) {
      json t = json::array();
      for (const auto& w : tables) t.push_back(w->table.location);
      SendJson(res, {{"orbitlake", "dashboard"}, {"uplot", std::string(ChartLibraryVersion())}, {"tables", t},
                     {"metrics_url", options.metrics_url.empty() ? json(nullptr) : json(options.metrics_url)},
                     {"refresh_s", options.refresh_s}, {"now_ms", WallNowMs()}});
    });
    server.Get("/api/tables", [this](const httplib::Request&, httplib::Response& res) {
      json out = json::array();
      for (const auto& w : tables) out.push_back(TableInfo(*w));
      SendJson(res, out);
    });
    server.Get("/api/series", [this](const httplib::Request& req, httplib::Response& res) { Series(req, res); });
    server.Get("/api/health", [this](const httplib::Request& req, httplib::Response& res) { Health(req, res); });
    server.Get("/api/metrics", [this](const httplib::Request&, httplib::Response& res) { Metrics(res); });
  }
};

DashboardServer::DashboardServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DashboardServer::~DashboardServer() { Stop(); }

void DashboardServer::Stop() {
  if (impl_ && impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

int DashboardServer::port() const { return impl_->port; }
std::string DashboardServer::url() const {
  return "http://" + impl_->host + ":" + std::to_string(impl_->port) + "/";
}

ServerStats DashboardServer::stats() const {
  ServerStats s;
  s.requests = impl_->requests.load();
  s.series_requests = impl_->series_requests.load();
  s.files_read = impl_->series_files_read.load();
  for (const auto& w : impl_->tables) s.files_read += w->health.files_read();
  return s;
}

Result<std::unique_ptr<DashboardServer>> DashboardServer::Start(std::vector<DashboardTable> tables,
                                                                DashboardOptions options) {
  if (tables.empty()) return Status::InvalidArgument("no table to show");
  ORBIT_ASSIGN_OR_RETURN(auto address, ParseListenAddress(options.listen));
  auto impl = std::make_unique<Impl>();
  if (!options.metrics_url.empty()) {
    ORBIT_ASSIGN_OR_RETURN(HttpUrl u, ParseHttpUrl(options.metrics_url));
    impl->metrics = u;
  }
  impl->options = std::move(options);
  for (auto& t : tables) impl->tables.push_back(std::make_unique<Impl::Watched>(std::move(t), impl->options.health));
  impl->host = address.first;
  impl->Routes();
  // As the metrics server: SO_REUSEADDR only, so a second dashboard on the same port fails
  // instead of silently sharing it (httplib's default adds SO_REUSEPORT).
  impl->server.set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  const int port = address.second;
  int bound = port == 0 ? impl->server.bind_to_any_port(address.first)
                        : (impl->server.bind_to_port(address.first, port) ? port : -1);
  if (bound < 0) return Status::IOError("cannot listen on " + impl->options.listen + " (port taken?)");
  impl->port = bound;
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->server.listen_after_bind(); });
  // httplib's stop() is a no-op until the accept loop runs (see MetricsServer::Start).
  for (int i = 0; i < 5000 && !raw->server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return std::unique_ptr<DashboardServer>(new DashboardServer(std::move(impl)));
}

}  // namespace orbitlake::dashboard
