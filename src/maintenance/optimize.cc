#include "maintenance/optimize.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include <arrow/api.h>
#include <nlohmann/json.hpp>

#include "columnar/arrow_status.h"
#include "columnar/data_file_writer.h"
#include "columnar/parquet_stitch.h"
#include "columnar/sort.h"
#include "delta/partition.h"
#include "delta/partition_filter.h"
#include "delta/reader.h"
#include "delta/table_config.h"
#include "delta/writer.h"

namespace orbitlake::maintenance {
namespace {

using nlohmann::json;

int64_t NowMs(Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.WallNow()).count();
}

// The file's minimum of `column` from its statistics; null when it has none (such
// files are packed last).
json StatsMin(const delta::AddFile& add, const std::string& column) {
  if (!add.stats) return nullptr;
  auto j = json::parse(*add.stats, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("minValues") || !j["minValues"].is_object()) return nullptr;
  auto it = j["minValues"].find(column);
  return it == j["minValues"].end() ? json(nullptr) : *it;
}

// {"avg":..,"max":..,"min":..,"totalFiles":..,"totalSize":..} as delta-rs writes it.
std::string FileSizeStats(const std::vector<int64_t>& sizes) {
  int64_t total = 0, mn = 0, mx = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    total += sizes[i];
    mn = i == 0 ? sizes[i] : std::min(mn, sizes[i]);
    mx = i == 0 ? sizes[i] : std::max(mx, sizes[i]);
  }
  const double avg = sizes.empty() ? 0.0 : static_cast<double>(total) / static_cast<double>(sizes.size());
  return json{{"avg", avg}, {"max", mx}, {"min", mn}, {"totalFiles", sizes.size()}, {"totalSize", total}}.dump();
}

// The row groups a file holds, as far as the log tells (kRowGroupsTag; one otherwise:
// what the ingester writes below a million rows).
int64_t RowGroupsOf(const delta::AddFile& add) {
  if (add.tags) {
    if (auto it = add.tags->find(kRowGroupsTag); it != add.tags->end()) {
      try {
        return std::max<int64_t>(1, std::stoll(it->second));
      } catch (...) {
        return 1;
      }
    }
  }
  return 1;
}

// Orders two statistics values of a column of `type`; nullopt when they cannot be
// compared (then the merged file gets no such statistic, which readers treat as unknown).
std::optional<bool> StatLess(const json& a, const json& b, const arrow::DataType& type) {
  if (a.is_number() && b.is_number()) return a < b;
  if (!a.is_string() || !b.is_string()) return std::nullopt;
  if (type.id() == arrow::Type::TIMESTAMP) {
    // Writers spell timestamps with 0 to 6 fraction digits: compare the instants.
    auto x = delta::ParseTimestampMicros(a.get<std::string>(), true);
    auto y = delta::ParseTimestampMicros(b.get<std::string>(), true);
    if (!x || !y) return std::nullopt;
    return *x < *y;
  }
  return a.get<std::string>() < b.get<std::string>();  // strings, and dates (fixed width)
}

// The statistics of the concatenation of `files`: rows and null counts add up, min and
// max are the extremes. nullopt when a file has no (readable) statistics: a copy would
// lose data skipping, so the bin is rewritten instead (which computes them afresh).
std::optional<std::string> MergedStats(const std::vector<delta::AddFile>& files, const arrow::Schema& data_schema) {
  std::vector<json> all;
  for (const auto& f : files) {
    if (!f.stats) return std::nullopt;
    json j = json::parse(*f.stats, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("numRecords") || !j["numRecords"].is_number_integer()) return std::nullopt;
    all.push_back(std::move(j));
  }
  int64_t rows = 0;
  for (const auto& j : all) rows += j["numRecords"].get<int64_t>();
  json mins = json::object(), maxs = json::object(), nulls = json::object();
  auto member = [](const json& j, const char* which, const std::string& col) -> const json* {
    auto s = j.find(which);
    if (s == j.end() || !s->is_object()) return nullptr;
    auto v = s->find(col);
    return v == s->end() || v->is_null() ? nullptr : &*v;
  };
  for (const auto& field : data_schema.fields()) {
    const std::string& col = field->name();
    if (arrow::is_nested(field->type()->id())) continue;
    int64_t null_count = 0;
    bool nulls_known = true;
    for (const auto& j : all) {
      const json* n = member(j, "nullCount", col);
      if (n && n->is_number_integer()) {
        null_count += n->get<int64_t>();
      } else {
        nulls_known = false;
      }
    }
    if (nulls_known) nulls[col] = null_count;
    for (const auto& [which, out, want_max] : {std::tuple{"minValues", &mins, false}, std::tuple{"maxValues", &maxs, true}}) {
      const json* best = nullptr;
      bool known = true;
      for (const auto& j : all) {
        const json* v = member(j, which, col);
        const json* n = member(j, "nullCount", col);
        if (!v) {
          // A file of only nulls has no min/max and does not widen the range.
          if (n && n->is_number_integer() && n->get<int64_t>() == j["numRecords"].get<int64_t>()) continue;
          known = false;
          break;
        }
        if (!best) {
          best = v;
          continue;
        }
        auto less = want_max ? StatLess(*best, *v, *field->type()) : StatLess(*v, *best, *field->type());
        if (!less) {
          known = false;
          break;
        }
        if (*less) best = v;
      }
      if (known && best) (*out)[col] = *best;
    }
  }
  return json{{"numRecords", rows}, {"minValues", mins}, {"maxValues", maxs}, {"nullCount", nulls}}.dump();
}

// Rewrites one bin into one new data file; returns its add (dataChange=false).
class BinRewriter {
 public:
  BinRewriter(storage::Storage& storage, const delta::Snapshot& snapshot, const OptimizeOptions& options,
              Clock& clock, OptimizeProgress* progress)
      : storage_(storage), snapshot_(snapshot), options_(options), clock_(clock), progress_(progress) {
    const auto& pcols = snapshot.partition_columns();
    arrow::FieldVector fields;
    for (int i = 0; i < snapshot.schema()->num_fields(); ++i) {
      const auto& f = snapshot.schema()->field(i);
      if (std::find(pcols.begin(), pcols.end(), f->name()) != pcols.end()) continue;
      data_columns_.push_back(i);
      fields.push_back(f);
    }
    file_schema_ = arrow::schema(fields);
  }

  // The path written last (to delete on failure), set as soon as the file is opened.
  Result<delta::AddFile> Rewrite(const OptimizeBin& bin, std::string* written_path) {
    if (options_.method == OptimizeMethod::kCopyRowGroups && !options_.sort_by) {
      if (auto stats = MergedStats(bin.files, *file_schema_)) {
        auto copied = Copy(bin, std::move(*stats), written_path);
        if (copied.ok()) {
          ++copied_;
          return copied;
        }
        if (copied.status().code() != StatusCode::kUnsupported) return copied.status();
        // Files of different schemas (the table evolved between them): rewrite.
      }
    }
    ++rewritten_;
    return Encode(bin, written_path);
  }

  int64_t copied() const { return copied_; }
  int64_t rewritten() const { return rewritten_; }

 private:
  // kCopyRowGroups: the bin's row groups into one file; Unsupported when they cannot be
  // (nothing was published then).
  Result<delta::AddFile> Copy(const OptimizeBin& bin, std::string stats, std::string* written_path) {
    const std::string path = delta::NewDataFilePath(snapshot_.partition_columns(), bin.partition, options_.parquet.compression);
    *written_path = path;
    ORBIT_ASSIGN_OR_RETURN(auto stitcher, columnar::ParquetStitcher::Open(&storage_, path));
    for (const auto& f : bin.files) {
      if (options_.cancelled && options_.cancelled()) return Cancelled();
      const std::string rel = delta::DecodePath(f.path);
      ORBIT_ASSIGN_OR_RETURN(std::string bytes, storage_.Read(rel));
      ORBIT_RETURN_IF_ERROR(stitcher->Add(bytes, storage_.Describe(rel)));
      CountRead(f);
    }
    ORBIT_ASSIGN_OR_RETURN(columnar::StitchResult done, stitcher->Finish());
    delta::AddFile add;
    add.path = delta::EncodePath(path);
    add.partition_values = bin.partition;
    add.size = done.size;
    add.modification_time = NowMs(clock_);
    add.data_change = false;
    add.stats = std::move(stats);
    add.tags = delta::StringMap{{kRowGroupsTag, std::to_string(done.row_groups)}};
    Written(add, done.rows);
    return add;
  }

  void Written(const delta::AddFile& add, int64_t rows) {
    ++progress_->files_written;
    progress_->bytes_written += add.size;
    progress_->rows += rows;
  }

  Result<delta::AddFile> Encode(const OptimizeBin& bin, std::string* written_path) {
    const std::string path = delta::NewDataFilePath(snapshot_.partition_columns(), bin.partition, options_.parquet.compression);
    *written_path = path;
    if (options_.cancelled && options_.cancelled()) return Cancelled();
    ORBIT_ASSIGN_OR_RETURN(auto writer,
                           columnar::DataFileWriter::Open(&storage_, path, file_schema_, options_.parquet));
    if (options_.sort_by) {
      // Sorting needs the whole bin at once.
      ORBIT_ASSIGN_OR_RETURN(auto all, delta::ReadFiles(storage_, snapshot_, bin.files));
      for (const auto& f : bin.files) CountRead(f);
      ORBIT_ASSIGN_OR_RETURN(auto data, DataColumns(*all));
      ORBIT_ASSIGN_OR_RETURN(auto sorted, columnar::SortTableBy(*data, *options_.sort_by));
      ORBIT_RETURN_IF_ERROR(WriteTable(*sorted, *writer));
    } else {
      for (const auto& f : bin.files) {
        if (options_.cancelled && options_.cancelled()) return Cancelled();
        ORBIT_ASSIGN_OR_RETURN(auto one, delta::ReadFiles(storage_, snapshot_, {f}));
        ORBIT_ASSIGN_OR_RETURN(auto data, DataColumns(*one));
        ORBIT_RETURN_IF_ERROR(WriteTable(*data, *writer));
        CountRead(f);
      }
    }
    ORBIT_ASSIGN_OR_RETURN(columnar::DataFileResult done, writer->Finish());
    delta::AddFile add;
    add.path = delta::EncodePath(path);
    add.partition_values = bin.partition;  // as the removed files had them, byte for byte
    add.size = done.size;
    add.modification_time = NowMs(clock_);
    add.data_change = false;
    add.stats = delta::StatsJson(done.stats);
    Written(add, done.stats.num_records);
    return add;
  }

 public:
  int64_t batches() const { return batches_; }

  static Status Cancelled() { return Status::Cancelled("optimize: interrupted before its commit; nothing was changed"); }

 private:
  Result<std::shared_ptr<arrow::Table>> DataColumns(const arrow::Table& t) {
    auto selected = t.SelectColumns(data_columns_);
    if (!selected.ok()) return columnar::FromArrow(selected.status(), "optimize: select data columns");
    return *selected;
  }

  Status WriteTable(const arrow::Table& t, columnar::DataFileWriter& writer) {
    arrow::TableBatchReader reader(t);
    for (;;) {
      std::shared_ptr<arrow::RecordBatch> batch;
      ORBIT_RETURN_IF_ERROR(columnar::FromArrow(reader.ReadNext(&batch), "optimize: read batches"));
      if (!batch) return Status::OK();
      ORBIT_RETURN_IF_ERROR(writer.Write(*batch));
      ++batches_;
    }
  }

  void CountRead(const delta::AddFile& f) {
    ++progress_->files_read;
    progress_->bytes_read += f.size;
    if (options_.on_progress) options_.on_progress(*progress_);
  }

  storage::Storage& storage_;
  const delta::Snapshot& snapshot_;
  const OptimizeOptions& options_;
  Clock& clock_;
  OptimizeProgress* progress_;
  std::vector<int> data_columns_;
  std::shared_ptr<arrow::Schema> file_schema_;
  int64_t batches_ = 0;
  int64_t copied_ = 0;
  int64_t rewritten_ = 0;
};

// Best effort: files nobody references; VACUUM gets whatever this misses.
void DeleteAll(storage::Storage& storage, const std::vector<std::string>& paths) {
  for (const auto& p : paths) (void)storage.Delete(p);
}

}  // namespace

int64_t OptimizePlan::FilesToRewrite() const {
  int64_t n = 0;
  for (const auto& b : bins) n += static_cast<int64_t>(b.files.size());
  return n;
}

int64_t OptimizePlan::BytesToRewrite() const {
  int64_t n = 0;
  for (const auto& b : bins) n += b.bytes;
  return n;
}

Result<OptimizePlan> PlanOptimize(const delta::Snapshot& snapshot, const OptimizeOptions& options) {
  OptimizePlan plan;
  plan.read_version = snapshot.version();
  if (options.target_size) {
    if (*options.target_size <= 0) return Status::InvalidArgument("optimize: the target size must be positive");
    plan.target_size = *options.target_size;
  } else {
    ORBIT_ASSIGN_OR_RETURN(plan.target_size, delta::TargetFileSize(snapshot.metadata()));
  }
  const auto& pcols = snapshot.partition_columns();
  ORBIT_ASSIGN_OR_RETURN(auto filter, delta::PartitionFilter::Parse(options.where, *snapshot.schema(), pcols));
  plan.predicate = filter.Describe();
  if (options.sort_by) {
    const std::string& col = *options.sort_by;
    auto field = snapshot.schema()->GetFieldByName(col);
    if (!field) return Status::InvalidArgument("--sort-by: no column '" + col + "' in the table");
    if (std::find(pcols.begin(), pcols.end(), col) != pcols.end()) {
      return Status::InvalidArgument("--sort-by: '" + col +
                                     "' is a partition column (one value per file: nothing to sort)");
    }
    ORBIT_RETURN_IF_ERROR(columnar::CheckSortKeyType(col, field->type()).WithContext("--sort-by"));
  }

  const bool copying = options.method == OptimizeMethod::kCopyRowGroups && !options.sort_by;
  if (copying && options.max_row_groups < 2) {
    return Status::InvalidArgument("optimize: max_row_groups must be at least 2 to copy row groups");
  }
  std::map<delta::PartitionValues, std::vector<const delta::AddFile*>> candidates;
  for (const auto& [path, add] : snapshot.files()) {
    ++plan.live_files;
    plan.live_bytes += add.size;
    if (add.size >= plan.target_size || !filter.Matches(add.partition_values)) continue;
    if (copying && RowGroupsOf(add) >= options.max_row_groups) continue;  // full for copying
    if (options.partitions && std::find(options.partitions->begin(), options.partitions->end(),
                                        add.partition_values) == options.partitions->end()) {
      continue;
    }
    candidates[add.partition_values].push_back(&add);
    ++plan.considered_files;
  }
  for (auto& [partition, files] : candidates) {
    if (options.tiered) {
      std::stable_sort(files.begin(), files.end(),
                       [](const delta::AddFile* a, const delta::AddFile* b) { return a->size < b->size; });
      // Up to twice the smaller ones together: files of about one size all go (their
      // sizes differ by a few bytes), and a file grows by half at least when rewritten.
      constexpr int64_t kTierRatio = 2;
      int64_t smaller = 0;
      size_t keep = 0;
      while (keep < files.size() && (keep == 0 || files[keep]->size <= kTierRatio * smaller)) {
        smaller += files[keep++]->size;
      }
      plan.skipped_files += static_cast<int64_t>(files.size() - keep);
      files.resize(keep);
    }
    // Neighbours in time go together, so each output file covers a narrow range of
    // event times (or of the sort column), which is what lets readers skip files.
    if (options.sort_by) {
      std::vector<std::pair<json, const delta::AddFile*>> keyed;
      for (const auto* f : files) keyed.emplace_back(StatsMin(*f, *options.sort_by), f);
      std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) {
        if (a.first.is_null() != b.first.is_null()) return b.first.is_null();
        if (a.first != b.first) return a.first < b.first;
        return a.second->modification_time != b.second->modification_time
                   ? a.second->modification_time < b.second->modification_time
                   : a.second->path < b.second->path;
      });
      for (size_t i = 0; i < keyed.size(); ++i) files[i] = keyed[i].second;
    } else {
      std::sort(files.begin(), files.end(), [](const delta::AddFile* a, const delta::AddFile* b) {
        return a->modification_time != b->modification_time ? a->modification_time < b->modification_time
                                                            : a->path < b->path;
      });
    }
    std::vector<OptimizeBin> bins(1);
    int64_t groups = 0;
    for (const auto* f : files) {
      const int64_t g = copying ? RowGroupsOf(*f) : 0;
      if (!bins.back().files.empty() &&
          (bins.back().bytes + f->size > plan.target_size || (copying && groups + g > options.max_row_groups))) {
        bins.emplace_back();
        groups = 0;
      }
      groups += g;
      bins.back().partition = partition;
      bins.back().files.push_back(*f);
      bins.back().bytes += f->size;
    }
    bool any = false;
    for (auto& b : bins) {
      // A file alone in its bin is already as compact as this target makes it.
      if (b.files.size() < 2) {
        plan.skipped_files += static_cast<int64_t>(b.files.size());
        continue;
      }
      any = true;
      plan.bins.push_back(std::move(b));
    }
    plan.partitions += any ? 1 : 0;
  }
  return plan;
}

Result<OptimizeResult> Optimize(delta::Table& table, const OptimizeOptions& options) {
  Clock& clock = options.clock ? *options.clock : SystemClock();
  const delta::Snapshot snapshot = table.snapshot();  // the rewrite reads this version
  OptimizeResult result;
  ORBIT_ASSIGN_OR_RETURN(result.plan, PlanOptimize(snapshot, options));
  const OptimizePlan& plan = result.plan;
  result.live_files_after = plan.live_files;
  if (plan.bins.empty()) return result;

  storage::Storage& storage = table.storage();
  OptimizeProgress progress;
  progress.bins_total = static_cast<int64_t>(plan.bins.size());
  BinRewriter rewriter(storage, snapshot, options, clock, &progress);
  std::vector<delta::Action> actions;
  std::vector<std::string> written;
  std::vector<int64_t> added_sizes, removed_sizes;
  for (const auto& bin : plan.bins) {
    std::string path;
    auto add = rewriter.Rewrite(bin, &path);
    if (!add.ok()) {
      // Nothing references these files yet: leave the storage as it was.
      written.push_back(path);
      DeleteAll(storage, written);
      if (add.status().code() == StatusCode::kCancelled) return add.status();
      return add.status().WithContext("optimize: rewriting " + std::to_string(bin.files.size()) +
                                      " files of partition " + delta::PartitionDir(snapshot.partition_columns(),
                                                                                   bin.partition));
    }
    written.push_back(path);
    const int64_t now = NowMs(clock);
    for (const auto& f : bin.files) {
      delta::RemoveFile rm;
      rm.path = f.path;
      rm.deletion_timestamp = now;
      rm.data_change = false;
      rm.extended_file_metadata = true;
      rm.partition_values = f.partition_values;
      rm.size = f.size;
      actions.emplace_back(std::move(rm));
      removed_sizes.push_back(f.size);
      result.bytes_removed += f.size;
    }
    added_sizes.push_back(add->size);
    result.bytes_added += add->size;
    actions.emplace_back(std::move(*add));
    ++progress.bins_done;
    if (options.on_progress) options.on_progress(progress);
  }
  result.bins_copied = rewriter.copied();
  result.bins_rewritten = rewriter.rewritten();
  result.files_removed = static_cast<int64_t>(removed_sizes.size());
  result.files_added = static_cast<int64_t>(added_sizes.size());
  result.rows = progress.rows;
  if (options.before_commit) options.before_commit();
  if (options.cancelled && options.cancelled()) {
    DeleteAll(storage, written);
    return BinRewriter::Cancelled();
  }

  delta::StringMap params{{"predicate", json(plan.predicate).dump()},
                          {"targetSize", std::to_string(plan.target_size)}};
  if (options.sort_by) params["sortBy"] = json(std::vector<std::string>{*options.sort_by}).dump();
  if (result.bins_copied > 0) params["copiedRowGroups"] = "true";  // orbitlake's: bins merged without re-encoding
  json metrics = {{"numFilesAdded", result.files_added},
                  {"numFilesRemoved", result.files_removed},
                  {"filesAdded", FileSizeStats(added_sizes)},
                  {"filesRemoved", FileSizeStats(removed_sizes)},
                  {"partitionsOptimized", plan.partitions},
                  {"numBatches", rewriter.batches()},
                  {"totalConsideredFiles", plan.considered_files},
                  {"totalFilesSkipped", plan.skipped_files},
                  {"preserveInsertionOrder", !options.sort_by.has_value()},
                  {"numAddedBytes", result.bytes_added},
                  {"numRemovedBytes", result.bytes_removed}};
  ORBIT_ASSIGN_OR_RETURN(delta::CommitOutcome outcome,
                         table.CommitOperation(std::move(actions), "OPTIMIZE", std::move(params), std::move(metrics)));
  if (auto* c = std::get_if<delta::Conflict>(&outcome)) {
    DeleteAll(storage, written);  // certainly not committed: a Conflict means no version holds them
    return Status::Conflict("optimize gave up at version " + std::to_string(c->version) + ": " + c->reason +
                            "; nothing was changed (run it again to compact the table as it is now)");
  }
  const auto* committed = std::get_if<delta::Committed>(&outcome);
  if (committed == nullptr) return Status::Internal("optimize: a commit without txns was reported as already in");
  result.version = committed->version;
  result.attempts = committed->attempts;
  result.live_files_after = static_cast<int64_t>(table.snapshot().files().size());
  return result;
}

}  // namespace orbitlake::maintenance
