// ValidatePlan(): the semantic checks of a FaultPlan against a Geometry.
//
// Runs on the structs, not on JSON, so plans built by the fuzzer byte-stream
// source or the control filesystem get the same checks as scripts; the error
// paths are the ones the field has in a script. It must stay free of side
// effects and must not fix anything up: a plan is accepted as it is or not.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/json_load.h"
#include "common/status_macros.h"
#include "fault-models/node_fields.h"
#include "fault-models/script/fault_script.h"
#include "fault-models/script/script_internal.h"

namespace flashfault {
namespace {

using namespace script_internal;

// Faults longer than this would stall the kernel's MTD call past its
// patience; it is a script mistake, not a timing scenario.
constexpr uint64_t kMaxLatencyUs = 60'000'000;

bool InUnitInterval(double x) { return x >= 0.0 && x <= 1.0; }  // false for NaN

absl::Status CheckRange(const std::optional<Range>& r, const std::string& path,
                        absl::string_view what, uint64_t limit, absl::string_view limit_desc) {
  if (!r) return absl::OkStatus();
  if (r->first > r->last) {
    return PathError(path, absl::StrCat("first ", r->first, " is after last ", r->last));
  }
  if (r->last >= limit) {
    return PathError(path, absl::StrCat(what, " ", r->last, " is outside the ", limit_desc,
                                        " (valid: 0-", limit - 1, ")"));
  }
  return absl::OkStatus();
}

absl::Status ValidatePartitions(const std::vector<PartitionSpec>& parts, const Geometry& g) {
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string path = absl::StrCat("$.partitions[", i, "]");
    const PartitionSpec& p = parts[i];
    if (p.name.empty()) return PathError(path + ".name", "must not be empty");
    if (p.block_count == 0) {
      return PathError(path + ".block_count", absl::StrCat("partition '", p.name, "' is empty"));
    }
    if (p.first_block >= g.block_count || p.block_count > g.block_count - p.first_block) {
      return PathError(path, absl::StrCat("partition '", p.name, "' (blocks ", p.first_block,
                                          "+", p.block_count, ") does not fit the ",
                                          g.block_count, " blocks of the device"));
    }
    for (size_t k = 0; k < i; ++k) {
      if (parts[k].name == p.name) {
        return PathError(path + ".name", absl::StrCat("duplicate partition name '", p.name,
                                                      "' (also $.partitions[", k, "])"));
      }
      const uint64_t end = p.first_block + p.block_count;
      const uint64_t other_end = parts[k].first_block + parts[k].block_count;
      if (p.first_block < other_end && parts[k].first_block < end) {
        return PathError(path, absl::StrCat("partition '", p.name, "' overlaps partition '",
                                            parts[k].name, "'"));
      }
    }
  }
  return absl::OkStatus();
}

// where.block_list (absolute once loaded, sorted, no repeats): inside the device, not on
// factory_bad (its own block_list names them), and meeting where.blocks when both are given.
absl::Status ValidateBlockList(const FaultSpec& f, const Geometry& g, const std::string& path) {
  const std::vector<uint64_t>& list = f.where.block_list;
  if (!KindHasTrigger(f.kind)) {
    return PathError(path + ".block_list", "a factory_bad fault names its blocks in its own "
                                           "block_list, not in where");
  }
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i] >= g.block_count) {
      return PathError(path + ".block_list",
                       absl::StrCat("block ", list[i], " is outside the device's ",
                                    g.block_count, " blocks"));
    }
    if (i > 0 && list[i] <= list[i - 1]) {
      return PathError(path + ".block_list", absl::StrCat("block ", list[i], " is listed twice "
                                                          "(or the list was not loaded sorted)"));
    }
  }
  if (f.where.blocks &&
      std::none_of(list.begin(), list.end(), [&](uint64_t b) { return f.where.blocks->Contains(b); })) {
    return PathError(path + ".block_list",
                     absl::StrCat("no listed block lies in blocks [", f.where.blocks->first, ", ",
                                  f.where.blocks->last, "]: the fault could never strike"));
  }
  return absl::OkStatus();
}

absl::Status ValidateWhere(const FaultSpec& f, const FaultPlan& plan, const Geometry& g,
                           const std::string& path) {
  const Where& w = f.where;
  FF_RETURN_IF_ERROR(CheckRange(w.blocks, path + ".blocks", "block", g.block_count,
                                absl::StrCat("device's ", g.block_count, " blocks")));
  if (!w.block_list.empty()) FF_RETURN_IF_ERROR(ValidateBlockList(f, g, path));
  FF_RETURN_IF_ERROR(CheckRange(w.pages, path + ".pages", "page", g.pages_per_block,
                                absl::StrCat(g.pages_per_block, " pages of a block")));
  const uint64_t page_bytes = uint64_t{g.page_size} + g.oob_size;
  FF_RETURN_IF_ERROR(CheckRange(w.bytes, path + ".bytes", "byte", page_bytes,
                                absl::StrCat(g.page_size, "+", g.oob_size, " bytes of a page")));
  FF_RETURN_IF_ERROR(CheckRange(w.bits, path + ".bits", "bit", 8, "8 bits of a byte"));
  const char* kind = FaultKindName(f.kind);
  if ((w.bytes || w.bits) && !KindTargetsBits(f.kind)) {
    return PathError(path + (w.bytes ? ".bytes" : ".bits"),
                     absl::StrCat("a ", kind, " fault does not act on single bits; only blocks",
                                  KindTargetsPages(f.kind) ? " and pages" : "", " apply"));
  }
  if (w.meaning) {
    if (!KindHasTrigger(f.kind)) {
      return PathError(path + ".meaning", "factory bad blocks are chosen before anything is on "
                                          "the flash; an aim by meaning does not apply");
    }
    if (std::optional<AimProblem> p = CheckAim(*w.meaning)) {
      return PathError(absl::StrCat(path, ".meaning", p->key.empty() ? "" : ".", p->key), p->why);
    }
  }
  if (w.pages && !KindTargetsPages(f.kind)) {
    return PathError(path + ".pages",
                     absl::StrCat("a ", kind, " fault acts on whole blocks; pages do not apply"));
  }
  if (!w.partition.empty()) {
    const PartitionSpec* part = nullptr;
    for (const PartitionSpec& p : plan.partitions) {
      if (p.name == w.partition) part = &p;
    }
    if (part == nullptr) {
      return PathError(path + ".partition",
                       absl::StrCat("no partition named '", w.partition, "' is defined"));
    }
    if (!w.blocks) {
      return PathError(path + ".partition", "not resolved to blocks (load plans with ParsePlan)");
    }
    if (w.blocks->first < part->first_block ||
        w.blocks->last >= part->first_block + part->block_count) {
      return PathError(path + ".blocks", absl::StrCat("blocks ", w.blocks->first, "-",
                                                      w.blocks->last, " are outside partition '",
                                                      part->name, "'"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateWhen(const FaultSpec& f, const Geometry& g, const std::string& path) {
  const When& w = f.when;
  if (!KindHasTrigger(f.kind)) {
    if (!(w == When{})) {
      return PathError(path, "factory bad blocks exist before the first operation; a trigger "
                             "does not apply");
    }
    return absl::OkStatus();
  }
  if (w.ops == 0 || (w.ops & ~uint32_t{kOpAll}) != 0) {
    return PathError(path + ".ops", "must name at least one known operation");
  }
  if (const uint32_t need = KindRequiredOp(f.kind); need != 0 && !(w.ops & need)) {
    return PathError(path + ".ops", absl::StrCat("a ", FaultKindName(f.kind),
                                                 " fault only fires on ", OpName(need),
                                                 ", which ops leaves out"));
  }
  if (w.at_op && w.nth_match) {
    return PathError(path + ".nth_match", "contradicts at_op: give one of at_op and nth_match");
  }
  if (w.at_op && w.after_op && *w.at_op < *w.after_op) {
    return PathError(path + ".at_op", absl::StrCat("op ", *w.at_op, " comes before after_op ",
                                                   *w.after_op, ": the fault could never fire"));
  }
  if (w.nth_match && *w.nth_match == 0) {
    return PathError(path + ".nth_match", "counts from 1 (the first matching op is 1)");
  }
  if (w.on_demand && (w.at_op || w.nth_match)) {
    return PathError(path + ".on_demand",
                     absl::StrCat("contradicts ", w.at_op ? "at_op" : "nth_match",
                                  ": an on-demand fault fires when armed, not at a set op"));
  }
  if (!InUnitInterval(w.probability)) {
    return PathError(path + ".probability",
                     absl::StrCat("must be in [0, 1], got ", w.probability));
  }
  if (w.per == MatchUnit::kPage &&
      (f.kind == FaultKind::kReadDisturb || f.kind == FaultKind::kRetention ||
       f.kind == FaultKind::kWearOut)) {
    return PathError(path + ".per", absl::StrCat("a ", FaultKindName(f.kind), " fault works out "
                                                 "every page of an op by its own rate; per: "
                                                 "\"page\" does not apply"));
  }
  if (w.per == MatchUnit::kPage && !g.is_nand()) {
    return PathError(path + ".per", absl::StrCat("'", g.name, "' is a NOR part: it has no pages to "
                                                 "count (a NOR op is counted whole)"));
  }
  if ((w.at_op || w.nth_match) && w.max_fires > 1) {
    return PathError(path + ".max_fires",
                     absl::StrCat(w.at_op ? "at_op" : "nth_match",
                                  " matches a single op, so the fault fires at most once"));
  }
  return absl::OkStatus();
}

absl::Status ValidateParams(const FaultSpec& f, const Geometry& g, const std::string& path) {
  const char* kind = FaultKindName(f.kind);
  const uint32_t stray = NonDefaultParams(f) & ~KindParams(f.kind);
  for (int b = 0; b < kParamCount; ++b) {
    const Param p = static_cast<Param>(1u << b);
    if (stray & p) {
      return PathError(absl::StrCat(path, ".", ParamKey(p)),
                       absl::StrCat("a ", kind, " fault does not use this parameter"));
    }
  }
  const uint32_t used = KindParams(f.kind);
  if ((used & kFlips) && f.flips == 0) return PathError(path + ".flips", "must be at least 1");
  // Kinds whose flips land in the cells `where` selects must fit them there;
  // wear_out scales flips by the wear instead (fault_spec.h).
  if ((used & kFlips) && f.kind != FaultKind::kWearOut) {
    const Where& w = f.where;
    const uint64_t bytes = w.bytes ? w.bytes->last - w.bytes->first + 1
                                   : uint64_t{g.page_size} + g.oob_size;
    const uint64_t bits = bytes * (w.bits ? w.bits->last - w.bits->first + 1 : 8);
    if (f.flips > bits) {
      return PathError(path + ".flips", absl::StrCat(f.flips, " flips do not fit the ", bits,
                                                     " bits that where selects in a page"));
    }
  }
  // read_disturb and retention rates are cell counts per page (per read, per
  // hour) and may exceed 1; wear_out's rate is a failure probability per cycle.
  if ((used & kRate) && !(f.rate >= 0.0 && std::isfinite(f.rate))) {
    return PathError(path + ".rate", absl::StrCat("must be a finite number >= 0, got ", f.rate));
  }
  if ((f.kind == FaultKind::kReadDisturb || f.kind == FaultKind::kRetention) && f.rate == 0.0) {
    return PathError(path + ".rate", absl::StrCat("missing or 0: a ", kind,
                                                  " fault needs a rate > 0 to do anything"));
  }
  if (f.kind == FaultKind::kWearOut && !InUnitInterval(f.rate)) {
    return PathError(path + ".rate", absl::StrCat("must be in [0, 1] for wear_out (failure odds "
                                                  "per cycle past endurance), got ", f.rate));
  }
  if (f.stuck_value > 1) {
    return PathError(path + ".stuck_value", absl::StrCat("must be 0 or 1, got ", f.stuck_value));
  }
  if (!InUnitInterval(f.torn_fraction)) {
    return PathError(path + ".torn_fraction",
                     absl::StrCat("must be in [0, 1], got ", f.torn_fraction));
  }
  const bool partial = (f.kind == FaultKind::kProgramFail &&
                        f.program_effect == ProgramFailEffect::kPartial) ||
                       (f.kind == FaultKind::kEraseFail &&
                        f.erase_effect == EraseFailEffect::kPartial);
  if ((f.kind == FaultKind::kProgramFail || f.kind == FaultKind::kEraseFail) && !partial &&
      f.torn_fraction != FaultSpec{}.torn_fraction) {
    return PathError(path + ".torn_fraction",
                     absl::StrCat("only applies when ",
                                  f.kind == FaultKind::kProgramFail ? "program_effect"
                                                                    : "erase_effect",
                                  " is \"partial\""));
  }
  if (f.unstable && !g.is_nand()) {
    return PathError(path + ".unstable",
                     absl::StrCat("unstable torn cells are a NAND effect; geometry '", g.name,
                                  "' is NOR"));
  }
  if (f.kind == FaultKind::kFactoryBad) {
    if (f.block_list.empty() && f.count == 0) {
      return PathError(path, "a factory_bad fault needs block_list or count");
    }
    if (!f.block_list.empty() && f.count != 0) {
      return PathError(path + ".count", "give block_list or count, not both");
    }
    if (!f.block_list.empty() && (f.where.blocks || !f.where.partition.empty())) {
      return PathError(path + ".where", "block_list names the blocks itself; where does not "
                                        "apply (use it with count)");
    }
    std::map<uint64_t, size_t> seen;
    for (size_t i = 0; i < f.block_list.size(); ++i) {
      const std::string p = absl::StrCat(path, ".block_list[", i, "]");
      if (f.block_list[i] >= g.block_count) {
        return PathError(p, absl::StrCat("block ", f.block_list[i], " is outside the device's ",
                                         g.block_count, " blocks (valid: 0-", g.block_count - 1,
                                         ")"));
      }
      if (auto [it, fresh] = seen.emplace(f.block_list[i], i); !fresh) {
        return PathError(p, absl::StrCat("block ", f.block_list[i], " is listed twice (also [",
                                          it->second, "])"));
      }
    }
    const uint64_t room = f.where.blocks ? f.where.blocks->last - f.where.blocks->first + 1
                                         : g.block_count;
    if (f.count > room) {
      return PathError(path + ".count", absl::StrCat("count ", f.count, " is more than the ",
                                                     room, " blocks it may choose from"));
    }
  }
  if (f.kind == FaultKind::kLatency && (f.latency_us == 0 || f.latency_us > kMaxLatencyUs)) {
    return PathError(path + ".latency_us",
                     absl::StrCat(f.latency_us == 0 ? "missing or 0" : "too large",
                                  ": a latency fault needs 1 to ", kMaxLatencyUs, " us"));
  }
  if (f.kind == FaultKind::kSilentCorruption) {
    if (!g.is_nand() || g.ecc_step == 0) {
      return PathError(path + ".kind", absl::StrCat("geometry '", g.name,
                                                    "' has no ECC for a decoder to fool"));
    }
    if (f.flips <= g.ecc_strength) {
      return PathError(path + ".flips",
                       absl::StrCat(f.flips, " flips are within the ECC strength (",
                                    g.ecc_strength, "): the decoder corrects them honestly"));
    }
    if (f.flips > g.ecc_step * 8) {
      return PathError(path + ".flips", absl::StrCat(f.flips, " flips do not fit one ECC step (",
                                                     g.ecc_step * 8, " bits)"));
    }
  }
  if (f.kind == FaultKind::kFieldMutation) {
    if (f.field.empty()) return PathError(path + ".field", "missing: which field to set");
    std::optional<NodeField> nf = FindNodeField(f.field);
    if (!nf) return PathError(path + ".field", UnknownFieldMessage(f.field));
    const uint64_t width = nf->size == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * nf->size)) - 1;
    if ((f.value & f.mask & ~width) != 0) {
      return PathError(path + ".value", absl::StrCat(f.value, " does not fit the ", int{nf->size},
                                                     "-byte field ", f.field));
    }
    if (!(f.when.ops & (kOpRead | kOpWrite))) {
      return PathError(path + ".when.ops", "a field_mutation fault acts on reads or writes");
    }
  }
  if (f.kind == FaultKind::kWearOut && f.threshold == 0 && g.endurance == 0) {
    return PathError(path + ".threshold",
                     absl::StrCat("missing: geometry '", g.name,
                                  "' has unlimited endurance, so wear_out needs a threshold"));
  }
  return absl::OkStatus();
}

bool ValidId(absl::string_view id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::Status ValidatePlan(const FaultPlan& plan, const Geometry& g) {
  FF_RETURN_IF_ERROR(ValidatePartitions(plan.partitions, g));
  std::map<std::string, size_t> ids;
  for (size_t i = 0; i < plan.faults.size(); ++i) {
    const FaultSpec& f = plan.faults[i];
    const std::string path = FaultPath(i);
    const int kind = static_cast<int>(f.kind);
    if (kind < 0 || kind >= kFaultKindCount) {
      return PathError(path + ".kind", absl::StrCat("unknown fault kind ", kind));
    }
    if (!ValidId(f.id)) {
      return PathError(path + ".id", absl::StrCat("\"", QuoteExcerpt(f.id), "\" is not a valid id (letters, "
                                                  "digits, '-', '_' and '.', not empty)"));
    }
    if (auto [it, fresh] = ids.emplace(f.id, i); !fresh) {
      return PathError(path + ".id", absl::StrCat("duplicate fault id '", QuoteExcerpt(f.id),
                                                  "' (also $.faults[", it->second, "])"));
    }
    FF_RETURN_IF_ERROR(ValidateWhere(f, plan, g, path + ".where"));
    FF_RETURN_IF_ERROR(ValidateWhen(f, g, path + ".when"));
    FF_RETURN_IF_ERROR(ValidateParams(f, g, path));
  }
  return absl::OkStatus();
}

}  // namespace flashfault
