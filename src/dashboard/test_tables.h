// Test helpers of the dashboard tests: a Storage that counts data-file reads, and small
// tables written with delta::Table (the real writer).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "delta/table.h"
#include "storage/memory_storage.h"
#include "support/satellite_batch.h"

namespace orbitlake::dashboard::testing {

// Passes everything to `base` and counts Read() of data files (paths outside _delta_log).
class CountingStorage final : public storage::Storage {
 public:
  explicit CountingStorage(std::shared_ptr<storage::Storage> base) : base_(std::move(base)) {}
  int64_t data_reads() const { return data_reads_.load(); }
  Result<std::vector<storage::FileInfo>> List(std::string_view dir,
                                              std::optional<std::string_view> start_after) override {
    return base_->List(dir, start_after);
  }
  Result<std::vector<storage::FileInfo>> ListRecursive(std::string_view dir) override { return base_->ListRecursive(dir); }
  Result<std::string> Read(std::string_view path) override {
    if (path.rfind("_delta_log/", 0) != 0) ++data_reads_;
    return base_->Read(path);
  }
  Result<std::unique_ptr<storage::WritableFile>> NewWritableFile(std::string_view path) override {
    return base_->NewWritableFile(path);
  }
  Status PutIfAbsent(std::string_view path, std::string_view data) override { return base_->PutIfAbsent(path, data); }
  Status Delete(std::string_view path) override { return base_->Delete(path); }
  std::string Describe(std::string_view path) const override { return base_->Describe(path); }

 private:
  std::shared_ptr<storage::Storage> base_;
  std::atomic<int64_t> data_reads_{0};
};

// Appends SatelliteBatch(first_seq, rows, start_us) as one commit.
inline void AppendSatellites(const std::shared_ptr<storage::Storage>& s, int64_t first_seq, int64_t rows,
                             int64_t start_us = orbitlake::testing::kDefaultStartUs) {
  auto table = delta::Table::OpenOrCreate(s, orbitlake::testing::SatelliteSchema(), {});
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  auto w = (*table)->NewWriter();
  ASSERT_TRUE(w->Write(*orbitlake::testing::SatelliteBatch(first_seq, rows, start_us)).ok());
  auto adds = w->Finish();
  ASSERT_TRUE(adds.ok()) << adds.status().ToString();
  auto r = (*table)->Append({.adds = *adds, .txns = {{"orbitlake:sat-data:0", first_seq + rows - 1}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

}  // namespace orbitlake::dashboard::testing
