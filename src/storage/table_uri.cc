#include "storage/table_uri.h"

#include <cctype>
#include <string>
#include <vector>

#include "storage/local_storage.h"
#include "storage/s3_storage.h"

namespace orbitlake::storage {
namespace {

constexpr std::string_view kSupported =
    "use a local path, a file:// URI such as file:///abs/path, or s3://bucket/prefix";

bool IsSchemeChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.';
}

// The scheme of "<scheme>:..." (RFC 3986, at least two characters), or empty.
std::string_view SchemeOf(std::string_view uri) {
  size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon < 2) return {};
  if (std::isalpha(static_cast<unsigned char>(uri[0])) == 0) return {};
  for (size_t i = 1; i < colon; ++i) {
    if (!IsSchemeChar(uri[i])) return {};
  }
  return uri.substr(0, colon);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> PercentDecode(std::string_view uri, std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      out += path[i];
      continue;
    }
    const bool complete = i + 2 < path.size();
    const int hi = complete ? HexValue(path[i + 1]) : -1;
    const int lo = complete ? HexValue(path[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("table URI '" + std::string(uri) + "': bad percent escape at '" +
                                     std::string(path.substr(i, 3)) + "'");
    }
    char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return Status::InvalidArgument("table URI '" + std::string(uri) + "': %00 in the path");
    out += c;
    i += 2;
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "s3://bucket/prefix" after the scheme and its ':'.
Result<TableLocation> ParseS3(std::string_view uri, std::string_view rest) {
  const std::string quoted = "'" + std::string(uri) + "'";
  if (!rest.starts_with("//")) {
    return Status::InvalidArgument("S3 table URI " + quoted + " must look like s3://bucket/prefix");
  }
  rest.remove_prefix(2);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return Status::InvalidArgument("S3 table URI " + quoted + " has a query or fragment ('?', '#')");
  }
  size_t slash = rest.find('/');
  std::string bucket(rest.substr(0, slash));
  if (bucket.empty()) return Status::InvalidArgument("S3 table URI " + quoted + " names no bucket");
  std::string prefix(slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1));
  while (prefix.ends_with('/')) prefix.pop_back();
  if (prefix.starts_with('/') || prefix.find("//") != std::string::npos) {
    return Status::InvalidArgument("S3 table URI " + quoted + " has an empty path segment ('//')");
  }
  return TableLocation{"s3", std::move(prefix), std::move(bucket)};
}

}  // namespace

Result<TableLocation> ParseTableUri(std::string_view uri) {
  if (uri.empty()) {
    return Status::InvalidArgument("table path is empty (" + std::string(kSupported) + ")");
  }
  std::string_view scheme = SchemeOf(uri);
  if (scheme.empty()) return TableLocation{"file", std::string(uri)};
  const std::string quoted = "'" + std::string(uri) + "'";
  std::string_view rest = uri.substr(scheme.size() + 1);
  if (Lower(scheme) == "s3" || Lower(scheme) == "s3a") return ParseS3(uri, rest);
  if (Lower(scheme) != "file") {
    return Status::Unsupported("table URI scheme '" + std::string(scheme) + "' in " + quoted +
                               " is not supported (" + std::string(kSupported) + ")");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return Status::InvalidArgument("table URI " + quoted + " has a query or fragment ('?', '#'); " +
                                   "percent-encode them in the path (%3F, %23)");
  }
  std::string_view path;
  if (rest.starts_with("//")) {
    // file://host/path: the host must be empty or localhost.
    std::string_view authority_and_path = rest.substr(2);
    size_t slash = authority_and_path.find('/');
    std::string_view host = authority_and_path.substr(0, slash);
    if (!host.empty() && Lower(host) != "localhost") {
      return Status::Unsupported("table URI " + quoted + " names the remote host '" + std::string(host) +
                                 "' (" + std::string(kSupported) + ")");
    }
    if (slash == std::string_view::npos) {
      return Status::InvalidArgument("table URI " + quoted + " has no path (" + std::string(kSupported) + ")");
    }
    path = authority_and_path.substr(slash);
  } else if (rest.starts_with("/")) {
    path = rest;  // file:/abs/path
  } else {
    return Status::InvalidArgument("table URI " + quoted + " has a relative path; file URIs are absolute (" +
                                   std::string(kSupported) + ")");
  }
  ORBIT_ASSIGN_OR_RETURN(std::string decoded, PercentDecode(uri, path));
  return TableLocation{"file", std::move(decoded), {}};
}

Status CheckStorageOptions(const StorageOptions& options) {
  for (const auto& [key, _] : options) ORBIT_RETURN_IF_ERROR(CanonicalS3OptionName(key).status());
  return Status::OK();
}

Result<StorageOptions> ParseStorageOptions(const std::vector<std::string>& items) {
  StorageOptions out;
  for (const auto& item : items) {
    const size_t eq = item.find('=');
    // The value may be a secret: messages never show it (nor an item without '=', which
    // may be a value given alone).
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument(std::string("storage option ") +
                                     (eq == 0 ? "without a key" : "without '='") +
                                     ": write key=value, e.g. -S endpoint_url=http://127.0.0.1:8333");
    }
    std::string key = item.substr(0, eq);
    ORBIT_RETURN_IF_ERROR(CanonicalS3OptionName(key).status());
    out[std::move(key)] = item.substr(eq + 1);
  }
  return out;
}

Result<std::shared_ptr<Storage>> OpenTableStorage(std::string_view uri, const StorageOptions& storage_options) {
  ORBIT_ASSIGN_OR_RETURN(TableLocation location, ParseTableUri(uri));
  ORBIT_RETURN_IF_ERROR(CheckStorageOptions(storage_options));
  if (location.scheme == "s3") {
    auto options = S3OptionsFromEnvironment(storage_options);
    if (!options.ok()) return options.status().WithContext("table '" + std::string(uri) + "'");
    ORBIT_ASSIGN_OR_RETURN(std::unique_ptr<S3Storage> s3,
                           S3Storage::Open(std::move(*options), location.bucket, location.path));
    return std::shared_ptr<Storage>(std::move(s3));
  }
  return std::shared_ptr<Storage>(std::make_shared<LocalStorage>(location.path));
}

}  // namespace orbitlake::storage
