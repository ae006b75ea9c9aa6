// Finding signatures: what makes two failing crash states (or fuzz inputs)
// "the same finding". A signature is the failing check plus a normalised
// template of the kernel-log line that matters most: timestamps, numbers,
// addresses, offsets of call-trace frames, inode, LEB and PEB numbers,
// process names and ids stripped, so the same bug hit at another op, PEB or
// inode groups together while a different message does not.
//
// The single source of the normalisation and grouping rules for every
// campaign (explore, fuzz, nightly). Must not: read files or run anything.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace flashfault::campaign {

// One kernel-log line reduced to its template:
//   "[   12.3] UBIFS error (ubi0:0 pid 12): ubifs_read_node: bad node type (7 but expected 9)"
//   -> "UBIFS error (ubiN:N pid N): ubifs_read_node: bad node type (N but expected N)"
std::string NormaliseLogLine(std::string_view line);

// The line of `kernel_log` a signature is built on: the first line of the
// most serious kind present (oops/BUG/assert/KASAN/UBSAN/WARNING/trace
// headers before filesystem error lines), or "" when none is there.
std::string KeyLogLine(std::span<const std::string> kernel_log);

// Whether `line` signals a kernel bug (oops, BUG, an assert, KASAN/UBSAN, a
// WARNING, a call trace, a hung task, a lockup or stall), as opposed to a
// filesystem's error message, which is how it handles a fault.
bool IsBugLine(std::string_view line);

struct Signature {
  std::string check;     // the failing check: "mount", "oracle:sync.missing", "space", ...
  std::string log;       // NormaliseLogLine(KeyLogLine(...)), may be empty
  std::string Text() const;  // "check | log" (or "check")
  std::string Id() const;    // 12 hex digits of a stable hash of Text()
  bool operator<(const Signature& o) const { return Text() < o.Text(); }
};

Signature MakeSignature(std::string_view failed_check, std::span<const std::string> kernel_log);

}  // namespace flashfault::campaign
