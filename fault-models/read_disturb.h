// read_disturb: reads in a block disturb its other pages: a page read after N reads of other pages
// of its block has floor(rate * N) erased cells read 0, until erase.
//
// Constructed only by the fault layer (fault_layer.cc) from a FaultSpec of
// kind read_disturb; it must not be driven from anywhere else.
#pragma once

#include <memory>

#include "fault-models/fault_family.h"

namespace flashfault {

std::unique_ptr<FaultFamily> MakeReadDisturb(const FaultSpec& spec, uint64_t seed);

}  // namespace flashfault
