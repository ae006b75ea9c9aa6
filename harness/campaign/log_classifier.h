// Kernel-log classification on the host, through the one classifier the
// guest uses too: harness/vm/classify-dmesg.sh (POSIX sh + awk). It counts
// every failure signal per kind -- the bug kinds (oops, BUG, kernel BUG at,
// WARNING, general protection fault, KASAN, UBSAN, UBI/UBIFS asserts, list
// corruption, hung task, soft lockup, RCU stall, a call trace without a
// recognised header, panic) and, apart from them, the error kinds (UBI,
// UBIFS, JFFS2, MTD error lines: a driver handling a fault) -- and keeps
// each kind's first line with its trace.
//
// The kind names live in the script; BugKinds()/ErrorKinds() repeat them for
// the scenario parser, and a unit test holds the two lists equal
// (`classify-dmesg.sh --kinds`).
// Must not: carry classification rules of its own -- a second rule set would
// let host and guest disagree about what "clean" means.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/campaign/kernel_log.h"
#include "nlohmann/json.hpp"

namespace flashfault::campaign {

// Kinds that mean the kernel misbehaved; a scenario fails on any of them by default.
const std::vector<std::string>& BugKinds();
// Kinds of flash-stack error lines (faults handled); counted, never failures by default.
const std::vector<std::string>& ErrorKinds();

struct LogSignal {
  std::string line;                // the first line of this kind
  std::vector<std::string> trace;  // the lines of its report (or the stack it dumped)
};

struct Classification {
  std::map<std::string, int64_t> counts;  // every kind, 0 when not seen
  std::map<std::string, LogSignal> first; // kinds seen: the first and its trace
  std::vector<std::string> lines;         // the first matched lines, all kinds
  nlohmann::json json;                    // the classifier's output, as results.json keeps it
  int64_t bugs() const;                   // sum over BugKinds()
};

// Reads the classifier's JSON output. Errors: InvalidArgument naming what is missing.
absl::StatusOr<Classification> ParseClassification(const nlohmann::json& j);

// Runs `classifier` (the path of classify-dmesg.sh) over dmesg text, or over
// records rendered as dmesg text. Errors: Internal when the script cannot run
// or prints no valid classification.
absl::StatusOr<Classification> ClassifyText(const std::string& dmesg, const std::string& classifier);
absl::StatusOr<Classification> Classify(std::span<const KernelRecord> records,
                                        const std::string& classifier);

}  // namespace flashfault::campaign
