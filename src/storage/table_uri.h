// Table URIs: the one way a user-given table location becomes a Storage.
//
// Every command that takes a table (ingest --table/--quarantine-table, pipeline tables,
// tail, history, describe) goes through OpenTableStorage(), so a scheme is supported
// everywhere or nowhere. Accepted:
//   - a local path, relative or absolute ("./data/t", "/lake/raw");
//   - a file URI as delta-rs and Spark print them: "file:///abs/path",
//     "file://localhost/abs/path", "file:/abs/path", percent-encoded ("%20" is a space);
//   - an S3 location "s3://BUCKET/PREFIX" (also "s3a://", as Spark writes it), PREFIX
//     possibly empty (a table at the bucket's root). The key prefix is taken literally,
//     as the AWS CLI does (no percent-decoding); trailing '/' are dropped. The server,
//     credentials and region come from the AWS_* environment variables
//     (S3OptionsFromEnvironment in s3_storage.h).
// Refused, with an error naming the URI and the supported forms:
//   - the empty string (it would make the current folder a table);
//   - any other scheme ("gs://", "abfss://", "hdfs://", ...): Unsupported, instead of a
//     local folder named "gs:";
//   - file URIs with a remote host, a query or a fragment, or a relative path;
//   - S3 URIs without a bucket, with a query, a fragment or an empty path segment
//     ("s3://b/a//t").
// A string counts as a URI when it starts with "<scheme>:" (RFC 3986: a letter, then
// letters, digits, '+', '-', '.'; at least two characters, so "C:" style names are URIs
// too). A local path that really starts like that is written "./name:...".
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/storage.h"

namespace orbitlake::storage {

struct TableLocation {
  // "file" (local paths and file:// URIs both land on the local filesystem) or "s3".
  std::string scheme;
  // file: the local filesystem path (decoded); never empty.
  // s3: the key prefix inside the bucket, without leading or trailing '/'; may be empty.
  std::string path;
  // s3: the bucket; empty for file.
  std::string bucket;
};

// Pure: no filesystem or network access. InvalidArgument for an empty or malformed
// location, Unsupported for a scheme other than file and s3.
Result<TableLocation> ParseTableUri(std::string_view uri);

// Storage options ("-S key=value" on the command line, delta-rs's storage_options):
// key -> value. Only object stores read them (today S3: the keys CanonicalS3OptionName
// in s3_storage.h takes, e.g. endpoint_url, region, allow_http, access_key_id); a local
// table ignores them, so one set serves a pipeline with local and S3 tables.
using StorageOptions = std::map<std::string, std::string>;

// InvalidArgument naming the first key no storage knows (never a value).
Status CheckStorageOptions(const StorageOptions& options);

// "key=value" items (split at the first '='; the value may contain '=' and be empty, an
// empty value means unset) into StorageOptions, a later item replacing an earlier one
// of the same key. InvalidArgument, naming the key but never the value, for an item
// without '=' or with an unknown key.
Result<StorageOptions> ParseStorageOptions(const std::vector<std::string>& items);

// The Storage rooted at the table `uri` names (see ParseTableUri for what is accepted).
// The folder need not exist: it is created on the first write. For s3:// the settings
// are the AWS_* environment variables with `options` replacing them
// (S3OptionsFromEnvironment); nothing is sent yet, so a wrong endpoint or key shows at
// the first read or write. Credentials never appear in the errors.
Result<std::shared_ptr<Storage>> OpenTableStorage(std::string_view uri, const StorageOptions& options = {});

}  // namespace orbitlake::storage
