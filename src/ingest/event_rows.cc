#include "ingest/event_rows.h"

#include <cmath>

#include <arrow/api.h>
#include <arrow/util/utf8.h>
#include <fmt/format.h>

#include "common/civil_date.h"
#include "columnar/arrow_status.h"
#include "telemetry/event.h"

namespace orbitlake::ingest {
namespace {

std::shared_ptr<arrow::DataType> TimestampUtc() { return arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"); }

constexpr int64_t kNanosPerDay = 86'400'000'000'000LL;

int32_t DayOf(int64_t ns) {
  int64_t d = ns / kNanosPerDay;
  if (ns % kNanosPerDay < 0) --d;  // floor for times before 1970
  return static_cast<int32_t>(d);
}

// The one place that says which decoded events are impossible telemetry.
Status Validate(const telemetry::EventView& e) {
  if (e.satellite().empty()) return Status::InvalidArgument("empty satellite name");
  // The FlatBuffers verifier does not check UTF-8, and one bad string would make the
  // table writer refuse the whole batch: reject (quarantine) just this event.
  if (!arrow::util::ValidateUTF8(e.satellite())) return Status::InvalidArgument("satellite name is not valid UTF-8");
  if (e.timestamp_ns() <= 0) return Status::InvalidArgument("event timestamp is not positive");
  if (e.sequence() > static_cast<uint64_t>(INT64_MAX)) return Status::InvalidArgument("sequence above 2^63-1");
  const telemetry::Measurements v = e.values();
  const std::pair<const char*, double> fields[] = {{"temp_c", v.temp_c},   {"battery_charge_pct", v.battery_charge_pct},
                                                   {"altitude", v.altitude}, {"sensor1", v.sensor1},
                                                   {"sensor2", v.sensor2}, {"sensor3", v.sensor3}};
  for (const auto& [name, x] : fields) {
    if (!std::isfinite(x)) return Status::InvalidArgument(std::string(name) + " is not a finite number");
  }
  if (v.battery_charge_pct < 0 || v.battery_charge_pct > 100) {
    return Status::InvalidArgument("battery_charge_pct outside 0..100");
  }
  return Status::OK();
}

}  // namespace

std::shared_ptr<arrow::Schema> RawTableSchema() {
  return arrow::schema({
      arrow::field("satellite", arrow::utf8()),
      arrow::field("sequence", arrow::int64()),
      arrow::field("event_time", TimestampUtc()),
      arrow::field("event_time_ns", arrow::int64()),
      arrow::field("temp_c", arrow::float64()),
      arrow::field("battery_charge_pct", arrow::float64()),
      arrow::field("altitude", arrow::float64()),
      arrow::field("sensor1", arrow::float64()),
      arrow::field("sensor2", arrow::float64()),
      arrow::field("sensor3", arrow::float64()),
      arrow::field("kafka_topic", arrow::utf8()),
      arrow::field("kafka_partition", arrow::int32()),
      arrow::field("kafka_offset", arrow::int64()),
      arrow::field("kafka_timestamp", TimestampUtc()),
      arrow::field("ingest_time", TimestampUtc()),
      arrow::field("date", arrow::date32()),
  });
}

std::shared_ptr<arrow::Schema> QuarantineTableSchema() {
  return arrow::schema({
      arrow::field("kafka_topic", arrow::utf8()),
      arrow::field("kafka_partition", arrow::int32()),
      arrow::field("kafka_offset", arrow::int64()),
      arrow::field("kafka_timestamp", TimestampUtc()),
      arrow::field("kafka_key", arrow::binary()),
      arrow::field("payload", arrow::binary()),
      arrow::field("reason", arrow::utf8()),
      arrow::field("ingest_time", TimestampUtc()),
  });
}

std::string DayToIsoDate(int32_t days) { return FormatIsoDate(days); }

struct EventRows::Builders {
  explicit Builders(arrow::MemoryPool* pool)
      : satellite(pool),
        sequence(pool),
        event_time(TimestampUtc(), pool),
        event_time_ns(pool),
        temp_c(pool),
        battery(pool),
        altitude(pool),
        sensor1(pool),
        sensor2(pool),
        sensor3(pool),
        kafka_topic(pool),
        kafka_partition(pool),
        kafka_offset(pool),
        kafka_timestamp(TimestampUtc(), pool),
        ingest_time(TimestampUtc(), pool),
        date(pool) {}
  arrow::StringBuilder satellite;
  arrow::Int64Builder sequence;
  arrow::TimestampBuilder event_time;
  arrow::Int64Builder event_time_ns;
  arrow::DoubleBuilder temp_c, battery, altitude, sensor1, sensor2, sensor3;
  arrow::StringBuilder kafka_topic;
  arrow::Int32Builder kafka_partition;
  arrow::Int64Builder kafka_offset;
  arrow::TimestampBuilder kafka_timestamp;
  arrow::TimestampBuilder ingest_time;
  arrow::Date32Builder date;
  telemetry::DecodeScratch scratch;  // Kafka payloads are not 8-byte aligned
};

bool IsRejection(const Status& s) {
  return s.code() == StatusCode::kCorruption || s.code() == StatusCode::kInvalidArgument;
}

namespace {
arrow::MemoryPool* PoolOrDefault(arrow::MemoryPool* pool) {
  return pool != nullptr ? pool : arrow::default_memory_pool();
}

// A builder failure is never a rejection of the message (IsRejection), whatever Arrow
// called it: the caller must stop rather than quarantine a good message.
Status BuilderFailure(const arrow::Status& st, std::string_view what) {
  Status s = columnar::FromArrow(st, what);
  if (IsRejection(s)) return Status::Internal(s.message());
  return s;
}
}  // namespace

EventRows::EventRows(arrow::MemoryPool* pool) : b_(std::make_unique<Builders>(PoolOrDefault(pool))) {
  // Arrow's UTF-8 validator needs its lookup table built once per process.
  static const bool utf8_ready = [] {
    arrow::util::InitializeUTF8();
    return true;
  }();
  (void)utf8_ready;
}
EventRows::~EventRows() = default;

Status EventRows::Reserve() {
  // Capacity for the next kReserveRows rows in every builder at once, so the per-row
  // appends below are unchecked stores (UnsafeAppend): this is the ingester's hot path.
  constexpr int64_t kReserveRows = 4096;
  Builders& b = *b_;
  arrow::Status st;
  for (arrow::ArrayBuilder* builder : std::initializer_list<arrow::ArrayBuilder*>{
           &b.satellite, &b.sequence, &b.event_time, &b.event_time_ns, &b.temp_c, &b.battery, &b.altitude,
           &b.sensor1, &b.sensor2, &b.sensor3, &b.kafka_topic, &b.kafka_partition, &b.kafka_offset,
           &b.kafka_timestamp, &b.ingest_time, &b.date}) {
    st &= builder->Reserve(kReserveRows);
  }
  if (!st.ok()) return BuilderFailure(st, "reserve event rows");
  reserved_ = rows_ + kReserveRows;
  return Status::OK();
}

Status EventRows::Append(std::span<const uint8_t> payload, const KafkaMeta& meta, int64_t ingest_time_us,
                         int64_t* event_time_ns) {
  ORBIT_ASSIGN_OR_RETURN(telemetry::EventView e, telemetry::DecodeEvent(payload, b_->scratch));
  ORBIT_RETURN_IF_ERROR(Validate(e));
  if (rows_ == reserved_) ORBIT_RETURN_IF_ERROR(Reserve());
  Builders& b = *b_;
  // String data has no fixed size per row: those two appends check their own capacity.
  arrow::Status st = b.satellite.Append(e.satellite().data(), static_cast<int32_t>(e.satellite().size()));
  st &= b.kafka_topic.Append(meta.topic.data(), static_cast<int32_t>(meta.topic.size()));
  if (!st.ok()) return BuilderFailure(st, "append event row");
  b.sequence.UnsafeAppend(static_cast<int64_t>(e.sequence()));
  b.event_time.UnsafeAppend(e.timestamp_ns() / 1000);
  b.event_time_ns.UnsafeAppend(e.timestamp_ns());
  b.temp_c.UnsafeAppend(e.temp_c());
  b.battery.UnsafeAppend(e.battery_charge_pct());
  b.altitude.UnsafeAppend(e.altitude());
  b.sensor1.UnsafeAppend(e.sensor1());
  b.sensor2.UnsafeAppend(e.sensor2());
  b.sensor3.UnsafeAppend(e.sensor3());
  b.kafka_partition.UnsafeAppend(meta.partition);
  b.kafka_offset.UnsafeAppend(meta.offset);
  b.kafka_timestamp.UnsafeAppend(meta.timestamp_ms * 1000);
  b.ingest_time.UnsafeAppend(ingest_time_us);
  b.date.UnsafeAppend(DayOf(e.timestamp_ns()));
  ++rows_;
  if (event_time_ns != nullptr) *event_time_ns = e.timestamp_ns();
  return Status::OK();
}

// Finishes every builder in `builders` into `cols` (builders reset and stay reusable).
static Status FinishColumns(std::initializer_list<arrow::ArrayBuilder*> builders,
                     std::vector<std::shared_ptr<arrow::Array>>* cols) {
  for (arrow::ArrayBuilder* builder : builders) {
    std::shared_ptr<arrow::Array> a;
    ORBIT_RETURN_IF_ERROR(columnar::FromArrow(builder->Finish(&a), "finish column"));
    cols->push_back(std::move(a));
  }
  return Status::OK();
}

Result<std::shared_ptr<arrow::RecordBatch>> EventRows::TakeBatch() {
  Builders& b = *b_;
  std::vector<std::shared_ptr<arrow::Array>> cols;
  ORBIT_RETURN_IF_ERROR(FinishColumns({&b.satellite, &b.sequence, &b.event_time, &b.event_time_ns, &b.temp_c,
                                       &b.battery, &b.altitude, &b.sensor1, &b.sensor2, &b.sensor3, &b.kafka_topic,
                                       &b.kafka_partition, &b.kafka_offset, &b.kafka_timestamp, &b.ingest_time,
                                       &b.date},
                                      &cols));
  const int64_t rows = rows_;
  rows_ = reserved_ = 0;  // Finish() handed the buffers over: nothing is reserved now
  for (const auto& c : cols) {
    if (c->length() != rows) return Status::Internal("event columns out of step after an allocation failure");
  }
  auto batch = arrow::RecordBatch::Make(RawTableSchema(), rows, std::move(cols));
  return batch;
}

struct QuarantineRows::Builders {
  explicit Builders(arrow::MemoryPool* pool)
      : topic(pool),
        partition(pool),
        offset(pool),
        kafka_timestamp(TimestampUtc(), pool),
        key(pool),
        payload(pool),
        reason(pool),
        ingest_time(TimestampUtc(), pool) {}
  arrow::StringBuilder topic;
  arrow::Int32Builder partition;
  arrow::Int64Builder offset;
  arrow::TimestampBuilder kafka_timestamp;
  arrow::BinaryBuilder key, payload;
  arrow::StringBuilder reason;
  arrow::TimestampBuilder ingest_time;
};

QuarantineRows::QuarantineRows(arrow::MemoryPool* pool) : b_(std::make_unique<Builders>(PoolOrDefault(pool))) {}
QuarantineRows::~QuarantineRows() = default;

void QuarantineRows::Append(std::span<const uint8_t> payload, std::string_view key, const KafkaMeta& meta,
                            std::string_view reason, int64_t ingest_time_us) {
  // Appends only fail on allocation failure, which Take() reports via Finish().
  (void)b_->topic.Append(meta.topic.data(), static_cast<int32_t>(meta.topic.size()));
  (void)b_->partition.Append(meta.partition);
  (void)b_->offset.Append(meta.offset);
  (void)b_->kafka_timestamp.Append(meta.timestamp_ms * 1000);
  (void)b_->key.Append(reinterpret_cast<const uint8_t*>(key.data()), static_cast<int32_t>(key.size()));
  (void)b_->payload.Append(payload.data(), static_cast<int32_t>(payload.size()));
  (void)b_->reason.Append(reason.data(), static_cast<int32_t>(reason.size()));
  (void)b_->ingest_time.Append(ingest_time_us);
  ++rows_;
}

Result<std::shared_ptr<arrow::RecordBatch>> QuarantineRows::Take() {
  std::vector<std::shared_ptr<arrow::Array>> cols;
  ORBIT_RETURN_IF_ERROR(FinishColumns({&b_->topic, &b_->partition, &b_->offset, &b_->kafka_timestamp, &b_->key,
                                       &b_->payload, &b_->reason, &b_->ingest_time},
                                      &cols));
  auto batch = arrow::RecordBatch::Make(QuarantineTableSchema(), rows_, std::move(cols));
  rows_ = 0;
  return batch;
}

}  // namespace orbitlake::ingest
