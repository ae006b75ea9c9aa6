// Minimising a kernel-fuzzer finding: delta debugging (Zeller's ddmin)
// over the faults of its case, then over the workload's ops, keeping a
// subset only when the case still fails with the same signature.
//
// The test is a callback so this file runs nothing itself: the campaign
// passes one that sends the case to a guest (guest_link.h); the unit tests
// pass a pure predicate. Every test is counted against a budget; when it
// runs out, the smallest case found so far is the answer. Must not: decide
// what "the same failure" means (the callback does, by signature id).
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "harness/campaign/fuzz/fuzz_input.h"

namespace flashfault::campaign::fuzz {

// Indices into a list of `n` items, in order.
using Subset = std::vector<size_t>;

// A 1-minimal subset of [0, n) for which `fails` holds (assumed to hold
// for the whole list), or the smallest found within `*budget` tests (each
// call of `fails` costs one; the count left is written back).
Subset DeltaDebug(size_t n, const std::function<bool(const Subset&)>& fails, size_t* budget);

struct MinimizeStats {
  size_t tests = 0;
  size_t faults_before = 0, faults_after = 0;
  size_t ops_before = 0, ops_after = 0;
};

// Minimises `c` (its script's "faults", then its workload's ops) under
// `fails`, spending at most `budget` tests in all.
FuzzCase MinimizeCase(const FuzzCase& c, const std::function<bool(const FuzzCase&)>& fails,
                      size_t budget, MinimizeStats* stats);

}  // namespace flashfault::campaign::fuzz
