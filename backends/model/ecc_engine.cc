// EccEngine and CellErrorSet implementation; see ecc_engine.h.
#include "backends/model/ecc_engine.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "common/bit_mask.h"

namespace flashfault {
namespace {

// Above this many errors a page keeps them as a mask (see CellErrorSet).
constexpr size_t kMapAt = 256;

// The bits of word `w` that lie inside cells [lo, hi); REQUIRES: the word
// overlaps the range.
uint64_t RangeMask(uint64_t w, uint64_t lo, uint64_t hi) {
  const uint64_t first = w * 64;
  uint64_t m = ~uint64_t{0};
  if (lo > first) m &= ~uint64_t{0} << (lo - first);
  if (hi < first + 64) m &= (uint64_t{1} << (hi - first)) - 1;
  return m;
}

// bytes[8w .. 8w+7] ^= m, byte k taking bits 8k..8k+7 of m, clipped to the span.
void XorWord(std::span<uint8_t> bytes, uint64_t w, uint64_t m) {
  uint8_t* p = bytes.data() + w * 8;
  if (w * 8 + 8 <= bytes.size() && std::endian::native == std::endian::little) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    v ^= m;
    std::memcpy(p, &v, 8);
    return;
  }
  for (uint64_t k = 0; k < 8 && w * 8 + k < bytes.size(); ++k) {
    p[k] ^= static_cast<uint8_t>(m >> (8 * k));
  }
}

// map[w] = op(map[w], mask[w]) for w < n; returns the change in set bits.
// Four words per step: the loop's compare is not free under coverage.
template <typename Op>
int64_t Merge(uint64_t* map, const uint64_t* mask, size_t n, Op op) {
  int64_t delta = 0;
  auto one = [&](size_t w) {
    const uint64_t before = map[w];
    map[w] = op(before, mask[w]);
    delta += std::popcount(map[w]) - std::popcount(before);
  };
  size_t w = 0;
  for (; w + 4 <= n; w += 4) {
    one(w);
    one(w + 1);
    one(w + 2);
    one(w + 3);
  }
  for (; w < n; ++w) one(w);
  return delta;
}

}  // namespace

uint64_t CountCells(std::span<const uint64_t> mask, uint64_t lo, uint64_t hi) {
  hi = std::min<uint64_t>(hi, mask.size() * 64);
  if (lo >= hi) return 0;
  const uint64_t w0 = lo / 64, w1 = (hi - 1) / 64;
  if (w0 == w1) return std::popcount(mask[w0] & RangeMask(w0, lo, hi));
  uint64_t n = std::popcount(mask[w0] & RangeMask(w0, lo, hi)) +
               std::popcount(mask[w1] & RangeMask(w1, lo, hi));
  for (uint64_t w = w0 + 1; w < w1; ++w) n += std::popcount(mask[w]);
  return n;
}

void XorCells(std::span<uint8_t> bytes, std::span<const uint64_t> mask, uint64_t lo, uint64_t hi) {
  hi = std::min<uint64_t>(hi, mask.size() * 64);
  if (lo >= hi) return;
  const uint64_t w0 = lo / 64, w1 = (hi - 1) / 64;
  XorWord(bytes, w0, mask[w0] & RangeMask(w0, lo, hi));
  if (w0 == w1) return;
  // Whole words in between: inside `bytes` because they end before hi.
  uint8_t* p = bytes.data();
  for (uint64_t w = w0 + 1; w < w1; ++w) {
    uint64_t v;
    std::memcpy(&v, p + w * 8, 8);
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
    v ^= mask[w];
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
    std::memcpy(p + w * 8, &v, 8);
  }
  XorWord(bytes, w1, mask[w1] & RangeMask(w1, lo, hi));
}

// ---- CellErrorSet ----

bool CellErrorSet::WantsMap(uint64_t more) const { return bits_.size() + more >= kMapAt; }

void CellErrorSet::UseMap() {
  map_.assign(MaskWords(cells_), 0);
  for (uint32_t bit : bits_) {
    if (bit < cells_) map_[bit / 64] |= uint64_t{1} << (bit % 64);
  }
  count_ = static_cast<uint32_t>(CountCells(map_, 0, cells_));
  stale_ = false;  // bits_ is still the sorted copy
}

bool CellErrorSet::Has(uint32_t bit) const {
  if (!map_.empty()) return bit < cells_ && (map_[bit / 64] >> (bit % 64)) & 1;
  return std::binary_search(bits_.begin(), bits_.end(), bit);
}

void CellErrorSet::Add(uint32_t bit) {
  if (map_.empty() && WantsMap(1)) UseMap();
  if (map_.empty()) {
    auto it = std::lower_bound(bits_.begin(), bits_.end(), bit);
    if (it == bits_.end() || *it != bit) bits_.insert(it, bit);
    return;
  }
  if (bit >= cells_) return;
  uint64_t& w = map_[bit / 64];
  const uint64_t m = uint64_t{1} << (bit % 64);
  if (w & m) return;
  w |= m;
  ++count_;
  stale_ = true;
}

void CellErrorSet::Add(std::span<const uint32_t> bits) {
  if (bits.empty()) return;
  if (map_.empty() && WantsMap(bits.size())) UseMap();
  if (!map_.empty()) {
    for (uint32_t bit : bits) Add(bit);
    return;
  }
  // One sort and merge instead of one insert per bit.
  const size_t old = bits_.size();
  bits_.insert(bits_.end(), bits.begin(), bits.end());
  const auto mid = bits_.begin() + static_cast<ptrdiff_t>(old);
  if (!std::is_sorted(mid, bits_.end())) std::sort(mid, bits_.end());
  std::inplace_merge(bits_.begin(), mid, bits_.end());
  bits_.erase(std::unique(bits_.begin(), bits_.end()), bits_.end());
}

void CellErrorSet::Remove(uint32_t bit) {
  if (map_.empty() && bits_.size() >= kMapAt) UseMap();
  if (map_.empty()) {
    auto it = std::lower_bound(bits_.begin(), bits_.end(), bit);
    if (it != bits_.end() && *it == bit) bits_.erase(it);
    return;
  }
  if (!Has(bit)) return;
  map_[bit / 64] &= ~(uint64_t{1} << (bit % 64));
  --count_;
  stale_ = true;
}

bool CellErrorSet::Toggle(uint32_t bit) {
  const bool had = Has(bit);
  if (had) {
    Remove(bit);
  } else {
    Add(bit);
  }
  return had;
}

void CellErrorSet::AddMask(std::span<const uint64_t> mask) {
  if (map_.empty() && !WantsMap(CountCells(mask, 0, cells_))) {
    // A handful of cells: the list stays the cheaper form.
    ForEachSetBit(mask, [&](uint64_t bit) {
      if (bit < cells_) Add(static_cast<uint32_t>(bit));
    });
    return;
  }
  if (map_.empty()) UseMap();
  const size_t n = std::min(mask.size(), map_.size());
  int64_t delta = Merge(map_.data(), mask.data(), n, [](uint64_t a, uint64_t b) { return a | b; });
  // Bits past the last cell are not cells.
  if (n == map_.size() && cells_ % 64 != 0) {
    const uint64_t extra = map_[n - 1] & ~((uint64_t{1} << (cells_ % 64)) - 1);
    map_[n - 1] &= ~extra;
    delta -= std::popcount(extra);
  }
  count_ = static_cast<uint32_t>(int64_t{count_} + delta);
  stale_ = true;
}

void CellErrorSet::ToggleMask(std::span<const uint64_t> mask) {
  if (map_.empty() && !WantsMap(CountCells(mask, 0, cells_))) {
    ForEachSetBit(mask, [&](uint64_t bit) {
      if (bit < cells_) Toggle(static_cast<uint32_t>(bit));
    });
    return;
  }
  if (map_.empty()) UseMap();
  const size_t n = std::min(mask.size(), map_.size());
  int64_t delta = Merge(map_.data(), mask.data(), n, [](uint64_t a, uint64_t b) { return a ^ b; });
  if (n == map_.size() && cells_ % 64 != 0) {
    // Undo the toggle of bits past the last cell.
    const uint64_t extra = mask[n - 1] & ~((uint64_t{1} << (cells_ % 64)) - 1);
    delta -= std::popcount(map_[n - 1] & extra);
    delta += std::popcount(~map_[n - 1] & extra);
    map_[n - 1] ^= extra;
  }
  count_ = static_cast<uint32_t>(int64_t{count_} + delta);
  stale_ = true;
}

void CellErrorSet::OrInto(std::span<uint64_t> mask) const {
  if (!map_.empty()) {
    const size_t n = std::min(mask.size(), map_.size());
    for (size_t w = 0; w < n; ++w) mask[w] |= map_[w];
    return;
  }
  for (uint32_t bit : bits_) {
    if (bit / 64 < mask.size()) mask[bit / 64] |= uint64_t{1} << (bit % 64);
  }
}

const CellErrors& CellErrorSet::sorted() const {
  if (stale_) {
    bits_.clear();
    for (size_t w = 0; w < map_.size(); ++w) {
      for (uint64_t word = map_[w]; word != 0; word &= word - 1) {
        bits_.push_back(static_cast<uint32_t>(w * 64 + std::countr_zero(word)));
      }
    }
    stale_ = false;
  }
  return bits_;
}

// ---- EccEngine ----

EccEngine::EccEngine(const Geometry& geometry)
    : geometry_(geometry),
      steps_(geometry.ecc_step ? geometry.page_size / geometry.ecc_step : 0),
      threshold_(geometry.effective_bitflip_threshold()) {}

ReadReport EccEngine::Decode(const CellErrorSet& errors, std::span<uint8_t> page,
                             bool raw) const {
  if (!errors.mask().empty()) return DecodeMask(errors.mask(), page, raw);
  return Decode(errors.sorted(), page, raw);
}

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

double EccEngine::MiscorrectionOdds(uint32_t strength) {
  double odds = 1.0;
  for (uint32_t k = 2; k <= strength && odds > 0.0; ++k) odds /= k;
  return odds;
}

ReadReport EccEngine::Decode(const CellErrorSet& errors, std::span<uint8_t> page, bool raw,
                             const Miscorrection* mc) const {
  ReadReport report = Decode(errors, page, raw);
  if (mc == nullptr || raw || steps_ == 0 || mc->step >= steps_) return report;
  const uint64_t step_bits = uint64_t{geometry_.ecc_step} * 8;
  const uint64_t lo = mc->step * step_bits, hi = lo + step_bits;
  uint64_t flips = 0;
  if (!errors.mask().empty()) {
    flips = CountCells(errors.mask(), lo, hi);
  } else {
    const CellErrors& sorted = errors.sorted();
    flips = std::lower_bound(sorted.begin(), sorted.end(), hi) -
            std::lower_bound(sorted.begin(), sorted.end(), lo);
  }
  if (flips <= geometry_.ecc_strength) return report;  // corrected honestly
  // The step failed above (its raw cells are in `page`); instead the decoder
  // flips its wrong bits and calls the step corrected.
  --report.failed_steps;
  uint32_t wrong = 0;
  for (uint32_t bit : mc->wrong) {
    if (bit < lo || bit >= hi || wrong == geometry_.ecc_strength) continue;
    FlipBit(page, bit);
    ++wrong;
  }
  report.corrected_bitflips += wrong;
  report.max_bitflips = std::max(report.max_bitflips, wrong);
  report.scrub = threshold_ != 0 && report.max_bitflips >= threshold_;
  return report;
}

// The decisions of Decode(CellErrors), taken per step with a popcount and
// applied by whole words: the cost no longer grows with the errors.
ReadReport EccEngine::DecodeMask(std::span<const uint64_t> mask, std::span<uint8_t> page,
                                 bool raw) const {
  ReadReport report;
  const uint64_t all_bits = uint64_t{page.size()} * 8;
  if (raw || steps_ == 0) {
    XorCells(page, mask, 0, all_bits);
    return report;
  }
  const uint64_t data_bits = uint64_t{geometry_.page_size} * 8;
  XorCells(page, mask, data_bits, all_bits);  // OOB: uncorrected
  const uint64_t step_bits = uint64_t{geometry_.ecc_step} * 8;
  for (uint32_t step = 0; step < steps_; ++step) {
    const uint64_t lo = step * step_bits, hi = lo + step_bits;
    const uint32_t flips = static_cast<uint32_t>(CountCells(mask, lo, hi));
    if (flips > geometry_.ecc_strength) {
      ++report.failed_steps;
      XorCells(page, mask, lo, hi);  // the step's raw cells come back
    } else {
      report.corrected_bitflips += flips;
      report.max_bitflips = std::max(report.max_bitflips, flips);
    }
  }
  report.scrub = threshold_ != 0 && report.max_bitflips >= threshold_;
  return report;
}

}  // namespace flashfault
