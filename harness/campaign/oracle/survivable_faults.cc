// The survivable-fault rule; see survivable_faults.h.
#include "harness/campaign/oracle/survivable_faults.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace flashfault::oracle {

std::string WhyNotSurvivable(const FaultSpec& spec, const Geometry& g,
                             const std::vector<FaultKind>& also) {
  if (std::find(also.begin(), also.end(), spec.kind) != also.end()) return "";
  const char* name = FaultKindName(spec.kind);
  switch (spec.kind) {
    case FaultKind::kPowerCut:
    case FaultKind::kProgramFail:
    case FaultKind::kEraseFail:
    case FaultKind::kGrownBad:
    case FaultKind::kFactoryBad:
    case FaultKind::kLatency:
      return "";
    case FaultKind::kReadBitflip:
    case FaultKind::kChargeLoss:
      if (g.ecc_step == 0) return absl::StrCat(name, " on a part without ECC");
      if (spec.flips > g.ecc_strength) {
        return absl::StrCat(name, " of ", spec.flips, " flips beyond the ECC strength of ",
                            g.ecc_strength);
      }
      return "";
    case FaultKind::kStuckBit:
    case FaultKind::kReadDisturb:
    case FaultKind::kRetention:
    case FaultKind::kWearOut:
      return absl::StrCat(name, " can grow past the ECC's strength");
    case FaultKind::kSilentCorruption:
      return absl::StrCat(name, ": the ECC engine returns wrong data as good");
    case FaultKind::kFieldMutation:
      return absl::StrCat(name, ": the data on the flash is wrong by construction");
  }
  return absl::StrCat(name, ": unknown kind");
}

absl::StatusOr<std::vector<FaultKind>> ParseSurvivableKinds(absl::string_view comma_list) {
  std::vector<FaultKind> kinds;
  for (absl::string_view k : absl::StrSplit(comma_list, ',', absl::SkipEmpty())) {
    const std::optional<FaultKind> kind = FaultKindFromName(k);
    if (!kind) return absl::InvalidArgumentError(absl::StrCat("'", k, "' is not a fault kind"));
    kinds.push_back(*kind);
  }
  return kinds;
}

}  // namespace flashfault::oracle
