#include "storage/local_storage.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>

namespace orbitlake::storage {
namespace {

constexpr std::string_view kTempMarker = ".tmp-";

std::string TempName(const std::filesystem::path& target) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return target.string() + std::string(kTempMarker) + std::to_string(rng());
}

Status MakeParent(const std::filesystem::path& p) {
  std::error_code ec;
  std::filesystem::create_directories(p.parent_path(), ec);
  if (ec) return Status::IOError("create folder " + p.parent_path().string() + ": " + ec.message());
  return Status::OK();
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

Status SyncDir(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open folder", dir.string(), errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  return rc == 0 ? Status::OK() : ErrnoStatus("fsync folder", dir.string(), err);
}

// Publishes `tmp` as `target` unless `target` exists. renameat2 is atomic; link(2) is
// the fallback for filesystems without RENAME_NOREPLACE (the temp name is then unlinked).
Status PublishNoReplace(const std::string& tmp, const std::filesystem::path& target) {
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0) return Status::OK();
  int err = errno;
  if (err == EINVAL || err == ENOSYS) {
    if (::link(tmp.c_str(), target.c_str()) == 0) {
      ::unlink(tmp.c_str());
      return Status::OK();
    }
    err = errno;
  }
  ::unlink(tmp.c_str());
  if (err == EEXIST) return Status::AlreadyExists(target.string() + " already exists");
  return ErrnoStatus("publish", target.string(), err);
}

class LocalWritableFile final : public WritableFile {
 public:
  LocalWritableFile(std::filesystem::path target, std::string tmp, int fd)
      : target_(std::move(target)), tmp_(std::move(tmp)), fd_(fd) {}
  ~LocalWritableFile() override {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(tmp_.c_str());
    }
  }
  Status Append(std::string_view data) override {
    if (fd_ < 0) return Status::Internal("append to closed file " + target_.string());
    ORBIT_RETURN_IF_ERROR(WriteAll(fd_, data, tmp_));
    size_ += static_cast<int64_t>(data.size());
    return Status::OK();
  }
  Status Close() override {
    if (fd_ < 0) return Status::Internal("file closed twice: " + target_.string());
    int fd = fd_;
    fd_ = -1;
    if (::fsync(fd) != 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp_.c_str());
      return ErrnoStatus("fsync", tmp_, err);
    }
    ::close(fd);
    if (::rename(tmp_.c_str(), target_.c_str()) != 0) {
      int err = errno;
      ::unlink(tmp_.c_str());
      return ErrnoStatus("rename", tmp_, err);
    }
    return SyncDir(target_.parent_path());
  }
  int64_t size() const override { return size_; }

 private:
  std::filesystem::path target_;
  std::string tmp_;
  int fd_;
  int64_t size_ = 0;
};

Result<int> CreateTemp(const std::filesystem::path& target, std::string* tmp) {
  ORBIT_RETURN_IF_ERROR(MakeParent(target));
  *tmp = TempName(target);
  int fd = ::open(tmp->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("create", *tmp, errno);
  return fd;
}

}  // namespace

bool IsTempFileName(std::string_view name) { return name.find(kTempMarker) != std::string_view::npos; }

LocalStorage::LocalStorage(std::filesystem::path root) : root_(std::move(root)) {}

std::filesystem::path LocalStorage::Full(std::string_view path) const { return root_ / std::string(path); }

std::string LocalStorage::Describe(std::string_view path) const { return Full(path).string(); }

Result<std::vector<FileInfo>> LocalStorage::List(std::string_view dir, std::optional<std::string_view> start_after) {
  std::vector<FileInfo> out;
  std::error_code ec;
  auto full = dir.empty() ? root_ : Full(dir);
  std::filesystem::directory_iterator it(full, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return out;
    return Status::IOError("list " + full.string() + ": " + ec.message());
  }
  const std::string prefix = dir.empty() ? std::string() : std::string(dir) + "/";
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return Status::IOError("list " + full.string() + ": " + ec.message());
    std::string name = it->path().filename().string();
    if (IsTempFileName(name)) continue;
    std::string rel = prefix + name;
    if (start_after && rel <= *start_after) continue;
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    out.push_back({std::move(rel), static_cast<int64_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000});
  }
  std::sort(out.begin(), out.end(), [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
  return out;
}

Result<std::vector<FileInfo>> LocalStorage::ListRecursive(std::string_view dir) {
  std::vector<FileInfo> out;
  std::error_code ec;
  auto full = dir.empty() ? root_ : Full(dir);
  std::filesystem::recursive_directory_iterator it(full, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return out;
    return Status::IOError("list " + full.string() + ": " + ec.message());
  }
  for (; it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return Status::IOError("list " + full.string() + ": " + ec.message());
    struct stat st {};
    // lstat: a link is neither followed (it could lead out of the table) nor returned.
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    std::string rel = it->path().lexically_relative(root_).generic_string();
    out.push_back({std::move(rel), static_cast<int64_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000});
  }
  if (ec) return Status::IOError("list " + full.string() + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
  return out;
}

Result<std::string> LocalStorage::Read(std::string_view path) {
  auto full = Full(path);
  int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", full.string(), errno);
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return ErrnoStatus("read", full.string(), err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Result<std::unique_ptr<WritableFile>> LocalStorage::NewWritableFile(std::string_view path) {
  auto target = Full(path);
  std::string tmp;
  ORBIT_ASSIGN_OR_RETURN(int fd, CreateTemp(target, &tmp));
  return std::unique_ptr<WritableFile>(std::make_unique<LocalWritableFile>(target, tmp, fd));
}

Status LocalStorage::PutIfAbsent(std::string_view path, std::string_view data) {
  auto target = Full(path);
  std::string tmp;
  ORBIT_ASSIGN_OR_RETURN(int fd, CreateTemp(target, &tmp));
  Status st = WriteAll(fd, data, tmp);
  if (st.ok() && ::fsync(fd) != 0) st = ErrnoStatus("fsync", tmp, errno);
  ::close(fd);
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  ORBIT_RETURN_IF_ERROR(PublishNoReplace(tmp, target));
  return SyncDir(target.parent_path());
}

Status LocalStorage::Delete(std::string_view path) {
  auto full = Full(path);
  if (::unlink(full.c_str()) != 0) return ErrnoStatus("delete", full.string(), errno);
  return Status::OK();
}

}  // namespace orbitlake::storage
