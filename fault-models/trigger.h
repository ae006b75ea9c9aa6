// Trigger: when and where a fault strikes, shared by every fault family.
//
// A Trigger turns the `where` and `when` of a FaultSpec into decisions, one
// operation at a time, with a deterministic RNG of its own (seeded from the
// plan seed and the fault id), so the same plan, seed and op sequence always
// give the same decisions. It must not read the wall clock or any global RNG,
// and it knows nothing of what a fault does once it fires.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"
#include "backends/model/geometry.h"
#include "fault-models/fault_spec.h"

namespace flashfault {

// The odds of Rng::ChanceMask, p rounded to the nearest 1/65536 (p <= 0:
// never, p >= 1: always), worked out once for loops that draw a mask per
// 64 cells of a page with the same p.
class MaskOdds {
 public:
  explicit MaskOdds(double p);

 private:
  friend class Rng;
  enum Mode : uint8_t { kNever, kAlways, kHalf, kDigits };
  Mode mode_;
  uint32_t q_;  // p in 1/65536ths
  int last_;    // q's lowest 1 (kDigits)
};

// splitmix64: tiny, fast, and its whole state is one integer, which makes
// the stream position easy to log and compare.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    ++draws_;
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0. The bias of a modulo over 2^64 is negligible here.
  uint64_t Below(uint64_t n) { return Next() % n; }
  // Uniform in [0, 1), 53 bits.
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return p >= 1.0 || (p > 0.0 && Unit() < p); }
  // 64 independent Chance(p), one per bit, with p rounded to the nearest
  // 1/65536: about 9 draws for 64 cells instead of 64 (one for p = 1/2,
  // none for p 0 or 1), and no branch per cell. For faults that decide
  // thousands of cells at once (torn programs, unstable cells).
  // Only the bits of `among` are decided (the rest are 0): fewer cells to
  // decide means fewer draws. Inline: it runs once per 64 cells of a page.
  inline uint64_t ChanceMask(const MaskOdds& odds, uint64_t among = ~uint64_t{0});
  uint64_t ChanceMask(double p) { return ChanceMask(MaskOdds(p)); }
  // How many numbers were drawn so far: the stream position, for logs.
  uint64_t draws() const { return draws_; }

 private:
  uint64_t state_;
  uint64_t draws_ = 0;
};

uint64_t Rng::ChanceMask(const MaskOdds& odds, uint64_t among) {
  switch (odds.mode_) {
    case MaskOdds::kNever: return 0;
    case MaskOdds::kAlways: return among;
    case MaskOdds::kHalf: return Next() & among;  // even odds: every bit of one draw
    case MaskOdds::kDigits: break;
  }
  // Each cell compares a uniform 16-bit number U with q, most significant
  // digit first, U's digits being the bits of fresh draws: a digit below
  // q's decides U < q (set), one above decides U > q (clear), an equal one
  // leaves the cell open. Half the open cells are decided per digit, so all
  // 64 usually are after 6 to 10 digits; below q's lowest 1 a digit can only
  // clear, so the walk stops there. Four digits per round, branch-free
  // inside, keep the loop's compares few.
  const uint32_t q = odds.q_;
  uint64_t set = 0, open = among;
  auto digit = [&](int d) {
    const uint64_t r = Next();
    const uint64_t one = uint64_t{0} - ((q >> d) & 1);
    set |= open & ~r & one;
    open &= ~(r ^ one);
  };
  for (int d = 15;; d -= 4) {
    digit(d);
    digit(d - 1);
    digit(d - 2);
    digit(d - 3);
    if (open == 0 || d - 3 <= odds.last_) break;
  }
  return set;  // cells still open have U == q so far and q's rest is 0: U >= q
}

// The per-fault seed: plan seed mixed with a hash of the fault id, so adding
// a fault to a plan does not shift the streams of the others.
uint64_t FaultSeed(uint64_t plan_seed, absl::string_view fault_id);

// What a trigger sees of one operation: the unit (block, page) the op
// touches inside `where`, chosen by the fault layer.
struct TriggerInput {
  uint64_t op_index = 0;
  uint32_t op = 0;            // one OpMask bit
  uint64_t block_erases = 0;  // erase count of `block`
  uint64_t now_us = 0;        // virtual clock
};

class Trigger {
 public:
  Trigger(const Where& where, const When& when, uint64_t seed)
      : where_(where), when_(when), rng_(seed) {}

  const Where& where() const { return where_; }
  const When& when() const { return when_; }

  bool MatchesOp(uint32_t op) const { return (when_.ops & op) != 0; }
  bool MatchesBlock(uint32_t block) const {
    return (!where_.blocks || where_.blocks->Contains(block)) &&
           (where_.block_list.empty() ||
            std::binary_search(where_.block_list.begin(), where_.block_list.end(), block));
  }
  bool MatchesPage(uint32_t page_in_block) const {
    return !where_.pages || where_.pages->Contains(page_in_block);
  }
  // True when `where` constrains neither blocks nor pages (ops without an
  // address, such as sync, match only then).
  bool Unplaced() const { return !where_.blocks && where_.block_list.empty() && !where_.pages; }

  // The first device-wide page in [first, first+count) inside `where`, if
  // any; pages_per_block from the geometry. Cost: one step per block.
  std::optional<uint64_t> FirstPage(uint64_t first, uint64_t count, uint32_t pages_per_block) const;
  // The first block in [first, first+count) inside where.blocks and block_list.
  std::optional<uint32_t> FirstBlock(uint32_t first, uint32_t count) const;

  // Called for an op that matches `ops` and `where` (the caller checked):
  // ignores ops before after_op (not even counted), counts the match, then
  // checks at_op, nth_match, after_erases,
  // after_time_us, on_demand and max_fires, and last draws `probability`
  // (drawn only when everything else holds). True means "fire"; the family
  // then calls Fired() once it has actually injected something.
  bool Evaluate(const TriggerInput& in);
  // Records a firing: counts it and consumes an on-demand arming.
  void Fired() {
    ++fires_;
    armed_ = false;
  }

  // Conditions that do not consume anything (no match counted, no draw):
  // used by rate families that need the gate without the probability.
  bool Gate(const TriggerInput& in) const;

  void Arm() { armed_ = true; }
  bool armed() const { return armed_; }
  bool exhausted() const { return when_.max_fires != 0 && fires_ >= when_.max_fires; }
  uint64_t matches() const { return matches_; }
  uint64_t fires() const { return fires_; }
  Rng& rng() { return rng_; }

 private:
  Where where_;
  When when_;
  Rng rng_;
  uint64_t matches_ = 0;
  uint64_t fires_ = 0;
  bool armed_ = false;
};

// Checks that `where` fits `geometry` and `when` is sane; the error names
// the field ("faults[id].where.blocks: ..."). A where.partition must have
// been resolved into where.blocks by the loader (the name may stay).
absl::Status ValidateTrigger(const Where& where, const When& when, const Geometry& geometry,
                             absl::string_view fault_id);

}  // namespace flashfault
