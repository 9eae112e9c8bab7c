#include "storage/storage.h"

namespace orbitlake::storage {

Status Storage::Write(std::string_view path, std::string_view data) {
  ORBIT_ASSIGN_OR_RETURN(auto file, NewWritableFile(path));
  ORBIT_RETURN_IF_ERROR(file->Append(data));
  return file->Close();
}

std::string_view ParentDir(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

Result<std::string> Storage::ReadRange(std::string_view path, int64_t offset, int64_t length) {
  if (offset < 0 || length < 0) return Status::InvalidArgument("negative range reading " + Describe(path));
  ORBIT_ASSIGN_OR_RETURN(std::string all, Read(path));
  if (static_cast<size_t>(offset) >= all.size()) return std::string();
  return all.substr(static_cast<size_t>(offset), static_cast<size_t>(length));
}

}  // namespace orbitlake::storage
