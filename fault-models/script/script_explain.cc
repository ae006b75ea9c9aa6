// ExplainPlan(): what a fault plan will do, in plain words, for
// `flashfault script check` and for reproducers exported from fuzzing. One
// line per fault: what goes wrong, where, when, how often. It describes the
// plan as written (the contract of fault_spec.h), never the state of a run,
// and must not claim anything the fault engine is not told to do.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/model/ecc_engine.h"
#include "fault-models/script/fault_script.h"
#include "fault-models/script/script_internal.h"

namespace flashfault {
namespace {

std::string Plural(uint64_t n, absl::string_view one, absl::string_view many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

std::string Ordinal(uint64_t n) {
  const uint64_t tens = n % 100;
  const char* suffix = "th";
  if (tens < 11 || tens > 13) {
    if (n % 10 == 1) suffix = "st";
    if (n % 10 == 2) suffix = "nd";
    if (n % 10 == 3) suffix = "rd";
  }
  return absl::StrCat(n, suffix);
}

// "block 17" or "blocks 0-63".
std::string RangeText(absl::string_view one, absl::string_view many, const Range& r) {
  if (r.first == r.last) return absl::StrCat(one, " ", r.first);
  return absl::StrCat(many, " ", r.first, "-", r.last);
}

std::string Duration(uint64_t us) {
  if (us >= 3'600'000'000ull) return absl::StrCat(static_cast<double>(us) / 3.6e9, " h");
  if (us >= 1'000'000) return absl::StrCat(static_cast<double>(us) / 1e6, " s");
  if (us >= 1'000) return absl::StrCat(static_cast<double>(us) / 1e3, " ms");
  return absl::StrCat(us, " us");
}

std::string OpsText(uint32_t ops, bool plural) {
  if (ops == kOpAll) return plural ? "any operation" : "operation";
  std::vector<std::string> names;
  for (uint32_t bit = 1; bit & kOpAll; bit <<= 1) {
    if (ops & bit) names.push_back(absl::StrCat(OpName(bit), plural ? "s" : ""));
  }
  return absl::StrJoin(names, plural ? " and " : " or ");
}

std::string What(const FaultSpec& f, const FaultPlan& plan, const Geometry& g) {
  switch (f.kind) {
    case FaultKind::kReadBitflip:
      return absl::StrCat(Plural(f.flips, "transient bitflip", "transient bitflips"),
                          " in the data a read returns (the cells stay intact)");
    case FaultKind::kChargeLoss:
      return absl::StrCat(Plural(f.flips, "bitflip", "bitflips"),
                          " that stay in the cells until the block is erased");
    case FaultKind::kStuckBit:
      return absl::StrCat(Plural(f.flips, "cell", "cells"), " stuck at ", f.stuck_value,
                          " through erase and program, from the first op the trigger fires on; "
                          "a stuck cell shows only where the data would hold ",
                          1 - f.stuck_value);
    case FaultKind::kProgramFail:
      return absl::StrCat("program fails (-EIO) and leaves the page ",
                          f.program_effect == ProgramFailEffect::kUnchanged ? "unchanged"
                          : f.program_effect == ProgramFailEffect::kPartial
                              ? absl::StrCat("partly programmed (", f.torn_fraction * 100,
                                             "% of the bits to clear)")
                              : "fully programmed");
    case FaultKind::kEraseFail:
      return absl::StrCat("erase fails (-EIO) and leaves the block ",
                          f.erase_effect == EraseFailEffect::kUnchanged
                              ? "unchanged"
                              : absl::StrCat("partly erased (", f.torn_fraction * 100,
                                             "% of its pages)"));
    case FaultKind::kFactoryBad:
      if (!f.block_list.empty()) {
        return absl::StrCat(f.block_list.size() == 1 ? "block " : "blocks ",
                            absl::StrJoin(f.block_list, ", "),
                            " ship bad (marked in OOB before the first operation)");
      }
      return absl::StrCat(Plural(f.count, "block", "blocks"), " chosen with seed ", plan.seed,
                          " ship bad (marked in OOB before the first operation)");
    case FaultKind::kGrownBad:
      return absl::StrCat("the block goes bad: its program and erase fail from then on",
                          f.threshold != 0 ? absl::StrCat(" (once it has been erased ",
                                                          f.threshold, " times)")
                                           : "");
    case FaultKind::kPowerCut:
      return absl::StrCat("power is cut: the operation in flight stops after ",
                          f.torn_fraction * 100, "% of its bits",
                          f.unstable ? ", leaving unstable cells that read differently each time"
                                     : "",
                          ", and every later operation fails until power comes back");
    case FaultKind::kReadDisturb:
      return absl::StrCat("each read disturbs ", f.rate,
                          " cells per page in the other pages of its block, adding up until "
                          "the block is erased");
    case FaultKind::kRetention:
      return absl::StrCat(f.rate, " cells per page leak per virtual hour since program, "
                          "faster on worn blocks",
                          f.threshold != 0 ? absl::StrCat(" (wear scale: ", f.threshold,
                                                          " erases)")
                                           : "");
    case FaultKind::kWearOut:
      return absl::StrCat("once a block has been erased E >= T = ",
                          f.threshold != 0 ? f.threshold : g.endurance,
                          " times (k = E - T + 1), each program or erase of it fails with odds "
                          "min(1, ", f.rate, " x k) (times when.probability), and each read gets ",
                          f.flips, " x k x 100 / T transient flips on average");
    case FaultKind::kLatency:
      return absl::StrCat("each matching operation takes ", Duration(f.latency_us), " longer");
    case FaultKind::kSilentCorruption:
      return absl::StrCat(
          f.flips, " transient bitflips in one ECC step (beyond its strength of ", g.ecc_strength,
          "), and the decoder ",
          f.silent_effect == SilentEffect::kMiss
              ? "misses them: the read is reported clean with wrong data"
              : "miscorrects: the read is reported corrected with wrong data",
          f.real_odds ? absl::StrCat(" (with the odds of a real BCH decoder, about 1 in ",
                                     1.0 / EccEngine::MiscorrectionOdds(g.ecc_strength),
                                     "; otherwise the read fails as uncorrectable)")
                      : "");
    case FaultKind::kFieldMutation: {
      const uint64_t full = ~uint64_t{0};
      return absl::StrCat(
          "field ", f.field, " of the first such structure in the op's bytes is set to ",
          f.mask == full ? absl::StrCat(f.value)
                         : absl::StrCat("0x", absl::Hex(f.value), " in the bits of mask 0x",
                                        absl::Hex(f.mask)),
          f.fix_crc ? ", its CRC recomputed so it passes its checks"
                    : ", its CRC left as it was (the node reads as corrupted)",
          f.when.ops & kOpWrite ? (f.when.ops & kOpRead ? " (as written and as read)"
                                                        : " (as written: on the flash)")
                                : " (as read: the cells keep the truth)");
    }
  }
  return "?";
}

std::string WhereText(const FaultSpec& f, const FaultPlan& plan, const Geometry& g) {
  const Where& w = f.where;
  if (f.kind == FaultKind::kFactoryBad && !f.block_list.empty()) return "";
  std::vector<std::string> parts;
  if (!w.partition.empty()) {
    const PartitionSpec* part = nullptr;
    for (const PartitionSpec& p : plan.partitions) {
      if (p.name == w.partition) part = &p;
    }
    const bool whole = part != nullptr && w.blocks && w.blocks->first == part->first_block &&
                       w.blocks->last + 1 == part->first_block + part->block_count;
    if (whole || !w.blocks) {
      parts.push_back(absl::StrCat("partition '", w.partition, "'"));
      if (w.blocks) parts.back() += absl::StrCat(" (", RangeText("block", "blocks", *w.blocks), ")");
    } else if (part != nullptr) {
      const Range rel{w.blocks->first - part->first_block, w.blocks->last - part->first_block};
      parts.push_back(absl::StrCat(RangeText("block", "blocks", rel), " of partition '",
                                   w.partition, "' (device ",
                                   RangeText("block", "blocks", *w.blocks), ")"));
    }
  } else if (w.blocks) {
    parts.push_back(RangeText("block", "blocks", *w.blocks));
  }
  if (!w.block_list.empty()) {
    // Device block numbers: a partition's are already named above.
    parts.push_back(absl::StrCat(w.blocks || !w.partition.empty() ? "only " : "",
                                 w.block_list.size() == 1 ? "block " : "blocks ",
                                 absl::StrJoin(w.block_list, ", "),
                                 w.partition.empty() ? "" : " of the device"));
  }
  if (w.pages) parts.push_back(RangeText("page", "pages", *w.pages));
  if (w.bytes) {
    std::string b = RangeText("byte", "bytes", *w.bytes);
    if (w.bytes->first >= g.page_size) b += " (OOB)";
    else if (w.bytes->last >= g.page_size) b += " (data and OOB)";
    parts.push_back(b);
  }
  if (w.bits) parts.push_back(RangeText("bit", "bits", *w.bits));
  // An aim: said after the addresses, which only narrow where it is looked for.
  const std::string aim = w.meaning ? absl::StrCat(" ", DescribeAim(*w.meaning)) : "";
  if (parts.empty()) return aim.empty() ? "; anywhere on the device" : absl::StrCat(";", aim);
  return absl::StrCat("; in ", absl::StrJoin(parts, " "), aim);
}

std::string WhenText(const FaultSpec& f) {
  if (!script_internal::KindHasTrigger(f.kind)) return "";
  const When& w = f.when;
  if (w == When{}) return "; from the start, on every operation";
  std::vector<std::string> parts;
  if (w.nth_match) {
    parts.push_back(absl::StrCat("on the ", Ordinal(*w.nth_match), " ", OpsText(w.ops, false),
                                 " that matches"));
  } else {
    parts.push_back(absl::StrCat("on ", OpsText(w.ops, true)));
  }
  if (w.per == MatchUnit::kPage) {
    parts.push_back("counting each page of a read or write (each eraseblock of an erase) as one "
                    "match");
  }
  if (w.at_op) parts.push_back(absl::StrCat("at device operation #", *w.at_op, " (0-based)"));
  if (w.after_op) {
    parts.push_back(absl::StrCat("counting from device operation #", *w.after_op, " (0-based)"));
  }
  if (w.probability < 1.0) {
    parts.push_back(absl::StrCat("with probability ", w.probability, " each time"));
  }
  if (w.after_erases) {
    parts.push_back(absl::StrCat("once the block has been erased at least ",
                                 Plural(*w.after_erases, "time", "times")));
  }
  if (w.after_time_us) {
    parts.push_back(absl::StrCat("from virtual time ", Duration(*w.after_time_us)));
  }
  if (w.on_demand) parts.push_back("only after it is armed on demand");
  // at_op and nth_match name a single operation: the limit says nothing more.
  if (!w.at_op && !w.nth_match) {
    if (w.max_fires == 0) {
      parts.push_back("every time");
    } else if (w.max_fires == 1) {
      parts.push_back("at most once");
    } else {
      parts.push_back(absl::StrCat("at most ", w.max_fires, " times"));
    }
  }
  return absl::StrCat("; ", absl::StrJoin(parts, ", "));
}

}  // namespace

std::string ExplainFault(const FaultSpec& f, const FaultPlan& plan, const Geometry& g) {
  return absl::StrCat("fault '", f.id, "' (", FaultKindName(f.kind), "): ", What(f, plan, g),
                      WhereText(f, plan, g), WhenText(f));
}

std::string ExplainPlan(const FaultPlan& plan, const Geometry& g) {
  std::string out = absl::StrCat(
      "geometry '", g.name, "' (", CellTypeName(g.cell), ", ", g.block_count, " blocks of ",
      g.pages_per_block, " pages of ", g.page_size, "+", g.oob_size, " bytes); seed ", plan.seed,
      "; ", Plural(plan.faults.size(), "fault", "faults"), "\n");
  if (!plan.partitions.empty()) {
    std::vector<std::string> parts;
    for (const PartitionSpec& p : plan.partitions) {
      parts.push_back(absl::StrCat("'", p.name, "' ",
                                   RangeText("block", "blocks",
                                             Range{p.first_block,
                                                   p.first_block + p.block_count - 1})));
    }
    absl::StrAppend(&out, "partitions: ", absl::StrJoin(parts, ", "), "\n");
  }
  for (const FaultSpec& f : plan.faults) absl::StrAppend(&out, ExplainFault(f, plan, g), "\n");
  return out;
}

}  // namespace flashfault
