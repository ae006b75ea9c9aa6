// Verdicts of `flashfault run`: what a guest run showed (Observations, read
// from the scenario's share of guest.log and its slice of the kernel log,
// classified: scenario_log.h) and the scenario's expectations checked
// against it, one Check each.
//
// The guest side prints its facts as "FFRUN ..." lines (harness/vm/guest/
// workloads.sh); the kernel facts come from the kernel log itself (UBI's own
// messages: "scrubbed PEB", "fixable bit-flip detected", "(ECC error)",
// "mark PEB N as bad"). Must not: run anything or read files; it only parses
// text it is given and compares numbers.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/campaign/scenario.h"
#include "nlohmann/json.hpp"

namespace flashfault::campaign {

struct Observations {
  std::optional<int> workload_exit;      // "FFRUN workload_exit N"
  std::optional<int64_t> ubi_bad_first;  // first "FFRUN ubi bad_peb_count=N"
  std::optional<int64_t> ubi_bad_last;   // last one
  int64_t files_verified = 0;            // sum of "verified N files"
  bool mount_failed = false;             // a "FAIL: mount ..." / "FAIL: remount ..." line
  // "FFRUN fault ID KIND FIRINGS [INJECTIONS]": id -> firings, id -> records
  std::map<std::string, int64_t> faults_fired;
  std::map<std::string, int64_t> fault_injections;
  std::map<std::string, std::string> fault_kinds;  // id -> kind
  std::optional<int> server_exit;        // "FFRUN server_exit N"
  // "FFRUN server_exit killed": the workload killed the last server itself
  // (ff_kill_server) and did not start it again; an expected step.
  bool server_left_killed = false;
  int64_t server_kills = 0;              // "FFRUN server_killed" (ff_kill_server)
  int64_t ubi_scrubbed = 0, ubi_bitflips = 0, ecc_errors = 0, ubi_marked_bad = 0,
          ubi_torture_passed = 0;
  nlohmann::json kernel_log = nlohmann::json::object();  // classify-dmesg.sh's output
  std::string first_fail;  // the first "FAIL"/"HUNG" line of the guest, if any
};

// Parses the guest's output and kernel log; `kernel_log` is the classifier's
// output for that log (log_classifier.h).
Observations Observe(const std::string& guest_log, const std::string& dmesg,
                     const nlohmann::json& kernel_log);

struct Check {
  std::string name;      // "ubi_bad_pebs", "kernel_log.oops", "dmesg_contains[0]"
  std::string expected;  // "== 3", "matches /scrub/"
  std::string actual;    // "3", "no match"
  bool pass = false;
};

// Every expectation of `s` (plus the crash defaults) against `o`.
std::vector<Check> Evaluate(const Scenario& s, const Observations& o, const std::string& guest_log,
                            const std::string& dmesg);

// One scenario's share of a run's guest output (guest_script.h): the lines
// between "FFRUN-BEGIN i" and "FFRUN-END i". `complete` is false when the
// guest never got to the END line (it died or timed out in that scenario);
// `found` is false when it never began it. (Its kernel log is a slice of
// the streamed log: scenario_log.h.)
struct GuestSegment {
  bool found = false, complete = false;
  std::string guest_log;
};
GuestSegment SplitGuestLog(const std::string& guest_log, size_t index);

// The observations as JSON for results.json.
nlohmann::ordered_json ObservationsToJson(const Observations& o);

}  // namespace flashfault::campaign
