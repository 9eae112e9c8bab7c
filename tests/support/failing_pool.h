// An Arrow memory pool for tests of allocation failures (header-only: only targets
// that link Arrow include it).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include <arrow/memory_pool.h>
#include <arrow/status.h>

namespace orbitlake::testing {

// Arrow's default pool, except that every allocation after the first `allowed` fails
// (a process out of memory from some point on).
class FailingPool final : public arrow::MemoryPool {
 public:
  explicit FailingPool(int64_t allowed) : allowed_(allowed) {}
  arrow::Status Allocate(int64_t size, int64_t alignment, uint8_t** out) override {
    if (Exhausted()) return arrow::Status::OutOfMemory("injected allocation failure");
    return base_->Allocate(size, alignment, out);
  }
  arrow::Status Reallocate(int64_t old_size, int64_t new_size, int64_t alignment, uint8_t** ptr) override {
    if (Exhausted()) return arrow::Status::OutOfMemory("injected allocation failure");
    return base_->Reallocate(old_size, new_size, alignment, ptr);
  }
  void Free(uint8_t* buffer, int64_t size, int64_t alignment) override { base_->Free(buffer, size, alignment); }
  int64_t bytes_allocated() const override { return base_->bytes_allocated(); }
  int64_t total_bytes_allocated() const override { return base_->total_bytes_allocated(); }
  int64_t num_allocations() const override { return calls_.load(); }
  std::string backend_name() const override { return "failing"; }
  bool failed() const { return calls_.load() > allowed_; }

 private:
  bool Exhausted() { return ++calls_ > allowed_; }
  arrow::MemoryPool* base_ = arrow::default_memory_pool();
  const int64_t allowed_;
  std::atomic<int64_t> calls_{0};
};

}  // namespace orbitlake::testing
