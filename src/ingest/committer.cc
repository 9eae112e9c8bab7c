#include "ingest/committer.h"

#include <arrow/api.h>
#include <fmt/format.h>

#include "ingest/event_rows.h"

namespace orbitlake::ingest {

std::string TxnAppId(const std::string& app_id, const std::string& topic, int32_t partition) {
  return fmt::format("{}:{}:{}", app_id, topic, partition);
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
      queue_(options_.queue_capacity) {}

Result<std::unique_ptr<Committer>> Committer::Start(CommitterOptions options, std::shared_ptr<arrow::Schema> schema,
                                                    std::function<void(const CommitResult&)> on_commit) {
  std::unique_ptr<Committer> c(new Committer(std::move(options), std::move(on_commit)));
  c->schema_ = std::move(schema);
  // Fail fast on an existing table of another schema; create a missing one only when
  // there is something to commit.
  auto existing = delta::Table::Open(c->options_.table, c->options_.table_options);
  if (existing.ok()) {
    ORBIT_RETURN_IF_ERROR(c->EnsureTable());
  } else if (existing.status().code() != StatusCode::kNotFound) {
    return existing.status();
  }
  c->thread_ = std::thread([raw = c.get()] { raw->Loop(); });
  return c;
}

Committer::~Committer() { Stop(); }

void Committer::Submit(int64_t epoch, std::shared_ptr<arrow::RecordBatch> rows,
                       std::shared_ptr<arrow::RecordBatch> quarantine) {
  Item item;
  item.kind = Item::Kind::kRows;
  item.epoch = epoch;
  item.rows = std::move(rows);
  item.quarantine = std::move(quarantine);
  queue_.Push(std::move(item));
}

std::future<Status> Committer::Seal(int64_t epoch, std::vector<PartitionRange> ranges) {
  Item item;
  item.kind = Item::Kind::kSeal;
  item.epoch = epoch;
  item.ranges = std::move(ranges);
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

void Committer::DropBatch(const std::string& why) {
  writer_.reset();  // files never finished are never visible
  quarantined_.clear();
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
        Status st = table_ ? table_->Refresh() : Status::OK();
        if (st.ok() && quarantine_table_) st = quarantine_table_->Refresh();
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
        Result<CommitResult> r = CommitBatch(item->ranges);
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

Status Committer::EnsureTable() {
  if (table_) return Status::OK();
  delta::CreateOptions create;
  create.partition_columns = options_.partition_columns;
  ORBIT_ASSIGN_OR_RETURN(table_, delta::Table::OpenOrCreate(options_.table, schema_, create, options_.table_options));
  return Status::OK();
}

Status Committer::WriteRows(const Item& item) {
  if (item.quarantine && item.quarantine->num_rows() > 0) quarantined_.push_back(item.quarantine);
  if (!item.rows || item.rows->num_rows() == 0) return Status::OK();
  ORBIT_RETURN_IF_ERROR(EnsureTable());
  if (!writer_) writer_ = table_->NewWriter();
  ORBIT_RETURN_IF_ERROR(writer_->Write(*item.rows));
  auto ns = std::static_pointer_cast<arrow::Int64Array>(item.rows->GetColumnByName("event_time_ns"));
  for (int64_t i = 0; i < ns->length(); ++i) event_ns_.push_back(ns->Value(i));
  encoded_bytes_.store(writer_->bytes());
  return Status::OK();
}

Result<delta::CommitOutcome> Committer::AppendFenced(delta::Table& table, std::vector<delta::AddFile> adds,
                                                     const std::vector<PartitionRange>& ranges, bool quarantine) {
  delta::AppendRequest req;
  req.adds = std::move(adds);
  req.operation = "STREAMING UPDATE";
  req.operation_parameters = {{"outputMode", "Append"}, {"queryId", options_.app_id}};
  for (const auto& r : ranges) {
    const int64_t first = quarantine ? r.quarantine_first : r.first;
    if (r.last < first) continue;  // nothing new for this table from this partition
    std::string id = TxnAppId(options_.app_id, r.topic, r.partition);
    req.txns.push_back({id, r.last, std::nullopt});
    req.fence[id] = first;
  }
  return table.Append(std::move(req));
}

Status Committer::CommitQuarantine(const std::vector<PartitionRange>& ranges, CommitResult* result) {
  if (quarantined_.empty()) return Status::OK();
  if (!quarantine_table_) {
    delta::CreateOptions create;
    create.partition_columns = {};
    ORBIT_ASSIGN_OR_RETURN(quarantine_table_, delta::Table::OpenOrCreate(options_.quarantine, QuarantineTableSchema(),
                                                                         create, options_.table_options));
  }
  auto writer = quarantine_table_->NewWriter();
  for (const auto& b : quarantined_) {
    ORBIT_RETURN_IF_ERROR(writer->Write(*b));
    result->quarantined += b->num_rows();
  }
  ORBIT_ASSIGN_OR_RETURN(auto adds, writer->Finish());
  ORBIT_ASSIGN_OR_RETURN(delta::CommitOutcome outcome, AppendFenced(*quarantine_table_, std::move(adds), ranges, true));
  if (auto* c = std::get_if<delta::Conflict>(&outcome)) {
    // The quarantine table is fenced like the raw one; a conflict there means another
    // ingester owns these offsets now.
    result->outcome = Outcome::kFenced;
    result->detail = "quarantine table: " + c->reason;
  }
  return Status::OK();
}

Result<CommitResult> Committer::CommitBatch(const std::vector<PartitionRange>& ranges) {
  CommitResult result;
  result.ranges = ranges;
  if (ranges.empty()) {
    DropBatch("");
    return result;
  }
  ORBIT_RETURN_IF_ERROR(CommitQuarantine(ranges, &result));
  if (result.outcome == Outcome::kFenced) return result;

  std::vector<delta::AddFile> adds;
  if (writer_) {
    result.rows = writer_->rows();
    ORBIT_ASSIGN_OR_RETURN(adds, writer_->Finish());
    writer_.reset();
  }
  result.files = static_cast<int64_t>(adds.size());
  for (const auto& a : adds) result.bytes += a.size;
  // A batch of quarantined messages only still records its offsets in the raw table.
  ORBIT_RETURN_IF_ERROR(EnsureTable());
  ORBIT_ASSIGN_OR_RETURN(delta::CommitOutcome outcome, AppendFenced(*table_, std::move(adds), ranges, false));
  const auto now_ns = clock_.WallNow();
  if (auto* c = std::get_if<delta::Committed>(&outcome)) {
    result.outcome = Outcome::kCommitted;
    result.version = c->version;
    for (int64_t ns : event_ns_) {
      const auto latency = now_ns - std::chrono::nanoseconds(ns);
      latency_.Record(latency);
      if (options_.latency_histogram) {
        options_.latency_histogram->Observe(std::chrono::duration<double>(latency).count());
      }
    }
    if (!c->checkpoint.ok()) result.detail = "checkpoint failed (commit stands): " + c->checkpoint.ToString();
  } else if (auto* a = std::get_if<delta::AlreadyCommitted>(&outcome)) {
    result.outcome = Outcome::kAlreadyCommitted;
    result.version = a->version;
    result.detail = fmt::format("offsets already in the table at version {}", a->version);
  } else {
    result.outcome = Outcome::kFenced;
    result.detail = std::get<delta::Conflict>(outcome).reason;
  }
  event_ns_.clear();
  quarantined_.clear();
  encoded_bytes_.store(0);
  return result;
}

}  // namespace orbitlake::ingest
