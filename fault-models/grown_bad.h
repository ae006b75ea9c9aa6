// grown_bad: when the trigger fires on a program or erase (optionally only once the block has
// `threshold` erases), the block fails every later program and erase.
//
// Constructed only by the fault layer (fault_layer.cc) from a FaultSpec of
// kind grown_bad; it must not be driven from anywhere else.
#pragma once

#include <memory>

#include "fault-models/fault_family.h"

namespace flashfault {

std::unique_ptr<FaultFamily> MakeGrownBad(const FaultSpec& spec, uint64_t seed);

}  // namespace flashfault
