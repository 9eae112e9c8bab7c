// orbitlake optimize / vacuum / checkpoint: keep a Delta table healthy beside a running
// ingester (compaction of small files, deletion of files no version needs, a checkpoint
// now).
#include <chrono>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "apps/orbitlake/commands.h"
#include "common/byte_size.h"
#include "common/duration.h"
#include "common/progress.h"
#include "common/signals.h"
#include "delta/checkpoint.h"
#include "delta/log_files.h"
#include "delta/partition.h"
#include "delta/table.h"
#include "maintenance/optimize.h"
#include "maintenance/vacuum.h"
#include "readers/table_views.h"
#include "storage/table_uri.h"

namespace orbitlake::cli {
namespace {

using Seconds = std::chrono::duration<double>;

constexpr int64_t kMinTargetSize = int64_t{1} << 20;   // 1 MiB: below that compaction only churns
constexpr int64_t kMaxTargetSize = int64_t{1} << 40;   // 1 TiB
constexpr auto kMaxRetention = std::chrono::hours(24 * 3650);  // ten years

std::string Bytes(int64_t b) { return HumanBytes(static_cast<double>(b)); }

// Target sizes are usually binary (delta-rs' 100 MiB): say so instead of "104.9 MB".
std::string SizeSetting(int64_t b) {
  if (b % (int64_t{1} << 30) == 0) return fmt::format("{} GiB", b >> 30);
  if (b % (int64_t{1} << 20) == 0) return fmt::format("{} MiB", b >> 20);
  return Bytes(b);
}

std::string Plural(int64_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// The table at the location the user gave, with the readers' messages for "not a table"
// and "uses a feature orbitlake cannot read".
Result<std::unique_ptr<delta::Table>> OpenTable(const std::string& location,
                                                const std::vector<std::string>& storage_options) {
  ORBIT_ASSIGN_OR_RETURN(std::shared_ptr<storage::Storage> storage, OpenTableWith(location, storage_options));
  ORBIT_RETURN_IF_ERROR(readers::LoadForReading(*storage, location).status());
  return delta::Table::Open(std::move(storage));
}

struct OptimizeFlags {
  std::string table;
  std::string target_size;  // empty: the table's
  std::string where;
  std::string sort_by;
  std::string compression = "snappy";
  bool dry_run = false;
  bool copy_row_groups = false;
  int64_t max_row_groups = 64;
  std::string wait_before_commit;  // tests only (hidden)
  std::vector<std::string> storage_options;  // -S
};

std::string PartitionLabel(const delta::Snapshot& snap, const delta::PartitionValues& values) {
  std::string dir = delta::PartitionDir(snap.partition_columns(), values);
  return dir.empty() ? "(unpartitioned)" : dir;
}

int RunOptimize(const OptimizeFlags& f) {
  const auto started = std::chrono::steady_clock::now();
  auto table = OpenTable(f.table, f.storage_options);
  if (!table.ok()) return Fail("optimize", table.status());
  maintenance::OptimizeOptions o;
  if (!f.target_size.empty()) o.target_size = *ParseByteSize(f.target_size);  // checked when parsed
  o.where = f.where;
  if (!f.sort_by.empty()) o.sort_by = f.sort_by;
  auto compression = columnar::ParseCompression(f.compression);
  if (!compression.ok()) return Fail("optimize", compression.status().WithContext("--compression"));
  o.parquet.compression = *compression;
  if (f.copy_row_groups) {
    o.method = maintenance::OptimizeMethod::kCopyRowGroups;
    o.max_row_groups = f.max_row_groups;
  }
  o.cancelled = [] { return StopRequested(); };
  const delta::Snapshot& snap = (*table)->snapshot();

  auto plan = maintenance::PlanOptimize(snap, o);
  if (!plan.ok()) return Fail("optimize", plan.status());
  fmt::print(stderr, "orbitlake optimize: {} at version {}: {} ({}), target file size {}{}\n", f.table,
             snap.version(), Plural(plan->live_files, "live file", "live files"), Bytes(plan->live_bytes),
             SizeSetting(plan->target_size), plan->predicate.empty() ? "" : ", where " + f.where);
  if (f.dry_run) {
    for (const auto& bin : plan->bins) {
      fmt::print("{:<40} {:>6} files {:>10} -> 1 file\n", PartitionLabel(snap, bin.partition), bin.files.size(),
                 Bytes(bin.bytes));
    }
    fmt::print("plan: would rewrite {} ({}) into {} in {}; {} already at the target or alone in their "
               "partition; nothing was written (--dry-run)\n",
               Plural(plan->FilesToRewrite(), "file", "files"), Bytes(plan->BytesToRewrite()),
               Plural(static_cast<int64_t>(plan->bins.size()), "file", "files"),
               Plural(plan->partitions, "partition", "partitions"),
               Plural(plan->live_files - plan->FilesToRewrite(), "file is", "files are"));
    return kExitOk;
  }
  if (plan->bins.empty()) {
    fmt::print("summary: nothing to compact in {}: {} ({}), none of them small files sharing a partition "
               "(target {}); no commit\n",
               f.table, Plural(plan->live_files, "file", "files"), Bytes(plan->live_bytes), SizeSetting(plan->target_size));
    return kExitOk;
  }

  Progress progress;
  const int64_t to_read = plan->FilesToRewrite();
  auto line = [&](const maintenance::OptimizeProgress& p) {
    return fmt::format("optimize: {}/{} output files, {}/{} files read ({}), {} written", p.bins_done, p.bins_total,
                       p.files_read, to_read, Bytes(p.bytes_read), Bytes(p.bytes_written));
  };
  maintenance::OptimizeProgress last;
  o.on_progress = [&](const maintenance::OptimizeProgress& p) {
    last = p;
    if (progress.Due()) progress.Update(line(p), true);
  };
  if (!f.wait_before_commit.empty()) {
    o.before_commit = [&] {
      fmt::print(stderr, "orbitlake optimize: waiting for {} before committing\n", f.wait_before_commit);
      std::fflush(stderr);
      while (!std::filesystem::exists(f.wait_before_commit) && !StopRequested()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    };
  }
  auto r = maintenance::Optimize(**table, o);
  progress.Finish(line(last));
  if (!r.ok()) {
    return Fail("optimize", r.status().code() == StatusCode::kCancelled ? r.status() : r.status().WithContext(f.table));
  }
  const double secs = Seconds(std::chrono::steady_clock::now() - started).count();
  fmt::print("summary: optimized {} in {:.1f} s: {} -> {} live files ({} small files {} into {} in {}), "
             "{} -> {}, {} rows{}\n",
             f.table, secs, r->plan.live_files, r->live_files_after, r->files_removed,
             r->bins_rewritten == 0 ? "copied" : "rewritten", r->files_added,
             Plural(r->plan.partitions, "partition", "partitions"), Bytes(r->bytes_removed), Bytes(r->bytes_added),
             r->rows,
             r->bins_copied > 0 && r->bins_rewritten > 0
                 ? fmt::format(" ({} files by copying row groups, {} rewritten: no statistics or another schema)",
                               r->bins_copied, r->bins_rewritten)
                 : "");
  fmt::print("         committed as version {}{}; the old files stay for readers of older versions until "
             "'orbitlake vacuum' deletes them\n",
             *r->version,
             r->attempts > 1 ? fmt::format(" (attempt {}: other writers committed meanwhile)", r->attempts) : "");
  return kExitOk;
}

struct VacuumFlags {
  std::string table;
  std::string retain;  // empty: the table's
  bool force = false;
  bool dry_run = false;
  std::vector<std::string> storage_options;  // -S
};

std::string Age(int64_t ms) {
  const double s = static_cast<double>(ms) / 1000.0;
  if (s < 120) return fmt::format("{:.0f} s", s);
  if (s < 7200) return fmt::format("{:.0f} min", s / 60);
  const double h = s / 3600;
  return h >= 48 ? fmt::format("{:.1f} days", h / 24) : fmt::format("{:.1f} hours", h);
}

int RunVacuum(const VacuumFlags& f) {
  const auto started = std::chrono::steady_clock::now();
  auto table = OpenTable(f.table, f.storage_options);
  if (!table.ok()) return Fail("vacuum", table.status());
  maintenance::VacuumOptions o;
  if (!f.retain.empty()) {
    o.retention = std::chrono::duration_cast<std::chrono::milliseconds>(*ParseDuration(f.retain, kMaxRetention));
  }
  o.force = f.force;
  o.dry_run = f.dry_run;
  o.cancelled = [] { return StopRequested(); };
  Progress progress;
  maintenance::VacuumProgress last;
  auto line = [](const maintenance::VacuumProgress& p) {
    return fmt::format("vacuum: {}/{} files deleted ({})", p.deleted, p.total, Bytes(p.bytes_deleted));
  };
  o.on_progress = [&](const maintenance::VacuumProgress& p) {
    last = p;
    if (progress.Due()) progress.Update(line(p), true);
  };
  fmt::print(stderr, "orbitlake vacuum: {} at version {}\n", f.table, (*table)->snapshot().version());
  auto r = maintenance::Vacuum(**table, o);
  if (!r.ok()) return Fail("vacuum", r.status());
  const double secs = Seconds(std::chrono::steady_clock::now() - started).count();
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  if (f.dry_run) {
    for (const auto& c : r->candidates) {
      fmt::print("{}  {:>10}  modified {} ago\n", c.path, Bytes(c.size), Age(now_ms - c.modification_time_ms));
    }
    fmt::print("plan: would delete {} ({}) of {} in the table folder, keeping what versions from the last {} "
               "need; nothing was deleted (--dry-run)\n",
               Plural(static_cast<int64_t>(r->candidates.size()), "file", "files"), Bytes(r->candidate_bytes),
               r->listed_files, Age(r->retention.count()));
    return kExitOk;
  }
  if (!r->candidates.empty()) progress.Finish(line(last));
  fmt::print("summary: vacuumed {} in {:.1f} s: deleted {} ({}) of {} files in the table folder; kept what "
             "versions from the last {} need{}\n",
             f.table, secs, Plural(r->deleted, "file", "files"), Bytes(r->bytes_deleted), r->listed_files,
             Age(r->retention.count()),
             r->start_version ? fmt::format(" (versions {} VACUUM START, {} VACUUM END)", *r->start_version,
                                            r->end_version ? std::to_string(*r->end_version) : std::string("-"))
                              : "; nothing to delete, no commit");
  return kExitOk;
}

struct CheckpointFlags {
  std::string table;
  std::vector<std::string> storage_options;  // -S
};

int RunCheckpoint(const CheckpointFlags& f) {
  const std::string& location = f.table;
  const auto started = std::chrono::steady_clock::now();
  auto table = OpenTable(location, f.storage_options);
  if (!table.ok()) return Fail("checkpoint", table.status());
  const int64_t version = (*table)->snapshot().version();
  auto previous = delta::LatestCheckpointVersion((*table)->storage(), version);
  if (!previous.ok()) return Fail("checkpoint", previous.status());
  if (Status st = (*table)->Checkpoint(); !st.ok()) return Fail("checkpoint", st);
  auto hint = delta::ReadLastCheckpoint((*table)->storage());
  const double secs = Seconds(std::chrono::steady_clock::now() - started).count();
  const int64_t replayed = version - previous->value_or(-1);
  fmt::print("summary: wrote the checkpoint of {} at version {} in {:.2f} s: {} ({}{}); {}\n", location, version,
             secs, delta::CheckpointPath(version),
             Plural(static_cast<int64_t>((*table)->snapshot().files().size()), "live file", "live files"),
             hint && hint->version == version ? fmt::format(", {} actions", hint->size) : "",
             replayed == 0 ? std::string("it replaced the checkpoint that version already had")
                           : *previous ? fmt::format("readers now load it instead of the checkpoint of version {} "
                                                     "and {} after it",
                                                     **previous, Plural(replayed, "commit", "commits"))
                                       : fmt::format("readers now load it instead of replaying {} (there was no "
                                                     "checkpoint)",
                                                     Plural(replayed, "commit", "commits")));
  return kExitOk;
}

}  // namespace

void AddMaintenanceCommands(CLI::App& root, RunFn& run) {
  {
    auto f = std::make_shared<OptimizeFlags>();
    CLI::App* sub = root.add_subcommand(
        "optimize",
        "Compact a Delta table's small files: per partition, files smaller than the target size are\n"
        "rewritten together into files near that size, in one OPTIMIZE commit (dataChange=false:\n"
        "no rows change, streaming readers skip it). Safe while 'orbitlake ingest' or other writers\n"
        "append: their commits are kept; it gives up, changing nothing, only when another writer\n"
        "removed one of its files first. The old files stay until 'orbitlake vacuum'.\n"
        "Example: orbitlake optimize ./data/t --where \"date >= '2026-11-01'\" --sort-by event_time");
    sub->add_option("table", f->table, kTableLocationHelp)->required()->check(TableLocation());
    AddStorageOptions(sub, &f->storage_options);
    sub->add_option("--target-size", f->target_size,
                    "Size to aim at per file, e.g. 128MiB or 1GiB (default: the table's delta.targetFileSize, "
                    "else 100MiB); files already this large are left alone")
        ->check(ByteSizeIn(kMinTargetSize, kMaxTargetSize));
    sub->add_option("--where", f->where,
                    "Only partitions matching comparisons on partition columns joined by AND, e.g. "
                    "\"date >= '2026-11-01' AND date < '2026-12-01'\" (=, !=, <, <=, >, >=, IS [NOT] NULL)");
    sub->add_option("--sort-by", f->sort_by,
                    "Sort the rows of each rewritten file by this column (e.g. event_time), so readers skip "
                    "row groups by their min/max; costs memory: a whole output file is sorted at once");
    sub->add_option("--compression", f->compression,
                    "Parquet page compression of the rewritten files: snappy, zstd (smaller), lz4 or none "
                    "(as 'orbitlake ingest --compression')")
        ->capture_default_str()
        ->check(CLI::IsMember({"snappy", "zstd", "lz4", "none"}));
    sub->add_flag("--copy-row-groups", f->copy_row_groups,
                  "Merge files by copying their Parquet row groups byte for byte instead of decoding and "
                  "encoding every row: many times less CPU, but the row groups stay as small as the files' "
                  "were (what 'ingest --optimize-every' does while it has a backlog). A later run without "
                  "this flag compacts the copied files into large row groups");
    sub->add_option("--max-row-groups", f->max_row_groups,
                    "With --copy-row-groups: the most row groups one merged file holds (readers pay a little "
                    "per row group); files that hold that many already are left alone")
        ->capture_default_str()
        ->check(CLI::Range(int64_t{2}, int64_t{32767}));
    sub->add_flag("--dry-run", f->dry_run, "Print the plan (partitions, files, bytes) and change nothing");
    // Testing only (hidden): before committing, print a line and wait until FILE exists.
    sub->add_option("--wait-before-commit", f->wait_before_commit, "")->group("");
    sub->callback([f, &run] { run = [f] { return RunOptimize(*f); }; });
  }
  {
    auto f = std::make_shared<VacuumFlags>();
    CLI::App* sub = root.add_subcommand(
        "vacuum",
        "Delete the files of a Delta table that no version within the retention period needs: files\n"
        "removed (by OPTIMIZE, DELETE, overwrites) longer ago than the retention, and files no commit\n"
        "ever referenced (left by a killed writer) older than the retention. The current version and\n"
        "every version younger than the retention stay readable; older ones (time travel) do not.\n"
        "Never touches _delta_log. Writes VACUUM START / VACUUM END commits, as Delta's VACUUM does.\n"
        "Example: orbitlake vacuum ./data/t --dry-run");
    sub->add_option("table", f->table, kTableLocationHelp)->required()->check(TableLocation());
    AddStorageOptions(sub, &f->storage_options);
    sub->add_option("--retain", f->retain,
                    "Keep what versions from this long ago need, e.g. 168h or 30d (default: the table's "
                    "delta.deletedFileRetentionDuration, else 7d); shorter than the table's needs --force")
        ->check(DurationIn(std::chrono::seconds(0), kMaxRetention));
    sub->add_flag("--force", f->force,
                  "Allow a --retain shorter than the table's retention: readers of older versions, and readers "
                  "that loaded the table before this ran, may then fail on deleted files");
    sub->add_flag("--dry-run", f->dry_run, "List the files that would be deleted (path, size, age) and delete none");
    sub->callback([f, &run] { run = [f] { return RunVacuum(*f); }; });
  }
  {
    auto f = std::make_shared<CheckpointFlags>();
    CLI::App* sub = root.add_subcommand(
        "checkpoint",
        "Write a checkpoint of a Delta table's latest version now (_delta_log/<version>.checkpoint.parquet\n"
        "and _last_checkpoint), so readers load that one file instead of replaying every commit since\n"
        "the last checkpoint. Writers already do this every delta.checkpointInterval commits (default\n"
        "10); this is for after a burst of commits, or before handing a table to a slow reader.");
    sub->add_option("table", f->table, kTableLocationHelp)->required()->check(TableLocation());
    AddStorageOptions(sub, &f->storage_options);
    sub->callback([f, &run] { run = [f] { return RunCheckpoint(*f); }; });
  }
}

}  // namespace orbitlake::cli
