// Guest-side helpers the campaign agents (explore-agent, fuzz-agent) share:
// running a step of the guest library with /bin/sh, and waiting for the MTD
// a server presents. Must not: judge what a step's output means.
#pragma once

#include <string>

namespace flashfault::campaign {

// Runs `script` with /bin/sh; its exit status (128+signal, -1 when it
// could not run). stdout and stderr go to `output`.
int RunShell(const std::string& script, std::string* output);

// The number of the MTD named `name` in /proc/mtd, waiting up to
// `timeout_ms` for it to appear; -1 on timeout.
int WaitMtd(const std::string& name, int timeout_ms);

// Waits up to `timeout_ms` until no MTD named `name` is left; false on
// timeout. The module deletes a closed server's MTD after the close
// returns, so the next part of the same name must wait for it (else the
// old entry's number would be taken for the new part's).
bool WaitMtdGone(const std::string& name, int timeout_ms);

}  // namespace flashfault::campaign
