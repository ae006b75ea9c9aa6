// stuck_bit: `flips` cells drawn inside `where` at attach are stuck at stuck_value once the
// trigger first fires; they survive erase and program. Aimed by meaning
// (where.meaning), no page is known at attach: each firing draws `flips`
// cells in the page it struck (in the UBI header the aim names, if any).
//
// Constructed only by the fault layer (fault_layer.cc) from a FaultSpec of
// kind stuck_bit; it must not be driven from anywhere else.
#pragma once

#include <memory>

#include "fault-models/fault_family.h"

namespace flashfault {

std::unique_ptr<FaultFamily> MakeStuckBit(const FaultSpec& spec, uint64_t seed);

}  // namespace flashfault
