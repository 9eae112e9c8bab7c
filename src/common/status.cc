#include "common/status.h"

#include <cerrno>
#include <cstring>

namespace orbitlake {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "InvalidArgument";
    case StatusCode::kNotFound: return "NotFound";
    case StatusCode::kAlreadyExists: return "AlreadyExists";
    case StatusCode::kConflict: return "Conflict";
    case StatusCode::kCorruption: return "Corruption";
    case StatusCode::kUnsupported: return "Unsupported";
    case StatusCode::kIOError: return "IOError";
    case StatusCode::kUnavailable: return "Unavailable";
    case StatusCode::kTimeout: return "Timeout";
    case StatusCode::kCancelled: return "Cancelled";
    case StatusCode::kInternal: return "Internal";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string m(context);
  m += ": ";
  m += message_;
  return Status(code_, std::move(m));
}

bool IsRetryable(const Status& status) {
  switch (status.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kTimeout:
    case StatusCode::kIOError:
      return true;
    case StatusCode::kOk:
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
    case StatusCode::kConflict:
    case StatusCode::kCorruption:
    case StatusCode::kUnsupported:
    case StatusCode::kCancelled:
    case StatusCode::kInternal:
      return false;
  }
  return false;
}

Status ErrnoStatus(std::string_view operation, std::string_view path, int err) {
  std::string m(operation);
  m += " ";
  m += path;
  m += ": ";
  m += std::strerror(err);
  switch (err) {
    case ENOENT: return Status::NotFound(std::move(m));
    case EEXIST: return Status::AlreadyExists(std::move(m));
    default: return Status::IOError(std::move(m));
  }
}

}  // namespace orbitlake
