// Internal to the fault-script front end: which FaultSpec parameters and
// Where fields each fault kind uses, shared by the parser (which rejects a key
// a kind does not use), the validator (which rejects a non-default value of
// such a field in a plan built in code), the exporter and the explainer.
// Not a public interface: include only from fault-models/script/*.cc.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fault-models/fault_spec.h"

namespace flashfault::script_internal {

// One bit per kind-specific parameter of FaultSpec; the JSON key is the
// field's name.
enum Param : uint32_t {
  kFlips = 1u << 0,
  kRate = 1u << 1,
  kStuckValue = 1u << 2,
  kProgramEffect = 1u << 3,
  kEraseEffect = 1u << 4,
  kTornFraction = 1u << 5,
  kUnstable = 1u << 6,
  kBlockList = 1u << 7,
  kCount = 1u << 8,
  kLatencyUs = 1u << 9,
  kThreshold = 1u << 10,
  kSilentEffect = 1u << 11,
  kRealOdds = 1u << 12,
  kField = 1u << 13,
  kValue = 1u << 14,
  kMask = 1u << 15,
  kFixCrc = 1u << 16,
};
inline constexpr int kParamCount = 17;

// The JSON key of one parameter bit.
absl::string_view ParamKey(Param p);
// The parameters `kind` reads; any other is an error when given.
uint32_t KindParams(FaultKind kind);
// Bits of `f` that differ from a default-constructed FaultSpec.
uint32_t NonDefaultParams(const FaultSpec& f);

// Whether `kind` acts on individual bits (so where.bytes / where.bits mean
// something), on pages (where.pages) and has a trigger at all (`when`).
bool KindTargetsBits(FaultKind kind);
bool KindTargetsPages(FaultKind kind);
bool KindHasTrigger(FaultKind kind);
// The operation a kind needs in when.ops to ever fire (0 = any).
uint32_t KindRequiredOp(FaultKind kind);

inline absl::Status PathError(absl::string_view path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", why));
}
inline std::string FaultPath(size_t index) { return absl::StrCat("$.faults[", index, "]"); }

}  // namespace flashfault::script_internal
