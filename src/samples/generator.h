// Simulated satellite telemetry: writes one sample file per satellite (sat0.csv, ...).
//
// The model (documented for users in `orbitlake generate --help`): each satellite gets
// its own orbit, drawn from the seed. One row is one sample along the orbit.
//   - orbit: period of 480..720 rows, random initial phase; the satellite is in the sun
//     for about 60 % of each orbit and in Earth's shadow for the rest.
//   - temp_c: relaxes towards +45 degC in the sun and -25 degC in shadow (thermal lag),
//     with small noise; it swings with the orbit between about -20 and +40.
//   - battery_charge_pct: charges in the sun, drains in shadow (plus load noise),
//     clamped to 0..100.
//   - altitude (km): mean altitude 400..1200 km, an eccentric swing of 5..40 km with the
//     orbit, a slow decay, and noise.
//   - sensor1..3: around 0.5 with noise sigma 0.03, clamped to 0..1.
// Values are written with two decimals. The random numbers come from the project's own
// generator (xoshiro256**, Irwin-Hall noise), not the standard library's distributions,
// so one seed gives byte-identical files on every platform and thread count.
//
// Thread safety: GenerateSamples() is reentrant; it runs its own worker threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"

namespace orbitlake::samples {

struct GenerateOptions {
  // Number of satellites (files sat0.csv .. sat<N-1>.csv). Default 4.
  int satellites = 4;
  // Data rows per satellite. Default 10,000.
  int64_t rows = 10'000;
  // Output folder, created if missing. Default "./data/samples".
  std::string out_dir = "./data/samples";
  // Random seed: the same seed (and options) gives byte-identical files. Default 1.
  uint64_t seed = 1;
  // Overwrite existing sample files. Default off: refuse, naming the first such file,
  // before writing anything.
  bool force = false;
  // Files written in parallel. 0 (default): one per core, at most one per satellite.
  int threads = 0;
  // Polled between chunks; returning true stops the run (Cancelled, nothing is left
  // half-written: files appear by rename only when complete). Optional.
  std::function<bool()> should_stop;
};

struct GenerateProgress {
  uint64_t bytes = 0;       // bytes written so far, all files
  uint64_t rows = 0;        // rows written so far, all files
  uint64_t total_rows = 0;  // rows to write
};

struct GenerateReport {
  std::vector<std::string> files;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  double seconds = 0;
};

// Writes the files. `on_progress` (optional) is called from the calling thread about
// every 100 ms while workers write. AlreadyExists when a target file exists without
// `force`; IOError when writing fails (partial files are removed).
Result<GenerateReport> GenerateSamples(const GenerateOptions& options,
                                       const std::function<void(const GenerateProgress&)>& on_progress = {});

// Formats `v` with exactly two decimals ("-8.67", "0.50") into `out` (at least 32 bytes),
// returning the number of characters written. Rounds half away from zero.
size_t FormatFixed2(double v, char* out);

}  // namespace orbitlake::samples
