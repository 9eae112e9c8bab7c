// A Storage wrapper that fails or "crashes" at chosen points, for crash-safety tests.
//
// A rule matches an operation kind and a path substring; on its `nth` match it either
// fails that one operation (kFail: IOError, nothing written) or crashes the "process":
// kCrashBefore (the operation is not applied) or kCrashAfter (it is applied, and the
// caller still sees an error, like a process killed right after the write). Once
// crashed, every later operation fails with IOError "crashed", so nothing more reaches
// the underlying storage: a test then opens a fresh reader/writer on the base storage,
// which plays the restarted process.
//
// Thread safety: safe from several threads at once.
#pragma once

#include <mutex>
#include <string_view>
#include <vector>

#include "storage/storage.h"

namespace orbitlake::storage {

enum class FaultOp { kList, kRead, kWriteFile, kPutIfAbsent, kDelete };
enum class FaultAction {
  kFail,         // this operation fails, nothing is written
  kFailAfter,    // it is applied but reports IOError (a lost response), no crash
  kCrashBefore,  // not applied, and the storage is "crashed" from now on
  kCrashAfter,   // applied, then crashed
};

struct FaultRule {
  FaultOp op = FaultOp::kPutIfAbsent;
  // Matches paths containing this ("" matches all).
  std::string path_contains;
  // Fires on the nth matching operation (1 = the first). Default 1.
  int nth = 1;
  FaultAction action = FaultAction::kFail;
};

class FaultStorage final : public Storage {
 public:
  // REQUIRES: `base` outlives this object. With `kill_process`, a crash rule kills the
  // real process with SIGKILL at that point instead of simulating it (kCrashAfter: once
  // the operation is applied): for kill -9 tests of the CLI (`ingest --inject-crash`).
  explicit FaultStorage(Storage* base, bool kill_process = false) : base_(base), kill_process_(kill_process) {}

  void AddRule(FaultRule rule);
  bool crashed() const;
  // Number of rules that fired.
  int fired() const;

  Result<std::vector<FileInfo>> List(std::string_view dir,
                                     std::optional<std::string_view> start_after = std::nullopt) override;
  // kList rules match ListRecursive too.
  Result<std::vector<FileInfo>> ListRecursive(std::string_view dir) override;
  Result<std::string> Read(std::string_view path) override;
  Result<std::string> ReadRange(std::string_view path, int64_t offset, int64_t length) override;
  bool PrefersRangedReads() const override { return base_->PrefersRangedReads(); }
  // kWriteFile rules fire at Close(), the moment a written file would become visible.
  Result<std::unique_ptr<WritableFile>> NewWritableFile(std::string_view path) override;
  Status PutIfAbsent(std::string_view path, std::string_view data) override;
  Status Delete(std::string_view path) override;
  std::string Describe(std::string_view path) const override { return base_->Describe(path); }

  // What to do with an operation: OK to proceed, an error to return instead, and
  // whether to apply it before returning that error (kCrashAfter).
  struct Decision {
    Status status;
    bool apply_anyway = false;
    bool kill_after = false;  // SIGKILL the process once the operation is applied
  };
  // Kills the process when `d` says so (called after applying the operation).
  static void KillIfAsked(const Decision& d);
  Decision Check(FaultOp op, std::string_view path);

 private:
  Storage* base_;
  const bool kill_process_;
  mutable std::mutex mu_;
  struct Armed {
    FaultRule rule;
    int seen = 0;
    bool done = false;
  };
  std::vector<Armed> rules_;  // GUARDED_BY(mu_)
  bool crashed_ = false;      // GUARDED_BY(mu_)
  int fired_ = 0;             // GUARDED_BY(mu_)
};

// Parses "OP:PATH_SUBSTRING:NTH:ACTION" (e.g. "put:_delta_log/:3:crash-before"), OP one
// of list|read|write|put|delete and ACTION one of fail|fail-after|crash-before|crash-after.
Result<FaultRule> ParseFaultRule(std::string_view text);

}  // namespace orbitlake::storage
