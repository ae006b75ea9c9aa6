// retention: charge leaks with virtual time: a page read T hours after it was programmed has
// floor(rate * T * (1 + erases / endurance)) programmed cells read 1.
//
// Constructed only by the fault layer (fault_layer.cc) from a FaultSpec of
// kind retention; it must not be driven from anywhere else.
#pragma once

#include <memory>

#include "fault-models/fault_family.h"

namespace flashfault {

std::unique_ptr<FaultFamily> MakeRetention(const FaultSpec& spec, uint64_t seed);

}  // namespace flashfault
