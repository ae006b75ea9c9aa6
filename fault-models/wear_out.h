// wear_out: past endurance (threshold, else geometry.endurance) programs and erases fail with
// probability rate * k and reads get transient flips with mean flips * k * 100 / endurance, k =
// erases - endurance + 1.
//
// Constructed only by the fault layer (fault_layer.cc) from a FaultSpec of
// kind wear_out; it must not be driven from anywhere else.
#pragma once

#include <memory>

#include "fault-models/fault_family.h"

namespace flashfault {

std::unique_ptr<FaultFamily> MakeWearOut(const FaultSpec& spec, uint64_t seed);

}  // namespace flashfault
