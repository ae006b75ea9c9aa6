// libFuzzer target: arbitrary text into the fault-script parser and
// validator (fault-models/script/).
//
// The input is script text, parsed twice: with the geometry it names (preset
// or inline object, so GeometryFromJson is fuzzed too) and with a NOR preset
// forced, since NOR has its own rules (one-byte pages, no OOB, no unstable
// cells). Besides the sanitizers, every accepted script is held to the
// front end's contracts, and a violation traps:
//   - the plan passes ValidatePlan() on its own;
//   - PlanToJson() -> ParsePlan() gives back the same plan, and so does the
//     text of PlanToJson(plan, &geometry) parsed as a whole script;
//   - ExplainPlan() names every fault.
// A rejected script must be rejected with InvalidArgument and a message that
// starts with a JSON path or says it is not JSON. Deterministic: no mutable
// global state (the one static is a constant preset), no I/O, no exit.
#include <cstddef>
#include <cstdint>
#include <string>

#include "backends/model/presets.h"
#include "fault-models/script/fault_script.h"
#include "fuzz/fuzz_check.h"

namespace {

using namespace flashfault;

using flashfault::fuzz::Check;

void CheckAccepted(const FaultScript& s) {
  Check(ValidatePlan(s.plan, s.geometry).ok());

  const nlohmann::ordered_json exported = PlanToJson(s.plan);
  absl::StatusOr<FaultPlan> back =
      ParsePlan(nlohmann::json::parse(exported.dump()), s.geometry);
  Check(back.ok());
  Check(*back == s.plan);

  absl::StatusOr<FaultScript> again = ParseScriptText(PlanToJson(s.plan, &s.geometry).dump(), "");
  Check(again.ok());
  Check(again->plan == s.plan);

  const std::string text = ExplainPlan(s.plan, s.geometry);
  for (const FaultSpec& f : s.plan.faults) {
    Check(text.find("fault '" + f.id + "'") != std::string::npos);
  }
}

void CheckRejected(const absl::Status& st) {
  Check(st.code() == absl::StatusCode::kInvalidArgument);
  const absl::string_view msg = st.message();
  Check(msg.substr(0, 1) == "$" || msg.substr(0, 14) == "not valid JSON");
}

void RunOnce(absl::string_view text, const Geometry* override) {
  absl::StatusOr<FaultScript> s = ParseScriptText(text, "", override);
  if (s.ok()) {
    CheckAccepted(*s);
  } else {
    CheckRejected(s.status());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  RunOnce(text, nullptr);
  // The preset table is constant, so this lookup is deterministic.
  static const Geometry nor = *FindPreset("nor-64k-16m");
  RunOnce(text, &nor);
  return 0;
}
