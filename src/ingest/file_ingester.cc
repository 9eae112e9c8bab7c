#include "ingest/file_ingester.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <arrow/record_batch.h>
#include <fmt/format.h>

#include "common/clock.h"
#include "common/signals.h"
#include "delta/reader.h"
#include "delta/snapshot.h"
#include "files/landing.h"
#include "files/records.h"
#include "ingest/committer.h"
#include "ingest/event_rows.h"
#include "readers/text_table.h"
#include "storage/table_uri.h"

namespace orbitlake::ingest {
namespace {

// One unit of the batch being read: a landed file, or commits of a Delta source.
struct BatchFile {
  int source = 0;
  files::LandedFile file;  // file source
  int64_t records = 0;
  // Delta source: its versions [first_version, last_version] and the files their
  // appends added; `skip`: recorded without reading (starting_offsets = latest).
  int64_t first_version = -1;
  int64_t last_version = -1;
  std::vector<delta::AddedFile> adds;
  bool skip = false;
  bool is_delta() const { return last_version >= 0; }
};

class FileIngester {
 public:
  FileIngester(const FileIngestOptions& o, std::function<void(const IngestStats&)> on_progress)
      : o_(o), on_progress_(std::move(on_progress)) {}

  Result<IngestSummary> Run();

 private:
  struct Sink : PlannedSink {
    bool has_rows = false;  // in the open batch
  };
  struct Source : PlannedSource {
    std::unique_ptr<files::Landing> landing;  // file source
    std::shared_ptr<storage::Storage> table;  // Delta source
    std::optional<delta::Snapshot> snapshot;  // Delta source: at the last poll
    bool first_start = false;  // starting_files = new and no data table existed
    bool first_listing_done = false;
  };

  Status Build();
  Result<std::shared_ptr<storage::Storage>> OpenFolder(const std::string& uri) {
    return o_.open_folder ? o_.open_folder(uri, false) : storage::OpenTableStorage(uri);
  }
  // The txn versions each sink holds for the files named, from the tables' logs.
  Status LoadHeld();
  std::optional<int64_t> Held(int sink, int source, const std::string& name);
  bool Ingested(int source, const std::string& name);
  // Delta sources: the last source version `sink` holds (this run's commits included).
  std::optional<int64_t> HeldVersion(int sink, int source);
  // The new commits of a Delta source as batch units (none when it has nothing new).
  Status PollDelta(int source, bool* pending, std::vector<BatchFile>* todo);
  // Reads one file into the open batch. False when it is unreadable (reported).
  Result<bool> ReadFile(BatchFile& f);
  Result<bool> ReadDelta(BatchFile& f);
  // Decodes one record into the open batch for the tables in `wanted`.
  Status DecodeRecord(int source, std::string_view json, const pipeline::MessageMeta& meta, TableMask wanted,
                      int64_t ingest_us, const std::function<bool(int sink)>& quarantine_holds);
  Status HandOff();
  // Commits the open batch; false when it was dropped (fenced) and must be re-planned.
  Result<bool> CommitBatch(std::vector<BatchFile>& batch);
  // Archives or deletes ingested files still in the folder.
  void AfterIngest(Source& src, const std::string& name);
  void OnCommit(const CommitResult& r);
  IngestStats Stats();

  const FileIngestOptions& o_;
  std::function<void(const IngestStats&)> on_progress_;
  std::vector<Sink> sinks_;
  std::vector<Source> sources_;
  std::unique_ptr<Committer> committer_;
  std::shared_ptr<storage::Storage> archive_;
  // Per sink: the tables' snapshots at the last LoadHeld() (null: no table yet), and the
  // files this run committed to it since, by txn appId.
  std::vector<std::optional<delta::Snapshot>> snaps_;
  std::vector<std::set<std::string>> committed_;
  std::vector<std::map<int, int64_t>> committed_versions_;  // per sink: Delta source -> version
  std::map<std::string, std::pair<int64_t, int64_t>> unreadable_;  // "<source>/<name>" -> (size, mtime)
  std::vector<int64_t> event_ns_;
  DecodeResult decoded_;
  int64_t chunk_rows_ = 0;
  int64_t epoch_ = 0;
  bool dropped_ = false;  // the last seal was fenced
  std::chrono::steady_clock::time_point started_;
  std::mutex mu_;  // guards stats_ (the committer thread updates it)
  IngestStats stats_;
  metrics::LatencyRecorder commit_duration_;
};

std::string AppIdOf(const std::string& app_id, const std::string& name) {
  return TxnAppId(app_id, FileRangeTopic(name), 0);
}

Status FileIngester::Build() {
  for (const auto& src : o_.pipeline.sources) {
    if (!src.files && !src.delta) {
      return Status::InvalidArgument("source " + src.name + " reads Kafka topics: the file ingester runs pipelines "
                                     "whose sources are folders (files = \"DIR\") or Delta tables (delta = \"PATH\")");
    }
  }
  ORBIT_ASSIGN_OR_RETURN(PipelineSinks plan, PlanPipelineSinks(o_.pipeline, o_.open_table, o_.memory_pool));
  for (auto& p : plan.sinks) {
    Sink s;
    static_cast<PlannedSink&>(s) = std::move(p);
    sinks_.push_back(std::move(s));
  }
  for (auto& p : plan.sources) {
    Source s;
    if (p.spec->delta) {
      ORBIT_ASSIGN_OR_RETURN(s.table, OpenFolder(p.spec->delta->path));
      static_cast<PlannedSource&>(s) = std::move(p);
    } else {
      ORBIT_ASSIGN_OR_RETURN(auto folder, OpenFolder(p.spec->files->dir));
      static_cast<PlannedSource&>(s) = std::move(p);
      s.landing = std::make_unique<files::Landing>(std::move(folder), s.spec->files->patterns);
    }
    sources_.push_back(std::move(s));
  }
  if (!o_.archive_dir.empty()) { ORBIT_ASSIGN_OR_RETURN(archive_, OpenFolder(o_.archive_dir)); }
  return Status::OK();
}

Status FileIngester::LoadHeld() {
  snaps_.assign(sinks_.size(), std::nullopt);
  committed_.assign(sinks_.size(), {});
  committed_versions_.assign(sinks_.size(), {});
  for (size_t i = 0; i < sinks_.size(); ++i) {
    auto& storage = *sinks_[i].options.storage;
    if (auto s = delta::LoadSnapshot(storage); s.ok()) {
      snaps_[i] = std::move(*s);
    } else if (s.status().code() != StatusCode::kNotFound) {
      return s.status().WithContext("reading the files recorded in " + storage.Describe(""));
    }
  }
  return Status::OK();
}

std::optional<int64_t> FileIngester::Held(int sink, int /*source*/, const std::string& name) {
  const std::string id = AppIdOf(o_.app_id, name);
  if (committed_[sink].count(id) != 0) return 0;
  if (snaps_[sink]) return snaps_[sink]->TxnVersion(id);
  return std::nullopt;
}

std::optional<int64_t> FileIngester::HeldVersion(int sink, int source) {
  std::optional<int64_t> held;
  if (snaps_[sink]) held = snaps_[sink]->TxnVersion(TxnAppId(o_.app_id, DeltaRangeTopic(sources_[source].spec->name), 0));
  if (auto it = committed_versions_[sink].find(source); it != committed_versions_[sink].end()) {
    held = std::max(held.value_or(-1), it->second);
  }
  return held;
}

Status FileIngester::PollDelta(int source, bool* pending, std::vector<BatchFile>* todo) {
  Source& src = sources_[source];
  auto snap = delta::LoadSnapshot(*src.table);
  if (snap.status().code() == StatusCode::kNotFound) {
    *pending = !o_.until_caught_up;  // not created yet: wait for it, unless catching up
    return Status::OK();
  }
  if (!snap.ok()) return snap.status().WithContext("reading the source table " + src.table->Describe(""));
  const int64_t latest = snap->version();
  src.snapshot = std::move(*snap);
  // The oldest version any data table of the source still lacks.
  std::optional<int64_t> done;
  bool all_hold = true;
  for (int i : src.data_sinks) {
    auto h = HeldVersion(i, source);
    if (!h) all_hold = false;
    done = done ? std::min(*done, h.value_or(-1)) : h.value_or(-1);
  }
  const int64_t after = done.value_or(-1);
  if (!all_hold && after < 0 && src.spec->starting_offsets == pipeline::StartFrom::kLatest) {
    // starting_offsets = latest at the first start: the commits so far are recorded, unread.
    BatchFile skip;
    skip.source = source;
    skip.first_version = 0;
    skip.last_version = latest;
    skip.skip = true;
    todo->push_back(std::move(skip));
    return Status::OK();
  }
  if (latest <= after) return Status::OK();
  ORBIT_ASSIGN_OR_RETURN(auto adds, delta::FilesAddedAfter(*src.table, after, latest));
  // Units of whole commits, up to max_batch_bytes of Parquet each.
  BatchFile unit;
  unit.source = source;
  unit.first_version = after + 1;
  int64_t bytes = 0;
  for (auto& a : adds) {
    if (!unit.adds.empty() && a.version != unit.adds.back().version &&
        (bytes + a.add.size > o_.max_batch_bytes || static_cast<int>(unit.adds.size()) >= o_.max_batch_files)) {
      unit.last_version = a.version - 1;
      const int64_t next = a.version;
      todo->push_back(std::move(unit));
      unit = BatchFile{};
      unit.source = source;
      unit.first_version = next;
      bytes = 0;
    }
    bytes += a.add.size;
    unit.adds.push_back(std::move(a));
  }
  unit.last_version = latest;
  todo->push_back(std::move(unit));
  return Status::OK();
}

bool FileIngester::Ingested(int source, const std::string& name) {
  for (int i : sources_[source].data_sinks) {
    if (!Held(i, source, name)) return false;
  }
  return true;
}

Result<bool> FileIngester::ReadFile(BatchFile& f) {
  Source& src = sources_[f.source];
  const std::string& name = f.file.name;
  auto bytes = src.landing->folder().Read(name);
  Result<std::string> text = bytes.ok() ? files::DecodeFileBytes(name, std::move(*bytes), o_.max_file_bytes)
                                        : Result<std::string>(bytes.status());
  if (text.ok() && static_cast<int64_t>(text->size()) > o_.max_file_bytes) {
    text = Status::InvalidArgument(fmt::format("{}: {} bytes, more than the file source's limit", name, text->size()));
  }
  if (!text.ok()) {
    fmt::print(stderr, "orbitlake ingest: cannot read {} ({}); skipped until it changes\n",
               src.landing->folder().Describe(name), text.status().message());
    unreadable_[src.spec->name + "/" + name] = {f.file.size, f.file.modification_time_ms};
    std::lock_guard lock(mu_);
    ++stats_.unreadable_files;
    return false;
  }
  std::vector<files::Record> records;
  files::SplitRecords(*text, &records);
  f.records = static_cast<int64_t>(records.size());
  // Tables that already hold this file (a crash between two tables' commits) skip it.
  TableMask wanted = 0;
  const Source& plan = src;
  for (size_t t = 0; t < plan.table_sink.size(); ++t) {
    if (!Held(plan.table_sink[t], f.source, name)) wanted |= TableMask{1} << t;
  }
  const int64_t ingest_us = std::chrono::duration_cast<std::chrono::microseconds>(SystemClock().WallNow()).count();
  const auto quarantine_holds = [&](int q) { return Held(q, f.source, name).has_value(); };
  for (const auto& r : records) {
    pipeline::MessageMeta meta;
    meta.topic = name;
    meta.partition = 0;
    meta.offset = r.line;
    meta.timestamp_ms = f.file.modification_time_ms;
    ORBIT_RETURN_IF_ERROR(DecodeRecord(f.source, r.json, meta, wanted, ingest_us, quarantine_holds)
                              .WithContext(fmt::format("decoding {} line {}", name, r.line)));
  }
  std::lock_guard lock(mu_);
  stats_.messages += f.records;
  stats_.bytes += static_cast<int64_t>(text->size());
  return true;
}

Status FileIngester::DecodeRecord(int source, std::string_view json, const pipeline::MessageMeta& meta,
                                  TableMask wanted, int64_t ingest_us,
                                  const std::function<bool(int sink)>& quarantine_holds) {
  const Source& plan = sources_[source];
  auto payload = std::span(reinterpret_cast<const uint8_t*>(json.data()), json.size());
  ORBIT_RETURN_IF_ERROR(plan.decoder->Decode(payload, meta, ingest_us, wanted, &decoded_));
  for (size_t t = 0; t < plan.table_sink.size(); ++t) {
    if ((decoded_.appended >> t) & 1U) {
      sinks_[plan.table_sink[t]].has_rows = true;
      ++chunk_rows_;
    }
  }
  if (decoded_.appended != 0) event_ns_.push_back(meta.timestamp_ms.value_or(0) * 1'000'000);
  for (const auto& rej : decoded_.rejections) {
    const int q = rej.table < 0 ? plan.quarantine_sink : plan.table_quarantine_sink[rej.table];
    if (quarantine_holds(q)) continue;  // it has these rejections already
    const KafkaMeta km{meta.topic, 0, meta.offset, meta.timestamp_ms.value_or(0)};
    sinks_[q].quarantine_rows->Append(payload, {}, km, rej.reason, ingest_us);
    sinks_[q].has_rows = true;
    ++chunk_rows_;
  }
  if (chunk_rows_ >= o_.chunk_rows) ORBIT_RETURN_IF_ERROR(HandOff());
  return Status::OK();
}

Result<bool> FileIngester::ReadDelta(BatchFile& f) {
  Source& src = sources_[f.source];
  if (f.skip) return true;
  const std::string topic = DeltaRangeTopic(src.spec->name);
  const int64_t ingest_us = std::chrono::duration_cast<std::chrono::microseconds>(SystemClock().WallNow()).count();
  for (const auto& a : f.adds) {
    // Tables that hold this version already (a crash between two tables' commits) skip it.
    TableMask wanted = 0;
    for (size_t t = 0; t < src.table_sink.size(); ++t) {
      const auto h = HeldVersion(src.table_sink[t], f.source);
      if (!h || *h < a.version) wanted |= TableMask{1} << t;
    }
    const auto quarantine_holds = [&](int q) {
      const auto h = HeldVersion(q, f.source);
      return h && *h >= a.version;
    };
    auto rows = delta::ReadFiles(*src.table, *src.snapshot, {a.add});
    if (!rows.ok()) {
      return rows.status().WithContext(fmt::format("reading {} (version {}) of the source table {}", a.add.path,
                                                   a.version, src.table->Describe("")));
    }
    ORBIT_ASSIGN_OR_RETURN(readers::TextTable text, readers::FromArrow(**rows));
    const std::string lines = readers::Render(text, readers::Format::kJson, false);
    pipeline::MessageMeta meta;
    meta.topic = topic;
    meta.partition = 0;
    meta.offset = a.version;
    meta.timestamp_ms = a.add.modification_time;
    size_t start = 0;
    int64_t row = 0;
    while (start < lines.size()) {
      size_t end = lines.find('\n', start);
      if (end == std::string::npos) end = lines.size();
      ORBIT_RETURN_IF_ERROR(DecodeRecord(f.source, std::string_view(lines).substr(start, end - start), meta, wanted,
                                         ingest_us, quarantine_holds)
                                .WithContext(fmt::format("decoding row {} of {} (version {})", row, a.add.path, a.version)));
      start = end + 1;
      ++row;
    }
    std::lock_guard lock(mu_);
    f.records += row;
    stats_.messages += row;
    stats_.bytes += static_cast<int64_t>(lines.size());
  }
  return true;
}

Status FileIngester::HandOff() {
  if (chunk_rows_ == 0) return Status::OK();
  ORBIT_ASSIGN_OR_RETURN(auto rows, TakeHeldRows(sources_, sinks_));
  chunk_rows_ = 0;
  committer_->Submit(epoch_, std::move(rows), std::move(event_ns_));
  event_ns_.clear();
  return Status::OK();
}

Result<bool> FileIngester::CommitBatch(std::vector<BatchFile>& batch) {
  ORBIT_RETURN_IF_ERROR(HandOff());
  std::vector<PartitionRange> ranges;
  for (const auto& f : batch) {
    if (f.is_delta()) {
      ranges.push_back({DeltaRangeTopic(sources_[f.source].spec->name), 0, f.first_version, f.last_version});
    } else {
      ranges.push_back({FileRangeTopic(f.file.name), 0, 0, f.records});
    }
  }
  std::vector<SinkCommit> commits;
  for (size_t i = 0; i < sinks_.size(); ++i) {
    Sink& sink = sinks_[i];
    SinkCommit c;
    c.sink = static_cast<int>(i);
    bool lacks = false;
    for (const auto& f : batch) {
      const bool ours = std::find(sink.sources.begin(), sink.sources.end(), f.source) != sink.sources.end();
      int64_t first = 0;
      if (!ours) {
        first = INT64_MAX;
      } else if (f.is_delta()) {
        const auto h = HeldVersion(c.sink, f.source);
        first = std::max(f.first_version, h.value_or(-1) + 1);
        if (first > f.last_version) first = INT64_MAX;
      } else if (Held(c.sink, f.source, f.file.name)) {
        first = INT64_MAX;
      }
      c.first.push_back(first);
      lacks = lacks || first != INT64_MAX;
    }
    // Data tables record every file they lack (a txn alone when the file gave them no
    // rows); quarantine tables commit when they got rows.
    const bool commit = lacks && (!sink.options.quarantine || sink.has_rows);
    sink.has_rows = false;
    if (commit) commits.push_back(std::move(c));
  }
  dropped_ = false;
  Status st = committer_->Seal(epoch_, std::move(ranges), commits).get();
  if (Status f = committer_->fatal(); !f.ok()) return f;
  ORBIT_RETURN_IF_ERROR(st);
  if (dropped_ || committer_->resync_needed()) {
    // Another ingester recorded some of these files first: start over from the tables.
    committer_->Resync(++epoch_);
    ORBIT_RETURN_IF_ERROR(LoadHeld());
    std::lock_guard lock(mu_);
    ++stats_.dropped_batches;
    return false;
  }
  int64_t input_files = 0;
  for (const auto& c : commits) {
    for (size_t r = 0; r < batch.size(); ++r) {
      if (c.first[r] == INT64_MAX) continue;
      if (batch[r].is_delta()) {
        auto& v = committed_versions_[c.sink][batch[r].source];
        v = std::max(v, batch[r].last_version);
      } else {
        committed_[c.sink].insert(AppIdOf(o_.app_id, batch[r].file.name));
      }
    }
  }
  for (const auto& f : batch) input_files += f.is_delta() ? static_cast<int64_t>(f.adds.size()) : 1;
  std::lock_guard lock(mu_);
  stats_.input_files += input_files;
  return true;
}

void FileIngester::AfterIngest(Source& src, const std::string& name) {
  if (!archive_ && !o_.delete_after) return;
  auto& folder = src.landing->folder();
  if (archive_) {
    auto data = folder.Read(name);
    if (data.status().code() == StatusCode::kNotFound) return;  // archived already
    Status st = data.status();
    if (st.ok()) {
      auto out = archive_->NewWritableFile(name);
      st = out.ok() ? (*out)->Append(*data) : out.status();
      if (st.ok()) st = (*out)->Close();
    }
    if (!st.ok()) {
      fmt::print(stderr, "orbitlake ingest: could not archive {} ({}); it stays, recorded as ingested\n",
                 folder.Describe(name), st.message());
      return;
    }
  }
  if (Status st = folder.Delete(name); !st.ok() && st.code() != StatusCode::kNotFound) {
    fmt::print(stderr, "orbitlake ingest: could not delete {} ({}); it stays, recorded as ingested\n",
               folder.Describe(name), st.message());
  }
}

void FileIngester::OnCommit(const CommitResult& r) {
  std::lock_guard lock(mu_);
  if (r.outcome == Outcome::kFenced) {
    dropped_ = true;
    fmt::print(stderr, "orbitlake ingest: batch dropped, another ingester recorded its files ({}); re-planning\n",
               r.detail);
    return;
  }
  AddCommitToStats(r, &stats_);
  if (r.outcome != Outcome::kCommitted) return;
  commit_duration_.Record(r.duration);
  if (!r.detail.empty()) fmt::print(stderr, "orbitlake ingest: {}\n", r.detail);
}

IngestStats FileIngester::Stats() {
  std::lock_guard lock(mu_);
  IngestStats s = stats_;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return s;
}

Result<IngestSummary> FileIngester::Run() {
  started_ = std::chrono::steady_clock::now();
  ORBIT_RETURN_IF_ERROR(Build());
  for (const Sink& s : sinks_) stats_.tables.push_back({.name = s.options.name, .path = s.path, .quarantine = s.options.quarantine});
  ORBIT_RETURN_IF_ERROR(LoadHeld());
  for (auto& src : sources_) {
    if (!src.spec->files || src.spec->files->starting != pipeline::StartFiles::kNew) continue;
    src.first_start = std::none_of(src.data_sinks.begin(), src.data_sinks.end(),
                                   [&](int i) { return snaps_[i].has_value(); });
  }
  CommitterOptions co;
  for (const Sink& s : sinks_) co.sinks.push_back(s.options);
  co.app_id = o_.app_id;
  co.table_options.parquet.row_group_rows = o_.row_group_rows;
  co.table_options.parquet.compression = o_.compression;
  ORBIT_ASSIGN_OR_RETURN(committer_, Committer::Start(co, [this](const CommitResult& r) { OnCommit(r); }));

  Status loop_status;
  auto next_listing = std::chrono::steady_clock::now();
  while (!StopRequested() && loop_status.ok()) {
    if (std::chrono::steady_clock::now() < next_listing) {
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
          std::chrono::milliseconds(100), std::chrono::duration_cast<std::chrono::milliseconds>(
                                              next_listing - std::chrono::steady_clock::now())));
      continue;
    }
    next_listing = std::chrono::steady_clock::now() + o_.interval;
    // Plan: files ready in every folder that the tables lack.
    std::vector<BatchFile> todo, skip_new;
    bool pending = false;  // something seen that is not done yet (still changing)
    for (size_t s = 0; s < sources_.size() && loop_status.ok(); ++s) {
      Source& src = sources_[s];
      if (src.spec->delta) {
        loop_status = PollDelta(static_cast<int>(s), &pending, &todo);
        continue;
      }
      const bool first = !src.first_listing_done;
      auto ready = src.landing->Poll(/*trust_first=*/o_.until_caught_up || src.first_start);
      if (!ready.ok()) {
        loop_status = ready.status().WithContext("listing " + src.landing->folder().Describe(""));
        break;
      }
      src.first_listing_done = true;
      std::set<std::string> ready_names;
      for (auto& f : *ready) {
        ready_names.insert(f.name);
        if (Ingested(static_cast<int>(s), f.name)) {
          AfterIngest(src, f.name);
          continue;
        }
        auto bad = unreadable_.find(src.spec->name + "/" + f.name);
        if (bad != unreadable_.end()) {
          if (bad->second == std::pair(f.size, f.modification_time_ms)) continue;
          unreadable_.erase(bad);  // it changed: try again
        }
        (first && src.first_start ? skip_new : todo).push_back({static_cast<int>(s), std::move(f), 0});
      }
      for (const auto& [name, id] : src.landing->seen()) {
        if (ready_names.count(name) == 0 && !Ingested(static_cast<int>(s), name)) pending = true;
      }
      src.first_start = false;
    }
    if (!loop_status.ok()) break;
    // starting_files = new: the files present at the first start are recorded, unread.
    if (!skip_new.empty()) {
      auto done = CommitBatch(skip_new);
      if (!done.ok()) {
        loop_status = done.status();
        break;
      }
      fmt::print(stderr, "orbitlake ingest: starting_files = new: {} file(s) present at the first start recorded "
                 "as skipped\n", skip_new.size());
    }
    // Batches of up to max_batch_files / max_batch_bytes, each committed before the next.
    size_t i = 0;
    while (i < todo.size() && loop_status.ok()) {
      std::vector<BatchFile> batch;
      int64_t bytes = 0;
      while (i < todo.size() && static_cast<int>(batch.size()) < o_.max_batch_files &&
             (batch.empty() || bytes + todo[i].file.size <= o_.max_batch_bytes)) {
        // A Delta unit is a batch of its own: one range (one txn) per source and seal.
        if (!batch.empty() && (todo[i].is_delta() || batch.back().is_delta())) break;
        BatchFile f = std::move(todo[i++]);
        auto ok = f.is_delta() ? ReadDelta(f) : ReadFile(f);
        if (!ok.ok()) {
          loop_status = ok.status();
          break;
        }
        if (!*ok) continue;
        for (const auto& a : f.adds) bytes += a.add.size;
        bytes += f.file.size;
        batch.push_back(std::move(f));
        if (StopRequested()) break;
      }
      if (!loop_status.ok() || batch.empty()) break;
      auto committed = CommitBatch(batch);
      if (!committed.ok()) {
        loop_status = committed.status();
        break;
      }
      if (!*committed) {
        next_listing = std::chrono::steady_clock::now();  // re-plan from the tables now
        pending = true;
        break;
      }
      for (const auto& f : batch) {
        if (!f.is_delta()) AfterIngest(sources_[f.source], f.file.name);
      }
      if (on_progress_) on_progress_(Stats());
      if (StopRequested()) break;
    }
    if (on_progress_) on_progress_(Stats());
    if (o_.until_caught_up && !pending && i >= todo.size()) break;
  }
  committer_->Stop();
  if (loop_status.ok()) loop_status = committer_->fatal();
  if (!loop_status.ok()) return loop_status;
  IngestSummary summary;
  summary.stats = Stats();
  summary.latency = committer_->latency();
  summary.commit_duration = commit_duration_;
  return summary;
}

}  // namespace

Result<IngestSummary> RunFileIngest(const FileIngestOptions& options,
                                    std::function<void(const IngestStats&)> on_progress) {
  FileIngester ingester(options, std::move(on_progress));
  return ingester.Run();
}

}  // namespace orbitlake::ingest
