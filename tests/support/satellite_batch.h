// Satellite-like Arrow record batches for Delta tests, the test tool and benchmarks
// (header-only so targets without Arrow do not pay for it).
//
// Schema: sat_id string, ts timestamp(us, UTC), seq long, alt_km double (every 7th
// null), lat double, lon double, status string, date date (UTC day of ts).
// Rows are deterministic in `first_seq`: seq = first_seq + i, ts advances 1 ms per row
// from `start_us`, so tests can predict exact contents.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <arrow/api.h>

namespace orbitlake::testing {

inline std::shared_ptr<arrow::Schema> SatelliteSchema() {
  return arrow::schema({arrow::field("sat_id", arrow::utf8()),
                        arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
                        arrow::field("seq", arrow::int64()), arrow::field("alt_km", arrow::float64()),
                        arrow::field("lat", arrow::float64()), arrow::field("lon", arrow::float64()),
                        arrow::field("status", arrow::utf8()), arrow::field("date", arrow::date32())});
}

// 2026-01-01T00:00:00Z
inline constexpr int64_t kDefaultStartUs = 1'767'225'600'000'000;

inline std::shared_ptr<arrow::RecordBatch> SatelliteBatch(int64_t first_seq, int64_t rows,
                                                          int64_t start_us = kDefaultStartUs,
                                                          int64_t step_us = 1000) {
  arrow::StringBuilder sat, status;
  arrow::TimestampBuilder ts(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), arrow::default_memory_pool());
  arrow::Int64Builder seq;
  arrow::DoubleBuilder alt, lat, lon;
  arrow::Date32Builder date;
  static const char* kStatus[] = {"nominal", "safe-mode", "eclipse", "downlink"};
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t k = first_seq + i;
    const int64_t t = start_us + k * step_us;
    (void)sat.Append("sat-" + std::to_string(k % 16));
    (void)ts.Append(t);
    (void)seq.Append(k);
    if (k % 7 == 0) {
      (void)alt.AppendNull();
    } else {
      (void)alt.Append(400.0 + static_cast<double>(k % 1000) / 10.0);
    }
    (void)lat.Append(static_cast<double>(k % 180) - 90.0);
    (void)lon.Append(static_cast<double>(k % 360) - 180.0);
    (void)status.Append(kStatus[k % 4]);
    int64_t days = t / 86'400'000'000;
    if (t < 0 && t % 86'400'000'000 != 0) --days;
    (void)date.Append(static_cast<int32_t>(days));
  }
  arrow::ArrayVector cols(8);
  (void)sat.Finish(&cols[0]);
  (void)ts.Finish(&cols[1]);
  (void)seq.Finish(&cols[2]);
  (void)alt.Finish(&cols[3]);
  (void)lat.Finish(&cols[4]);
  (void)lon.Finish(&cols[5]);
  (void)status.Finish(&cols[6]);
  (void)date.Finish(&cols[7]);
  return arrow::RecordBatch::Make(SatelliteSchema(), rows, cols);
}

}  // namespace orbitlake::testing
