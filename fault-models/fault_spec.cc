// Names of the FaultSpec enums; see fault_spec.h. The tables here are the
// only place the JSON and log spellings are defined.
#include "fault-models/fault_spec.h"

#include <array>

namespace flashfault {
namespace {

constexpr std::array<const char*, kFaultKindCount> kKindNames = {
    "read_bitflip", "charge_loss", "stuck_bit",    "program_fail", "erase_fail", "factory_bad",
    "grown_bad",    "power_cut",   "read_disturb", "retention",    "wear_out",   "latency",
    "silent_corruption", "field_mutation",
};

constexpr std::array<const char*, 6> kOpNames = {"read", "write", "erase", "isbad", "markbad",
                                                 "sync"};

}  // namespace

const char* FaultKindName(FaultKind kind) { return kKindNames[static_cast<size_t>(kind)]; }

std::optional<FaultKind> FaultKindFromName(absl::string_view name) {
  for (size_t i = 0; i < kKindNames.size(); ++i) {
    if (name == kKindNames[i]) return static_cast<FaultKind>(i);
  }
  return std::nullopt;
}

const char* OpName(uint32_t single_op) {
  for (size_t i = 0; i < kOpNames.size(); ++i) {
    if (single_op == (1u << i)) return kOpNames[i];
  }
  return "?";
}

std::optional<uint32_t> OpFromName(absl::string_view name) {
  for (size_t i = 0; i < kOpNames.size(); ++i) {
    if (name == kOpNames[i]) return 1u << i;
  }
  return std::nullopt;
}

const char* MatchUnitName(MatchUnit u) { return u == MatchUnit::kPage ? "page" : "op"; }

const char* ProgramFailEffectName(ProgramFailEffect e) {
  switch (e) {
    case ProgramFailEffect::kUnchanged: return "unchanged";
    case ProgramFailEffect::kPartial: return "partial";
    case ProgramFailEffect::kFull: return "full";
  }
  return "?";
}

const char* EraseFailEffectName(EraseFailEffect e) {
  switch (e) {
    case EraseFailEffect::kUnchanged: return "unchanged";
    case EraseFailEffect::kPartial: return "partial";
  }
  return "?";
}

const char* SilentEffectName(SilentEffect e) {
  switch (e) {
    case SilentEffect::kMiscorrect: return "miscorrect";
    case SilentEffect::kMiss: return "miss";
  }
  return "?";
}

}  // namespace flashfault
