#include "delta/protocol.h"

#include <algorithm>
#include <set>

namespace orbitlake::delta {
namespace {

// Reader(-writer) features whose reader requirements orbitlake meets:
//  timestampNtz: timestamp_ntz columns read as timestamp(us) without a zone.
//  vacuumProtocolCheck: only VACUUM must check the protocol; reading needs nothing.
//  columnMapping: only while the mode is "none" (checked separately).
const std::set<std::string>& SupportedReaderFeatures() {
  static const std::set<std::string> s = {"timestampNtz", "vacuumProtocolCheck", "columnMapping"};
  return s;
}

bool ConfigTrue(const Metadata& m, const std::string& key) {
  auto it = m.configuration.find(key);
  if (it == m.configuration.end()) return false;
  std::string v = it->second;
  std::transform(v.begin(), v.end(), v.begin(), ::tolower);
  return v == "true";
}

bool ColumnMappingActive(const Metadata& m) {
  auto it = m.configuration.find("delta.columnMapping.mode");
  return it != m.configuration.end() && it->second != "none";
}

bool SchemaHas(const Metadata& m, std::string_view key) { return m.schema_string.find(key) != std::string::npos; }

bool HasConstraints(const Metadata& m) {
  return std::any_of(m.configuration.begin(), m.configuration.end(),
                     [](const auto& kv) { return kv.first.rfind("delta.constraints.", 0) == 0; });
}

Status Refuse(std::string_view what, std::string_view feature) {
  return Status::Unsupported(std::string(what) + ": table uses Delta feature '" + std::string(feature) +
                             "', which orbitlake does not implement");
}

// A writer feature orbitlake can honour for this table, or why not.
Status CheckWriterFeature(const std::string& f, const Metadata& m) {
  // Appends need no cdc files; timestamp_ntz columns are written as Arrow timestamps
  // without a zone (Parquet isAdjustedToUTC=false), which is what the feature means.
  // vacuumProtocolCheck asks VACUUM to run this very check first, which
  // maintenance::Vacuum does.
  if (f == "appendOnly" || f == "changeDataFeed" || f == "timestampNtz" || f == "vacuumProtocolCheck") {
    return Status::OK();
  }
  if (f == "invariants") return SchemaHas(m, "delta.invariants") ? Refuse("write", f) : Status::OK();
  if (f == "checkConstraints") return HasConstraints(m) ? Refuse("write", f) : Status::OK();
  if (f == "generatedColumns") return SchemaHas(m, "delta.generationExpression") ? Refuse("write", f) : Status::OK();
  if (f == "identityColumns") return SchemaHas(m, "delta.identity.") ? Refuse("write", f) : Status::OK();
  if (f == "columnMapping") return ColumnMappingActive(m) ? Refuse("write", f) : Status::OK();
  return Refuse("write", f);
}

}  // namespace

Status CheckReadSupported(const Protocol& p, const Metadata& m) {
  if (p.min_reader_version < 1 || p.min_reader_version > 3) {
    return Status::Unsupported("read: table needs Delta reader version " + std::to_string(p.min_reader_version) +
                               "; orbitlake reads versions 1 to 3");
  }
  if (ColumnMappingActive(m)) return Refuse("read", "columnMapping");
  if (p.min_reader_version == 3) {
    for (const auto& f : p.reader_features.value_or(std::vector<std::string>{})) {
      if (!SupportedReaderFeatures().count(f)) return Refuse("read", f);
    }
  }
  return Status::OK();
}

Status CheckWriteSupported(const Protocol& p, const Metadata& m, bool removes_data) {
  ORBIT_RETURN_IF_ERROR(CheckReadSupported(p, m));
  if (p.min_writer_version < 1 || p.min_writer_version > 7) {
    return Status::Unsupported("write: table needs Delta writer version " + std::to_string(p.min_writer_version));
  }
  if (p.min_reader_version == 3) {
    for (const auto& f : p.reader_features.value_or(std::vector<std::string>{})) {
      // Readable is not writable: deletion vectors and mapping change how files are written.
      const bool writable = f == "timestampNtz" || f == "vacuumProtocolCheck" ||
                            (f == "columnMapping" && !ColumnMappingActive(m));
      if (!writable) return Refuse("write", f);
    }
  }
  std::vector<std::string> features;
  if (p.min_writer_version == 7) {
    features = p.writer_features.value_or(std::vector<std::string>{});
  } else {
    // Legacy versions imply their features (PROTOCOL.md "Writer Version Requirements").
    const char* implied[] = {"appendOnly", "invariants", "checkConstraints", "changeDataFeed", "generatedColumns",
                             "columnMapping", "identityColumns"};
    const int count[] = {0, 2, 3, 5, 6, 7};
    features.assign(implied, implied + count[p.min_writer_version - 1]);
  }
  for (const auto& f : features) ORBIT_RETURN_IF_ERROR(CheckWriterFeature(f, m));
  if (removes_data && IsAppendOnly(m)) {
    return Status::Unsupported("write: table is append-only (delta.appendOnly=true); refusing to remove data");
  }
  return Status::OK();
}

int64_t CheckpointInterval(const Metadata& m) {
  auto it = m.configuration.find("delta.checkpointInterval");
  if (it != m.configuration.end()) {
    try {
      int64_t v = std::stoll(it->second);
      if (v > 0) return v;
    } catch (...) {
    }
  }
  return 10;
}

bool IsAppendOnly(const Metadata& m) { return ConfigTrue(m, "delta.appendOnly"); }

}  // namespace orbitlake::delta
