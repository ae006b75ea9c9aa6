// Temporary files that must not outlive the process when SIGINT or SIGTERM
// ends it: an interrupted `image import` or `image create` used to leave
// IMAGE.tmp.PID behind (gigabytes for a large geometry).
//
// A fixed table of paths in static storage; the handler unlinks each one and
// then lets the signal end the process as it would have (default action,
// re-raised), so the exit status still says "killed by SIGINT".
//
// Must not: allocate, lock or call anything but async-signal-safe functions
// in the handler; take over a signal somebody else handles (it installs
// itself only where the disposition is still the default).
#pragma once

namespace flashfault {

// Registers `path` (a temporary this process created) for removal if SIGINT
// or SIGTERM arrives before UnregisterTempFile(). Returns a slot to pass to
// UnregisterTempFile, or -1 when the table is full or the path too long (the
// file is then simply not cleaned up on a signal). Thread-safe.
int RegisterTempFile(const char* path);

// Forgets the slot (after the temporary was renamed or removed). -1 is a
// no-op.
void UnregisterTempFile(int slot);

}  // namespace flashfault
