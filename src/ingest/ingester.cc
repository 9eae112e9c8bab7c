#include "ingest/ingester.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include <arrow/record_batch.h>
#include <fmt/format.h>

#include "common/signals.h"
#include "delta/snapshot.h"
#include "delta/table.h"
#include "ingest/committer.h"
#include "ingest/decoder.h"
#include "ingest/event_rows.h"
#include "ingest/pipeline_sinks.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "maintenance/background_optimize.h"
#include "storage/table_uri.h"

namespace orbitlake::ingest {
namespace {

using Key = std::pair<std::string, int32_t>;

// How long a partition assignment keeps retrying transient broker errors.
constexpr std::chrono::seconds kAssignRetryFor{30};

struct Metrics {
  metrics::Counter* messages = nullptr;
  metrics::Counter* bytes = nullptr;
  metrics::Counter* skipped = nullptr;
  metrics::Counter* rows = nullptr;
  metrics::Counter* files = nullptr;
  metrics::Counter* commits = nullptr;
  metrics::Counter* quarantined = nullptr;
  metrics::Counter* duplicates = nullptr;
  metrics::Counter* dropped = nullptr;
  metrics::Gauge* version = nullptr;
  metrics::Gauge* last_commit = nullptr;
  metrics::Counter* missed = nullptr;
  metrics::Histogram* commit_seconds = nullptr;
  metrics::Histogram* latency_seconds = nullptr;
  metrics::Registry* registry = nullptr;

  explicit Metrics(metrics::Registry* r) : registry(r) {
    if (r == nullptr) return;
    messages = &r->GetCounter("orbitlake_ingest_messages_total", "Kafka messages consumed");
    bytes = &r->GetCounter("orbitlake_ingest_bytes_total", "Kafka payload bytes consumed");
    skipped = &r->GetCounter("orbitlake_ingest_skipped_total", "Messages skipped: already in the table");
    rows = &r->GetCounter("orbitlake_ingest_rows_written_total", "Rows committed to the table");
    files = &r->GetCounter("orbitlake_ingest_files_written_total", "Parquet data files committed");
    commits = &r->GetCounter("orbitlake_ingest_commits_total", "Delta commits made");
    quarantined = &r->GetCounter("orbitlake_ingest_quarantined_total", "Messages committed to the quarantine table");
    duplicates = &r->GetCounter("orbitlake_ingest_duplicates_total",
                                "Rows dropped because their table got the same dedup key within its window");
    dropped = &r->GetCounter("orbitlake_ingest_dropped_batches_total", "Batches dropped (fenced) and re-read");
    version = &r->GetGauge("orbitlake_ingest_table_version", "Latest table version committed by this ingester");
    last_commit = &r->GetGauge("orbitlake_ingest_last_commit_timestamp_seconds",
                               "Wall-clock time of this ingester's latest Delta commit (Unix seconds)");
    missed = &r->GetCounter("orbitlake_ingest_missed_offsets_total",
                            "Offsets Kafka deleted (retention) before they were ingested");
    commit_seconds = &r->GetHistogram("orbitlake_ingest_commit_duration_seconds",
                                      "Time from sealing a batch to its Delta commit", metrics::LatencyBuckets());
    latency_seconds = &r->GetHistogram("orbitlake_ingest_event_to_commit_seconds",
                                       "Event timestamp to Delta commit, per row", metrics::LatencyBuckets());
  }
  void Lag(const Key& k, double lag) {
    if (registry == nullptr) return;
    registry->GetGauge("orbitlake_ingest_consumer_lag", "Messages behind the partition end",
                       {{"topic", k.first}, {"partition", std::to_string(k.second)}})
        .Set(lag);
  }
};

class Ingester final : public kafka::RebalanceListener {
 public:
  Ingester(const IngestOptions& options, std::function<void(const IngestStats&)> on_progress)
      : o_(options), on_progress_(std::move(on_progress)), policy_(options.batch), metrics_(options.metrics) {}

  Result<IngestSummary> Run();

  Status OnAssign(std::vector<kafka::TopicPartition>& tps) override;
  void OnRevoke(const std::vector<kafka::TopicPartition>& tps) override;

 private:
  // One table the pipeline writes (a declared table, or a quarantine table).
  struct Sink : PlannedSink {
    bool has_rows = false;     // in the open batch
    std::chrono::steady_clock::time_point last_commit;  // planned by this loop
  };
  using Source = PlannedSource;
  struct PartitionState {
    int source = 0;
    // Per sink (global index): the txn version it holds for this partition.
    std::vector<std::optional<int64_t>> held;
    int64_t min_held = -1;  // over the source's sinks (-1: none)
    int64_t max_held = -1;
    int64_t first = -1;     // offsets in the open batch
    int64_t last = -1;
    int64_t next = -1;      // next offset to read
    int64_t end = -1;       // high watermark when assigned
  };

  Status BuildSinks();
  // Txn versions of every sink for `keys`.
  Status LoadHeld(const std::vector<Key>& keys, std::map<Key, PartitionState>* out);
  void UpdateBounds(PartitionState& st) const;
  // The partition's source's starting_offsets, else the ingester's.
  StartingOffsets StartOf(const PartitionState& st) const;
  // Where a partition with these holdings resumes; nullopt: at starting_offsets.
  std::optional<int64_t> ResumeAfter(const PartitionState& st) const;
  // Refuses an empty app id, or one new to a table holding the same topics' offsets
  // under other app ids (unless allow_new_app_id).
  Status CheckAppId();
  // Checks the tables' offsets of a newly assigned partition against Kafka's; resets
  // them (reset_offsets_for) or fails when Kafka's end is at or below them.
  Status CheckOffsets(const kafka::TopicPartition& tp, const kafka::Watermarks& wm, PartitionState* st);
  // One txn-only commit per table holding them, setting `partition` of `topic` to `to`.
  Status ResetOffsets(const std::string& topic, int32_t partition, int64_t to);
  void Process(const kafka::Message& m, int64_t ingest_us);
  void Quarantine(int sink, const PartitionState& st, const kafka::Message& m, const pipeline::MessageMeta& meta,
                  const std::string& reason, int64_t ingest_us);
  PartitionState* StateFor(const kafka::Message& m);
  // Publishes the counters of this poll round (one lock per round, not per message).
  void FlushRoundCounters();
  // Hands the decoded rows to the committer; on failure sets fatal_.
  Status HandOffChunk();
  std::future<Status> Seal(CloseReason reason);
  Status Resync();
  bool CaughtUp() const;
  void OnCommit(const CommitResult& r);
  void UpdateLag();
  IngestStats Stats();

  const IngestOptions& o_;
  std::function<void(const IngestStats&)> on_progress_;
  BatchPolicy policy_;
  Metrics metrics_;
  std::unique_ptr<kafka::Consumer> consumer_;
  // --optimize-every; declared before committer_, whose commits it hears of, so it is
  // destroyed (stopped) after it.
  std::unique_ptr<maintenance::BackgroundOptimizer> optimizer_;
  // Whether the last batch was sealed full (rows/bytes) rather than by its interval:
  // more was waiting, so background compaction copies row groups instead of spending
  // CPU on re-encoding (CompactionMethod::kAuto). Set by the loop, read by the
  // committer's thread.
  std::atomic<bool> backlog_{false};
  std::unique_ptr<Committer> committer_;
  std::vector<Sink> sinks_;
  std::vector<Source> sources_;
  std::map<std::string, int> topic_source_;
  std::vector<std::string> topics_;
  std::map<Key, PartitionState> parts_;
  // A failure on the consume thread (decoder buffers) that ends the run: no batch is
  // sealed once it is set, so no offset of rows that were lost is ever committed.
  Status fatal_;
  bool hook_stop_ = false;  // on_no_route asked to stop before a message
  int64_t epoch_ = 0;
  int64_t batch_messages_ = 0;
  int64_t chunk_rows_ = 0;           // rows decoded since the last hand-off
  std::vector<int64_t> event_ns_;    // event times of those rows' messages
  DecodeResult decoded_;
  std::vector<kafka::Message::Header> kafka_headers_;
  std::vector<pipeline::MessageHeader> headers_;
  // Last partition looked up: consecutive messages mostly come from one partition.
  // Topic names are compared by pointer (librdkafka keeps one name per topic handle).
  const char* last_topic_ = nullptr;
  int32_t last_partition_ = -1;
  PartitionState* last_state_ = nullptr;
  // Counters of the current poll round.
  int64_t round_messages_ = 0, round_bytes_ = 0, round_skipped_ = 0;
  std::chrono::steady_clock::time_point started_;

  std::mutex mu_;  // guards stats_ and kafka_commits_ (committer thread writes them)
  IngestStats stats_;
  metrics::LatencyRecorder commit_duration_;
  std::vector<kafka::TopicPartition> kafka_commits_;
};

Status Ingester::BuildSinks() {
  for (const auto& src : o_.pipeline.sources) {
    if (src.files || src.delta) {
      return Status::InvalidArgument("source " + src.name + " reads files or a Delta table: a pipeline of such sources runs "
                                     "in the file ingester (RunFileIngest), not mixed with Kafka sources");
    }
  }
  ORBIT_ASSIGN_OR_RETURN(PipelineSinks plan, PlanPipelineSinks(o_.pipeline, o_.open_table, o_.memory_pool));
  for (auto& p : plan.sinks) {
    Sink s;
    static_cast<PlannedSink&>(s) = std::move(p);
    sinks_.push_back(std::move(s));
  }
  sources_ = std::move(plan.sources);
  for (size_t s = 0; s < sources_.size(); ++s) {
    for (const auto& topic : sources_[s].spec->topics) {
      if (!topic_source_.emplace(topic, static_cast<int>(s)).second) {
        return Status::InvalidArgument("topic " + topic + " belongs to two sources");
      }
      topics_.push_back(topic);
    }
  }
  return Status::OK();
}

Status Ingester::LoadHeld(const std::vector<Key>& keys, std::map<Key, PartitionState>* out) {
  std::vector<std::optional<delta::Snapshot>> snaps(sinks_.size());
  for (size_t i = 0; i < sinks_.size(); ++i) {
    auto& storage = *sinks_[i].options.storage;
    if (auto s = delta::LoadSnapshot(storage); s.ok()) {
      snaps[i] = std::move(*s);
    } else if (s.status().code() != StatusCode::kNotFound) {
      return s.status().WithContext("reading committed offsets from " + storage.Describe(""));
    }
  }
  for (const Key& k : keys) {
    PartitionState& st = (*out)[k];
    st.source = topic_source_.at(k.first);
    st.held.assign(sinks_.size(), std::nullopt);
    const std::string id = TxnAppId(o_.app_id, k.first, k.second);
    for (int i : sources_[st.source].sinks) {
      if (snaps[i]) st.held[i] = snaps[i]->TxnVersion(id);
    }
    UpdateBounds(st);
  }
  return Status::OK();
}

void Ingester::UpdateBounds(PartitionState& st) const {
  const auto& sinks = sources_[st.source].sinks;
  st.min_held = INT64_MAX;
  st.max_held = -1;
  for (int i : sinks) {
    const int64_t v = st.held[i].value_or(-1);
    st.min_held = std::min(st.min_held, v);
    st.max_held = std::max(st.max_held, v);
  }
  if (sinks.empty()) st.min_held = -1;
}

StartingOffsets Ingester::StartOf(const PartitionState& st) const {
  const auto& from = sources_[st.source].spec->starting_offsets;
  if (!from) return o_.starting_offsets;
  return *from == pipeline::StartFrom::kLatest ? StartingOffsets::kLatest : StartingOffsets::kEarliest;
}

std::optional<int64_t> Ingester::ResumeAfter(const PartitionState& st) const {
  std::optional<int64_t> resume;
  for (int i : sources_[st.source].data_sinks) {
    if (!st.held[i]) {
      // A data table that never held this partition gets it from starting_offsets: from
      // the beginning with earliest; with latest it simply joins where the others are.
      if (StartOf(st) == StartingOffsets::kEarliest) return std::nullopt;
      continue;
    }
    resume = resume ? std::min(*resume, *st.held[i]) : *st.held[i];
  }
  return resume;
}

Status Ingester::CheckAppId() {
  if (o_.app_id.empty()) return Status::InvalidArgument("the app id must not be empty (it names the table's offsets)");
  for (const Sink& sink : sinks_) {
    if (sink.options.quarantine) continue;
    auto snap = delta::LoadSnapshot(*sink.options.storage);
    if (snap.status().code() == StatusCode::kNotFound) continue;
    if (!snap.ok()) return snap.status().WithContext("reading committed offsets from " + sink.options.storage->Describe(""));
    for (const auto& topic : sink.options.topics) {
      std::map<std::string, int> others;  // app id -> partitions of `topic` it holds
      bool ours = false;
      for (const auto& [id, txn] : snap->state().txns()) {
        auto parsed = ParseTxnAppId(id);
        if (!parsed || parsed->topic != topic) continue;
        if (parsed->app_id == o_.app_id) {
          ours = true;
        } else {
          ++others[parsed->app_id];
        }
      }
      if (ours || others.empty() || o_.allow_new_app_id) continue;
      std::string names;
      for (const auto& [id, n] : others) names += fmt::format("{}'{}' ({} partitions)", names.empty() ? "" : ", ", id, n);
      return Status::InvalidArgument(fmt::format(
          "{} holds offsets of topic {} under app id {}, none under '{}': a new app id would ingest the topic into it "
          "again from the start; use --app-id {} to continue that pipeline, or --allow-new-app-id for a second one",
          sink.options.storage->Describe(""), topic, names, o_.app_id, others.begin()->first));
    }
  }
  return Status::OK();
}

Status Ingester::ResetOffsets(const std::string& topic, int32_t partition, int64_t to) {
  const std::string id = TxnAppId(o_.app_id, topic, partition);
  for (const Sink& sink : sinks_) {
    if (std::find(sink.options.topics.begin(), sink.options.topics.end(), topic) == sink.options.topics.end()) continue;
    auto table = delta::Table::Open(sink.options.storage);
    if (table.status().code() == StatusCode::kNotFound) continue;
    if (!table.ok()) return table.status();
    auto old = (*table)->snapshot().TxnVersion(id);
    if (!old || *old <= to) continue;
    ORBIT_ASSIGN_OR_RETURN(delta::CommitOutcome outcome,
                           (*table)->RewindTxns({delta::Txn{id, to, std::nullopt}}, {{id, *old}}, "RESET OFFSETS",
                                                {{"topic", topic},
                                                 {"partitions", std::to_string(partition)},
                                                 {"previousOffsets", fmt::format("{}:{}", partition, *old)},
                                                 {"reason", "the partitions end below the table's offsets"}}));
    if (auto* c = std::get_if<delta::Conflict>(&outcome)) {
      return Status::Conflict("resetting offsets of " + topic + " in " + sink.options.storage->Describe("") + ": " +
                              c->reason);
    }
    fmt::print(stderr, "orbitlake ingest: reset offsets of {} partitions {} in {} (were {}:{}; --reset-offsets-for)\n",
               topic, partition, sink.options.storage->Describe(""), partition, *old);
  }
  committer_->Refresh();  // its next commits must build on the reset, not fence against the old offsets
  return Status::OK();
}

Status Ingester::CheckOffsets(const kafka::TopicPartition& tp, const kafka::Watermarks& wm, PartitionState* st) {
  // txn version V means offsets <= V are in the table; Kafka's end `high` is the next
  // offset it will write. V >= high: Kafka lost (or never had) what the table holds.
  if (st->max_held >= wm.high) {
    const bool reset = std::find(o_.reset_offsets_for.begin(), o_.reset_offsets_for.end(), tp.topic) !=
                       o_.reset_offsets_for.end();
    if (!reset) {
      return Status::InvalidArgument(fmt::format(
          "{}/{}: the table holds offsets up to {} but the partition ends at offset {} (earliest {}): the topic was "
          "deleted and recreated, or truncated. Nothing was ingested; to ingest the partition as it is now from "
          "offset {}, rerun with --reset-offsets-for {} (recorded in the table's log)",
          tp.topic, tp.partition, st->max_held, wm.high, wm.low, wm.low, tp.topic));
    }
    const int64_t to = wm.low - 1;
    ORBIT_RETURN_IF_ERROR(ResetOffsets(tp.topic, tp.partition, to));
    for (auto& h : st->held) {
      if (h) h = std::min(*h, to);
    }
    UpdateBounds(*st);
    std::lock_guard lock(mu_);
    ++stats_.resets;
  }
  if (auto resume = ResumeAfter(*st); resume && wm.low > *resume + 1) {
    const int64_t missed = wm.low - (*resume + 1);
    fmt::print(stderr,
               "orbitlake ingest: warning: {}/{}: offsets {}..{} were deleted by Kafka (retention) before they were "
               "ingested; {} messages missed, continuing at {}\n",
               tp.topic, tp.partition, *resume + 1, wm.low - 1, missed, wm.low);
    if (metrics_.missed) metrics_.missed->Add(static_cast<double>(missed));
    std::lock_guard lock(mu_);
    stats_.missed += missed;
  }
  return Status::OK();
}

Status Ingester::OnAssign(std::vector<kafka::TopicPartition>& tps) {
  std::vector<Key> keys;
  for (const auto& tp : tps) keys.emplace_back(tp.topic, tp.partition);
  std::map<Key, PartitionState> loaded;
  ORBIT_RETURN_IF_ERROR(LoadHeld(keys, &loaded));
  for (auto& tp : tps) {
    PartitionState st = loaded[{tp.topic, tp.partition}];
    // A topic created moments ago may not have partition leaders yet ("not leader"):
    // transient errors are retried for a while, anything else stops the ingester.
    Result<kafka::Watermarks> wm = Status::Timeout("watermarks not queried");
    const auto give_up = std::chrono::steady_clock::now() + kAssignRetryFor;
    for (;;) {
      wm = consumer_->QueryWatermarks(tp.topic, tp.partition, std::chrono::seconds(5));
      if (wm.ok() || !IsRetryable(wm.status()) || std::chrono::steady_clock::now() >= give_up) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (!wm.ok()) return wm.status().WithContext("assigning " + tp.topic + "/" + std::to_string(tp.partition));
    ORBIT_RETURN_IF_ERROR(CheckOffsets(tp, *wm, &st));
    st.end = wm->high;
    if (auto resume = ResumeAfter(st)) {
      tp.offset = *resume + 1;
      st.next = std::max(tp.offset, wm->low);
    } else if (StartOf(st) == StartingOffsets::kEarliest) {
      tp.offset = kafka::kOffsetBeginning;
      st.next = wm->low;
    } else {
      tp.offset = kafka::kOffsetEnd;
      st.next = wm->high;
    }
    parts_[{tp.topic, tp.partition}] = std::move(st);
  }
  last_topic_ = nullptr;
  last_state_ = nullptr;
  std::lock_guard lock(mu_);
  stats_.assigned_partitions = static_cast<int>(parts_.size());
  return Status::OK();
}

void Ingester::OnRevoke(const std::vector<kafka::TopicPartition>& tps) {
  // Commit what we hold for these partitions before anyone else may read them.
  Status st = Seal(CloseReason::kRebalance).get();
  // After a fatal error (e.g. a read-only table) this is the shutdown's revocation: the
  // error itself is reported once, by Run().
  if (!st.ok() && st.code() != StatusCode::kCancelled && committer_->fatal().ok() && fatal_.ok()) {
    fmt::print(stderr, "orbitlake ingest: commit before rebalance failed, rows will be re-read: {}\n",
               st.ToString());
  }
  for (const auto& tp : tps) parts_.erase({tp.topic, tp.partition});
  last_topic_ = nullptr;
  last_state_ = nullptr;
  std::lock_guard lock(mu_);
  stats_.assigned_partitions = static_cast<int>(parts_.size());
}

Ingester::PartitionState* Ingester::StateFor(const kafka::Message& m) {
  const std::string_view topic = m.topic();
  if (topic.data() == last_topic_ && m.partition() == last_partition_) return last_state_;
  auto it = parts_.find(Key{std::string(topic), m.partition()});
  if (it == parts_.end()) return nullptr;
  last_topic_ = topic.data();
  last_partition_ = m.partition();
  last_state_ = &it->second;
  return last_state_;
}

void Ingester::FlushRoundCounters() {
  {
    std::lock_guard lock(mu_);
    stats_.messages += round_messages_;
    stats_.bytes += round_bytes_;
    stats_.skipped += round_skipped_;
  }
  if (metrics_.messages) {
    metrics_.messages->Add(static_cast<double>(round_messages_));
    metrics_.bytes->Add(static_cast<double>(round_bytes_));
    metrics_.skipped->Add(static_cast<double>(round_skipped_));
  }
  round_messages_ = round_bytes_ = round_skipped_ = 0;
}

void Ingester::Quarantine(int sink, const PartitionState& st, const kafka::Message& m,
                          const pipeline::MessageMeta& meta, const std::string& reason, int64_t ingest_us) {
  Sink& s = sinks_[sink];
  if (st.held[sink] && meta.offset <= *st.held[sink]) return;  // it has it already
  const KafkaMeta km{meta.topic, meta.partition, meta.offset, meta.timestamp_ms.value_or(0)};
  s.quarantine_rows->Append(m.payload(), m.key(), km, reason, ingest_us);
  s.has_rows = true;
  ++chunk_rows_;
}

void Ingester::Process(const kafka::Message& m, int64_t ingest_us) {
  if (!fatal_.ok()) return;
  PartitionState* state = StateFor(m);
  if (state == nullptr) return;  // fetched before a revocation: the new owner reads it
  PartitionState& st = *state;
  const int64_t offset = m.offset();
  ++round_messages_;
  round_bytes_ += static_cast<int64_t>(m.payload().size());
  // Offsets only move forward within an assignment. A message below `next` is a
  // re-delivery: e.g. fetched before a rebalance (processed after it, when the partition
  // restarted at the resume point) and then delivered again from the new position.
  if (offset <= st.min_held || (st.next >= 0 && offset < st.next)) {
    ++round_skipped_;
    if (offset >= st.next) st.next = offset + 1;
    return;
  }
  st.next = offset + 1;
  Source& src = sources_[st.source];
  TableMask wanted = kAllTables;
  if (offset <= st.max_held) {  // re-reading after a crash between two tables' commits
    wanted = 0;
    for (size_t t = 0; t < src.table_sink.size(); ++t) {
      const auto& h = st.held[src.table_sink[t]];
      if (!h || offset > *h) wanted |= TableMask{1} << t;
    }
  }
  pipeline::MessageMeta meta;
  meta.topic = m.topic();
  meta.partition = m.partition();
  meta.offset = offset;
  if (const int64_t ts = m.timestamp_ms(); ts >= 0) meta.timestamp_ms = ts;
  if (m.has_key()) {
    const std::string_view k = m.key();
    meta.key = std::span(reinterpret_cast<const uint8_t*>(k.data()), k.size());
  }
  if (src.decoder->needs_headers()) {
    kafka_headers_.clear();
    headers_.clear();
    m.Headers(kafka_headers_);
    for (const auto& h : kafka_headers_) {
      headers_.push_back({h.name, h.has_value ? std::optional(h.value) : std::nullopt});
    }
    meta.headers = headers_;
  }
  if (Status s = src.decoder->Decode(m.payload(), meta, ingest_us, wanted, &decoded_); !s.ok()) {
    fatal_ = s.WithContext(fmt::format("decoding {}/{} offset {}", m.topic(), m.partition(), offset));
    return;
  }
  if (decoded_.appended != 0) {
    for (size_t t = 0; t < src.table_sink.size(); ++t) {
      if ((decoded_.appended >> t) & 1U) {
        sinks_[src.table_sink[t]].has_rows = true;
        ++chunk_rows_;
      }
    }
    event_ns_.push_back(decoded_.event_time_ns);
  }
  for (auto& r : decoded_.rejections) {
    if (r.no_route && o_.on_no_route && o_.on_no_route(meta, m.payload(), &r.reason)) {
      // Stop before this message (see IngestOptions::on_no_route): nothing of it is kept.
      hook_stop_ = true;
      st.next = offset;
      --round_messages_;
      round_bytes_ -= static_cast<int64_t>(m.payload().size());
      return;
    }
    Quarantine(r.table < 0 ? src.quarantine_sink : src.table_quarantine_sink[r.table], st, m, meta, r.reason,
               ingest_us);
  }
  if (st.first < 0) st.first = offset;
  st.last = offset;
  ++batch_messages_;
}

Status Ingester::HandOffChunk() {
  ORBIT_RETURN_IF_ERROR(fatal_);
  if (chunk_rows_ == 0) return Status::OK();
  auto rows = TakeHeldRows(sources_, sinks_);
  if (!rows.ok()) {
    fatal_ = rows.status();
    return fatal_;
  }
  chunk_rows_ = 0;
  committer_->Submit(epoch_, std::move(*rows), std::move(event_ns_));
  event_ns_.clear();
  return Status::OK();
}

std::future<Status> Ingester::Seal(CloseReason reason) {
  backlog_ = reason == CloseReason::kRows || reason == CloseReason::kBytes;
  if (Status st = HandOffChunk(); !st.ok()) {
    // Rows of this batch were lost: never commit its offsets (the committer drops what
    // it holds when it stops); the next run reads them again.
    std::promise<Status> failed;
    failed.set_value(st);
    return failed.get_future();
  }
  std::vector<PartitionRange> ranges;
  std::vector<PartitionState*> states;
  for (auto& [k, st] : parts_) {
    if (st.last < 0) continue;
    ranges.push_back({k.first, k.second, st.first, st.last});
    states.push_back(&st);
  }
  // Which tables commit: those with rows, and data tables due a txn-only commit (see
  // the file comment): every one at shutdown and rebalance, one that lacks a txn for a
  // covered partition, or one whose last commit is txn_commit_interval old.
  const auto now = std::chrono::steady_clock::now();
  const bool everyone = reason == CloseReason::kShutdown || reason == CloseReason::kRebalance;
  std::vector<SinkCommit> commits;
  std::vector<bool> had_rows;
  for (Sink& sink : sinks_) {
    had_rows.push_back(sink.has_rows);
    sink.has_rows = false;
  }
  for (size_t i = 0; i < sinks_.size() && !ranges.empty(); ++i) {
    Sink& sink = sinks_[i];
    SinkCommit c;
    c.sink = static_cast<int>(i);
    bool covers = false, lacks = false;
    for (size_t r = 0; r < ranges.size(); ++r) {
      const PartitionState& st = *states[r];
      const bool ours = std::find(sink.sources.begin(), sink.sources.end(), st.source) != sink.sources.end();
      const auto& h = st.held[i];
      c.first.push_back(ours ? std::max(ranges[r].first, h.value_or(-1) + 1) : INT64_MAX);
      covers = covers || (ours && c.first.back() <= ranges[r].last);
      lacks = lacks || (ours && !h);
    }
    bool commit = had_rows[i];
    if (!sink.options.quarantine && covers) {
      commit = commit || everyone || lacks || had_rows[sink.quarantine_of] ||
               now - sink.last_commit >= o_.txn_commit_interval;
    }
    if (!commit || !covers) continue;
    sink.last_commit = now;
    // Optimistic: a failed or fenced commit triggers Resync(), which reloads these.
    for (size_t r = 0; r < ranges.size(); ++r) {
      if (c.first[r] <= ranges[r].last) states[r]->held[i] = ranges[r].last;
    }
    commits.push_back(std::move(c));
  }
  for (auto* st : states) {
    UpdateBounds(*st);
    st->first = st->last = -1;
  }
  policy_.Reset();
  batch_messages_ = 0;
  return committer_->Seal(epoch_, std::move(ranges), std::move(commits));
}

Status Ingester::Resync() {
  // Drop what we hold, then restart every partition from what the tables say.
  for (auto& src : sources_) {
    for (int t = 0; t < src.decoder->tables(); ++t) (void)src.decoder->TakeBatch(t);
  }
  for (auto& sink : sinks_) {
    if (sink.quarantine_rows) (void)sink.quarantine_rows->Take();
    sink.has_rows = false;
  }
  chunk_rows_ = 0;
  event_ns_.clear();
  policy_.Reset();
  batch_messages_ = 0;
  committer_->Resync(++epoch_);
  std::vector<Key> keys;
  for (const auto& [k, st] : parts_) keys.push_back(k);
  std::map<Key, PartitionState> loaded;
  ORBIT_RETURN_IF_ERROR(LoadHeld(keys, &loaded));
  std::vector<kafka::TopicPartition> seeks;
  for (auto& [k, st] : parts_) {
    st.held = loaded[k].held;
    UpdateBounds(st);
    st.first = st.last = -1;
    const auto resume = ResumeAfter(st);
    int64_t to = resume ? *resume + 1
                        : (StartOf(st) == StartingOffsets::kEarliest ? kafka::kOffsetBeginning : kafka::kOffsetEnd);
    seeks.push_back({k.first, k.second, to});
    st.next = resume ? *resume + 1 : -1;  // -1: no lower bound until the first message
  }
  {
    std::lock_guard lock(mu_);
    ++stats_.dropped_batches;
  }
  if (metrics_.dropped) metrics_.dropped->Add();
  return consumer_->Seek(seeks, std::chrono::seconds(10));
}

bool Ingester::CaughtUp() const {
  if (parts_.empty()) return false;
  for (const auto& [k, st] : parts_) {
    if (st.end < 0 || st.next < st.end) return false;
  }
  return true;
}

void Ingester::OnCommit(const CommitResult& r) {
  std::lock_guard lock(mu_);
  if (r.outcome == Outcome::kFenced) {
    fmt::print(stderr, "orbitlake ingest: batch dropped, another ingester owns its offsets ({}); re-reading\n",
               r.detail);
    return;
  }
  if (r.outcome == Outcome::kAlreadyCommitted) {
    fmt::print(stderr, "orbitlake ingest: {}; batch not written again\n", r.detail);
  }
  AddCommitToStats(r, &stats_);
  for (const SinkResult& s : r.sinks) {
    if (optimizer_ && s.outcome == Outcome::kCommitted) {
      optimizer_->Committed(sinks_[s.sink].path, sinks_[s.sink].options.storage, s.partitions, backlog_.load());
    }
  }
  for (const auto& d : r.duplicates) {
    if (metrics_.duplicates) metrics_.duplicates->Add(static_cast<double>(d.second));
  }
  if (r.outcome == Outcome::kCommitted) {
    commit_duration_.Record(r.duration);
    if (metrics_.commits) {
      metrics_.commits->Add();
      metrics_.last_commit->Set(std::chrono::duration<double>(SystemClock().WallNow()).count());
      metrics_.rows->Add(static_cast<double>(r.rows));
      metrics_.files->Add(static_cast<double>(r.files));
      metrics_.quarantined->Add(static_cast<double>(r.quarantined));
      if (r.version >= 0) metrics_.version->Set(static_cast<double>(r.version));
      metrics_.commit_seconds->Observe(std::chrono::duration<double>(r.duration).count());
    }
    if (!r.detail.empty()) fmt::print(stderr, "orbitlake ingest: {}\n", r.detail);
  }
  // Tell Kafka too (lag tools), from the consumer thread.
  for (const auto& range : r.ranges) kafka_commits_.push_back({range.topic, range.partition, range.last + 1});
}

void Ingester::UpdateLag() {
  int64_t total = 0;
  bool known = !parts_.empty();
  for (const auto& [k, st] : parts_) {
    auto wm = consumer_->CachedWatermarks(k.first, k.second);
    int64_t high = wm.ok() ? wm->high : st.end;
    if (high < 0 || st.next < 0) {
      known = false;
      continue;
    }
    int64_t lag = std::max<int64_t>(0, high - st.next);
    total += lag;
    metrics_.Lag(k, static_cast<double>(lag));
  }
  std::lock_guard lock(mu_);
  stats_.lag = known ? total : -1;
}

IngestStats Ingester::Stats() {
  std::lock_guard lock(mu_);
  IngestStats s = stats_;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  if (optimizer_) {
    const auto os = optimizer_->stats();
    s.optimize_commits = os.commits;
    s.optimized_files = os.files_removed;
    s.optimize_copied = os.bins_copied;
    s.optimize_budget_wait = os.budget_wait;
  }
  return s;
}

Result<IngestSummary> Ingester::Run() {
  started_ = std::chrono::steady_clock::now();
  ORBIT_RETURN_IF_ERROR(BuildSinks());
  for (const Sink& s : sinks_) {
    stats_.tables.push_back({.name = s.options.name, .path = s.path, .quarantine = s.options.quarantine});
  }
  ORBIT_RETURN_IF_ERROR(CheckAppId());
  // The tables first (local, cheap: a table of another schema is refused before Kafka
  // is asked anything), then Kafka.
  CommitterOptions co;
  for (const Sink& s : sinks_) co.sinks.push_back(s.options);
  co.app_id = o_.app_id;
  co.table_options.parquet.row_group_rows = o_.row_group_rows;
  co.table_options.parquet.compression = o_.compression;
  co.latency_histogram = metrics_.latency_seconds;
  if (o_.optimize_every > 0) {
    maintenance::BackgroundOptimizeOptions bo;
    bo.every_commits = o_.optimize_every;
    bo.optimize.target_size = o_.optimize_target_size;
    bo.method = o_.optimize_method;
    bo.backlog_cpu_share = o_.optimize_backlog_cpu_share;
    bo.optimize.parquet.row_group_rows = o_.row_group_rows;
    bo.optimize.parquet.compression = o_.compression;
    bo.on_run = [](const std::string& table, const Result<maintenance::OptimizeResult>& r) {
      // Failures are retried at the table's next due run; the ingester goes on.
      if (!r.ok()) fmt::print(stderr, "orbitlake ingest: background optimize of {} (retried later): {}\n", table,
                              r.status().ToString());
    };
    optimizer_ = std::make_unique<maintenance::BackgroundOptimizer>(std::move(bo));
  }
  ORBIT_ASSIGN_OR_RETURN(committer_, Committer::Start(co, [this](const CommitResult& r) { OnCommit(r); }));

  // Fail fast, naming the servers, when Kafka cannot be reached at all; once running,
  // broker outages are waited out (librdkafka reconnects).
  for (const auto& topic : topics_) {
    Result<int> n = kafka::PartitionCount(o_.client, topic, o_.startup_timeout);
    if (n.status().code() == StatusCode::kNotFound && o_.until_caught_up) {
      return Status::NotFound(fmt::format("topic {} does not exist (--until-caught-up ingests existing topics only)",
                                          topic));
    }
    if (n.status().code() == StatusCode::kNotFound) {
      fmt::print(stderr, "orbitlake ingest: topic {} does not exist yet; waiting for it\n", topic);
    } else if (!n.ok()) {
      return n.status();
    }
  }
  kafka::ConsumerOptions ko;
  ko.client = o_.client;
  ko.group_id = o_.group_id;
  ko.auto_offset_reset = o_.starting_offsets == StartingOffsets::kEarliest ? "earliest" : "latest";
  ko.listener = this;
  ORBIT_ASSIGN_OR_RETURN(consumer_, kafka::Consumer::Create(ko));
  ORBIT_RETURN_IF_ERROR(consumer_->Subscribe(topics_));

  std::vector<kafka::Message> msgs;
  std::vector<kafka::TopicPartition> ends;
  Status loop_status;
  while (!StopRequested()) {
    if (Status f = committer_->fatal(); !f.ok()) {
      loop_status = f;
      break;
    }
    if (committer_->resync_needed()) {
      if (Status st = Resync(); !st.ok()) {
        loop_status = st;
        break;
      }
    }
    std::vector<kafka::TopicPartition> to_kafka;
    {
      std::lock_guard lock(mu_);
      to_kafka.swap(kafka_commits_);
    }
    if (!to_kafka.empty()) (void)consumer_->Commit(to_kafka, /*async=*/true);

    msgs.clear();
    ends.clear();
    if (Status st = consumer_->ConsumeBatch(msgs, 10'000, policy_.DeadlineIn(o_.poll_timeout), &ends); !st.ok()) {
      loop_status = st;
      break;
    }
    // One clock read per round: the rows' ingest_time and their arrival for the policy.
    const BatchPolicy::Arrival arrived = policy_.ArrivedNow();
    const int64_t ingest_us = std::chrono::duration_cast<std::chrono::microseconds>(arrived.wall).count();
    for (const kafka::Message& m : msgs) {
      const int64_t before = batch_messages_;
      Process(m, ingest_us);
      if (hook_stop_) break;
      if (batch_messages_ != before) {
        // The batch's deadline counts from the event's time (batch_policy.h); a message
        // without one of its own (quarantined) has its Kafka timestamp.
        int64_t event_ns = decoded_.event_time_ns;
        if (event_ns <= 0 && m.timestamp_ms() > 0) event_ns = m.timestamp_ms() * 1'000'000;
        policy_.OnRows(batch_messages_ - before, committer_->encoded_bytes(), arrived,
                       std::chrono::nanoseconds(event_ns));
      }
      // The row limit is exact: a batch may close in the middle of a poll's messages.
      if (policy_.rows() >= o_.batch.max_rows) (void)Seal(CloseReason::kRows);
    }
    msgs.clear();  // release librdkafka's buffers before encoding
    FlushRoundCounters();
    if (!fatal_.ok()) {
      loop_status = fatal_;
      break;
    }
    for (const auto& e : ends) {
      auto it = parts_.find({e.topic, e.partition});
      if (it != parts_.end()) it->second.next = std::max(it->second.next, e.offset);
    }
    if (chunk_rows_ >= o_.chunk_rows && !HandOffChunk().ok()) {
      loop_status = fatal_;
      break;
    }
    policy_.OnRows(0, committer_->encoded_bytes());
    if (CloseReason reason = policy_.ShouldClose(); reason != CloseReason::kNone) (void)Seal(reason);
    UpdateLag();
    if (on_progress_) on_progress_(Stats());
    if (o_.until_caught_up && CaughtUp()) break;
    if (hook_stop_ || (o_.should_stop && o_.should_stop())) break;
  }

  // Commit what we hold (also on a signal), then leave the group; after a failure on
  // this thread, Seal() commits nothing.
  Status final_commit = Seal(CloseReason::kShutdown).get();
  if (loop_status.ok() && !final_commit.ok() && final_commit.code() != StatusCode::kCancelled) {
    loop_status = final_commit;
  }
  (void)consumer_->Close();
  committer_->Stop();
  if (optimizer_) optimizer_->Stop();  // cancels a compaction in progress: nothing half-done
  if (loop_status.ok()) loop_status = committer_->fatal();
  if (!loop_status.ok()) return loop_status;
  IngestSummary summary;
  summary.stats = Stats();
  summary.latency = committer_->latency();
  summary.commit_duration = commit_duration_;
  return summary;
}

}  // namespace

void AddCommitToStats(const CommitResult& r, IngestStats* stats) {
  if (r.outcome == Outcome::kFenced) return;
  for (const auto& [sink, rows] : r.duplicates) {
    stats->tables[sink].duplicates += rows;
    stats->duplicates += rows;
  }
  for (const SinkResult& s : r.sinks) {
    if (s.outcome != Outcome::kCommitted) continue;
    TableStats& t = stats->tables[s.sink];
    t.rows += s.rows;
    ++t.commits;
    t.version = s.version;
  }
  if (r.outcome != Outcome::kCommitted) return;
  ++stats->commits;
  stats->rows += r.rows;
  stats->quarantined += r.quarantined;
  stats->files += r.files;
  stats->parquet_bytes += r.bytes;
  if (r.version >= 0) {
    if (stats->first_version < 0) stats->first_version = r.version;
    stats->last_version = r.version;
  }
}

Result<IngestSummary> RunIngest(const IngestOptions& options, std::function<void(const IngestStats&)> on_progress) {
  Ingester ingester(options, std::move(on_progress));
  return ingester.Run();
}

}  // namespace orbitlake::ingest
