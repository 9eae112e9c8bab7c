// orbitlake ingest: Kafka -> micro-batches -> Parquet/Snappy -> Delta table, exactly once.
#include <filesystem>

#include <fmt/format.h>

#include "apps/orbitlake/commands.h"
#include "apps/orbitlake/registry_options.h"
#include "apps/orbitlake/version.h"
#include "common/progress.h"
#include "ingest/file_ingester.h"
#include "ingest/ingester.h"
#include "ingest/telemetry_pipeline.h"
#include "pipeline/pipeline_file.h"
#include "metrics/metrics.h"
#include "common/duration.h"
#include "storage/fault_storage.h"
#include "storage/s3_storage.h"
#include "storage/table_uri.h"

namespace orbitlake::cli {
namespace {

// Ranges of the numeric options (checked when the command line is parsed).
constexpr std::chrono::milliseconds kIngestMinDuration{1};
constexpr std::chrono::hours kIngestMaxDuration{24};  // ParseDuration's own limit
constexpr int64_t kMaxBatchRows = 100'000'000;     // ~3 GB of Parquet: beyond that memory is the limit
constexpr int64_t kMinBatchBytes = int64_t{1} << 20;  // 1 MiB: below it every row group closes a batch
constexpr int64_t kMaxBatchBytes = int64_t{64} << 30;
constexpr int64_t kMaxOptimizeEvery = 1'000'000;

struct IngestFlags {
  KafkaFlags kafka;
  ingest::IngestOptions options;
  std::string table = "./data/delta-tables/satellite-data-raw";
  std::string quarantine;  // default: <table>-quarantine
  std::string interval = "5s";
  std::string startup_timeout = "15s";
  std::string partition_by = "date";
  std::string starting_offsets = "earliest";
  std::string compression = "snappy";
  std::string optimize_method = "auto";
  std::string metrics_addr = "127.0.0.1:9464";
  bool metrics_addr_given = false;
  bool quiet = false;
  std::vector<std::string> inject_crash;  // fault rules for crash tests (hidden)
  std::vector<std::string> storage_options;  // -S, for every table of the pipeline
  std::vector<std::shared_ptr<storage::Storage>> opened;  // every table's storage, for the summary
  std::string pipeline_file;              // --pipeline: a declared pipeline instead of the satellite one
  std::vector<std::string> topics = {"sat-data"};
  std::string archive_dir;   // file sources: move ingested files here
  bool delete_files = false;  // file sources: delete ingested files
  // Options whose value a pipeline file also sets: given explicitly, they override it.
  CLI::Option* brokers_opt = nullptr;
  CLI::Option* group_opt = nullptr;
  CLI::Option* app_id_opt = nullptr;
  // Options of the built-in pipeline only (refused with --pipeline).
  std::vector<CLI::Option*> builtin_only;
  RegistryIngestFlags registry;  // --registry: one table per registered event type
  CLI::Option* topic_opt = nullptr;
};

// The table's storage (its URI was checked when parsed); with --inject-crash rules,
// wrapped so a rule kills the process with SIGKILL at that exact point (tests of crash
// safety through the real binary).
Result<std::shared_ptr<storage::Storage>> TableStorage(const std::string& uri,
                                                       const std::vector<std::string>& storage_options,
                                                       const std::vector<std::string>& rules) {
  ORBIT_ASSIGN_OR_RETURN(std::shared_ptr<storage::Storage> base, OpenTableWith(uri, storage_options));
  if (rules.empty()) return base;
  auto faulty = std::shared_ptr<storage::FaultStorage>(new storage::FaultStorage(base.get(), /*kill_process=*/true),
                                                       [base](storage::FaultStorage* p) { delete p; });
  for (const auto& text : rules) {
    ORBIT_ASSIGN_OR_RETURN(storage::FaultRule rule, storage::ParseFaultRule(text));
    faulty->AddRule(rule);
  }
  return std::shared_ptr<storage::Storage>(faulty);
}

// The pipeline to run: the file's (its [kafka] settings unless given on the command line
// or in the environment), or the built-in satellite pipeline from the flags.
Status ResolvePipeline(IngestFlags& f) {
  auto& o = f.options;
  if (f.pipeline_file.empty()) {
    ingest::TelemetryPipelineOptions t;
    t.topics = f.topics;
    t.table = f.table;
    t.quarantine = f.quarantine;
    t.partition_by = f.partition_by == "none" ? std::vector<std::string>{} : std::vector<std::string>{"date"};
    o.pipeline = ingest::TelemetryPipeline(t);
    f.quarantine = o.pipeline.tables[0].quarantine_path;
    return Status::OK();
  }
  ORBIT_ASSIGN_OR_RETURN(o.pipeline, pipeline::LoadPipelineFile(f.pipeline_file));
  const auto& k = o.pipeline.kafka;
  if (f.brokers_opt->count() == 0) f.kafka.client.brokers = k.brokers;
  if (f.group_opt->count() == 0) o.group_id = k.group;
  if (f.app_id_opt->count() == 0) o.app_id = k.app_id;
  // The file's librdkafka properties first: -X on the command line still overrides them.
  f.kafka.client.properties.insert(f.kafka.client.properties.begin(), k.properties.begin(), k.properties.end());
  return Status::OK();
}

std::string StatusLine(const ingest::IngestStats& s) {
  std::string lag = s.lag < 0 ? "?" : HumanCount(static_cast<double>(s.lag));
  double rate = s.seconds > 0 ? static_cast<double>(s.messages) / s.seconds : 0;
  return fmt::format("ingest: consumed {} ({:.0f}/s), committed {} rows in {} commits, table v{}, lag {}, "
                     "quarantined {}, partitions {}",
                     HumanCount(static_cast<double>(s.messages)), rate, HumanCount(static_cast<double>(s.rows)),
                     s.commits, s.last_version, lag, s.quarantined, s.assigned_partitions);
}

void PrintSummary(const IngestFlags& f, const ingest::IngestSummary& r) {
  const auto& s = r.stats;
  if (s.input_files > 0 || s.unreadable_files > 0) {
    fmt::print("summary: {} files ({} records, {}) ingested in {:.1f} s; {} unreadable and skipped\n", s.input_files,
               s.messages, HumanBytes(static_cast<double>(s.bytes)), s.seconds, s.unreadable_files);
  } else {
    fmt::print("summary: {} messages ({}) consumed in {:.1f} s, {:.0f} msg/s\n", s.messages,
               HumanBytes(static_cast<double>(s.bytes)), s.seconds, s.seconds > 0 ? s.messages / s.seconds : 0);
  }
  if (f.pipeline_file.empty() && f.registry.url.empty()) {
    fmt::print("         {} rows committed to {} in {} commits (versions {}..{}), {} files, {}\n", s.rows, f.table,
               s.commits, s.first_version, s.last_version, s.files, HumanBytes(static_cast<double>(s.parquet_bytes)));
    fmt::print("         {} quarantined (in {}), {} already in the table and skipped, {} batches dropped and re-read\n",
               s.quarantined, f.quarantine, s.skipped, s.dropped_batches);
  } else {
    fmt::print("         {} rows in {} batch commits, {} files, {}; {} quarantined, {} already in the tables and "
               "skipped, {} batches dropped and re-read\n",
               s.rows, s.commits, s.files, HumanBytes(static_cast<double>(s.parquet_bytes)), s.quarantined, s.skipped,
               s.dropped_batches);
    for (const auto& t : s.tables) {
      fmt::print("         {:<28} {:>10} rows  {:>6} commits  {:>6}  {}{}\n", t.name, t.rows, t.commits,
                 t.version < 0 ? std::string("-") : "v" + std::to_string(t.version), t.path,
                 t.duplicates > 0 ? fmt::format("  ({} duplicates dropped)", t.duplicates) : "");
    }
    if (s.duplicates > 0) fmt::print("         {} duplicate rows dropped by dedup keys\n", s.duplicates);
  }
  if (f.options.optimize_every > 0) {
    fmt::print("         background optimize: {} OPTIMIZE commits compacted {} small files ({} output files by "
               "copying row groups){}\n",
               s.optimize_commits, s.optimized_files, s.optimize_copied,
               s.optimize_budget_wait.count() > 0
                   ? fmt::format("; held back {:.1f} s by --optimize-cpu-share during the backlog",
                                 std::chrono::duration<double>(s.optimize_budget_wait).count())
                   : "");
  }
  if (s.missed > 0 || s.resets > 0) {
    fmt::print("         {} offsets deleted by Kafka before they were ingested, {} partitions reset\n", s.missed,
               s.resets);
  }
  if (r.latency.count() > 0) {
    fmt::print("         {}->commit latency p50 {} ms, p99 {} ms, max {} ms\n",
               s.input_files > 0 ? "file landed" : "event", r.latency.Percentile(0.5).count(),
               r.latency.Percentile(0.99).count(), r.latency.Max().count());
    fmt::print("         commit (seal->committed) p50 {} ms, p99 {} ms, max {} ms\n",
               r.commit_duration.Percentile(0.5).count(), r.commit_duration.Percentile(0.99).count(),
               r.commit_duration.Max().count());
  }
  // Object-store requests of this run (loading the tables at start included): what a
  // commit costs against S3's per-request pricing and rate limits.
  storage::S3RequestCounts requests;
  bool any_s3 = false;
  for (const auto& st : f.opened) {
    // --inject-crash wraps the storage; the S3 tables of tests with crash rules are not counted.
    if (auto* s3 = dynamic_cast<const storage::S3Storage*>(st.get())) {
      const auto c = s3->request_counts();
      requests.get += c.get, requests.put += c.put, requests.list += c.list;
      requests.head += c.head, requests.del += c.del, requests.post += c.post;
      any_s3 = true;
    }
  }
  if (any_s3) {
    fmt::print("         S3 requests: {} (GET {}, PUT {}, LIST {}, HEAD {}, DELETE {}, POST {}), {:.2f} per commit\n",
               requests.total(), requests.get, requests.put, requests.list, requests.head, requests.del, requests.post,
               s.commits > 0 ? static_cast<double>(requests.total()) / static_cast<double>(s.commits) : 0.0);
  }
}

std::string FileStatusLine(const ingest::IngestStats& s) {
  return fmt::format("ingest: {} files ({} records) read, committed {} rows in {} commits, quarantined {}, "
                     "unreadable {}", s.input_files, HumanCount(static_cast<double>(s.messages)),
                     HumanCount(static_cast<double>(s.rows)), s.commits, s.quarantined, s.unreadable_files);
}

// A pipeline whose sources are folders: the file ingester, no Kafka.
int RunFileIngestCommand(IngestFlags& f, std::chrono::milliseconds interval) {
  ingest::FileIngestOptions o;
  o.pipeline = f.options.pipeline;
  o.app_id = f.options.app_id;
  o.interval = interval;
  o.until_caught_up = f.options.until_caught_up;
  o.archive_dir = f.archive_dir;
  o.delete_after = f.delete_files;
  o.compression = f.options.compression;
  o.open_table = f.options.open_table;
  o.open_folder = [&f](const std::string& uri, bool) { return OpenTableWith(uri, f.storage_options); };
  std::string folders, tables;
  for (const auto& src : o.pipeline.sources) {
    folders += (folders.empty() ? "" : ", ") + (src.files ? "files in " + src.files->dir : "Delta table " + src.delta->path);
  }
  for (const auto& t : o.pipeline.tables) tables += (tables.empty() ? "" : ", ") + t.path;
  fmt::print(stderr, "orbitlake ingest: {} -> {}, listing every {}{}\n", folders, tables, f.interval,
             o.until_caught_up ? ", until caught up" : "");
  Progress progress({.force_tty = f.quiet ? 0 : -1});
  auto r = ingest::RunFileIngest(o, [&](const ingest::IngestStats& s) {
    if (!f.quiet && progress.Due()) progress.Update(FileStatusLine(s), true);
  });
  if (!r.ok()) return Fail("ingest", r.status());
  progress.Finish(FileStatusLine(r->stats));
  PrintSummary(f, *r);
  return kExitOk;
}

int RunIngestCommand(IngestFlags& f) {
  if (Status st = ApplyKafkaProperties(&f.kafka); !st.ok()) return Fail("ingest", st);
  for (CLI::Option* opt : f.builtin_only) {
    if (!f.pipeline_file.empty() && opt->count() > 0) {
      fmt::print(stderr, "orbitlake ingest: error: {} cannot be combined with --pipeline: the pipeline file declares "
                 "the topics and tables\n", opt->get_name());
      return kExitUsage;
    }
  }
  if (!f.registry.url.empty() && !f.pipeline_file.empty()) {
    fmt::print(stderr, "orbitlake ingest: error: --registry cannot be combined with --pipeline\n");
    return kExitUsage;
  }
  if (f.registry.url.empty() && f.registry.tables_opt->count() > 0) {
    fmt::print(stderr, "orbitlake ingest: error: --tables needs --registry\n");
    return kExitUsage;
  }
  if (Status st = ResolvePipeline(f); !st.ok()) return Fail("ingest", st);
  auto& o = f.options;
  o.client = f.kafka.client;
  auto interval = ParseDuration(f.interval);
  if (!interval.ok()) return Fail("ingest", interval.status().WithContext("--interval"));
  o.batch.interval = std::chrono::duration_cast<std::chrono::milliseconds>(*interval);
  if (o.batch.interval.count() <= 0) return Fail("ingest", Status::InvalidArgument("--interval must be positive"));
  auto startup = ParseDuration(f.startup_timeout);
  if (!startup.ok()) return Fail("ingest", startup.status().WithContext("--startup-timeout"));
  o.startup_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*startup);
  o.starting_offsets =
      f.starting_offsets == "latest" ? ingest::StartingOffsets::kLatest : ingest::StartingOffsets::kEarliest;
  auto compression = columnar::ParseCompression(f.compression);
  if (!compression.ok()) return Fail("ingest", compression.status().WithContext("--compression"));
  o.compression = *compression;
  o.optimize_method = f.optimize_method == "copy"      ? maintenance::CompactionMethod::kCopyRowGroups
                      : f.optimize_method == "rewrite" ? maintenance::CompactionMethod::kRewrite
                                                       : maintenance::CompactionMethod::kAuto;
  // Crash injection (tests) applies to the data tables: the storage points of a commit.
  o.open_table = [&f](const std::string& uri, bool quarantine) -> Result<std::shared_ptr<storage::Storage>> {
    auto opened = TableStorage(uri, f.storage_options, quarantine ? std::vector<std::string>{} : f.inject_crash);
    if (opened.ok()) f.opened.push_back(*opened);
    return opened;
  };
  const auto file_sources = std::count_if(o.pipeline.sources.begin(), o.pipeline.sources.end(),
                                          [](const auto& src) { return src.files || src.delta; });
  if (file_sources > 0 && file_sources < static_cast<int64_t>(o.pipeline.sources.size())) {
    return Fail("ingest", Status::InvalidArgument(f.pipeline_file + ": mixes Kafka sources with file or Delta "
                                                  "sources; run one pipeline file for each"));
  }
  if (file_sources > 0) return RunFileIngestCommand(f, o.batch.interval);
  if (!f.archive_dir.empty() || f.delete_files) {
    fmt::print(stderr, "orbitlake ingest: error: --archive and --delete are for pipelines of file sources\n");
    return kExitUsage;
  }

  metrics::Registry registry;
  registry
      .GetGauge("orbitlake_build_info", "orbitlake build: version and the librdkafka in use (always 1)",
                {{"version", ORBITLAKE_VERSION}, {"librdkafka", kafka::LibraryVersion()}})
      .Set(1);
  o.metrics = &registry;
  std::unique_ptr<metrics::MetricsServer> server;
  if (!f.metrics_addr.empty()) {
    auto s = metrics::MetricsServer::Start(registry, f.metrics_addr);
    if (s.ok()) {
      server = std::move(*s);
      f.metrics_addr = f.metrics_addr.substr(0, f.metrics_addr.rfind(':') + 1) + std::to_string(server->port());
    } else if (f.metrics_addr_given) {
      return Fail("ingest", s.status());
    } else {
      fmt::print(stderr, "orbitlake ingest: warning: no metrics endpoint ({}); use --metrics-addr to choose another\n",
                 s.status().message());
    }
  }

  std::string topics, tables;
  for (const auto& src : o.pipeline.sources) {
    for (const auto& t : src.topics) topics += (topics.empty() ? "" : ",") + t;
  }
  for (const auto& t : o.pipeline.tables) tables += (tables.empty() ? "" : ", ") + t.path;
  if (!f.registry.url.empty()) {
    topics = f.topic_opt->count() > 0 ? f.topics.at(0) : "(-t, KAFKA_TOPIC or raw_events)";
    tables = RegistryTablesText(f.registry);
  }
  fmt::print(stderr,
             "orbitlake ingest: {} topic(s) {} (group {}) -> {} every {}{}{}\n", o.client.brokers, topics, o.group_id,
             tables, f.interval, o.until_caught_up ? ", until caught up" : "",
             server ? fmt::format(", metrics on http://{}/metrics", f.metrics_addr) : "");
  Progress progress({.force_tty = f.quiet ? 0 : -1});
  auto on_progress = [&](const ingest::IngestStats& s) {
    if (!f.quiet && progress.Due()) progress.Update(StatusLine(s), true);
  };
  auto r = f.registry.url.empty()
               ? ingest::RunIngest(o, on_progress)
               : RunRegistryIngestFlags(f.registry, o, f.topic_opt->count() > 0 ? f.topics.at(0) : "", on_progress);
  if (!r.ok()) return Fail("ingest", r.status());
  progress.Finish(StatusLine(r->stats));
  PrintSummary(f, *r);
  return kExitOk;
}

}  // namespace

void AddIngestCommand(CLI::App& root, RunFn& run) {
  auto f = std::make_shared<IngestFlags>();
  CLI::App* sub = root.add_subcommand(
      "ingest",
      "Consume Kafka topics in micro-batches into a Delta Lake table (Parquet, Snappy unless --compression), exactly once.\n"
      "Offsets live in the table (one txn per partition), so a restart resumes where the last commit\n"
      "stopped; bad messages go to a quarantine table. Ctrl-C commits what is held and exits.\n"
      "A --pipeline whose sources are folders (files = \"DIR\") ingests JSON files instead: each file once,\n"
      "recorded in the tables' logs (docs/pipelines.md, \"File sources\").");
  AddKafkaOptions(sub, &f->kafka);
  f->brokers_opt = sub->get_option("--brokers");
  sub->add_option("--pipeline", f->pipeline_file,
                  "Run the pipeline declared in this TOML file (sources, tables, columns, routes; see "
                  "docs/pipelines.md and 'orbitlake pipeline check FILE') instead of the built-in satellite one; "
                  "its [kafka] settings apply unless -b/-g/--app-id are given")
      ->check(CLI::ExistingFile);
  f->topic_opt = AddTopicsOption(sub, &f->topics, "Topic(s) to consume (built-in pipeline; with --registry: one)");
  f->builtin_only.push_back(f->topic_opt);
  AddRegistryIngestOptions(sub, &f->registry);
  f->group_opt = AddGroupOption(sub, &f->options.group_id, "Kafka consumer group; ingesters in one group share partitions");
  f->app_id_opt = sub->add_option("--app-id", f->options.app_id,
                  "Names this pipeline's offsets in the table (txn appId <app-id>:<topic>:<partition>)")
      ->capture_default_str();
  sub->add_flag("--allow-new-app-id", f->options.allow_new_app_id,
                "Accept an --app-id that is new to a table holding the same topic's offsets under another app id "
                "(a second pipeline into one table; it reads the topic again)");
  sub->add_option("--reset-offsets-for", f->options.reset_offsets_for,
                  "Topic (repeatable) whose partitions restart at their earliest offset when they end below the "
                  "offsets the table holds (the topic was deleted and recreated); recorded in the table's log")
      ->delimiter(',');
  f->builtin_only.push_back(
      sub->add_option("--table", f->table, std::string(kTableLocationHelp) + "; created on first use")
          ->capture_default_str()
          ->envname("ORBITLAKE_TABLE")
          ->check(TableLocation()));
  f->builtin_only.push_back(
      sub->add_option("--quarantine-table", f->quarantine, "Table for bad messages (default: <table>-quarantine)")
          ->check(TableLocation()));
  AddStorageOptions(sub, &f->storage_options);  // every table: --table, quarantine, --pipeline ones
  sub->add_option("-i,--interval", f->interval, "Micro-batch interval: a batch commits this long after its oldest "
                                               "row's event time (a row already that old counts from its arrival), even if "
                                               "no more messages arrive (e.g. 1s, 500ms); for file sources, how often the "
                                               "folders are listed")
      ->capture_default_str()
      ->check(DurationIn(kIngestMinDuration, kIngestMaxDuration));
  sub->add_option("--startup-timeout", f->startup_timeout,
                  "Give up at start when Kafka does not answer within this time (later outages are waited out)")
      ->capture_default_str()
      ->check(DurationIn(kIngestMinDuration, kIngestMaxDuration));
  sub->add_option("--max-rows", f->options.batch.max_rows, "Close a batch at this many rows")
      ->capture_default_str()
      ->check(IntegerIn(1, kMaxBatchRows));
  sub->add_option("--max-bytes", f->options.batch.max_bytes,
                  "Close a batch when its Parquet output reaches this many compressed bytes")
      ->capture_default_str()
      ->check(IntegerIn(kMinBatchBytes, kMaxBatchBytes));
  f->builtin_only.push_back(
      sub->add_option("--partition-by", f->partition_by, "Partition a new table by event 'date' (UTC) or 'none'")
          ->capture_default_str()
          ->check(CLI::IsMember({"date", "none"})));
  sub->add_option("--starting-offsets", f->starting_offsets,
                  "Where partitions the table has never seen start: earliest or latest")
      ->capture_default_str()
      ->check(CLI::IsMember({"earliest", "latest"}));
  sub->add_option("--compression", f->compression,
                  "Parquet page compression of the data files: snappy (fast), zstd (smallest files, more CPU), "
                  "lz4 (LZ4_RAW, about Snappy's speed) or none. Spark and delta-rs read all four; "
                  "bench/RESULTS.md compares them")
      ->capture_default_str()
      ->check(CLI::IsMember({"snappy", "zstd", "lz4", "none"}));
  sub->add_option("--optimize-every", f->options.optimize_every,
                  "Every N commits to a table, compact the partitions this ingester wrote to (OPTIMIZE, on a "
                  "background thread: ingestion never waits for it, and it cannot conflict with the appends). "
                  "Target file size: the table's delta.targetFileSize, else 100 MiB. 0 = off; "
                  "'orbitlake optimize' does the same by hand")
      ->capture_default_str()
      ->check(IntegerIn(0, kMaxOptimizeEvery));
  sub->add_option("--optimize-method", f->optimize_method,
                  "How --optimize-every merges files: 'copy' copies the files' Parquet row groups byte for byte "
                  "(almost no CPU; row groups stay small), 'rewrite' decodes and encodes every row again (the "
                  "most compact files, CPU like ingesting them again), 'auto' copies while batches fill up "
                  "before the interval (a backlog: the CPU goes to ingesting) and rewrites once caught up")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "copy", "rewrite"}));
  sub->add_option("--optimize-cpu-share", f->options.optimize_backlog_cpu_share,
                  "While the ingester has a backlog (a backfill: every core busy), --optimize-every's "
                  "compactions use at most this share of the ingester's CPU time, so they slow ingestion by "
                  "about as much; they catch up once it is caught up. 0 = no limit")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  sub->add_flag("--until-caught-up", f->options.until_caught_up,
                "Stop once every partition reached the end offsets seen at start (one-shot backfill); for file "
                "sources, once a listing finds no file left to ingest");
  sub->add_option("--archive", f->archive_dir,
                  "File sources: move each file into this folder after the commit that recorded it")
      ->check(TableLocation());
  sub->add_flag("--delete", f->delete_files, "File sources: delete each file after the commit that recorded it")
      ->excludes("--archive");
  sub->add_option("--metrics-addr", f->metrics_addr,
                  "Serve Prometheus metrics on host:port ('' to disable); loopback unless told otherwise")
      ->capture_default_str()
      ->each([f](const std::string&) { f->metrics_addr_given = true; });
  sub->add_flag("-q,--quiet", f->quiet, "Print the status line every 10 s instead of live");
  // Testing only (hidden): OP:PATH_SUBSTRING:NTH:ACTION, see storage/fault_storage.h; a
  // crash action SIGKILLs the process there, e.g. put:_delta_log/0:2:crash-before.
  sub->add_option("--inject-crash", f->inject_crash, "")->group("");
  sub->callback([f, &run] { run = [f] { return RunIngestCommand(*f); }; });
}

}  // namespace orbitlake::cli
