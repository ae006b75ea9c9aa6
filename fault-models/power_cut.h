// power_cut: the op in flight is torn (programs partly done, erases partly done, MLC paired lower
// pages damaged: each programmed cell lost with odds 1 - torn_fraction), torn cells may be
// unstable, and the device is off until PowerOn().
//
// Constructed only by the fault layer (fault_layer.cc) from a FaultSpec of
// kind power_cut; it must not be driven from anywhere else.
#pragma once

#include <memory>

#include "fault-models/fault_family.h"

namespace flashfault {

std::unique_ptr<FaultFamily> MakePowerCut(const FaultSpec& spec, uint64_t seed);

}  // namespace flashfault
