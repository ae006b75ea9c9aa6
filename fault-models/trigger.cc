// Trigger decisions; see trigger.h. Everything here is a pure function of
// the spec, the seed and the ops seen so far.
#include "fault-models/trigger.h"

#include <algorithm>
#include <bit>

#include "absl/strings/str_cat.h"

namespace flashfault {

uint64_t FaultSeed(uint64_t plan_seed, absl::string_view fault_id) {
  // FNV-1a over the id, then one splitmix64 round over both.
  uint64_t h = 0xCBF29CE484222325ull;
  for (char c : fault_id) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001B3ull;
  }
  Rng mix(plan_seed ^ h);
  return mix.Next();
}

MaskOdds::MaskOdds(double p) {
  q_ = !(p > 0.0) ? 0 : p >= 1.0 ? 65536 : static_cast<uint32_t>(p * 65536.0 + 0.5);
  mode_ = q_ == 0 ? kNever : q_ >= 65536 ? kAlways : q_ == 32768 ? kHalf : kDigits;
  last_ = q_ == 0 ? 0 : std::countr_zero(q_);
}

std::optional<uint32_t> Trigger::FirstBlock(uint32_t first, uint32_t count) const {
  if (count == 0) return std::nullopt;
  if (!where_.blocks && where_.block_list.empty()) return first;
  const Range r = where_.blocks.value_or(Range{0, UINT64_MAX});
  const uint64_t lo = std::max<uint64_t>(first, r.first);
  const uint64_t hi = std::min<uint64_t>(uint64_t{first} + count - 1, r.last);
  if (lo > hi) return std::nullopt;
  if (where_.block_list.empty()) return static_cast<uint32_t>(lo);
  // The first listed block at or past lo, if it is not past hi.
  auto it = std::lower_bound(where_.block_list.begin(), where_.block_list.end(), lo);
  if (it == where_.block_list.end() || *it > hi) return std::nullopt;
  return static_cast<uint32_t>(*it);
}

std::optional<uint64_t> Trigger::FirstPage(uint64_t first, uint64_t count,
                                           uint32_t pages_per_block) const {
  if (count == 0) return std::nullopt;
  if (Unplaced()) return first;  // the common case: no divisions on the read path
  const uint64_t last = first + count - 1;
  for (uint64_t block = first / pages_per_block; block <= last / pages_per_block; ++block) {
    if (!MatchesBlock(static_cast<uint32_t>(block))) continue;
    const uint64_t base = block * pages_per_block;
    uint64_t lo = std::max(first, base), hi = std::min(last, base + pages_per_block - 1);
    if (where_.pages) {
      lo = std::max(lo, base + where_.pages->first);
      hi = std::min(hi, base + where_.pages->last);
    }
    if (lo <= hi) return lo;
  }
  return std::nullopt;
}

bool Trigger::Gate(const TriggerInput& in) const {
  if (exhausted()) return false;
  if (when_.after_op && in.op_index < *when_.after_op) return false;
  if (when_.at_op && in.op_index != *when_.at_op) return false;
  if (when_.after_erases && in.block_erases < *when_.after_erases) return false;
  if (when_.after_time_us && in.now_us < *when_.after_time_us) return false;
  if (when_.on_demand && !armed_) return false;
  return true;
}

bool Trigger::Evaluate(const TriggerInput& in) {
  // Ops before after_op are not counted: the n-th match is the n-th from there.
  if (when_.after_op && in.op_index < *when_.after_op) return false;
  ++matches_;
  if (when_.nth_match && matches_ != *when_.nth_match) return false;
  if (!Gate(in)) return false;
  // Drawn last so that the stream advances only on ops that could fire:
  // the other conditions then never shift the sequence of decisions.
  return rng_.Chance(when_.probability);
}

namespace {

absl::Status RangeError(absl::string_view id, absl::string_view field, const Range& r,
                        uint64_t limit, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("faults[", id, "].where.", field, ": [", r.first,
                                                 ", ", r.last, "] must lie in [0, ", limit - 1,
                                                 "] (", what, ")"));
}

absl::Status CheckRange(absl::string_view id, absl::string_view field,
                        const std::optional<Range>& r, uint64_t limit, absl::string_view what) {
  if (r && (r->first > r->last || r->last >= limit)) return RangeError(id, field, *r, limit, what);
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateTrigger(const Where& where, const When& when, const Geometry& g,
                             absl::string_view id) {
  // The loader keeps the partition's name for logs and sets where.blocks to
  // its (absolute) block range; a name without blocks was never resolved.
  if (!where.partition.empty() && !where.blocks) {
    return absl::InvalidArgumentError(
        absl::StrCat("faults[", id, "].where.partition: '", where.partition,
                     "' was not resolved to blocks before the plan reached the fault layer"));
  }
  absl::Status s = CheckRange(id, "blocks", where.blocks, g.block_count, "eraseblocks");
  for (size_t i = 0; s.ok() && i < where.block_list.size(); ++i) {
    const uint64_t b = where.block_list[i];
    if (b >= g.block_count) {
      s = absl::InvalidArgumentError(absl::StrCat("faults[", id, "].where.block_list: block ", b,
                                                  " must lie in [0, ", g.block_count - 1,
                                                  "] (eraseblocks)"));
    } else if (i > 0 && b <= where.block_list[i - 1]) {
      // MatchesBlock searches it: the loaders sort it and drop repeats.
      s = absl::InvalidArgumentError(absl::StrCat("faults[", id,
                                                  "].where.block_list: not sorted or repeats ", b));
    }
  }
  if (s.ok()) s = CheckRange(id, "pages", where.pages, g.pages_per_block, "pages per block");
  if (s.ok()) {
    s = CheckRange(id, "bytes", where.bytes, uint64_t{g.page_size} + g.oob_size,
                   "bytes per page, data then OOB");
  }
  if (s.ok()) s = CheckRange(id, "bits", where.bits, 8, "bits in a byte");
  if (!s.ok()) return s;
  if (where.meaning) {
    if (std::optional<AimProblem> p = CheckAim(*where.meaning)) {
      return absl::InvalidArgumentError(absl::StrCat("faults[", id, "].where.meaning",
                                                     p->key.empty() ? "" : ".", p->key, ": ",
                                                     p->why));
    }
  }
  if ((when.ops & ~uint32_t{kOpAll}) != 0 || when.ops == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("faults[", id, "].when.ops: no or unknown operations (mask ", when.ops, ")"));
  }
  if (!(when.probability >= 0.0 && when.probability <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("faults[", id, "].when.probability: ", when.probability, " is not in [0, 1]"));
  }
  if (when.nth_match && *when.nth_match == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("faults[", id, "].when.nth_match: counts from 1"));
  }
  return absl::OkStatus();
}

}  // namespace flashfault
