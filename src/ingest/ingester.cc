#include "ingest/ingester.h"

#include <algorithm>
#include <mutex>
#include <thread>

#include <arrow/record_batch.h>
#include <fmt/format.h>

#include "common/signals.h"
#include "delta/snapshot.h"
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
  void Process(const kafka::Message& m, int64_t ingest_us);
  PartitionState* StateFor(const kafka::Message& m);
  // Publishes the counters of this poll round (one lock per round, not per message).
  void FlushRoundCounters();
  void HandOffChunk();
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
  if (!st.ok() && st.code() != StatusCode::kCancelled && committer_->fatal().ok()) {
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
  if (!s.ok() && !(st.q_committed && offset <= *st.q_committed)) {
    quarantine_.Append(m.payload(), m.key(), meta, s.ToString(), ingest_us);
  }
  if (st.first < 0) st.first = offset;
  st.last = offset;
  ++batch_messages_;
}

void Ingester::HandOffChunk() {
  if (rows_.rows() == 0 && quarantine_.rows() == 0) return;
  std::shared_ptr<arrow::RecordBatch> rows, bad;
  if (rows_.rows() > 0) {
    auto r = rows_.TakeBatch();
    if (r.ok()) rows = *r;
  }
  if (quarantine_.rows() > 0) {
    auto q = quarantine_.Take();
    if (q.ok()) bad = *q;
  }
  committer_->Submit(epoch_, std::move(rows), std::move(bad));
}

std::future<Status> Ingester::Seal(CloseReason /*reason*/) {
  HandOffChunk();
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
  // Fail fast, naming the servers, when Kafka cannot be reached at all; once running,
  // broker outages are waited out (librdkafka reconnects).
  for (const auto& topic : o_.topics) {
    Result<int> n = kafka::PartitionCount(o_.client, topic, o_.startup_timeout);
    if (n.status().code() == StatusCode::kNotFound) {
      fmt::print(stderr, "orbitlake ingest: topic {} does not exist yet; waiting for it\n", topic);
    } else if (!n.ok()) {
      return n.status();
    }
  }
  CommitterOptions co;
  co.table = o_.table;
  co.quarantine = o_.quarantine;
  co.app_id = o_.app_id;
  co.partition_columns = o_.partition_columns;
  co.table_options.parquet.row_group_rows = o_.row_group_rows;
  ORBIT_ASSIGN_OR_RETURN(committer_, Committer::Start(co, RawTableSchema(),
                                                      [this](const CommitResult& r) { OnCommit(r); }));

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
    for (const auto& e : ends) {
      auto it = parts_.find({e.topic, e.partition});
      if (it != parts_.end()) it->second.next = std::max(it->second.next, e.offset);
    }
    if (rows_.rows() + quarantine_.rows() >= o_.chunk_rows) HandOffChunk();
    policy_.OnRows(0, committer_->encoded_bytes());
    if (CloseReason reason = policy_.ShouldClose(); reason != CloseReason::kNone) (void)Seal(reason);
    UpdateLag();
    if (on_progress_) on_progress_(Stats());
    if (o_.until_caught_up && CaughtUp()) break;
  }

  // Commit what we hold (also on a signal), then leave the group.
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
