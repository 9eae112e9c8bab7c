// orbitlake dashboard: the live dashboard of Delta tables in a browser (src/dashboard).
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "apps/orbitlake/commands.h"
#include "common/progress.h"
#include "common/signals.h"
#include "dashboard/assets.h"
#include "dashboard/server.h"

namespace orbitlake::cli {
namespace {

struct DashboardFlags {
  std::vector<std::string> tables;
  std::string listen = "127.0.0.1:8080";
  std::string group;
  std::vector<std::string> columns;
  std::string metrics_url;
  int refresh_s = 5;
  bool no_quarantine = false;
  std::vector<std::string> storage_options;  // -S
};

// "<table>-quarantine", where orbitlake puts the rows it could not decode (pipeline files'
// default; `ingest --quarantine` names it explicitly).
std::string QuarantineOf(std::string location) {
  while (location.size() > 1 && location.back() == '/') location.pop_back();
  return location + "-quarantine";
}

int RunDashboard(const DashboardFlags& f) {
  std::vector<dashboard::DashboardTable> tables;
  for (const auto& location : f.tables) {
    auto opened = OpenTableWith(location, f.storage_options);
    if (!opened.ok()) return Fail("dashboard", opened.status().WithContext(location));
    dashboard::DashboardTable t{.location = location, .storage = *opened};
    const bool is_quarantine = location.size() > 11 && location.ends_with("-quarantine");
    if (!f.no_quarantine && !is_quarantine) {
      t.quarantine_location = QuarantineOf(location);
      auto q = OpenTableWith(t.quarantine_location, f.storage_options);
      if (q.ok()) t.quarantine = *q;
    }
    tables.push_back(std::move(t));
  }
  dashboard::DashboardOptions o;
  o.listen = f.listen;
  o.layout.group_column = f.group;
  o.layout.value_columns = f.columns;
  o.metrics_url = f.metrics_url;
  o.refresh_s = f.refresh_s;
  auto server = dashboard::DashboardServer::Start(std::move(tables), o);
  if (!server.ok()) return Fail("dashboard", server.status());
  auto& s = **server;
  const std::string_view chart = dashboard::ChartLibraryVersion();
  fmt::print(stderr, "orbitlake dashboard: listening on {} ({} table{}{}; chart library: {}); Ctrl-C to stop\n",
             s.url(), f.tables.size(), f.tables.size() == 1 ? "" : "s",
             f.metrics_url.empty() ? "" : ", ingester metrics from " + f.metrics_url,
             chart.empty() ? "MISSING, run scripts/setup and rebuild" : "uPlot " + std::string(chart));
  const auto started = std::chrono::steady_clock::now();
  auto line = [&] {
    auto st = s.stats();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return fmt::format("dashboard: {} requests served ({} series), {} data files read, up {:.0f} s", st.requests,
                       st.series_requests, st.files_read, secs);
  };
  Progress progress(ProgressOptions{.interval = std::chrono::milliseconds(1000),
                                    .log_interval = std::chrono::milliseconds(60'000)});
  while (!StopRequested()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (progress.Due()) progress.Update(line());
  }
  s.Stop();
  progress.Finish(line());
  return kExitOk;
}

}  // namespace

void AddDashboardCommand(CLI::App& root, RunFn& run) {
  auto f = std::make_shared<DashboardFlags>();
  CLI::App* sub = root.add_subcommand(
      "dashboard",
      "A live dashboard of Delta tables in the browser, served by this binary (no internet needed):\n"
      "one chart per numeric column with one line per device/satellite, a time-range picker and\n"
      "auto-refresh, and a pipeline health view (commits per minute, rows per commit, produce->commit\n"
      "latency, Kafka offsets per partition, quarantined rows, the ingester's /metrics with --metrics).\n"
      "Each refresh reads only the files of commits the page has not seen. A table that does not\n"
      "exist yet is shown as waiting and picked up when it appears.\n"
      "Example: orbitlake dashboard ./data/delta-tables/satellites --listen 127.0.0.1:8080\n"
      "         then open http://127.0.0.1:8080/");
  sub->add_option("tables", f->tables, "Delta tables to show (one section each): " + std::string(kTableLocationHelp))
      ->required()
      ->check(TableLocation());
  sub->add_option("--listen", f->listen,
                  "host:port to serve on; loopback by default (the page shows table contents): use\n"
                  "0.0.0.0:PORT to let other machines in; port 0 picks a free port")
      ->capture_default_str();
  sub->add_option("--group", f->group,
                  "Column that names the series, one line per value (default: the first of satellite,\n"
                  "device, sensor_id, device_id, sat_id, sensor, source in the table)");
  sub->add_option("-c,--columns", f->columns,
                  "Numeric columns to chart, comma-separated (default: every numeric column but\n"
                  "bookkeeping ones: kafka_*, sequence, *_ns, *_id)")
      ->delimiter(',');
  sub->add_option("--metrics", f->metrics_url,
                  "The ingester's Prometheus endpoint to show, e.g. http://127.0.0.1:9464/metrics\n"
                  "(`orbitlake ingest --metrics-addr`); fetched by this server, not the browser");
  sub->add_option("--refresh", f->refresh_s, "The page's initial auto-refresh period in seconds: 0 (off), 5 or 60")
      ->capture_default_str()
      ->check(CLI::IsMember({0, 5, 60}));
  sub->add_flag("--no-quarantine", f->no_quarantine,
                "Do not look for each table's \"<table>-quarantine\" sibling (quarantined rows count)");
  AddStorageOptions(sub, &f->storage_options);
  sub->callback([f, &run] { run = [f] { return RunDashboard(*f); }; });
}

}  // namespace orbitlake::cli
