// One `flashfault fuzz` campaign on the host:
//
//   fuzz       libFuzzer (flashfault-kernel-fuzzer, beside this binary) runs
//              for the budget with the corpus, -seed, -jobs/-workers; each
//              of its processes drives one guest (guest_link.h)
//   triage     the failing inputs it kept, grouped by signature id (the
//              agent's signature: signature.h, the same as exploration's)
//   minimise   each finding's case cut down by delta debugging in a guest
//              of its own, keeping the signature (minimize.h)
//   write      a reproducer scenario per finding (a fuzz_case that
//              `flashfault run` replays, exit 3), results.json
//
// results.json ("command": "fuzz") holds the executions, their rate and
// where the time went, the coverage curve (KCOV edges and other features
// over time), and the findings with their kernel-log excerpts, reproducers
// and replay commands. Must not: print results (progress only, on stderr)
// or judge an execution (the agent does).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/campaign/rig.h"
#include "nlohmann/json.hpp"

namespace flashfault::campaign::fuzz {

struct FuzzOptions {
  std::string fs = "ubifs";
  std::string preset = "slc-2k-16m";
  std::string workload = "mix";
  std::string survivable;           // comma-separated kinds declared survivable
  std::string feedback = "kcov";    // kcov | log (KCOV edges measured, not fed)
  uint64_t jobs = 1;
  uint64_t budget_seconds = 300;
  uint64_t runs = 0;                // libFuzzer -runs (0: until the budget)
  uint64_t seed = 1;
  uint64_t max_len = 512;
  std::filesystem::path corpus;     // default OUT/corpus
  std::filesystem::path out;
  bool minimize = true;
  bool stop_on_finding = false;     // end the campaign at the first new finding
  // Findings already recorded: a folder per signature id holding its
  // scenario.json (the reproducer corpus, corpora/reproducers/). They are
  // reported as known, not minimised again, and make no exit 3.
  std::filesystem::path known_dir;
  uint64_t minimize_tests = 48;     // guest executions per finding at most
  std::string reproduce;            // the one-line command, stored in results.json
};

struct FuzzFinding {
  std::string signature, signature_id, failed;
  nlohmann::json first;              // the first failing execution's record
  size_t inputs = 0;                 // failing inputs kept for it
  double first_seen_s = 0;
  nlohmann::json minimized;          // the minimised case, when minimised
  nlohmann::json minimize_stats;
  bool reproduced = false;           // the minimised case failed the same way again
  bool known = false;                // recorded in FuzzOptions::known_dir
  std::string reproducer, replay;
};

struct FuzzOutcome {
  nlohmann::ordered_json results;
  std::vector<FuzzFinding> findings;
  int exit_code = 0;  // 0 nothing found, 3 findings, 1 the tool failed
};

// The flashfault-kernel-fuzzer binary: $FLASHFAULT_KERNEL_FUZZER, else beside `self`.
std::filesystem::path KernelFuzzerPath(const std::filesystem::path& self);

absl::StatusOr<FuzzOutcome> RunFuzz(const RigPaths& rig, const FuzzOptions& o);

// Minimises the finding in FINDING_DIR (a directory under OUT/findings/)
// again and rewrites its reproducer: `flashfault fuzz --minimize`.
absl::StatusOr<FuzzFinding> MinimizeFinding(const RigPaths& rig, const FuzzOptions& o,
                                            const std::filesystem::path& finding_dir);

}  // namespace flashfault::campaign::fuzz
