// Graceful shutdown on SIGINT/SIGTERM.
//
// InstallStopSignals() makes the first SIGINT/SIGTERM set the stop flag, which long
// running loops poll (StopRequested()) to flush what they hold and exit cleanly. A second
// signal ends the process at once with exit code 130: everything orbitlake writes is
// crash-safe (put-if-absent commits), so that still leaves tables consistent.
//
// Thread safety: StopRequested() and RequestStop() may be called from any thread; the
// handler itself only touches a lock-free atomic.
#pragma once

namespace orbitlake {

void InstallStopSignals();
bool StopRequested();
// Sets the flag as a signal would (tests, or a subcommand finishing its own work).
void RequestStop();
// Clears the flag (tests only).
void ResetStopForTesting();

}  // namespace orbitlake
