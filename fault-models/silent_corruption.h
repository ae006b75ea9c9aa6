// silent_corruption: what a BCH decoder does beyond its strength when it
// does not notice: each firing puts `flips` (more than the ECC strength)
// transient errors into one ECC step of the page read, and the decoder
// either miscorrects (silent_effect "miscorrect": up to strength more bits
// flipped, the read reported corrected) or misses (reported clean); with
// real_odds the decoder does so only with EccEngine::MiscorrectionOdds
// (about 1/strength!), else it reports the step uncorrectable as usual.
// The cells stay intact: a re-read decodes honestly.
//
// Constructed only by the fault layer (fault_layer.cc) from a FaultSpec of
// kind silent_corruption; it must not be driven from anywhere else.
#pragma once

#include <memory>

#include "fault-models/fault_family.h"

namespace flashfault {

std::unique_ptr<FaultFamily> MakeSilentCorruption(const FaultSpec& spec, uint64_t seed);

}  // namespace flashfault
