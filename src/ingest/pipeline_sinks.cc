#include "ingest/pipeline_sinks.h"

#include <algorithm>

#include "ingest/event_rows.h"
#include "storage/table_uri.h"

namespace orbitlake::ingest {
namespace {

int AddSink(PipelineSinks& plan, const std::string& path, const std::string& name, bool quarantine, int source,
            std::shared_ptr<arrow::Schema> schema, const std::vector<std::string>& partition_by) {
  auto& sinks = plan.sinks;
  for (size_t i = 0; i < sinks.size(); ++i) {
    if (sinks[i].path != path) continue;
    auto& srcs = sinks[i].sources;
    if (std::find(srcs.begin(), srcs.end(), source) == srcs.end()) srcs.push_back(source);
    return static_cast<int>(i);
  }
  PlannedSink s;
  s.path = path;
  s.options.name = name;
  s.options.schema = std::move(schema);
  s.options.partition_columns = partition_by;
  s.options.quarantine = quarantine;
  s.sources = {source};
  sinks.push_back(std::move(s));
  return static_cast<int>(sinks.size()) - 1;
}

}  // namespace

Result<PipelineSinks> PlanPipelineSinks(const pipeline::PipelineSpec& spec, const TableOpener& open,
                                        arrow::MemoryPool* pool) {
  if (spec.sources.empty() || spec.tables.empty()) {
    return Status::InvalidArgument("ingest needs a pipeline with at least one source and one table");
  }
  PipelineSinks plan;
  for (size_t si = 0; si < spec.sources.size(); ++si) {
    const auto& src = spec.sources[si];
    PlannedSource source;
    source.spec = &src;
    std::vector<const pipeline::TableSpec*> tables;
    for (const auto& t : spec.tables) {
      if (t.source == src.name) tables.push_back(&t);
    }
    auto decoder = MakeDecoder(src, tables, pool);
    if (!decoder.ok()) return decoder.status().WithContext(spec.file);
    source.decoder = std::move(*decoder);
    const int s = static_cast<int>(si);
    for (size_t t = 0; t < tables.size(); ++t) {
      const int data = AddSink(plan, tables[t]->path, tables[t]->name, false, s,
                               source.decoder->schema(static_cast<int>(t)), tables[t]->partition_by);
      auto& data_options = plan.sinks[data].options;
      if (tables[t]->dedup && !data_options.dedup) {
        data_options.dedup = DedupOptions{tables[t]->dedup->key, tables[t]->dedup->within};
      }
      const int q = AddSink(plan, tables[t]->quarantine_path, tables[t]->name + " quarantine", true, s,
                            QuarantineTableSchema(), {});
      if (plan.sinks[data].options.quarantine || !plan.sinks[q].options.quarantine) {
        return Status::InvalidArgument("table " + tables[t]->name + ": a path is both a table and a quarantine table");
      }
      plan.sinks[data].quarantine_of = q;
      source.table_sink.push_back(data);
      source.table_quarantine_sink.push_back(q);
    }
    source.quarantine_sink =
        AddSink(plan, src.quarantine_path, src.name + " quarantine", true, s, QuarantineTableSchema(), {});
    if (!plan.sinks[source.quarantine_sink].options.quarantine) {
      return Status::InvalidArgument("source " + src.name + ": its quarantine path is a table's path");
    }
    plan.sources.push_back(std::move(source));
  }
  for (size_t i = 0; i < plan.sinks.size(); ++i) {
    PlannedSink& sink = plan.sinks[i];
    for (int s : sink.sources) {
      auto& src = plan.sources[s];
      src.sinks.push_back(static_cast<int>(i));
      if (!sink.options.quarantine) src.data_sinks.push_back(static_cast<int>(i));
      for (const auto& t : src.spec->topics) sink.options.topics.push_back(t);
      if (src.spec->files) sink.options.file_ranges = true;
      if (src.spec->delta) sink.options.topics.push_back(DeltaRangeTopic(src.spec->name));
    }
    auto storage = open ? open(sink.path, sink.options.quarantine) : storage::OpenTableStorage(sink.path);
    if (!storage.ok()) return storage.status().WithContext(sink.options.name);
    sink.options.storage = std::move(*storage);
    if (sink.options.quarantine) sink.quarantine_rows = std::make_unique<QuarantineRows>(pool);
  }
  return plan;
}

}  // namespace orbitlake::ingest
