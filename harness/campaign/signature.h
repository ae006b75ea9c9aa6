// Finding signatures: what makes two failing crash states (or fuzz inputs)
// "the same finding". A signature is the failing check plus a normalised
// template of the kernel-log line that matters most: timestamps, numbers,
// addresses, offsets of call-trace frames, inode, LEB and PEB numbers,
// process names and ids stripped, so the same bug hit at another op, PEB or
// inode groups together while a different message does not.
//
// The single source of the normalisation and grouping rules for every
// campaign (explore, fuzz, nightly). Must not: read files, run anything, or
// decide which lines are bugs (the classifier does).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "harness/campaign/log_classifier.h"

namespace flashfault::campaign {

// One kernel-log line reduced to its template:
//   "[   12.3] UBIFS error (ubi0:0 pid 12): ubifs_read_node: bad node type (7 but expected 9)"
//   -> "UBIFS error (ubiN:N pid N): ubifs_read_node: bad node type (N but expected N)"
std::string NormaliseLogLine(std::string_view line);

// The line a signature is built on, chosen among what the one classifier
// (log_classifier.h, classify-dmesg.sh) found: the first line of the bug
// kind reported earliest in `kernel_log`; without a bug, the first line of
// the error kind reported earliest (the fault the filesystem met first);
// "" when it found neither. Which lines are bugs is the classifier's rule
// alone: this file only picks and normalises.
std::string KeyLogLine(const Classification& c, std::span<const std::string> kernel_log);

struct Signature {
  std::string check;     // the failing check: "mount", "oracle:sync.missing", "space", ...
  std::string log;       // NormaliseLogLine(KeyLogLine(...)), may be empty
  std::string Text() const;  // "check | log" (or "check")
  std::string Id() const;    // 12 hex digits of a stable hash of Text()
  bool operator<(const Signature& o) const { return Text() < o.Text(); }
};

Signature MakeSignature(std::string_view failed_check, const Classification& c,
                        std::span<const std::string> kernel_log);
// A failure whose signature is the check alone (no kernel log involved).
Signature MakeSignature(std::string_view failed_check);

}  // namespace flashfault::campaign
