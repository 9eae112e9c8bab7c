#include "samples/generator.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <future>
#include <numbers>
#include <thread>

#include <fmt/format.h>

#include "samples/sample_file.h"

namespace orbitlake::samples {
namespace {

namespace fs = std::filesystem;

constexpr size_t kWriteBuffer = 1 << 20;
// Room for one row: six fields of at most 24 characters plus separators.
constexpr size_t kMaxRowChars = 6 * 25;

// splitmix64, to spread a seed over the generator's state.
uint64_t SplitMix(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// xoshiro256**: fast, and defined bit for bit, unlike std:: distributions.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& w : s_) w = SplitMix(seed);
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Approximately standard normal (Irwin-Hall, 4 terms): no libm, so portable bits.
  double Noise() {
    constexpr double kScale = 1.7320508075688772;  // sqrt(12 / 4)
    return (Uniform() + Uniform() + Uniform() + Uniform() - 2.0) * kScale;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// One satellite's orbit and state; Step() advances one sample.
class SatelliteModel {
 public:
  SatelliteModel(uint64_t seed, int index) : rng_(seed ^ (0xA0761D6478BD642Full * (static_cast<uint64_t>(index) + 1))) {
    const double period = rng_.Uniform(480, 720);
    const double step = 2 * std::numbers::pi / period;
    cos_step_ = std::cos(step);
    sin_step_ = std::sin(step);
    const double phase = rng_.Uniform(0, 2 * std::numbers::pi);
    cos_ = std::cos(phase);
    sin_ = std::sin(phase);
    const double perigee = rng_.Uniform(0, 2 * std::numbers::pi);
    cos_perigee_ = std::cos(perigee);
    sin_perigee_ = std::sin(perigee);
    temp_sun_ = rng_.Uniform(35, 50);
    temp_shadow_ = rng_.Uniform(-30, -15);
    thermal_rate_ = rng_.Uniform(0.01, 0.03);
    temp_ = (temp_sun_ + temp_shadow_) / 2;
    charge_rate_ = rng_.Uniform(0.08, 0.2);
    // In the sun ~60 % of the time: drain about 1.5x the charge rate keeps the battery
    // cycling instead of pinned at 0 or 100.
    drain_rate_ = charge_rate_ * 1.5 * rng_.Uniform(0.9, 1.15);
    battery_ = rng_.Uniform(40, 90);
    mean_altitude_ = rng_.Uniform(400, 1200);
    eccentric_swing_ = rng_.Uniform(5, 40);
    decay_per_row_ = rng_.Uniform(0, 0.0005);
  }

  // Appends one CSV row (with '\n') at `out`; returns the characters written.
  size_t Row(char* out) {
    // Rotate the orbit by one step; renormalise now and then against rounding drift.
    const double c = cos_ * cos_step_ - sin_ * sin_step_;
    const double s = sin_ * cos_step_ + cos_ * sin_step_;
    cos_ = c;
    sin_ = s;
    if ((++t_ & 1023) == 0) {
      const double r = std::sqrt(cos_ * cos_ + sin_ * sin_);
      cos_ /= r;
      sin_ /= r;
    }
    constexpr double kShadowEdge = -0.31;  // cos(phase) below this: Earth's shadow (~40 %)
    const bool sunlit = cos_ > kShadowEdge;

    temp_ += ((sunlit ? temp_sun_ : temp_shadow_) - temp_) * thermal_rate_ + 0.3 * rng_.Noise();
    battery_ += sunlit ? charge_rate_ : -drain_rate_;
    battery_ = std::clamp(battery_ + 0.02 * rng_.Noise(), 0.0, 100.0);
    const double swing = cos_ * cos_perigee_ - sin_ * sin_perigee_;
    const double altitude = mean_altitude_ - decay_per_row_ * static_cast<double>(t_) +
                            eccentric_swing_ * swing + 0.05 * rng_.Noise();

    char* p = out;
    p += FormatFixed2(temp_, p);
    *p++ = ',';
    p += FormatFixed2(battery_, p);
    *p++ = ',';
    p += FormatFixed2(altitude, p);
    for (int i = 0; i < 3; ++i) {
      *p++ = ',';
      p += FormatFixed2(std::clamp(0.5 + 0.03 * rng_.Noise(), 0.0, 1.0), p);
    }
    *p++ = '\n';
    return static_cast<size_t>(p - out);
  }

 private:
  Rng rng_;
  uint64_t t_ = 0;
  double cos_step_, sin_step_, cos_, sin_, cos_perigee_, sin_perigee_;
  double temp_sun_, temp_shadow_, thermal_rate_, temp_;
  double charge_rate_, drain_rate_, battery_;
  double mean_altitude_, eccentric_swing_, decay_per_row_;
};

Status WriteAll(int fd, const char* data, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", path, errno);
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Status::OK();
}

struct Counters {
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> rows{0};
};

// Writes one satellite's file through a temporary name, renamed when complete.
Status WriteSatellite(const GenerateOptions& o, int index, const std::string& path, Counters& counters) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("create", tmp, errno);
  SatelliteModel model(o.seed, index);
  std::vector<char> buf(kWriteBuffer + kMaxRowChars);
  size_t used = 0;
  auto fail = [&](Status st) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return st;
  };
  std::memcpy(buf.data(), kSampleHeader.data(), kSampleHeader.size());
  used = kSampleHeader.size();
  buf[used++] = '\n';
  uint64_t rows_in_buf = 0;
  for (int64_t r = 0; r < o.rows; ++r) {
    used += model.Row(buf.data() + used);
    ++rows_in_buf;
    if (used >= kWriteBuffer) {
      if (Status st = WriteAll(fd, buf.data(), used, tmp); !st.ok()) return fail(st);
      counters.bytes += used;
      counters.rows += rows_in_buf;
      used = 0;
      rows_in_buf = 0;
      if (o.should_stop && o.should_stop()) return fail(Status::Cancelled("generate stopped on request"));
    }
  }
  if (Status st = WriteAll(fd, buf.data(), used, tmp); !st.ok()) return fail(st);
  counters.bytes += used;
  counters.rows += rows_in_buf;
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return ErrnoStatus("close", tmp, errno);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus("rename to", path, err);
  }
  return Status::OK();
}

}  // namespace

size_t FormatFixed2(double v, char* out) {
  long long cents = std::llround(v * 100.0);
  char* p = out;
  if (cents < 0) {
    *p++ = '-';
    cents = -cents;
  }
  char digits[24];
  int n = 0;
  unsigned long long whole = static_cast<unsigned long long>(cents) / 100;
  do {
    digits[n++] = static_cast<char>('0' + whole % 10);
    whole /= 10;
  } while (whole != 0);
  while (n > 0) *p++ = digits[--n];
  const unsigned frac = static_cast<unsigned>(cents % 100);
  *p++ = '.';
  *p++ = static_cast<char>('0' + frac / 10);
  *p++ = static_cast<char>('0' + frac % 10);
  return static_cast<size_t>(p - out);
}

Result<GenerateReport> GenerateSamples(const GenerateOptions& o,
                                       const std::function<void(const GenerateProgress&)>& on_progress) {
  if (o.satellites < 1) return Status::InvalidArgument("need at least one satellite");
  if (o.rows < 0) return Status::InvalidArgument("rows per satellite cannot be negative");
  const auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) return Status::IOError("create folder " + o.out_dir + ": " + ec.message());

  GenerateReport report;
  for (int i = 0; i < o.satellites; ++i) {
    report.files.push_back((fs::path(o.out_dir) / fmt::format("sat{}.csv", i)).string());
  }
  if (!o.force) {
    for (const auto& f : report.files) {
      if (fs::exists(f, ec)) {
        return Status::AlreadyExists(f + " already exists; pass --force to overwrite the sample files, or choose "
                                         "another folder with --out");
      }
    }
  }

  int threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min(threads, o.satellites);
  Counters counters;
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::future<Status>> workers;
  for (int t = 0; t < threads; ++t) {
    workers.push_back(std::async(std::launch::async, [&]() -> Status {
      for (int i = next++; i < o.satellites && !failed; i = next++) {
        Status st = WriteSatellite(o, i, report.files[i], counters);
        if (!st.ok()) {
          failed = true;
          return st;
        }
      }
      return Status::OK();
    }));
  }
  const uint64_t total_rows = static_cast<uint64_t>(o.satellites) * static_cast<uint64_t>(o.rows);
  Status first;
  for (auto& w : workers) {
    while (w.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
      if (on_progress) on_progress({counters.bytes.load(), counters.rows.load(), total_rows});
    }
    Status st = w.get();
    if (first.ok() && !st.ok()) first = st;
  }
  if (!first.ok()) return first;
  report.rows = counters.rows.load();
  report.bytes = counters.bytes.load();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace orbitlake::samples
