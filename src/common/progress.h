// A one-line live status for long-running commands.
//
// On a terminal the line is redrawn in place (at most every `interval`); when stderr is
// not a terminal (CI, pipes, log files) a plain line is printed every `log_interval`
// instead, so logs stay readable. Finish() prints the final line once.
//
// Thread safety: Update() may be called from one thread at a time.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "common/clock.h"

namespace orbitlake {

struct ProgressOptions {
  // How often the in-place line on a terminal is redrawn. Default 200 ms.
  std::chrono::milliseconds interval{200};
  // How often a line is printed when stderr is not a terminal. Default 10 s.
  std::chrono::milliseconds log_interval{10'000};
  // Where to print. Default stderr, so stdout stays clean for data.
  std::FILE* out = stderr;
  // Force terminal mode on/off; by default detected with isatty().
  int force_tty = -1;
};

class Progress {
 public:
  explicit Progress(ProgressOptions options = {}, Clock& clock = SystemClock());
  // True when it is time to print: callers build the (possibly costly) line only then.
  bool Due();
  // Prints `line` if Due(), or unconditionally with force.
  void Update(const std::string& line, bool force = false);
  // Prints the final line and moves to a fresh line.
  void Finish(const std::string& line);
  bool tty() const { return tty_; }

 private:
  ProgressOptions options_;
  Clock& clock_;
  bool tty_;
  bool printed_ = false;
  std::chrono::steady_clock::time_point last_{};
};

// "1.23 M", "45.6 k", "789": compact counts for status lines.
std::string HumanCount(double n);
// "12.3 MB" (decimal units, as network throughput is usually given).
std::string HumanBytes(double bytes);

}  // namespace orbitlake
