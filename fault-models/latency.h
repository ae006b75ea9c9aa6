// latency: each matching op is delayed by latency_us through the layer's injectable sleeper.
//
// Constructed only by the fault layer (fault_layer.cc) from a FaultSpec of
// kind latency; it must not be driven from anywhere else.
#pragma once

#include <memory>

#include "fault-models/fault_family.h"

namespace flashfault {

std::unique_ptr<FaultFamily> MakeLatency(const FaultSpec& spec, uint64_t seed);

}  // namespace flashfault
