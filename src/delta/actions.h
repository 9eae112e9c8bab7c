// Delta log actions (PROTOCOL.md "Actions") and their JSON form, with no I/O.
//
// Parsing is lenient where the protocol asks it to be: unknown actions and unknown
// fields are ignored (ParseAction returns nullopt / drops them), so tables written by
// newer engines still replay. Malformed known actions are Corruption.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace orbitlake::delta {

using StringMap = std::map<std::string, std::string>;
// Partition values are strings; a null partition value is nullopt.
using PartitionValues = std::map<std::string, std::optional<std::string>>;

struct Protocol {
  int min_reader_version = 1;
  int min_writer_version = 2;
  // Only present at reader 3 / writer 7.
  std::optional<std::vector<std::string>> reader_features;
  std::optional<std::vector<std::string>> writer_features;
};

struct Metadata {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::string format_provider = "parquet";
  StringMap format_options;
  std::string schema_string;
  std::vector<std::string> partition_columns;
  StringMap configuration;
  std::optional<int64_t> created_time;
};

struct AddFile {
  std::string path;  // URI-encoded, relative to the table root (or absolute URI)
  PartitionValues partition_values;
  int64_t size = 0;
  int64_t modification_time = 0;
  bool data_change = true;
  std::optional<std::string> stats;  // JSON string
  std::optional<StringMap> tags;
  bool has_deletion_vector = false;  // readers refuse these (deletionVectors feature)
};

struct RemoveFile {
  std::string path;
  std::optional<int64_t> deletion_timestamp;
  bool data_change = true;
  std::optional<bool> extended_file_metadata;
  PartitionValues partition_values;
  std::optional<int64_t> size;
  bool has_deletion_vector = false;
};

struct Txn {
  std::string app_id;
  int64_t version = 0;
  std::optional<int64_t> last_updated;
};

// Kept as the JSON object it is: engines put free-form fields in it.
struct CommitInfo {
  nlohmann::json json = nlohmann::json::object();
};

using Action = std::variant<Protocol, Metadata, AddFile, RemoveFile, Txn, CommitInfo>;

// One line of a commit file. nullopt for actions orbitlake does not model (cdc,
// domainMetadata, checkpointMetadata, sidecar, ...): the protocol asks readers to skip
// what they do not know; features that change meaning are refused by protocol checks.
Result<std::optional<Action>> ParseAction(const nlohmann::json& line);
nlohmann::json ActionToJson(const Action& action);

// A whole commit file (newline-delimited JSON). Corruption naming `name` and the line
// for a line that is not JSON, nests deeper than kMaxJsonDepth, or holds a malformed
// known action.
Result<std::vector<Action>> ParseCommit(std::string_view text, std::string_view name);

// Deepest array/object nesting accepted in a log file's JSON. nlohmann's parser is
// iterative, but copying and printing a value recurse once per level, so a line such as
// {"commitInfo":{"a":[[[[...]]]]}} 100,000 levels deep overflowed the stack (a
// hand-made input to actions_fuzz, under ASan). Real Delta actions nest under 10 levels.
inline constexpr int kMaxJsonDepth = 256;
// OK when `json_text` nests arrays and objects at most kMaxJsonDepth deep (brackets
// inside strings do not count); otherwise Corruption "<where>: JSON nested deeper than
// 256 levels". Linear and allocation-free: run it before parsing untrusted text.
Status CheckJsonDepth(std::string_view json_text, std::string_view where);
std::string SerializeCommit(const std::vector<Action>& actions);

// A random (version 4) UUID, for metaData.id, commitInfo.txnId and data file names.
std::string NewUuid();

// Percent-decoding of an add/remove path (paths in the log are URIs).
std::string DecodePath(std::string_view uri_path);
// Percent-encoding for a relative path: keeps unreserved characters and '/'.
std::string EncodePath(std::string_view path);

}  // namespace orbitlake::delta
