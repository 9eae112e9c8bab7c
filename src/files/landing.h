// Landing: the folder a file source reads, and the rule for when a file in it is
// complete ("landed") and may be read.
//
// A file is taken when all of these hold:
//   - its name matches one of the source's patterns (fnmatch(3) on the name; files in
//     sub-folders are not read);
//   - its name does not mark a file in progress or a hidden one: it does not start with
//     '.' or '_', and does not end with ".tmp", ".part", ".partial", ".crdownload" or
//     ".inprogress" (writers that rename into place, like `mv` or Spark, never show a
//     partial file under its final name);
//   - two listings, the previous Poll() and this one, saw it with the same size and
//     modification time (a writer that appends in place is still growing otherwise).
// So a file is read one listing interval after it stops changing at the earliest. A
// file that changes after it was ingested is not read again (a file is identified by
// its name; see docs/pipelines.md, "File sources").
//
// Thread safety: none; one Landing per source, used by the file ingester's loop.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "storage/storage.h"

namespace orbitlake::files {

struct LandedFile {
  std::string name;  // relative to the folder
  int64_t size = 0;
  int64_t modification_time_ms = 0;
};

// Whether `name` matches one of `patterns` and is not a file in progress or hidden.
bool IsCandidate(const std::string& name, const std::vector<std::string>& patterns);

class Landing {
 public:
  Landing(std::shared_ptr<storage::Storage> folder, std::vector<std::string> patterns)
      : folder_(std::move(folder)), patterns_(std::move(patterns)) {}

  // Lists the folder; returns the candidates unchanged since the previous Poll(), by
  // name. The first Poll() returns nothing (it has nothing to compare with) unless
  // `trust_first` (the caller knows no writer is active, e.g. a one-shot run).
  Result<std::vector<LandedFile>> Poll(bool trust_first = false);
  // Every candidate of the latest listing, complete or not.
  const std::map<std::string, std::pair<int64_t, int64_t>>& seen() const { return seen_; }

  storage::Storage& folder() { return *folder_; }

 private:
  std::shared_ptr<storage::Storage> folder_;
  std::vector<std::string> patterns_;
  bool listed_ = false;
  std::map<std::string, std::pair<int64_t, int64_t>> seen_;  // name -> (size, mtime) last listing
};

}  // namespace orbitlake::files
