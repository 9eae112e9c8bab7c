// Storage: the only way the Delta log and its data files reach a disk or object store.
//
// Contract (every implementation, and the S3 one to come, must honour it; the shared
// conformance tests in storage_test.cc check it):
//   - Paths are relative to the storage's root, '/'-separated, never starting with '/'.
//   - List(dir) returns the files directly inside `dir` (not sub-folders), sorted by
//     name in byte order, only those whose name sorts after `start_after` when given.
//     A missing folder lists as empty, like an object-store prefix.
//   - ListRecursive(dir) returns every file under `dir` at any depth ("" = the whole
//     root), with paths relative to the root, sorted by path in byte order; a missing
//     folder lists as empty. Unlike List() it also returns the leftovers of writes that
//     never completed when the implementation can see them (LocalStorage's
//     "<name>.tmp-<random>" files of a killed process): it is for VACUUM, which deletes
//     what no Delta version references, and for nothing that reads data.
//   - Read(path) returns the whole file, or NotFound.
//   - NewWritableFile(path) streams a file that becomes visible under `path` only when
//     Close() succeeds, whole, replacing any file there (data files, checkpoints,
//     _last_checkpoint). A file never closed is never visible.
//   - PutIfAbsent(path, data) creates `path` with `data` only if nothing is there, as
//     one atomic step: exactly one of several concurrent callers succeeds, the others
//     get AlreadyExists and the winner's content stays untouched. This is what Delta
//     commits rely on (mutual exclusion on a version), so "check then write" or a plain
//     rename(2) never qualify. Object stores: a conditional PUT (If-None-Match: *).
//   - Errors are Status values: NotFound, AlreadyExists, IOError (retryable, see
//     IsRetryable()). A failed PutIfAbsent with IOError may or may not have written:
//     callers that care read the file back.
//
// Thread safety: implementations are safe to call from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace orbitlake::storage {

struct FileInfo {
  std::string path;  // relative to the storage root, including `dir`
  int64_t size = 0;
  int64_t modification_time_ms = 0;  // since the Unix epoch
};

// A file being written. Append() any number of times, then Close() to publish it, or
// destroy it without Close() to abandon it (nothing becomes visible).
// Thread safety: one writer per object.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Makes the file visible under its path, durably (fsync on local disks).
  virtual Status Close() = 0;
  // Bytes appended so far.
  virtual int64_t size() const = 0;
};

class Storage {
 public:
  virtual ~Storage() = default;

  virtual Result<std::vector<FileInfo>> List(std::string_view dir,
                                             std::optional<std::string_view> start_after = std::nullopt) = 0;
  // Every file under `dir`, recursively (see the contract above). Costs one listing per
  // folder locally and a paginated prefix listing on object stores: for maintenance,
  // never on a commit or read path.
  virtual Result<std::vector<FileInfo>> ListRecursive(std::string_view dir) = 0;
  virtual Result<std::string> Read(std::string_view path) = 0;
  // Bytes [offset, offset + length) of a file; fewer when the file ends sooner (none at or
  // past its end). Default: Read() and cut.
  virtual Result<std::string> ReadRange(std::string_view path, int64_t offset, int64_t length);
  // True when reading parts of a file costs less than reading it whole (object stores: one
  // ranged GET), so readers that need only some columns fetch only their byte ranges.
  // Default false: a local file is read whole in one system call.
  virtual bool PrefersRangedReads() const { return false; }
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(std::string_view path) = 0;
  virtual Status PutIfAbsent(std::string_view path, std::string_view data) = 0;
  // Removes a file; NotFound when there is none. Only for orbitlake's own leftovers
  // (e.g. abandoned data files); never used on log files.
  virtual Status Delete(std::string_view path) = 0;
  // A human-readable location for messages ("/data/t", "memory://").
  virtual std::string Describe(std::string_view path) const = 0;

  // Whole-file write through NewWritableFile().
  Status Write(std::string_view path, std::string_view data);
};

// The folder part of a relative path ("a/b/c" -> "a/b", "c" -> "").
std::string_view ParentDir(std::string_view path);

}  // namespace orbitlake::storage
