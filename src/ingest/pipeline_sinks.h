// PipelineSinks: a pipeline's tables as the committer's sinks, and its sources with their
// decoders. Shared by the Kafka ingester (ingester.h) and the file ingester
// (file_ingester.h), so both build, name and open the same tables the same way.
//
// Per source, in pipeline order: each of its tables is a data sink with a quarantine sink
// (its rejections), and the source has a quarantine sink of its own (no route,
// undecodable). A path named twice (two sources writing one table, or tables sharing a
// quarantine table) is one sink; a path that is both a table and a quarantine table is
// an error.
//
// Thread safety: a plain value, built once before the loop starts.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "ingest/committer.h"
#include "ingest/decoder.h"
#include "ingest/event_rows.h"
#include "pipeline/spec.h"
#include "storage/storage.h"

namespace arrow {
class MemoryPool;
}

namespace orbitlake::ingest {

// Opens a table's storage from its URI (`quarantine`: it is a quarantine table).
using TableOpener = std::function<Result<std::shared_ptr<storage::Storage>>(const std::string& uri, bool quarantine)>;

struct PlannedSink {
  SinkOptions options;  // storage opened; topics: every topic of its sources
  std::string path;
  std::vector<int> sources;  // sources whose partitions (or files) it holds txns for
  int quarantine_of = -1;    // data sinks: their quarantine sink
  std::unique_ptr<QuarantineRows> quarantine_rows;  // quarantine sinks: rejections held
};

struct PlannedSource {
  const pipeline::SourceSpec* spec = nullptr;
  std::unique_ptr<Decoder> decoder;
  std::vector<int> table_sink;             // per table of the source
  std::vector<int> table_quarantine_sink;  // per table of the source
  int quarantine_sink = -1;                // no route, undecodable
  std::vector<int> sinks;                  // every sink above, once
  std::vector<int> data_sinks;
};

struct PipelineSinks {
  std::vector<PlannedSink> sinks;
  std::vector<PlannedSource> sources;  // same order as the pipeline's
};

// `pipeline` must outlive the result (sources point into it). `open` null: the table
// URI factory (storage::OpenTableStorage).
Result<PipelineSinks> PlanPipelineSinks(const pipeline::PipelineSpec& pipeline, const TableOpener& open,
                                        arrow::MemoryPool* pool);

// Every decoded row and quarantined message held, one SinkRows per sink that has some,
// emptying the decoders' builders and the quarantine rows. A failure (allocation) means
// those rows are lost: their offsets or files must never be committed.
template <typename SourceT, typename SinkT>  // PlannedSource, PlannedSink (or types derived from them)
Result<std::vector<SinkRows>> TakeHeldRows(std::vector<SourceT>& sources, std::vector<SinkT>& sinks) {
  std::vector<SinkRows> rows;
  for (auto& src : sources) {
    for (int t = 0; t < src.decoder->tables(); ++t) {
      if (src.decoder->rows(t) == 0) continue;
      auto r = src.decoder->TakeBatch(t);
      if (!r.ok()) return r.status().WithContext("collecting decoded rows");
      rows.push_back({src.table_sink[t], std::move(*r)});
    }
  }
  for (size_t i = 0; i < sinks.size(); ++i) {
    auto& q = sinks[i].quarantine_rows;
    if (!q || q->rows() == 0) continue;
    auto r = q->Take();
    if (!r.ok()) return r.status().WithContext("collecting quarantined messages");
    rows.push_back({static_cast<int>(i), std::move(*r)});
  }
  return rows;
}

}  // namespace orbitlake::ingest
