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

}  // namespace orbitlake::storage
