// EccEngine implementation; see ecc_engine.h.
#include "backends/model/ecc_engine.h"

#include <algorithm>

namespace flashfault {

EccEngine::EccEngine(const Geometry& geometry)
    : geometry_(geometry),
      steps_(geometry.ecc_step ? geometry.page_size / geometry.ecc_step : 0),
      threshold_(geometry.effective_bitflip_threshold()) {}

ReadReport EccEngine::Decode(const CellErrors& errors, std::span<uint8_t> page,
                             bool raw) const {
  ReadReport report;
  if (errors.empty()) return report;
  const uint32_t data_bits = geometry_.page_size * 8;
  if (raw || steps_ == 0) {
    for (uint32_t bit : errors) FlipBit(page, bit);
    return report;
  }
  // Flips per ECC step; the few that land in OOB are uncorrected.
  std::vector<uint32_t> per_step(steps_, 0);
  const uint32_t step_bits = geometry_.ecc_step * 8;
  for (uint32_t bit : errors) {
    if (bit < data_bits) {
      ++per_step[bit / step_bits];
    } else {
      FlipBit(page, bit);
    }
  }
  for (uint32_t step = 0; step < steps_; ++step) {
    const uint32_t flips = per_step[step];
    if (flips > geometry_.ecc_strength) {
      ++report.failed_steps;
      // The decoder gives up on this step: its raw cells are returned.
      const uint32_t lo = step * step_bits, hi = lo + step_bits;
      auto first = std::lower_bound(errors.begin(), errors.end(), lo);
      for (auto it = first; it != errors.end() && *it < hi; ++it) FlipBit(page, *it);
    } else {
      report.corrected_bitflips += flips;
      report.max_bitflips = std::max(report.max_bitflips, flips);
    }
  }
  report.scrub = threshold_ != 0 && report.max_bitflips >= threshold_;
  return report;
}

}  // namespace flashfault
