// The wording shared by the crash rules' two halves (crash_rules.cc decides
// floors, crash_check.cc checks a tree against them): how an op, a floor and
// a rule family are named in a violation. Internal to the oracle.
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "harness/campaign/oracle/crash_rules.h"

namespace flashfault::oracle::detail {

// The parent directory of a path ("" at the top).
std::string Dirname(const std::string& p);
// "op N (what it did)".
std::string OpText(const FsModel& m, uint64_t op);
// The rule family a floor's cause gives its violations.
absl::string_view Family(FloorCause c);
// Why a floor is where it is, in words.
std::string FloorText(const FsModel& m, const Floor& f);

}  // namespace flashfault::oracle::detail
