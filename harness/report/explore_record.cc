// Reading a results.json of `flashfault explore` (explore_run.cc writes it)
// and the states.jsonl beside it into an ExploreRecord; see records.h.
// Must not: regroup or re-judge states (findings.h grouped them; merge.cc
// only unites the groups of several shards).
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/input_file.h"
#include "common/json_load.h"
#include "common/status_macros.h"
#include "harness/report/json_fields.h"
#include "harness/report/records.h"

namespace flashfault::report {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<FindingRecord> ReadFinding(const JsonField& f) {
  FindingRecord r;
  FF_RETURN_IF_ERROR(ReadFindingCommon(f, r));
  FF_ASSIGN_OR_RETURN(r.smallest_state, f["smallest_state"].String());
  FF_ASSIGN_OR_RETURN(r.states, f["states"].OptStrings());
  if (r.states.empty()) return f["states"].Error("a finding without states");
  return r;
}

// states.jsonl: one full state record per line (agent.h).
absl::Status ReadStates(const fs::path& file, ExploreRecord& r) {
  FF_ASSIGN_OR_RETURN(const std::string text, ReadInputFile(file.string()));
  std::istringstream in(text);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.empty()) continue;
    const std::string where = absl::StrCat(file.string(), " line ", n);
    FF_ASSIGN_OR_RETURN(const nlohmann::json j, ParseJsonText(line, where));
    const JsonField s(where, j);
    StateRecord st;
    FF_ASSIGN_OR_RETURN(st.id, s["id"].String());
    const absl::StatusOr<std::string> result = s["result"].String();
    if (!result.ok()) return result.status();
    if (*result != "pass" && *result != "fail") {
      return s["result"].Error(absl::StrCat("\"", *result, "\" is neither \"pass\" nor \"fail\""));
    }
    st.failed = *result == "fail";
    FF_ASSIGN_OR_RETURN(const std::optional<std::string> sig, s["signature"].OptString());
    st.signature = sig.value_or("");
    FF_ASSIGN_OR_RETURN(st.at_s, s["at_s"].OptNumber());
    const JsonField ms = s["ms"];
    if (ms.present()) {
      FF_ASSIGN_OR_RETURN(const JsonField obj, ms.Object());
      for (const auto& [step, v] : obj.json().items()) {
        FF_ASSIGN_OR_RETURN(const double t, obj[step].Number());
        st.ms += t;
      }
    }
    r.states.push_back(std::move(st));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadFindingCommon(const JsonField& f, FindingCommon& r) {
  FF_ASSIGN_OR_RETURN(r.signature, f["signature"].String());
  FF_ASSIGN_OR_RETURN(r.signature_id, f["signature_id"].String());
  FF_ASSIGN_OR_RETURN(r.failed, f["failed"].String());
  FF_ASSIGN_OR_RETURN(r.words, f["words"].String());
  FF_ASSIGN_OR_RETURN(r.kernel_log, f["kernel_log"].OptStrings());
  FF_ASSIGN_OR_RETURN(const std::optional<std::string> reproducer, f["reproducer"].OptString());
  FF_ASSIGN_OR_RETURN(const std::optional<std::string> replay, f["replay"].OptString());
  r.reproducer = reproducer.value_or("");
  r.replay = replay.value_or("");
  return absl::OkStatus();
}

absl::StatusOr<ExploreRecord> ParseExploreRecord(const std::string& file,
                                                 const nlohmann::json& results) {
  const JsonField root(file, results);
  ExploreRecord r;
  r.file = file;
  r.dir = fs::path(file).parent_path();
  FF_ASSIGN_OR_RETURN(r.workload, root["workload"].String());
  FF_ASSIGN_OR_RETURN(r.fs, root["fs"].String());
  FF_ASSIGN_OR_RETURN(r.geometry, root["geometry"].String());
  FF_ASSIGN_OR_RETURN(r.mode, root["mode"].String());
  FF_ASSIGN_OR_RETURN(r.inside, root["inside"].String());
  FF_ASSIGN_OR_RETURN(r.shard, root["shard"].String());
  FF_ASSIGN_OR_RETURN(r.seed, root["seed"].Uint());
  FF_ASSIGN_OR_RETURN(r.reproduce, root["reproduce"].String());
  FF_ASSIGN_OR_RETURN(r.verdict, root["verdict"].String());
  if (r.verdict != "pass" && r.verdict != "found" && r.verdict != "error") {
    return root["verdict"].Error(
        absl::StrCat("\"", r.verdict, "\" is none of \"pass\", \"found\", \"error\""));
  }
  FF_ASSIGN_OR_RETURN(const std::optional<std::string> started, root["started_at"].OptString());
  FF_ASSIGN_OR_RETURN(const std::optional<std::string> error, root["error"].OptString());
  r.started_at = started.value_or("");
  r.error = error.value_or("");
  FF_ASSIGN_OR_RETURN(r.states_checked, root["states_checked"].Uint());
  FF_ASSIGN_OR_RETURN(r.states_failed, root["states_failed"].Uint());
  FF_ASSIGN_OR_RETURN(r.states_per_minute, root["states_per_minute"].Number());
  FF_ASSIGN_OR_RETURN(r.budget_ran_out, root["budget_ran_out"].Bool());
  FF_ASSIGN_OR_RETURN(const std::optional<double> wall, root["wall_seconds"].OptNumber());
  r.wall_seconds = wall.value_or(0);
  FF_ASSIGN_OR_RETURN(const size_t n, root["findings"].ArraySize());
  for (size_t i = 0; i < n; ++i) {
    FF_ASSIGN_OR_RETURN(FindingRecord f, ReadFinding(root["findings"][i]));
    r.findings.push_back(std::move(f));
  }
  if (fs::exists(r.dir / "states.jsonl")) FF_RETURN_IF_ERROR(ReadStates(r.dir / "states.jsonl", r));
  FF_ASSIGN_OR_RETURN(const std::optional<std::string> device, root["device_summary"].OptString());
  if (device) {
    FF_ASSIGN_OR_RETURN(r.device, ParseDeviceRecord((r.dir / *device).string()));
  }
  return r;
}

}  // namespace flashfault::report
