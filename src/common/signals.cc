#include "common/signals.h"

#include <atomic>
#include <csignal>
#include <unistd.h>

namespace orbitlake {
namespace {

std::atomic<int> g_signals{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void OnStopSignal(int) {
  if (g_signals.fetch_add(1) >= 1) {
    static const char kMsg[] = "\norbitlake: second signal, exiting now\n";
    [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
    ::_exit(130);
  }
}

}  // namespace

void InstallStopSignals() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool StopRequested() { return g_signals.load(std::memory_order_relaxed) > 0; }
void RequestStop() { g_signals.store(1); }
void ResetStopForTesting() { g_signals.store(0); }

}  // namespace orbitlake
