#include "common/progress.h"

#include <unistd.h>

#include <fmt/format.h>

namespace orbitlake {

Progress::Progress(ProgressOptions options, Clock& clock)
    : options_(options),
      clock_(clock),
      tty_(options.force_tty >= 0 ? options.force_tty == 1 : ::isatty(::fileno(options.out)) == 1) {}

bool Progress::Due() {
  auto interval = tty_ ? options_.interval : options_.log_interval;
  return !printed_ || clock_.Now() - last_ >= interval;
}

void Progress::Update(const std::string& line, bool force) {
  if (!force && !Due()) return;
  last_ = clock_.Now();
  printed_ = true;
  if (tty_) {
    fmt::print(options_.out, "\r\033[K{}", line);
  } else {
    fmt::print(options_.out, "{}\n", line);
  }
  std::fflush(options_.out);
}

void Progress::Finish(const std::string& line) {
  if (tty_) {
    fmt::print(options_.out, "\r\033[K{}\n", line);
  } else {
    fmt::print(options_.out, "{}\n", line);
  }
  std::fflush(options_.out);
}

std::string HumanCount(double n) {
  if (n >= 1e9) return fmt::format("{:.2f} G", n / 1e9);
  if (n >= 1e6) return fmt::format("{:.2f} M", n / 1e6);
  if (n >= 1e4) return fmt::format("{:.1f} k", n / 1e3);
  return fmt::format("{:.0f}", n);
}

std::string HumanBytes(double bytes) {
  if (bytes >= 1e9) return fmt::format("{:.2f} GB", bytes / 1e9);
  if (bytes >= 1e6) return fmt::format("{:.1f} MB", bytes / 1e6);
  if (bytes >= 1e3) return fmt::format("{:.1f} kB", bytes / 1e3);
  return fmt::format("{:.0f} B", bytes);
}

}  // namespace orbitlake
