// factory_bad: blocks shipped bad (block_list plus `count` drawn from the seed inside
// where.blocks), marked in the OOB of page 0 at attach; programs and erases of them fail.
//
// Constructed only by the fault layer (fault_layer.cc) from a FaultSpec of
// kind factory_bad; it must not be driven from anywhere else.
#pragma once

#include <memory>

#include "fault-models/fault_family.h"

namespace flashfault {

std::unique_ptr<FaultFamily> MakeFactoryBad(const FaultSpec& spec, uint64_t seed);

}  // namespace flashfault
