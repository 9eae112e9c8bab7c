#include "ingest/telemetry_pipeline.h"

#include "pipeline/types.h"

namespace orbitlake::ingest {
namespace {

pipeline::ColumnSpec Column(const char* name, pipeline::DeltaType::Kind kind, pipeline::From from) {
  pipeline::ColumnSpec c;
  c.name = name;
  c.type = pipeline::Primitive(kind);
  c.from = std::move(from);
  return c;
}

}  // namespace

pipeline::PipelineSpec TelemetryPipeline(const TelemetryPipelineOptions& o) {
  using K = pipeline::DeltaType::Kind;
  using F = pipeline::FromKafka::Field;
  pipeline::PipelineSpec spec;
  spec.file = "(built-in telemetry pipeline)";
  spec.kafka.brokers = o.brokers;
  spec.kafka.group = o.group;
  spec.kafka.app_id = o.app_id;

  const std::string quarantine = o.quarantine.empty() ? o.table + "-quarantine" : o.quarantine;
  pipeline::SourceSpec source;
  source.name = "telemetry";
  source.topics = o.topics;
  source.format = pipeline::Format::kTelemetry;
  source.quarantine_path = quarantine;
  spec.sources.push_back(source);

  // The event's fields are addressed like JSON members of the decoded event; the
  // telemetry decoder checks that the table asks for exactly these columns.
  auto event = [](const char* field) { return pipeline::From(pipeline::FromJsonPath{{field}}); };
  pipeline::TableSpec t;
  t.name = "satellite_data_raw";
  t.path = o.table;
  t.source = source.name;
  t.partition_by = o.partition_by;
  t.quarantine_path = quarantine;
  t.columns = {
      Column("satellite", K::kString, event("satellite")),
      Column("sequence", K::kLong, event("sequence")),
      Column("event_time", K::kTimestamp, event("timestamp_ns")),
      Column("event_time_ns", K::kLong, event("timestamp_ns")),
      Column("temp_c", K::kDouble, event("temp_c")),
      Column("battery_charge_pct", K::kDouble, event("battery_charge_pct")),
      Column("altitude", K::kDouble, event("altitude")),
      Column("sensor1", K::kDouble, event("sensor1")),
      Column("sensor2", K::kDouble, event("sensor2")),
      Column("sensor3", K::kDouble, event("sensor3")),
      Column("kafka_topic", K::kString, pipeline::FromKafka{F::kTopic, ""}),
      Column("kafka_partition", K::kInteger, pipeline::FromKafka{F::kPartition, ""}),
      Column("kafka_offset", K::kLong, pipeline::FromKafka{F::kOffset, ""}),
      Column("kafka_timestamp", K::kTimestamp, pipeline::FromKafka{F::kTimestamp, ""}),
      Column("ingest_time", K::kTimestamp, pipeline::FromIngestTime{}),
      Column("date", K::kDate, pipeline::FromColumn{"event_time"}),
  };
  spec.tables.push_back(std::move(t));
  return spec;
}

}  // namespace orbitlake::ingest
