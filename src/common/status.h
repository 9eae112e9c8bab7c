// Status and Result<T>: expected failures as values.
//
// Every fallible operation in orbitlake returns a Status (no value) or a Result<T>
// (a value or a Status). Exceptions are reserved for programming errors and for
// third-party code, and are converted at the adapter boundary.
//
// Whether an error is worth retrying is decided in one place: IsRetryable() below.
// Loops that retry (commit, produce, consume) ask it instead of matching codes.
//
// Thread safety: Status and Result are values; distinct objects may be used from
// different threads, a single object needs external synchronisation.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace orbitlake {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad input from a user or a file: fix the input
  kNotFound,         // a file, table, topic or key does not exist
  kAlreadyExists,    // put-if-absent lost: someone else created it first
  kConflict,         // optimistic concurrency: another writer won this version
  kCorruption,       // stored data is malformed (log file, checkpoint, event)
  kUnsupported,      // a protocol feature or option orbitlake does not implement
  kIOError,          // the filesystem or object store failed
  kUnavailable,      // transient: broker down, network hiccup, throttled
  kTimeout,          // a deadline passed before the operation finished
  kCancelled,        // stopped on request (signal, shutdown)
  kInternal,         // a bug: an invariant did not hold
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return {}; }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status Conflict(std::string m) { return {StatusCode::kConflict, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Timeout(std::string m) { return {StatusCode::kTimeout, std::move(m)}; }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "IOError: cannot open x: No such file or directory"
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>", keeping the code.
  Status WithContext(std::string_view context) const;

  bool operator==(const Status& other) const = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// The one place that decides what is worth retrying: transient broker/network trouble,
// timeouts, and storage I/O (an object store's 5xx, a full disk that may drain).
// Conflicts are not "retryable" here: they are an outcome the committer resolves by
// reading the winning commits, not by repeating the same request.
bool IsRetryable(const Status& status);

// Status from errno after a failed system call: ENOENT -> NotFound, EEXIST ->
// AlreadyExists, anything else -> IOError. The message names the operation and path.
Status ErrnoStatus(std::string_view operation, std::string_view path, int err);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status has no value");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace orbitlake

#define ORBIT_CONCAT_INNER(a, b) a##b
#define ORBIT_CONCAT(a, b) ORBIT_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` (a Status) is not OK.
#define ORBIT_RETURN_IF_ERROR(expr)                        \
  do {                                                     \
    ::orbitlake::Status _orbit_st = (expr);                \
    if (!_orbit_st.ok()) return _orbit_st;                 \
  } while (0)

// `lhs = value of rexpr` (a Result<T>), or returns its Status from the enclosing function.
#define ORBIT_ASSIGN_OR_RETURN(lhs, rexpr) \
  ORBIT_ASSIGN_OR_RETURN_IMPL(ORBIT_CONCAT(_orbit_res_, __LINE__), lhs, rexpr)
#define ORBIT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
