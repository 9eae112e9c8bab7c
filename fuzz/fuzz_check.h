// Oracles for the fuzz targets: FUZZ_CHECK(cond) << "..." prints what broke and aborts,
// which libFuzzer records as a crash (with the input) and the replay test as a failure.
// Used only by *_fuzz.cc sources, never by product code. Under an if, use braces
// (the macro is an if/else, so that the message can be streamed after it).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

namespace orbitlake::fuzz {

class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* cond) {
    out_ << file << ":" << line << ": FUZZ_CHECK(" << cond << ") failed: ";
  }
  [[noreturn]] ~CheckFailure() {
    std::fprintf(stderr, "%s\n", out_.str().c_str());
    std::abort();
  }
  template <typename T>
  CheckFailure& operator<<(const T& v) {
    out_ << v;
    return *this;
  }

 private:
  std::ostringstream out_;
};

}  // namespace orbitlake::fuzz

#define FUZZ_CHECK(cond) \
  if (cond) {            \
  } else                 \
    ::orbitlake::fuzz::CheckFailure(__FILE__, __LINE__, #cond)
