// The space check of a crash state: remove every file and directory under
// the mount root, sync, and compare the free space statvfs reports with the
// free space of a fresh filesystem of the same size (the baseline, measured
// once by the caller with FreeSpace()). Leaked inodes, orphans that were
// never cleaned and lost space print nothing in the kernel log; this is how
// they show. What counts as too much is the slack (see ORACLE.md, "Space
// check", for the default and why).
#pragma once

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"

namespace flashfault::oracle {

// statvfs of `root`: bytes available (f_bavail * f_frsize) and the total.
struct SpaceFigures {
  uint64_t free_bytes = 0;
  uint64_t total_bytes = 0;
};
absl::StatusOr<SpaceFigures> FreeSpace(const std::string& root);

// A slack: bytes ("65536", "256k", "1m") or a percentage of the baseline ("1%").
struct Slack {
  uint64_t bytes = 0;
  double percent = 0;  // > 0: a percentage
  uint64_t Resolve(uint64_t baseline) const;
  std::string ToString() const;
};
absl::StatusOr<Slack> ParseSlack(absl::string_view text);

// The default: 1% of the baseline but at least 256 KiB (ORACLE.md explains).
Slack DefaultSlack();

struct SpaceReport {
  uint64_t baseline = 0;    // free bytes of a fresh filesystem
  uint64_t free_after = 0;  // free bytes after removing everything and syncing
  uint64_t missing = 0;     // baseline - free_after (0 when more is free)
  uint64_t slack = 0;       // the slack in bytes
  size_t removed = 0;       // names removed
  std::vector<std::string> errors;  // names that could not be removed, with why
  bool ok() const { return errors.empty() && missing <= slack; }
};

// Removes everything under `root` (not the root), syncs the filesystem, and
// measures. Fails (Status) only when the root cannot be opened or statvfs
// fails; a name that cannot be removed is reported in `errors`.
absl::StatusOr<SpaceReport> SpaceCheck(const std::string& root, uint64_t baseline, const Slack& slack);

}  // namespace flashfault::oracle
