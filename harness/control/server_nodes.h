// The control directory of a running server: which files exist, what they
// show and what writing them does, built over a ControlTarget.
//
//   about                 what this directory is (ctl checks it)
//   geometry              the geometry, JSON                       (0400)
//   stats.json            counters, JSON                           (0400)
//   blocks/erase_counts   "BLOCK ERASES" per line                  (0400)
//   blocks/bad            "BLOCK" per line                         (0400)
//   script                the fault script; write to replace       (0600)
//   events                the last kEventTailLines event log lines (0400)
//   commands/power_cut    write anything: cut power now            (0200)
//   commands/power_on     write anything: power on                 (0200)
//   commands/snapshot     write an absolute path: export the image (0200)
//   last_error            the last refused write's message         (0400)
//
// This file only formats and parses; what the operations do is the
// target's business.
#pragma once

#include <string>
#include <vector>

#include "harness/control/control_fs.h"
#include "harness/control/control_target.h"

namespace flashfault::control {

// First line of `about`: how `flashfault ctl` recognises a control directory.
inline constexpr char kAboutFirstLine[] = "flashfault control directory";
inline constexpr size_t kEventTailLines = 1000;

// `mount_point`: where the nodes will be mounted (absolute). A snapshot
// path inside it is refused: writing into our own mount from the serving
// thread would deadlock.
std::vector<ControlNode> BuildServerNodes(ControlTarget& target, const std::string& mount_point);

}  // namespace flashfault::control
