// program_fail: a program reports failure (DataLoss, -EIO) and leaves the page unchanged, partly
// programmed (torn_fraction of the bits to clear) or fully programmed.
//
// Constructed only by the fault layer (fault_layer.cc) from a FaultSpec of
// kind program_fail; it must not be driven from anywhere else.
#pragma once

#include <memory>

#include "fault-models/fault_family.h"

namespace flashfault {

std::unique_ptr<FaultFamily> MakeProgramFail(const FaultSpec& spec, uint64_t seed);

}  // namespace flashfault
