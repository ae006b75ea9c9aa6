// EccEngine: what a NAND controller's ECC decoder reports for one page, and
// CellErrorSet: the deviating cells of one page it decodes.
//
// The store keeps, for every page, the bytes the ECC codeword encodes (what
// was programmed). Deviations of the physical cells from those bytes are kept
// apart as CellErrors (bit positions). Decoding a page then means counting
// the deviations per ECC step: within the strength the programmed bytes come
// back (corrected), beyond it the raw cells come back and the step fails.
// This is exact for the decisions a real BCH decoder makes, without paying for
// BCH arithmetic on the clean path. OOB bytes are outside ECC coverage, as on
// many controllers, so deviations there always show (silent corruption).
//
// It must not decide where errors come from: that is the fault layer's job.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "backends/model/flash_device.h"
#include "backends/model/geometry.h"

namespace flashfault {

// Deviating bits of one page, as bit indexes over page data then OOB
// (bit b is byte b/8, mask 1 << (b%8)). Sorted, no duplicates.
using CellErrors = std::vector<uint32_t>;

// The same cells as a mask: bit i of word w is cell 64w + i, which is what a
// little-endian 64-bit load of the page bytes at 8w holds. Faults that strike
// thousands of cells at once (torn programs, unstable cells) work on masks,
// 64 cells per step instead of one.
inline size_t MaskWords(uint64_t cells) { return (cells + 63) / 64; }
// Cells set in `mask` inside [lo, hi) (words past the mask's end count as 0).
uint64_t CountCells(std::span<const uint64_t> mask, uint64_t lo, uint64_t hi);
// Inverts each bit of `bytes` whose cell is set in `mask` inside [lo, hi);
// REQUIRES: hi <= 8 * bytes.size().
void XorCells(std::span<uint8_t> bytes, std::span<const uint64_t> mask, uint64_t lo, uint64_t hi);

// The deviating cells of one page of `cells` cells. Few: a sorted list,
// changed in place. Many (a torn page has thousands, and unstable cells are
// toggled on and off for every read): a mask is the truth and the sorted
// list a copy rebuilt when next asked for, so single changes stop costing a
// move of the whole list and whole-mask changes cost one pass. A set never
// goes back from the mask to the list. Not thread-safe (sorted() rebuilds).
class CellErrorSet {
 public:
  explicit CellErrorSet(uint32_t cells) : cells_(cells) {}

  size_t size() const { return map_.empty() ? bits_.size() : count_; }
  bool empty() const { return size() == 0; }
  bool Has(uint32_t bit) const;
  void Add(uint32_t bit);
  // Unsorted, may repeat and may name bits already set.
  void Add(std::span<const uint32_t> bits);
  void Remove(uint32_t bit);
  // Inverts `bit`; returns whether it was set.
  bool Toggle(uint32_t bit);
  // OR / XOR of a mask (MaskWords(cells) words at most; bits at or past
  // `cells` are ignored).
  void AddMask(std::span<const uint64_t> mask);
  void ToggleMask(std::span<const uint64_t> mask);
  // ORs the set into `mask` (MaskWords(cells) words).
  void OrInto(std::span<uint64_t> mask) const;

  // Sorted; valid until the next change.
  const CellErrors& sorted() const;
  // The mask form, empty while the set is a list.
  std::span<const uint64_t> mask() const { return map_; }

 private:
  void UseMap();
  // Whether a list of `more` extra cells should become a mask first.
  bool WantsMap(uint64_t more) const;

  uint32_t cells_;
  mutable CellErrors bits_;    // sorted; stale while `stale_`
  mutable bool stale_ = false;
  std::vector<uint64_t> map_;  // empty until the page holds many errors
  uint32_t count_ = 0;         // cells set in map_, while it is in use
};

class EccEngine {
 public:
  explicit EccEngine(const Geometry& geometry);

  // Beyond its strength t a BCH decoder usually sees that it cannot decode
  // a step (-EBADMSG). Sometimes it does not: the syndromes of the word it
  // read happen to be those of a word within t flips of another codeword,
  // and it "corrects" towards that one. Over random error patterns the
  // share of syndromes that decode is the number of patterns of <= t flips
  // over 2^(m t) for a code over GF(2^m); with n ~ 2^m bits per codeword
  // that is about 1/t!: 1/24 for BCH-4, 1/40320 for BCH-8, below 1e-23 for
  // BCH-24. A decoder that lands on a wrong codeword returns the raw cells
  // with up to t more bits flipped and reports them corrected; one whose
  // syndromes come out zero (the errors form a codeword themselves) reports
  // the step clean. Which steps do this is the caller's choice (the model
  // has no randomness of its own): it names them per read.
  static double MiscorrectionOdds(uint32_t strength);
  struct Miscorrection {
    uint32_t step = 0;            // the ECC step (codeword) of the page
    std::vector<uint32_t> wrong;  // bits it flips "correcting" (<= strength); empty: a miss
  };
  // Decode() with `mc` applied: if its step holds more errors than the
  // strength, the step comes back miscorrected and counted as corrected
  // (mc->wrong.size() flips), not failed. Within the strength the decoder
  // corrects as always: a miscorrection needs more errors than it can fix.
  ReadReport Decode(const CellErrorSet& errors, std::span<uint8_t> page, bool raw,
                    const Miscorrection* mc) const;

  // Decodes one page. `page` holds the programmed bytes (data then OOB) and
  // is changed in place into what the read returns. `raw` skips correction.
  ReadReport Decode(const CellErrors& errors, std::span<uint8_t> page, bool raw) const;
  // The same for either form of a set (the mask form in one pass over words).
  ReadReport Decode(const CellErrorSet& errors, std::span<uint8_t> page, bool raw) const;

 private:
  ReadReport DecodeMask(std::span<const uint64_t> mask, std::span<uint8_t> page, bool raw) const;

  const Geometry& geometry_;
  uint32_t steps_;
  uint32_t threshold_;
};

// Toggles bit `bit` of `bytes` (bit indexes as in CellErrors).
inline void FlipBit(std::span<uint8_t> bytes, uint32_t bit) {
  bytes[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
}

}  // namespace flashfault
