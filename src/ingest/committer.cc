#include "ingest/committer.h"

#include <algorithm>

#include <arrow/api.h>
#include <fmt/format.h>

#include "ingest/event_rows.h"

namespace orbitlake::ingest {

std::string TxnAppId(const std::string& app_id, const std::string& topic, int32_t partition) {
  return fmt::format("{}:{}:{}", app_id, topic, partition);
}

std::string FileRangeTopic(std::string_view file_name) {
  // ':' would make the appId ambiguous (ParseTxnAppId splits at the last two), '%' is
  // the escape itself.
  std::string out(kFileRangePrefix);
  for (char c : file_name) {
    if (c == ':') out += "%3A";
    else if (c == '%') out += "%25";
    else out += c;
  }
  return out;
}

std::string DeltaRangeTopic(std::string_view source_name) {
  return std::string(kDeltaRangePrefix) + std::string(source_name);  // source names have no ':'
}

std::optional<ParsedAppId> ParseTxnAppId(const std::string& id) {
  // Kafka topic names cannot contain ':', so the last two ':' split it unambiguously.
  auto p2 = id.rfind(':');
  if (p2 == std::string::npos || p2 == 0) return std::nullopt;
  auto p1 = id.rfind(':', p2 - 1);
  if (p1 == std::string::npos) return std::nullopt;
  ParsedAppId out{id.substr(0, p1), id.substr(p1 + 1, p2 - p1 - 1), 0};
  const std::string part = id.substr(p2 + 1);
  if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos || part.size() > 9) {
    return std::nullopt;
  }
  out.partition = std::stoi(part);
  return out;
}

Committer::Committer(CommitterOptions options, std::function<void(const CommitResult&)> on_commit)
    : options_(std::move(options)),
      on_commit_(std::move(on_commit)),
      clock_(options_.clock != nullptr ? *options_.clock : SystemClock()),
      sinks_(options_.sinks.size()),
      queue_(options_.queue_capacity) {}

Result<std::unique_ptr<Committer>> Committer::Start(CommitterOptions options,
                                                    std::function<void(const CommitResult&)> on_commit) {
  if (options.sinks.empty()) return Status::InvalidArgument("the committer needs at least one table");
  std::unique_ptr<Committer> c(new Committer(std::move(options), std::move(on_commit)));
  for (size_t i = 0; i < c->options_.sinks.size(); ++i) {
    const SinkOptions& o = c->options_.sinks[i];
    if (!o.dedup) continue;
    auto window = KeyWindow::Make(*o.dedup, *o.schema);
    if (!window.ok()) return window.status().WithContext(o.name);
    c->sinks_[i].window = std::move(*window);
  }
  // Fail fast on an existing table of another schema; create a missing one only when
  // there is something to commit.
  for (size_t i = 0; i < c->options_.sinks.size(); ++i) {
    auto existing = delta::Table::Open(c->options_.sinks[i].storage, c->options_.table_options);
    if (existing.ok()) {
      ORBIT_RETURN_IF_ERROR(c->EnsureTable(static_cast<int>(i)));
    } else if (existing.status().code() != StatusCode::kNotFound) {
      return existing.status();
    }
  }
  c->thread_ = std::thread([raw = c.get()] { raw->Loop(); });
  return c;
}

Committer::~Committer() { Stop(); }

void Committer::Submit(int64_t epoch, std::vector<SinkRows> rows, std::vector<int64_t> event_ns) {
  Item item;
  item.kind = Item::Kind::kRows;
  item.epoch = epoch;
  item.rows = std::move(rows);
  item.event_ns = std::move(event_ns);
  queue_.Push(std::move(item));
}

std::future<Status> Committer::Seal(int64_t epoch, std::vector<PartitionRange> ranges,
                                    std::vector<SinkCommit> commits) {
  Item item;
  item.kind = Item::Kind::kSeal;
  item.epoch = epoch;
  item.ranges = std::move(ranges);
  item.commits = std::move(commits);
  item.done = std::make_shared<std::promise<Status>>();
  std::future<Status> f = item.done->get_future();
  if (!queue_.Push(item)) item.done->set_value(Status::Cancelled("committer stopped"));
  return f;
}

void Committer::Resync(int64_t epoch) {
  resync_needed_.store(false);
  Item item;
  item.kind = Item::Kind::kResync;
  item.epoch = epoch;
  queue_.Push(std::move(item));
}

void Committer::Refresh() {
  Item item;
  item.kind = Item::Kind::kRefresh;
  queue_.Push(std::move(item));
}

Status Committer::fatal() const {
  std::lock_guard lock(mu_);
  return fatal_;
}

void Committer::Stop() {
  queue_.Close();
  if (thread_.joinable()) thread_.join();
}

std::chrono::system_clock::time_point Committer::WallTime() {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(clock_.WallNow()));
}

void Committer::DropBatch(const std::string& why) {
  for (Sink& s : sinks_) {
    s.writer.reset();  // files never finished are never visible
    if (s.window) s.window->Abort();
    s.rows = 0;
    s.duplicates = 0;
    s.bytes_before = 0;
  }
  event_ns_.clear();
  encoded_bytes_.store(0);
  if (!why.empty()) {
    dropping_ = true;
    resync_needed_.store(true);
  }
}

void Committer::Loop() {
  while (std::optional<Item> item = queue_.Pop()) {
    if (!fatal().ok()) {
      if (item->done) item->done->set_value(fatal());
      continue;
    }
    switch (item->kind) {
      case Item::Kind::kResync:
        epoch_ = item->epoch;
        dropping_ = false;
        DropBatch("");
        break;
      case Item::Kind::kRefresh: {
        Status st;
        for (Sink& s : sinks_) {
          if (s.table && st.ok()) st = s.table->Refresh();
        }
        if (!st.ok()) {
          std::lock_guard lock(mu_);
          fatal_ = st;
        }
        break;
      }
      case Item::Kind::kRows:
        if (dropping_ || item->epoch != epoch_) break;
        if (Status st = WriteRows(*item); !st.ok()) {
          std::lock_guard lock(mu_);
          fatal_ = st;
        }
        break;
      case Item::Kind::kSeal: {
        if (dropping_ || item->epoch != epoch_) {
          item->done->set_value(Status::Cancelled("batch dropped; waiting for resync"));
          break;
        }
        const auto start = clock_.Now();
        Result<CommitResult> r = CommitBatch(item->ranges, item->commits);
        if (!r.ok()) {
          {
            std::lock_guard lock(mu_);
            fatal_ = r.status();
          }
          DropBatch("commit failed");
          item->done->set_value(r.status());
          break;
        }
        r->duration = clock_.Now() - start;
        if (r->outcome == Outcome::kFenced) DropBatch(r->detail);
        if (on_commit_) on_commit_(*r);
        item->done->set_value(Status::OK());
        break;
      }
    }
  }
  DropBatch("");
}

Status Committer::EnsureTable(int i) {
  Sink& sink = sinks_[i];
  if (sink.table) return Status::OK();
  const SinkOptions& o = options_.sinks[i];
  delta::CreateOptions create;
  create.partition_columns = o.partition_columns;
  create.add_new_columns = options_.add_new_columns;
  auto table = delta::Table::OpenOrCreate(o.storage, o.schema, create, options_.table_options);
  if (!table.ok()) return table.status().WithContext(o.name);
  if (sink.window) {
    if (Status st = sink.window->Load(**table, WallTime()); !st.ok()) {
      return st.WithContext(o.name + ": rebuilding the dedup window");
    }
  }
  sink.table = std::move(*table);
  return Status::OK();
}

Status Committer::WriteRows(const Item& item) {
  for (const SinkRows& r : item.rows) {
    if (!r.rows || r.rows->num_rows() == 0) continue;
    ORBIT_RETURN_IF_ERROR(EnsureTable(r.sink));
    Sink& sink = sinks_[r.sink];
    std::shared_ptr<arrow::RecordBatch> rows = r.rows;
    if (sink.window) {
      ORBIT_ASSIGN_OR_RETURN(rows, sink.window->Filter(rows, &sink.duplicates));
      if (rows->num_rows() == 0) continue;
    }
    if (!sink.writer) sink.writer = sink.table->NewWriter();
    ORBIT_RETURN_IF_ERROR(sink.writer->Write(*rows));
    sink.rows += rows->num_rows();
    const int64_t bytes = sink.writer->bytes();
    encoded_bytes_.fetch_add(bytes - sink.bytes_before);
    sink.bytes_before = bytes;
  }
  event_ns_.insert(event_ns_.end(), item.event_ns.begin(), item.event_ns.end());
  return Status::OK();
}

Result<SinkResult> Committer::CommitSink(const std::vector<PartitionRange>& ranges, const SinkCommit& commit,
                                         std::string* detail) {
  const SinkOptions& o = options_.sinks[commit.sink];
  Sink& sink = sinks_[commit.sink];
  SinkResult result;
  result.sink = commit.sink;
  result.duplicates = sink.duplicates;
  sink.duplicates = 0;
  delta::AppendRequest req;
  req.operation = "STREAMING UPDATE";
  req.operation_parameters = {{"outputMode", "Append"}, {"queryId", options_.app_id}};
  for (size_t i = 0; i < ranges.size() && i < commit.first.size(); ++i) {
    const PartitionRange& r = ranges[i];
    if (r.last < commit.first[i]) continue;  // nothing new for this table from this partition
    const bool file = o.file_ranges && r.topic.starts_with(kFileRangePrefix);
    if (!file && std::find(o.topics.begin(), o.topics.end(), r.topic) == o.topics.end()) continue;
    std::string id = TxnAppId(options_.app_id, r.topic, r.partition);
    req.txns.push_back({id, r.last, std::nullopt});
    req.fence[id] = commit.first[i];
  }
  if (sink.writer) {
    result.rows = sink.rows;
    ORBIT_ASSIGN_OR_RETURN(req.adds, sink.writer->Finish());
    sink.writer.reset();
    sink.rows = 0;
    sink.bytes_before = 0;
  }
  if (req.adds.empty() && req.txns.empty()) {
    if (sink.window) sink.window->Commit(WallTime());  // only duplicates: nothing new to remember
    return result;  // kEmpty
  }
  result.files = static_cast<int64_t>(req.adds.size());
  for (const auto& a : req.adds) {
    result.bytes += a.size;
    if (std::find(result.partitions.begin(), result.partitions.end(), a.partition_values) == result.partitions.end()) {
      result.partitions.push_back(a.partition_values);
    }
  }
  ORBIT_RETURN_IF_ERROR(EnsureTable(commit.sink));
  auto outcome = sink.table->Append(std::move(req));
  if (!outcome.ok()) return outcome.status().WithContext("committing to " + o.name);
  if (auto* c = std::get_if<delta::Committed>(&*outcome)) {
    result.outcome = Outcome::kCommitted;
    result.version = c->version;
    if (!c->checkpoint.ok()) {
      *detail += fmt::format("{}checkpoint of {} failed (commit stands): {}", detail->empty() ? "" : "; ", o.name,
                             c->checkpoint.ToString());
    }
  } else if (auto* a = std::get_if<delta::AlreadyCommitted>(&*outcome)) {
    result.outcome = Outcome::kAlreadyCommitted;
    result.version = a->version;
    *detail += fmt::format("{}{}: offsets already in the table at version {}", detail->empty() ? "" : "; ", o.name,
                           a->version);
  } else {
    result.outcome = Outcome::kFenced;
    *detail = o.name + ": " + std::get<delta::Conflict>(*outcome).reason;
  }
  // Fenced: DropBatch() forgets the pending keys.
  if (sink.window && result.outcome != Outcome::kFenced) sink.window->Commit(WallTime());
  return result;
}

Result<CommitResult> Committer::CommitBatch(const std::vector<PartitionRange>& ranges,
                                            const std::vector<SinkCommit>& commits) {
  CommitResult result;
  result.ranges = ranges;
  if (ranges.empty()) {
    DropBatch("");
    return result;
  }
  // Quarantine tables first: after a crash between commits they are ahead of the data
  // tables, never behind, and skip what they hold (see the class comment).
  std::vector<const SinkCommit*> order;
  for (const auto& c : commits) {
    if (options_.sinks[c.sink].quarantine) order.push_back(&c);
  }
  for (const auto& c : commits) {
    if (!options_.sinks[c.sink].quarantine) order.push_back(&c);
  }
  bool all_already = true;
  for (const SinkCommit* c : order) {
    ORBIT_ASSIGN_OR_RETURN(SinkResult r, CommitSink(ranges, *c, &result.detail));
    if (r.duplicates > 0 && r.outcome != Outcome::kFenced) result.duplicates.emplace_back(r.sink, r.duplicates);
    if (r.outcome == Outcome::kEmpty) continue;
    result.sinks.push_back(r);
    if (r.outcome == Outcome::kFenced) {
      result.outcome = Outcome::kFenced;
      return result;
    }
    all_already = all_already && r.outcome == Outcome::kAlreadyCommitted;
    const bool quarantine = options_.sinks[r.sink].quarantine;
    if (r.outcome == Outcome::kCommitted) {
      (quarantine ? result.quarantined : result.rows) += r.rows;
      result.files += r.files;
      result.bytes += r.bytes;
    }
    if (!quarantine && result.version < 0) result.version = r.version;
  }
  if (result.sinks.empty()) {
    DropBatch("");
    return result;
  }
  result.outcome = all_already ? Outcome::kAlreadyCommitted : Outcome::kCommitted;
  if (result.outcome == Outcome::kCommitted) {
    const auto now_ns = clock_.WallNow();
    for (int64_t ns : event_ns_) {
      if (ns <= 0) continue;
      const auto latency = now_ns - std::chrono::nanoseconds(ns);
      latency_.Record(latency);
      if (options_.latency_histogram) {
        options_.latency_histogram->Observe(std::chrono::duration<double>(latency).count());
      }
    }
  }
  event_ns_.clear();
  encoded_bytes_.store(0);
  return result;
}

}  // namespace orbitlake::ingest
