// The parts a campaign's reproducer adds to a scenario: an exploration's
// crash_state and a fuzzer's fuzz_case (see scenario_parse.h). Every error
// names the file and the JSON path. Must not: boot anything or write files.
#include <fstream>
#include <memory>

#include "common/status_macros.h"
#include "fault-models/fault_spec.h"
#include "fault-models/replay/log_replayer.h"
#include "fault-models/script/fault_script.h"
#include "harness/campaign/crash_states.h"
#include "harness/campaign/oracle/workload.h"
#include "harness/campaign/scenario_parse.h"
#include "harness/campaign/ubi_volume/volume_workload.h"

namespace flashfault::campaign::scenario_parse {

using json = nlohmann::json;

absl::Status ParseCrashState(const Ctx& c, const json& j, Scenario* s) {
  if (!j.is_object()) return c.Err("$.crash_state", "expected an object");
  FF_RETURN_IF_ERROR(CheckKeys(c, j, "$.crash_state",
                               {"events", "ops", "state", "fs", "baseline_free", "slack"}));
  CrashStateSpec cs;
  for (const char* key : {"events", "ops", "state", "baseline_free"}) {
    if (!j.contains(key)) return c.Err(absl::StrCat("$.crash_state.", key), "required");
  }
  FF_ASSIGN_OR_RETURN(std::string events, GetString(c, j["events"], "$.crash_state.events"));
  FF_ASSIGN_OR_RETURN(std::string ops, GetString(c, j["ops"], "$.crash_state.ops"));
  FF_ASSIGN_OR_RETURN(cs.state, GetString(c, j["state"], "$.crash_state.state"));
  cs.events = Resolve(c.file, events);
  cs.ops = Resolve(c.file, ops);
  absl::StatusOr<CrashState> state = ParseCrashStateId(cs.state);
  if (!state.ok()) return c.Err("$.crash_state.state", std::string(state.status().message()));
  cs.cut = state->op;
  absl::StatusOr<std::unique_ptr<LogReplayer>> log = LogReplayer::Open(cs.events);
  if (!log.ok()) return c.Err("$.crash_state.events", std::string(log.status().message()));
  cs.payload = (*log)->payload_path();
  if (!std::ifstream(cs.ops)) return c.Err("$.crash_state.ops", absl::StrCat("cannot read ", cs.ops));
  if (j.contains("fs")) {
    FF_ASSIGN_OR_RETURN(cs.fs, GetString(c, j["fs"], "$.crash_state.fs"));
    if (cs.fs != "ubifs" && cs.fs != "jffs2") return c.Err("$.crash_state.fs", "ubifs or jffs2");
  }
  if (!j["baseline_free"].is_number_unsigned()) {
    return c.Err("$.crash_state.baseline_free", "expected the free bytes of a fresh file system");
  }
  cs.baseline_free = j["baseline_free"].get<uint64_t>();
  if (j.contains("slack")) {
    FF_ASSIGN_OR_RETURN(cs.slack, GetString(c, j["slack"], "$.crash_state.slack"));
  }
  s->crash_state = std::move(cs);
  return absl::OkStatus();
}


absl::StatusOr<Geometry> CrashStateGeometry(const CrashStateSpec& cs) {
  FF_ASSIGN_OR_RETURN(std::unique_ptr<LogReplayer> log, LogReplayer::Open(cs.events));
  return log->cursor().geometry();
}

// Validated against the scenario's geometry, so a reproducer edited by
// hand fails here with its JSON path, not in the guest.
absl::Status ParseFuzzCase(const Ctx& c, const json& j, Scenario* s) {
  if (!j.is_object()) return c.Err("$.fuzz_case", "expected an object");
  FF_RETURN_IF_ERROR(CheckKeys(c, j, "$.fuzz_case", {"fs", "survivable", "script", "workload"}));
  for (const char* key : {"script", "workload"}) {
    if (!j.contains(key)) return c.Err(absl::StrCat("$.fuzz_case.", key), "required");
  }
  if (!s->geometry_is_preset) return c.Err("$.geometry", "a fuzz_case runs on a preset geometry");
  FuzzCaseSpec fc;
  if (j.contains("fs")) {
    FF_ASSIGN_OR_RETURN(fc.fs, GetString(c, j["fs"], "$.fuzz_case.fs"));
    if (fc.fs != "ubifs" && fc.fs != "jffs2" && fc.fs != "ubi") {
      return c.Err("$.fuzz_case.fs", "ubifs, jffs2 or ubi");
    }
  }
  if (j.contains("survivable")) {
    if (!j["survivable"].is_array()) return c.Err("$.fuzz_case.survivable", "expected fault kinds");
    for (size_t i = 0; i < j["survivable"].size(); ++i) {
      const json& k = j["survivable"][i];
      if (!k.is_string() || !FaultKindFromName(k.get<std::string>())) {
        return c.Err(absl::StrCat("$.fuzz_case.survivable[", i, "]"), "not a fault kind");
      }
      absl::StrAppend(&fc.survivable, fc.survivable.empty() ? "" : ",", k.get<std::string>());
    }
  }
  absl::StatusOr<FaultPlan> plan = ParsePlan(j["script"], s->geometry);
  if (!plan.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(c.file, ": ", Reroot(plan.status().message(), "$.fuzz_case.script")));
  }
  // fs ubi runs a UBI volume's workload (ubi_volume/volume_workload.h), the others a file system's.
  const bool volume = ubi_volume::IsVolumeWorkloadJson(j["workload"]);
  if (volume != (fc.fs == "ubi")) {
    return c.Err("$.fuzz_case.workload", volume ? "a UBI volume workload needs fs ubi"
                                                : "fs ubi needs a UBI volume workload (target ubi-volume)");
  }
  const absl::Status w = volume ? ubi_volume::ParseVolumeWorkload(j["workload"], "$.fuzz_case.workload").status()
                                : oracle::ParseWorkload(j["workload"], "$.fuzz_case.workload").status();
  if (!w.ok()) return absl::InvalidArgumentError(absl::StrCat(c.file, ": ", w.message()));
  fc.case_json = json{{"script", j["script"]}, {"workload", j["workload"]}}.dump();
  s->fuzz_case = std::move(fc);
  return absl::OkStatus();
}

}  // namespace flashfault::campaign::scenario_parse
