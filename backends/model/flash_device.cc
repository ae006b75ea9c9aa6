// Small helpers of the FlashDevice vocabulary; see flash_device.h.
#include "backends/model/flash_device.h"

#include <algorithm>

namespace flashfault {

const char* OobModeName(OobMode mode) {
  switch (mode) {
    case OobMode::kPlace: return "place";
    case OobMode::kAuto: return "auto";
    case OobMode::kRaw: return "raw";
  }
  return "?";
}

void ReadReport::Merge(const ReadReport& other) {
  max_bitflips = std::max(max_bitflips, other.max_bitflips);
  corrected_bitflips += other.corrected_bitflips;
  failed_steps += other.failed_steps;
  scrub = scrub || other.scrub;
}

}  // namespace flashfault
