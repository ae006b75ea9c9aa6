// erase_fail: an erase reports failure (DataLoss, -EIO) and leaves the block unchanged or partly
// erased (the first torn_fraction of its pages).
//
// Constructed only by the fault layer (fault_layer.cc) from a FaultSpec of
// kind erase_fail; it must not be driven from anywhere else.
#pragma once

#include <memory>

#include "fault-models/fault_family.h"

namespace flashfault {

std::unique_ptr<FaultFamily> MakeEraseFail(const FaultSpec& spec, uint64_t seed);

}  // namespace flashfault
