// read_bitflip: transient read noise; each firing inverts `flips` cells for the read in flight
// only, so the ECC corrects or gives up exactly as for real noise and a re-read may be clean.
//
// Constructed only by the fault layer (fault_layer.cc) from a FaultSpec of
// kind read_bitflip; it must not be driven from anywhere else.
#pragma once

#include <memory>

#include "fault-models/fault_family.h"

namespace flashfault {

std::unique_ptr<FaultFamily> MakeReadBitflip(const FaultSpec& spec, uint64_t seed);

}  // namespace flashfault
