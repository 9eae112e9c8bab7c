// Pipeline files: a TOML file declaring Kafka settings, sources and tables, read into a
// validated PipelineSpec (spec.h). docs/pipelines.md documents every key.
//
// Contract of a successful load (what readers of the PipelineSpec may rely on):
//   - at least one source and one table; source, table and column names are unique
//     (columns ignoring case, as Delta compares them); every source feeds a table;
//   - every table's `source` names a source; every column has a parsed type and a From:
//     FromColumn names another column of the same table whose type it may be derived
//     from (CanDeriveColumn), with no cycles; Kafka fields have fitting types;
//     FromConstant holds JSON that fits the column's type;
//   - partition_by names distinct primitive columns of the table, leaving at least one
//     data column; checks name columns of the table with literals fitting their types;
//   - per source at most one table has default_route, a default table has no `where`,
//     and there is no default table next to a table taking every message (no `where`);
//   - every quarantine_path is set (defaults: a table's is "<path>-quarantine", a
//     source's "<parent folder of its first table's path>/<source>-quarantine") and no
//     quarantine path is a table's path; table paths are distinct.
// Relative paths are kept as written: they are relative to the working directory of the
// command that runs the pipeline, not to the file.
//
// Errors are InvalidArgument (NotFound/IOError for a file that cannot be read), one line:
//   "<file>:<line>:<column>: <key>: <what is wrong>"
// where key is the dotted path of the offending key with 0-based indexes into arrays,
// e.g. `table[1].columns[3].type`; for a problem inside a string (a type, a check, a
// path) the column points at the character. The first problem found is reported.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "pipeline/spec.h"

namespace orbitlake::pipeline {

// Reads and validates the file at `path` (messages name it as given).
Result<PipelineSpec> LoadPipelineFile(const std::string& path);

// Validates TOML text; `file_name` is used in messages and stored in PipelineSpec::file.
Result<PipelineSpec> ParsePipeline(std::string_view toml, const std::string& file_name);

// A table's schema without its place (a schema registry entry, docs/schema-registry.md):
// the `columns`, `partition_by` and `checks` keys of a [[table]], written as the
// document's top-level keys, validated as in a pipeline file. Returns a TableSpec with
// name = `table_name` and those three fields set; path, source, route and quarantine are
// the caller's. Errors as for a pipeline file ("<file>:<line>:<column>: <key>: ..."),
// keys without a table prefix (`columns[2].type`).
Result<TableSpec> ParseTableSchema(std::string_view toml, const std::string& file_name,
                                   const std::string& table_name);

}  // namespace orbitlake::pipeline
