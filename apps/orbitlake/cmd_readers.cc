// orbitlake tail / history / describe: read a Delta table (the seed's read_bronze/read_silver).
#include <chrono>
#include <limits>
#include <thread>

#include <fmt/format.h>

#include "apps/orbitlake/commands.h"
#include "common/signals.h"
#include "common/duration.h"
#include "readers/table_views.h"
#include "storage/table_uri.h"

namespace orbitlake::cli {
namespace {

// Rows or commits a reader prints at most (-n).
constexpr int64_t kMaxRows = 1'000'000'000;

struct ReaderFlags {
  std::string table;
  std::string format = "table";
  int64_t rows = 10;
  bool follow = false;
  std::string poll = "1s";
  std::vector<std::string> columns;
  std::optional<int64_t> limit;
  // tail / describe: time travel (--version N, --as-of TIMESTAMP).
  std::optional<int64_t> version;
  std::optional<std::string> as_of;
  std::vector<std::string> storage_options;  // -S
};

// --version and --as-of (tail, describe): which version to read; one of them at most.
void AddTimeTravel(CLI::App* sub, ReaderFlags* f) {
  auto* v = sub->add_option("--version", f->version, "Read this older version of the table (time travel)")
                ->check(IntegerIn(0, std::numeric_limits<int64_t>::max()));
  sub->add_option("--as-of", f->as_of,
                  "Read the table as it was at this time: the latest version committed at or before it.\n"
                  "RFC 3339 (2026-12-03T11:50:00Z, 2026-12-03T12:50:00+01:00) or a date (2026-12-03 = its midnight UTC)")
      ->check(CLI::Validator(
          [](std::string& s) {
            auto ms = readers::ParseAsOf(s);
            return ms.ok() ? std::string() : ms.status().message();
          },
          "TIMESTAMP"))
      ->excludes(v);
}

readers::TimeTravel TimeTravelOf(const ReaderFlags& f) {
  readers::TimeTravel at{.version = f.version};
  if (f.as_of) at.as_of_ms = *readers::ParseAsOf(*f.as_of);  // checked at parse time
  return at;
}

void AddCommon(CLI::App* sub, ReaderFlags* f) {
  sub->add_option("table", f->table, kTableLocationHelp)->required()->check(TableLocation());
  AddStorageOptions(sub, &f->storage_options);
  sub->add_option("--format", f->format, "Output: table (aligned, for people), csv, or json (JSON Lines)")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "csv", "json"}));
}

void Out(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fflush(stdout);
}

int RunTail(ReaderFlags& f) {
  auto format = *readers::ParseFormat(f.format);
  auto opened = OpenTableWith(f.table, f.storage_options);
  if (!opened.ok()) return Fail("tail", opened.status());
  storage::Storage& storage = **opened;
  auto snap = readers::LoadForReading(storage, f.table, TimeTravelOf(f));
  if (!snap.ok()) return Fail("tail", snap.status());
  auto rows = readers::TailRows(storage, *snap, f.rows, f.columns);
  if (!rows.ok()) return Fail("tail", rows.status());
  std::vector<size_t> widths = readers::ColumnWidths(*rows);
  Out(readers::Render(*rows, format, /*header=*/true, widths));
  if (!f.follow) return kExitOk;
  auto poll = ParseDuration(f.poll);
  if (!poll.ok()) return Fail("tail", poll.status().WithContext("--poll"));
  while (!StopRequested()) {
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(*poll, std::chrono::milliseconds(100)));
    static auto last = std::chrono::steady_clock::now();
    if (std::chrono::steady_clock::now() - last < *poll) continue;
    last = std::chrono::steady_clock::now();
    auto next = readers::LoadForReading(storage, f.table);
    if (!next.ok()) return Fail("tail", next.status());
    if (next->version() == snap->version()) continue;
    // Rows of appends; one line for every other commit (DELETE, UPDATE, OPTIMIZE, ...).
    auto steps = readers::ChangesAfter(storage, *snap, *next, f.columns);
    if (!steps.ok()) return Fail("tail", steps.status());
    snap = std::move(next);
    std::string announcements;  // csv/json: on stderr, so stdout stays CSV / JSON Lines
    // Keep the first widths so followed rows line up; a wider value just pushes its line.
    Out(readers::FollowText(*steps, format, widths, &announcements));
    std::fputs(announcements.c_str(), stderr);
  }
  return kExitOk;
}

int RunHistory(ReaderFlags& f) {
  auto format = *readers::ParseFormat(f.format);
  auto opened = OpenTableWith(f.table, f.storage_options);
  if (!opened.ok()) return Fail("history", opened.status());
  storage::Storage& storage = **opened;
  auto snap = readers::LoadForReading(storage, f.table);
  if (!snap.ok()) return Fail("history", snap.status());
  auto rows = readers::HistoryRows(storage, f.limit);
  if (!rows.ok()) return Fail("history", rows.status());
  Out(readers::Render(*rows, format));
  return kExitOk;
}

int RunDescribe(ReaderFlags& f) {
  auto format = *readers::ParseFormat(f.format);
  auto opened = OpenTableWith(f.table, f.storage_options);
  if (!opened.ok()) return Fail("describe", opened.status());
  storage::Storage& storage = **opened;
  auto snap = readers::LoadForReading(storage, f.table, TimeTravelOf(f));
  if (!snap.ok()) return Fail("describe", snap.status());
  auto d = readers::Describe(storage, *snap, f.table);
  if (!d.ok()) return Fail("describe", d.status());
  switch (format) {
    case readers::Format::kTable: Out(readers::DescribeText(*d)); break;
    case readers::Format::kCsv: Out(readers::DescribeCsv(*d)); break;
    case readers::Format::kJson: Out(d->dump(2) + "\n"); break;
  }
  return kExitOk;
}

}  // namespace

void AddReaderCommands(CLI::App& root, RunFn& run) {
  {
    auto f = std::make_shared<ReaderFlags>();
    CLI::App* sub = root.add_subcommand(
        "tail", "The most recent rows of a Delta table (by event_time when it has one), oldest first.\n"
                "--follow keeps printing the rows of new appends as they arrive, until Ctrl-C; every other\n"
                "commit (DELETE, UPDATE, MERGE, OPTIMIZE, overwrite) is announced in one line instead\n"
                "(on stderr with --format csv/json).");
    AddCommon(sub, f.get());
    sub->add_option("-n,--rows", f->rows, "Rows to show (0: none, e.g. with --follow)")
        ->capture_default_str()
        ->check(IntegerIn(0, kMaxRows));
    auto* follow = sub->add_flag("-f,--follow", f->follow, "Print new rows as commits arrive");
    AddTimeTravel(sub, f.get());
    follow->excludes("--version")->excludes("--as-of");
    sub->add_option("--poll", f->poll, "How often --follow looks for new commits")
        ->capture_default_str()
        ->check(DurationIn(std::chrono::milliseconds(10), std::chrono::hours(24)));
    sub->add_option("-c,--columns", f->columns, "Only these columns, in this order (comma-separated)")
        ->delimiter(',');
    sub->callback([f, &run] { run = [f] { return RunTail(*f); }; });
  }
  {
    auto f = std::make_shared<ReaderFlags>();
    CLI::App* sub = root.add_subcommand(
        "history", "One line per commit of a Delta table, newest first: version, time, operation,\n"
                   "files, rows and bytes added and removed, and the operation's key metrics.");
    AddCommon(sub, f.get());
    sub->add_option("-n,--limit", f->limit, "Only the newest N commits (default 20; 0 = all)")->check(IntegerIn(0, kMaxRows));
    sub->callback([f, &run] { run = [f] { return RunHistory(*f); }; });
  }
  {
    auto f = std::make_shared<ReaderFlags>();
    CLI::App* sub = root.add_subcommand(
        "describe", "A Delta table's schema, partition columns, protocol, live files and bytes, row count,\n"
                    "and the Kafka offset committed per partition (its txn actions).");
    AddCommon(sub, f.get());
    AddTimeTravel(sub, f.get());
    sub->callback([f, &run] { run = [f] { return RunDescribe(*f); }; });
  }
}

}  // namespace orbitlake::cli
