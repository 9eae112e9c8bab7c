#include "storage/fault_storage.h"

#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace orbitlake::storage {
namespace {

class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultStorage* owner, std::string path, std::unique_ptr<WritableFile> base)
      : owner_(owner), path_(std::move(path)), base_(std::move(base)) {}
  Status Append(std::string_view data) override { return base_->Append(data); }
  Status Close() override {
    auto d = owner_->Check(FaultOp::kWriteFile, path_);
    if (d.status.ok() || d.apply_anyway) {
      Status st = base_->Close();
      FaultStorage::KillIfAsked(d);
      if (!d.status.ok()) return d.status;
      return st;
    }
    return d.status;  // dropped unpublished, like a process that died mid-write
  }
  int64_t size() const override { return base_->size(); }

 private:
  FaultStorage* owner_;
  std::string path_;
  std::unique_ptr<WritableFile> base_;
};

Status Crashed(std::string_view path) { return Status::IOError("storage crashed (fault injection) at " + std::string(path)); }

}  // namespace

void FaultStorage::AddRule(FaultRule rule) {
  std::lock_guard lock(mu_);
  rules_.push_back({std::move(rule)});
}

bool FaultStorage::crashed() const {
  std::lock_guard lock(mu_);
  return crashed_;
}

int FaultStorage::fired() const {
  std::lock_guard lock(mu_);
  return fired_;
}

FaultStorage::Decision FaultStorage::Check(FaultOp op, std::string_view path) {
  std::lock_guard lock(mu_);
  if (crashed_) return {Crashed(path)};
  for (auto& r : rules_) {
    if (r.done || r.rule.op != op || path.find(r.rule.path_contains) == std::string_view::npos) continue;
    if (++r.seen < r.rule.nth) continue;
    r.done = true;
    ++fired_;
    switch (r.rule.action) {
      case FaultAction::kFail:
        return {Status::IOError("injected failure at " + std::string(path))};
      case FaultAction::kFailAfter:
        return {Status::IOError("injected failure after applying " + std::string(path)), true};
      case FaultAction::kCrashBefore:
        crashed_ = true;
        KillIfAsked({Status::OK(), false, kill_process_});
        return {Crashed(path)};
      case FaultAction::kCrashAfter:
        crashed_ = true;
        return {Crashed(path), true, kill_process_};
    }
  }
  return {};
}

Result<std::vector<FileInfo>> FaultStorage::List(std::string_view dir, std::optional<std::string_view> start_after) {
  if (auto d = Check(FaultOp::kList, dir); !d.status.ok()) return d.status;
  return base_->List(dir, start_after);
}

Result<std::vector<FileInfo>> FaultStorage::ListRecursive(std::string_view dir) {
  if (auto d = Check(FaultOp::kList, dir); !d.status.ok()) return d.status;
  return base_->ListRecursive(dir);
}

Result<std::string> FaultStorage::Read(std::string_view path) {
  if (auto d = Check(FaultOp::kRead, path); !d.status.ok()) return d.status;
  return base_->Read(path);
}

Result<std::string> FaultStorage::ReadRange(std::string_view path, int64_t offset, int64_t length) {
  if (auto d = Check(FaultOp::kRead, path); !d.status.ok()) return d.status;
  return base_->ReadRange(path, offset, length);
}

Result<std::unique_ptr<WritableFile>> FaultStorage::NewWritableFile(std::string_view path) {
  if (crashed()) return Crashed(path);
  ORBIT_ASSIGN_OR_RETURN(auto base, base_->NewWritableFile(path));
  return std::unique_ptr<WritableFile>(std::make_unique<FaultWritableFile>(this, std::string(path), std::move(base)));
}

Status FaultStorage::PutIfAbsent(std::string_view path, std::string_view data) {
  auto d = Check(FaultOp::kPutIfAbsent, path);
  if (d.status.ok()) return base_->PutIfAbsent(path, data);
  if (d.apply_anyway) (void)base_->PutIfAbsent(path, data);
  KillIfAsked(d);
  return d.status;
}

Status FaultStorage::Delete(std::string_view path) {
  auto d = Check(FaultOp::kDelete, path);
  if (d.status.ok()) return base_->Delete(path);
  if (d.apply_anyway) (void)base_->Delete(path);
  KillIfAsked(d);
  return d.status;
}

void FaultStorage::KillIfAsked(const Decision& d) {
  if (!d.kill_after) return;
  std::fprintf(stderr, "orbitlake: injected crash: SIGKILL\n");
  std::fflush(stderr);
  ::kill(::getpid(), SIGKILL);
}

Result<FaultRule> ParseFaultRule(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("fault rule must be OP:PATH_SUBSTRING:NTH:ACTION, got '" + std::string(text) + "'");
  };
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ':') {
      parts.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() != 4) return bad();
  FaultRule r;
  static const std::pair<const char*, FaultOp> kOps[] = {{"list", FaultOp::kList},
                                                         {"read", FaultOp::kRead},
                                                         {"write", FaultOp::kWriteFile},
                                                         {"put", FaultOp::kPutIfAbsent},
                                                         {"delete", FaultOp::kDelete}};
  static const std::pair<const char*, FaultAction> kActions[] = {{"fail", FaultAction::kFail},
                                                                 {"fail-after", FaultAction::kFailAfter},
                                                                 {"crash-before", FaultAction::kCrashBefore},
                                                                 {"crash-after", FaultAction::kCrashAfter}};
  bool op_ok = false, action_ok = false;
  for (const auto& [name, op] : kOps) {
    if (parts[0] == name) r.op = op, op_ok = true;
  }
  for (const auto& [name, action] : kActions) {
    if (parts[3] == name) r.action = action, action_ok = true;
  }
  if (!op_ok || !action_ok || parts[2].empty() || parts[2].find_first_not_of("0123456789") != std::string::npos ||
      parts[2].size() > 9) {
    return bad();
  }
  r.path_contains = parts[1];
  r.nth = std::stoi(parts[2]);
  if (r.nth < 1) return bad();
  return r;
}

}  // namespace orbitlake::storage
