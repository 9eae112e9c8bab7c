// Table URIs: the one way a user-given table location becomes a Storage.
//
// Every command that takes a table (ingest --table/--quarantine-table, tail, history,
// describe) goes through OpenTableStorage(), so a scheme is supported everywhere or
// nowhere. Accepted today:
//   - a local path, relative or absolute ("./data/t", "/lake/raw");
//   - a file URI as delta-rs and Spark print them: "file:///abs/path",
//     "file://localhost/abs/path", "file:/abs/path", percent-encoded ("%20" is a space).
// Refused, with an error naming the URI and the supported forms:
//   - the empty string (it would make the current folder a table);
//   - any other scheme ("s3://bucket/t", "gs://", "abfss://", ...): Unsupported until
//     object-store support lands, instead of a local folder named "s3:";
//   - file URIs with a remote host, a query or a fragment, or a relative path.
// A string counts as a URI when it starts with "<scheme>:" (RFC 3986: a letter, then
// letters, digits, '+', '-', '.'; at least two characters, so "C:" style names are URIs
// too). A local path that really starts like that is written "./name:...".
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/storage.h"

namespace orbitlake::storage {

struct TableLocation {
  // Always "file" today: local paths and file:// URIs both land on the local filesystem.
  std::string scheme;
  // The local filesystem path (decoded); never empty.
  std::string path;
};

// Pure: no filesystem access. InvalidArgument for an empty or malformed location,
// Unsupported for a scheme other than file.
Result<TableLocation> ParseTableUri(std::string_view uri);

// The Storage rooted at the table `uri` names (see ParseTableUri for what is accepted).
// The folder need not exist: it is created on the first write.
Result<std::shared_ptr<Storage>> OpenTableStorage(std::string_view uri);

}  // namespace orbitlake::storage
