#include "ingest/ingester.h"

#include <algorithm>
#include <mutex>
#include <thread>

#include <arrow/record_batch.h>
#include <fmt/format.h>

#include "common/signals.h"
#include "delta/snapshot.h"
#include "delta/table.h"
#include "ingest/committer.h"
#include "ingest/event_rows.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"

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
      : o_(options),
        on_progress_(std::move(on_progress)),
        policy_(options.batch),
        metrics_(options.metrics),
        rows_(options.memory_pool),
        quarantine_(options.memory_pool) {}

  Result<IngestSummary> Run();

  Status OnAssign(std::vector<kafka::TopicPartition>& tps) override;
  void OnRevoke(const std::vector<kafka::TopicPartition>& tps) override;

 private:
  struct PartitionState {
    std::optional<int64_t> committed;    // raw table txn version
    std::optional<int64_t> q_committed;  // quarantine table txn version
    int64_t first = -1;                  // offsets in the open batch
    int64_t last = -1;
    int64_t next = -1;                   // next offset to read
    int64_t end = -1;                    // high watermark when assigned
  };

  // Txn versions of both tables for `keys`.
  Status LoadCommitted(const std::vector<Key>& keys, std::map<Key, PartitionState>* out);
  // Refuses an empty app id, or one new to a table holding the same topics' offsets
  // under other app ids (unless allow_new_app_id).
  Status CheckAppId();
  // Checks the table's offsets of a newly assigned partition against Kafka's; resets
  // them (reset_offsets_for) or fails when Kafka's end is at or below them.
  Status CheckOffsets(const kafka::TopicPartition& tp, const kafka::Watermarks& wm, PartitionState* st);
  // One txn-only commit per table setting `partitions` of `topic` to `version`.
  Status ResetOffsets(const std::string& topic, const std::map<int32_t, int64_t>& versions);
  void Process(const kafka::Message& m, int64_t ingest_us);
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
  std::unique_ptr<Committer> committer_;
  EventRows rows_;
  QuarantineRows quarantine_;
  std::map<Key, PartitionState> parts_;
  // A failure on the consume thread (decoder buffers) that ends the run: no batch is
  // sealed once it is set, so no offset of rows that were lost is ever committed.
  Status fatal_;
  int64_t epoch_ = 0;
  int64_t batch_messages_ = 0;
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

Status Ingester::LoadCommitted(const std::vector<Key>& keys, std::map<Key, PartitionState>* out) {
  std::optional<delta::Snapshot> raw, quarantine;
  if (auto s = delta::LoadSnapshot(*o_.table); s.ok()) {
    raw = std::move(*s);
  } else if (s.status().code() != StatusCode::kNotFound) {
    return s.status().WithContext("reading committed offsets from " + o_.table->Describe(""));
  }
  if (auto s = delta::LoadSnapshot(*o_.quarantine); s.ok()) {
    quarantine = std::move(*s);
  } else if (s.status().code() != StatusCode::kNotFound) {
    return s.status().WithContext("reading committed offsets from " + o_.quarantine->Describe(""));
  }
  for (const Key& k : keys) {
    const std::string id = TxnAppId(o_.app_id, k.first, k.second);
    PartitionState& st = (*out)[k];
    st.committed = raw ? raw->TxnVersion(id) : std::nullopt;
    st.q_committed = quarantine ? quarantine->TxnVersion(id) : std::nullopt;
  }
  return Status::OK();
}

Status Ingester::CheckAppId() {
  if (o_.app_id.empty()) return Status::InvalidArgument("the app id must not be empty (it names the table's offsets)");
  auto snap = delta::LoadSnapshot(*o_.table);
  if (snap.status().code() == StatusCode::kNotFound) return Status::OK();
  if (!snap.ok()) return snap.status().WithContext("reading committed offsets from " + o_.table->Describe(""));
  for (const auto& topic : o_.topics) {
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
        o_.table->Describe(""), topic, names, o_.app_id, others.begin()->first));
  }
  return Status::OK();
}

Status Ingester::ResetOffsets(const std::string& topic, const std::map<int32_t, int64_t>& versions) {
  std::string parts;
  for (const auto& [p, v] : versions) parts += fmt::format("{}{}", parts.empty() ? "" : ",", p);
  for (const auto* storage : {&o_.table, &o_.quarantine}) {
    auto table = delta::Table::Open(*storage);
    if (table.status().code() == StatusCode::kNotFound) continue;
    if (!table.ok()) return table.status();
    std::vector<delta::Txn> rewound;
    std::map<std::string, int64_t> expect;
    std::string previous;
    for (const auto& [p, v] : versions) {
      const std::string id = TxnAppId(o_.app_id, topic, p);
      auto old = (*table)->snapshot().TxnVersion(id);
      if (!old || *old <= v) continue;
      rewound.push_back(delta::Txn{id, v, std::nullopt});
      expect[id] = *old;  // refused if another writer moved it meanwhile
      previous += fmt::format("{}{}:{}", previous.empty() ? "" : ",", p, *old);
    }
    if (rewound.empty()) continue;
    ORBIT_ASSIGN_OR_RETURN(delta::CommitOutcome outcome,
                           (*table)->RewindTxns(std::move(rewound), expect, "RESET OFFSETS",
                                                {{"topic", topic},
                                                 {"partitions", parts},
                                                 {"previousOffsets", previous},
                                                 {"reason", "the partitions end below the table's offsets"}}));
    if (auto* c = std::get_if<delta::Conflict>(&outcome)) {
      return Status::Conflict("resetting offsets of " + topic + " in " + (*storage)->Describe("") + ": " + c->reason);
    }
    fmt::print(stderr, "orbitlake ingest: reset offsets of {} partitions {} in {} (were {}; --reset-offsets-for)\n",
               topic, parts, (*storage)->Describe(""), previous);
    committer_->Refresh();  // its next commit must build on the reset, not fence against the old offsets
  }
  return Status::OK();
}

Status Ingester::CheckOffsets(const kafka::TopicPartition& tp, const kafka::Watermarks& wm, PartitionState* st) {
  // txn version V means offsets <= V are in the table; Kafka's end `high` is the next
  // offset it will write. V >= high: Kafka lost (or never had) what the table holds.
  const bool raw_ahead = st->committed && *st->committed >= wm.high;
  const bool q_ahead = st->q_committed && *st->q_committed >= wm.high;
  if (raw_ahead || q_ahead) {
    const bool reset = std::find(o_.reset_offsets_for.begin(), o_.reset_offsets_for.end(), tp.topic) !=
                       o_.reset_offsets_for.end();
    const int64_t held = std::max(st->committed.value_or(-1), st->q_committed.value_or(-1));
    if (!reset) {
      return Status::InvalidArgument(fmt::format(
          "{}/{}: the table holds offsets up to {} but the partition ends at offset {} (earliest {}): the topic was "
          "deleted and recreated, or truncated. Nothing was ingested; to ingest the partition as it is now from "
          "offset {}, rerun with --reset-offsets-for {} (recorded in the table's log)",
          tp.topic, tp.partition, held, wm.high, wm.low, wm.low, tp.topic));
    }
    const int64_t to = wm.low - 1;
    ORBIT_RETURN_IF_ERROR(ResetOffsets(tp.topic, {{tp.partition, to}}));
    st->committed = st->committed ? std::optional<int64_t>(std::min(*st->committed, to)) : std::nullopt;
    st->q_committed = st->q_committed ? std::optional<int64_t>(std::min(*st->q_committed, to)) : std::nullopt;
    std::lock_guard lock(mu_);
    ++stats_.resets;
  }
  if (st->committed && wm.low > *st->committed + 1) {
    const int64_t missed = wm.low - (*st->committed + 1);
    fmt::print(stderr,
               "orbitlake ingest: warning: {}/{}: offsets {}..{} were deleted by Kafka (retention) before they were "
               "ingested; {} messages missed, continuing at {}\n",
               tp.topic, tp.partition, *st->committed + 1, wm.low - 1, missed, wm.low);
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
  ORBIT_RETURN_IF_ERROR(LoadCommitted(keys, &loaded));
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
    if (st.committed) {
      tp.offset = *st.committed + 1;
      st.next = std::max(tp.offset, wm->low);
    } else if (o_.starting_offsets == StartingOffsets::kEarliest) {
      tp.offset = kafka::kOffsetBeginning;
      st.next = wm->low;
    } else {
      tp.offset = kafka::kOffsetEnd;
      st.next = wm->high;
    }
    parts_[{tp.topic, tp.partition}] = st;
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
  // restarted at txn + 1) and then delivered again from the new position.
  if ((st.committed && offset <= *st.committed) || (st.next >= 0 && offset < st.next)) {
    ++round_skipped_;
    return;
  }
  st.next = offset + 1;
  KafkaMeta meta{m.topic(), m.partition(), offset, m.timestamp_ms()};
  Status s = rows_.Append(m.payload(), meta, ingest_us);
  if (!s.ok() && !IsRejection(s)) {
    fatal_ = s.WithContext(fmt::format("decoding {}/{} offset {}", m.topic(), m.partition(), offset));
    return;
  }
  if (!s.ok() && !(st.q_committed && offset <= *st.q_committed)) {
    quarantine_.Append(m.payload(), m.key(), meta, s.ToString(), ingest_us);
  }
  if (st.first < 0) st.first = offset;
  st.last = offset;
  ++batch_messages_;
}

Status Ingester::HandOffChunk() {
  ORBIT_RETURN_IF_ERROR(fatal_);
  if (rows_.rows() == 0 && quarantine_.rows() == 0) return Status::OK();
  std::shared_ptr<arrow::RecordBatch> rows, bad;
  if (rows_.rows() > 0) {
    auto r = rows_.TakeBatch();
    if (!r.ok()) {
      fatal_ = r.status().WithContext("collecting decoded rows");
      return fatal_;
    }
    rows = *r;
  }
  if (quarantine_.rows() > 0) {
    auto q = quarantine_.Take();
    if (!q.ok()) {
      fatal_ = q.status().WithContext("collecting quarantined messages");
      return fatal_;
    }
    bad = *q;
  }
  committer_->Submit(epoch_, std::move(rows), std::move(bad));
  return Status::OK();
}

std::future<Status> Ingester::Seal(CloseReason /*reason*/) {
  if (Status st = HandOffChunk(); !st.ok()) {
    // Rows of this batch were lost: never commit its offsets (the committer drops what
    // it holds when it stops); the next run reads them again.
    std::promise<Status> failed;
    failed.set_value(st);
    return failed.get_future();
  }
  std::vector<PartitionRange> ranges;
  for (auto& [k, st] : parts_) {
    if (st.last < 0) continue;
    int64_t q_first = st.q_committed ? std::max(st.first, *st.q_committed + 1) : st.first;
    ranges.push_back({k.first, k.second, st.first, st.last, q_first});
    // Optimistic: a failed or fenced commit triggers Resync(), which reloads these.
    st.committed = st.last;
    st.q_committed = std::max(st.q_committed.value_or(-1), st.last);
    st.first = st.last = -1;
  }
  policy_.Reset();
  batch_messages_ = 0;
  return committer_->Seal(epoch_, std::move(ranges));
}

Status Ingester::Resync() {
  // Drop what we hold, then restart every partition from what the table says.
  (void)rows_.TakeBatch();
  (void)quarantine_.Take();
  policy_.Reset();
  batch_messages_ = 0;
  committer_->Resync(++epoch_);
  std::vector<Key> keys;
  for (const auto& [k, st] : parts_) keys.push_back(k);
  std::map<Key, PartitionState> loaded;
  ORBIT_RETURN_IF_ERROR(LoadCommitted(keys, &loaded));
  std::vector<kafka::TopicPartition> seeks;
  for (auto& [k, st] : parts_) {
    st.committed = loaded[k].committed;
    st.q_committed = loaded[k].q_committed;
    st.first = st.last = -1;
    int64_t to = st.committed ? *st.committed + 1
                              : (o_.starting_offsets == StartingOffsets::kEarliest ? kafka::kOffsetBeginning
                                                                                    : kafka::kOffsetEnd);
    seeks.push_back({k.first, k.second, to});
    st.next = st.committed ? *st.committed + 1 : -1;  // -1: no lower bound until the first message
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
  if (r.outcome == Outcome::kCommitted) {
    commit_duration_.Record(r.duration);
    ++stats_.commits;
    stats_.rows += r.rows;
    stats_.quarantined += r.quarantined;
    stats_.files += r.files;
    stats_.parquet_bytes += r.bytes;
    if (stats_.first_version < 0) stats_.first_version = r.version;
    stats_.last_version = r.version;
    if (metrics_.commits) {
      metrics_.commits->Add();
      metrics_.last_commit->Set(std::chrono::duration<double>(SystemClock().WallNow()).count());
      metrics_.rows->Add(static_cast<double>(r.rows));
      metrics_.files->Add(static_cast<double>(r.files));
      metrics_.quarantined->Add(static_cast<double>(r.quarantined));
      metrics_.version->Set(static_cast<double>(r.version));
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
  return s;
}

Result<IngestSummary> Ingester::Run() {
  started_ = std::chrono::steady_clock::now();
  if (!o_.table || !o_.quarantine) return Status::InvalidArgument("ingest needs a table and a quarantine table");
  ORBIT_RETURN_IF_ERROR(CheckAppId());
  // The tables first (local, cheap: a table of another schema is refused before Kafka
  // is asked anything), then Kafka.
  CommitterOptions co;
  co.table = o_.table;
  co.quarantine = o_.quarantine;
  co.app_id = o_.app_id;
  co.partition_columns = o_.partition_columns;
  co.table_options.parquet.row_group_rows = o_.row_group_rows;
  co.latency_histogram = metrics_.latency_seconds;
  ORBIT_ASSIGN_OR_RETURN(committer_, Committer::Start(co, RawTableSchema(),
                                                      [this](const CommitResult& r) { OnCommit(r); }));

  // Fail fast, naming the servers, when Kafka cannot be reached at all; once running,
  // broker outages are waited out (librdkafka reconnects).
  for (const auto& topic : o_.topics) {
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
  ORBIT_RETURN_IF_ERROR(consumer_->Subscribe(o_.topics));

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
    const int64_t ingest_us =
        std::chrono::duration_cast<std::chrono::microseconds>(SystemClock().WallNow()).count();
    for (const kafka::Message& m : msgs) {
      const int64_t before = batch_messages_;
      Process(m, ingest_us);
      policy_.OnRows(batch_messages_ - before, committer_->encoded_bytes());
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
    if (rows_.rows() + quarantine_.rows() >= o_.chunk_rows && !HandOffChunk().ok()) {
      loop_status = fatal_;
      break;
    }
    policy_.OnRows(0, committer_->encoded_bytes());
    if (CloseReason reason = policy_.ShouldClose(); reason != CloseReason::kNone) (void)Seal(reason);
    UpdateLag();
    if (on_progress_) on_progress_(Stats());
    if (o_.until_caught_up && CaughtUp()) break;
  }

  // Commit what we hold (also on a signal), then leave the group; after a failure on
  // this thread, Seal() commits nothing.
  Status final_commit = Seal(CloseReason::kShutdown).get();
  if (loop_status.ok() && !final_commit.ok() && final_commit.code() != StatusCode::kCancelled) {
    loop_status = final_commit;
  }
  (void)consumer_->Close();
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

Result<IngestSummary> RunIngest(const IngestOptions& options, std::function<void(const IngestStats&)> on_progress) {
  Ingester ingester(options, std::move(on_progress));
  return ingester.Run();
}

}  // namespace orbitlake::ingest
