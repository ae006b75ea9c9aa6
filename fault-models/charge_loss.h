// charge_loss: each firing on a read makes `flips` programmed (0) cells of the page read 1 for
// good, until the block is erased.
//
// Constructed only by the fault layer (fault_layer.cc) from a FaultSpec of
// kind charge_loss; it must not be driven from anywhere else.
#pragma once

#include <memory>

#include "fault-models/fault_family.h"

namespace flashfault {

std::unique_ptr<FaultFamily> MakeChargeLoss(const FaultSpec& spec, uint64_t seed);

}  // namespace flashfault
