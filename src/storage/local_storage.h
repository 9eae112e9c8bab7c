// Storage on a local (POSIX) filesystem, rooted at a folder.
//
// Crash guarantees: NewWritableFile() writes "<name>.tmp-<random>" in the target folder
// and renames it over the target after fsync, so after a crash a path holds either
// nothing, the old file or the whole new one (plus perhaps a stray temp file, which
// List() never returns). PutIfAbsent() writes and fsyncs a temp file, then publishes it
// with renameat2(RENAME_NOREPLACE), falling back to link(2) where the filesystem lacks
// it; both fail with EEXIST instead of replacing, so two writers can never both win a
// Delta version. The folder is fsynced after publishing.
//
// Thread safety: safe from several threads and processes at once.
#pragma once

#include <filesystem>

#include "storage/storage.h"

namespace orbitlake::storage {

class LocalStorage final : public Storage {
 public:
  // REQUIRES: `root` need not exist; folders are created on first write.
  explicit LocalStorage(std::filesystem::path root);

  Result<std::vector<FileInfo>> List(std::string_view dir,
                                     std::optional<std::string_view> start_after = std::nullopt) override;
  // Regular files only (symbolic links are not followed or returned), temp files included.
  Result<std::vector<FileInfo>> ListRecursive(std::string_view dir) override;
  Result<std::string> Read(std::string_view path) override;
  Result<std::unique_ptr<WritableFile>> NewWritableFile(std::string_view path) override;
  Status PutIfAbsent(std::string_view path, std::string_view data) override;
  Status Delete(std::string_view path) override;
  std::string Describe(std::string_view path) const override;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path Full(std::string_view path) const;
  std::filesystem::path root_;
};

// True for the temp files LocalStorage leaves behind after a crash.
bool IsTempFileName(std::string_view name);

}  // namespace orbitlake::storage
