#include "storage/memory_storage.h"

#include <chrono>

namespace orbitlake::storage {
namespace {

class MemoryWritableFile final : public WritableFile {
 public:
  MemoryWritableFile(MemoryStorage* owner, std::string path) : owner_(owner), path_(std::move(path)) {}
  Status Append(std::string_view data) override {
    if (closed_) return Status::Internal("append to closed file " + path_);
    data_.append(data);
    return Status::OK();
  }
  Status Close() override {
    if (closed_) return Status::Internal("file closed twice: " + path_);
    closed_ = true;
    owner_->Put(path_, std::move(data_));
    return Status::OK();
  }
  int64_t size() const override { return static_cast<int64_t>(data_.size()); }

 private:
  MemoryStorage* owner_;
  std::string path_;
  std::string data_;
  bool closed_ = false;
};

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

MemoryStorage::MemoryStorage(std::function<int64_t()> now_ms)
    : now_ms_(now_ms ? std::move(now_ms) : SystemNowMs) {}

Result<std::vector<FileInfo>> MemoryStorage::List(std::string_view dir, std::optional<std::string_view> start_after) {
  const std::string prefix = dir.empty() ? std::string() : std::string(dir) + "/";
  std::vector<FileInfo> out;
  std::lock_guard lock(mu_);
  for (auto it = files_.lower_bound(prefix); it != files_.end(); ++it) {
    const std::string& path = it->first;
    if (path.compare(0, prefix.size(), prefix) != 0) break;
    if (path.find('/', prefix.size()) != std::string::npos) continue;  // in a sub-folder
    if (start_after && path <= *start_after) continue;
    out.push_back({path, static_cast<int64_t>(it->second.data.size()), it->second.mtime_ms});
  }
  return out;
}

Result<std::vector<FileInfo>> MemoryStorage::ListRecursive(std::string_view dir) {
  const std::string prefix = dir.empty() ? std::string() : std::string(dir) + "/";
  std::vector<FileInfo> out;
  std::lock_guard lock(mu_);
  for (auto it = files_.lower_bound(prefix); it != files_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    out.push_back({it->first, static_cast<int64_t>(it->second.data.size()), it->second.mtime_ms});
  }
  return out;
}

Result<std::string> MemoryStorage::Read(std::string_view path) {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return Status::NotFound("no file " + Describe(path));
  return it->second.data;
}

Result<std::unique_ptr<WritableFile>> MemoryStorage::NewWritableFile(std::string_view path) {
  return std::unique_ptr<WritableFile>(std::make_unique<MemoryWritableFile>(this, std::string(path)));
}

void MemoryStorage::Put(std::string_view path, std::string data) {
  std::lock_guard lock(mu_);
  files_[std::string(path)] = Entry{std::move(data), now_ms_()};
}

Status MemoryStorage::PutIfAbsent(std::string_view path, std::string_view data) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = files_.try_emplace(std::string(path));
  if (!inserted) return Status::AlreadyExists(Describe(path) + " already exists");
  it->second = Entry{std::string(data), now_ms_()};
  return Status::OK();
}

Status MemoryStorage::Delete(std::string_view path) {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return Status::NotFound("no file " + Describe(path));
  files_.erase(it);
  return Status::OK();
}

std::string MemoryStorage::Describe(std::string_view path) const { return "memory://" + std::string(path); }

size_t MemoryStorage::file_count() const {
  std::lock_guard lock(mu_);
  return files_.size();
}

}  // namespace orbitlake::storage
