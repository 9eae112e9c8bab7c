// Storage in memory, for tests and benchmarks: same contract as LocalStorage (see
// storage.h), nothing survives the object.
//
// Thread safety: safe from several threads at once (one mutex).
#pragma once

#include <functional>
#include <map>
#include <mutex>

#include "storage/storage.h"

namespace orbitlake::storage {

class MemoryStorage final : public Storage {
 public:
  // `now_ms` stamps modification times; default: the system clock.
  explicit MemoryStorage(std::function<int64_t()> now_ms = nullptr);

  Result<std::vector<FileInfo>> List(std::string_view dir,
                                     std::optional<std::string_view> start_after = std::nullopt) override;
  Result<std::vector<FileInfo>> ListRecursive(std::string_view dir) override;
  Result<std::string> Read(std::string_view path) override;
  Result<std::unique_ptr<WritableFile>> NewWritableFile(std::string_view path) override;
  Status PutIfAbsent(std::string_view path, std::string_view data) override;
  Status Delete(std::string_view path) override;
  std::string Describe(std::string_view path) const override;

  // Publishes a whole file (used by MemoryStorage's writable files).
  void Put(std::string_view path, std::string data);
  size_t file_count() const;

 private:
  struct Entry {
    std::string data;
    int64_t mtime_ms = 0;
  };
  std::function<int64_t()> now_ms_;
  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> files_;  // GUARDED_BY(mu_)
};

}  // namespace orbitlake::storage
