// Reading a results.json of `flashfault fuzz` (fuzz_run.cc writes it) into
// a FuzzRecord; see records.h. Must not: re-judge or regroup findings (the
// campaign grouped them by signature and marked the known ones).
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "harness/report/json_fields.h"
#include "harness/report/records.h"

namespace flashfault::report {
namespace {

absl::StatusOr<FuzzFindingRecord> ReadFinding(const JsonField& f) {
  FuzzFindingRecord r;
  FF_RETURN_IF_ERROR(ReadFindingCommon(f, r));
  FF_ASSIGN_OR_RETURN(r.known, f["known"].Bool());
  FF_ASSIGN_OR_RETURN(r.first_seen_s, f["first_seen_s"].Number());
  FF_ASSIGN_OR_RETURN(r.inputs, f["inputs"].Uint());
  return r;
}

// statistics.workers[i]: its coverage curve ([t, edges, features] per
// execution) and the guest it drove (hello).
absl::Status ReadWorker(const JsonField& w, FuzzRecord& r) {
  std::vector<CoveragePoint>& curve = r.curves.emplace_back();
  const JsonField points = w["curve"];
  if (points.present()) {
    FF_ASSIGN_OR_RETURN(const size_t n, points.ArraySize());
    for (size_t i = 0; i < n; ++i) {
      const JsonField p = points[i];
      FF_ASSIGN_OR_RETURN(const size_t fields, p.ArraySize());
      if (fields != 3) return p.Error("expected [seconds, edges, features]");
      CoveragePoint c;
      FF_ASSIGN_OR_RETURN(c.t, p[0].Number());
      FF_ASSIGN_OR_RETURN(c.edges, p[1].Uint());
      FF_ASSIGN_OR_RETURN(c.features, p[2].Uint());
      if (!curve.empty() && c.t < curve.back().t) return p[0].Error("time goes backwards");
      curve.push_back(c);
    }
  }
  const JsonField hello = w["hello"];
  if (hello.present()) {
    FF_ASSIGN_OR_RETURN(const std::optional<std::string> kernel, hello["kernel"].OptString());
    FF_ASSIGN_OR_RETURN(const std::optional<bool> kcov, hello["kcov"].OptBool());
    if (kernel) r.kernels.push_back(*kernel);
    r.kcov = r.kcov || kcov.value_or(false);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<FuzzRecord> ParseFuzzRecord(const std::string& file, const nlohmann::json& results) {
  const JsonField root(file, results);
  FuzzRecord r;
  r.file = file;
  r.dir = std::filesystem::path(file).parent_path();
  FF_ASSIGN_OR_RETURN(r.fs, root["fs"].String());
  FF_ASSIGN_OR_RETURN(r.preset, root["preset"].String());
  FF_ASSIGN_OR_RETURN(r.workload, root["workload"].String());
  FF_ASSIGN_OR_RETURN(r.feedback, root["feedback"].String());
  FF_ASSIGN_OR_RETURN(r.seed, root["seed"].Uint());
  FF_ASSIGN_OR_RETURN(r.jobs, root["jobs"].Uint());
  FF_ASSIGN_OR_RETURN(r.budget_seconds, root["budget_seconds"].Uint());
  FF_ASSIGN_OR_RETURN(r.reproduce, root["reproduce"].String());
  FF_ASSIGN_OR_RETURN(r.started_at, root["started"].String());
  FF_ASSIGN_OR_RETURN(r.wall_seconds, root["wall_seconds"].Number());
  FF_ASSIGN_OR_RETURN(const std::optional<std::string> error, root["error"].OptString());
  r.error = error.value_or("");
  const JsonField stats = root["statistics"];
  FF_ASSIGN_OR_RETURN(r.executions, stats["executions"].Uint());
  FF_ASSIGN_OR_RETURN(r.executions_with_workload, stats["executions_with_workload"].Uint());
  FF_ASSIGN_OR_RETURN(r.per_minute, stats["per_minute"].Number());
  FF_ASSIGN_OR_RETURN(r.kcov_edges, stats["kcov_edges"].Uint());
  FF_ASSIGN_OR_RETURN(r.features, stats["features"].Uint());
  const JsonField steps = stats["mean_ms_per_step"];
  if (steps.present()) {
    FF_ASSIGN_OR_RETURN(const JsonField obj, steps.Object());
    for (const auto& [step, v] : obj.json().items()) {
      FF_ASSIGN_OR_RETURN(r.mean_ms_per_step[step], obj[step].Number());
    }
  }
  const JsonField workers = stats["workers"];
  if (workers.present()) {
    FF_ASSIGN_OR_RETURN(const size_t n, workers.ArraySize());
    for (size_t i = 0; i < n; ++i) FF_RETURN_IF_ERROR(ReadWorker(workers[i], r));
  }
  FF_ASSIGN_OR_RETURN(const size_t n, root["findings"].ArraySize());
  for (size_t i = 0; i < n; ++i) {
    FF_ASSIGN_OR_RETURN(FuzzFindingRecord f, ReadFinding(root["findings"][i]));
    r.findings.push_back(std::move(f));
  }
  return r;
}

}  // namespace flashfault::report
