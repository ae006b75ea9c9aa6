// Test helper: the example fault scripts under corpora/scripts/, loaded as a
// user's `--script` would be, so that a test checks the very fault an example
// ships (its description is a promise; example_scripts_test.cc keeps the
// list of which test checks which example). Loading only; no checks here.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "fault-models/script/fault_script.h"

namespace flashfault::testing {

inline std::string ExamplePath(const std::string& name) {
  return std::string(FF_SOURCE_DIR) + "/corpora/scripts/" + name;
}

// corpora/scripts/NAME; an empty script (and a test failure) if it does not load.
inline FaultScript ExampleScript(const std::string& name) {
  absl::StatusOr<FaultScript> s = LoadScriptFile(ExamplePath(name));
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : FaultScript{};
}

// The example's only fault (a test failure if it has more or none).
inline FaultSpec ExampleFault(const std::string& name) {
  const FaultScript s = ExampleScript(name);
  EXPECT_EQ(s.plan.faults.size(), 1u) << name;
  return s.plan.faults.empty() ? FaultSpec{} : s.plan.faults[0];
}

}  // namespace flashfault::testing
