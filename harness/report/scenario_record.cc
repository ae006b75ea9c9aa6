// Reading a results.json of `flashfault run` (harness/campaign/runner.cc
// writes it) into a ScenarioRecord; see records.h. Must not: re-judge the
// scenario (its verdict is the runner's) or read the guest's logs beyond the
// scenario's own kernel-log slice.
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/input_file.h"
#include "common/status_macros.h"
#include "harness/report/device_map.h"
#include "harness/report/json_fields.h"
#include "harness/report/records.h"

namespace flashfault::report {
namespace {

namespace fs = std::filesystem;

constexpr size_t kTraceLines = 12;  // per kind: enough to see the call chain
constexpr size_t kTailLines = 20;   // of a clean log of a failed scenario

absl::StatusOr<std::string> OneOf(const JsonField& f, std::initializer_list<const char*> allowed) {
  FF_ASSIGN_OR_RETURN(std::string v, f.String());
  for (const char* a : allowed) {
    if (v == a) return v;
  }
  std::string list;
  for (const char* a : allowed) absl::StrAppend(&list, list.empty() ? "" : ", ", "\"", a, "\"");
  return f.Error(absl::StrCat("\"", v, "\" is none of ", list));
}

absl::Status ReadChecks(const JsonField& checks, ScenarioRecord& r) {
  if (!checks.present()) return absl::OkStatus();  // an error verdict has none
  FF_ASSIGN_OR_RETURN(const size_t n, checks.ArraySize());
  for (size_t i = 0; i < n; ++i) {
    CheckRecord c;
    FF_ASSIGN_OR_RETURN(c.name, checks[i]["name"].String());
    FF_ASSIGN_OR_RETURN(c.expected, checks[i]["expected"].String());
    FF_ASSIGN_OR_RETURN(c.actual, checks[i]["actual"].String());
    FF_ASSIGN_OR_RETURN(c.pass, checks[i]["pass"].Bool());
    r.checks.push_back(std::move(c));
  }
  return absl::OkStatus();
}

absl::Status ReadObserved(const JsonField& observed, ScenarioRecord& r) {
  if (!observed.present()) return absl::OkStatus();
  const JsonField fired = observed["faults_fired"];
  if (fired.present()) {
    FF_ASSIGN_OR_RETURN(const JsonField obj, fired.Object());
    for (const auto& [id, v] : obj.json().items()) {
      FF_ASSIGN_OR_RETURN(r.faults_fired[id], obj[id]["fired"].Uint());
    }
  }
  FF_ASSIGN_OR_RETURN(std::optional<std::string> first_fail, observed["first_fail"].OptString());
  r.first_fail = first_fail.value_or("");
  return absl::OkStatus();
}

// The first line of each kind the classifier counted, with the start of its
// trace; for a failed scenario whose log had none, the log's last lines.
absl::Status ReadKernelExcerpt(const JsonField& klog, ScenarioRecord& r) {
  if (!klog.present()) return absl::OkStatus();
  const JsonField first = klog["first"];
  if (first.present()) {
    FF_ASSIGN_OR_RETURN(const JsonField obj, first.Object());
    for (const auto& [kind, v] : obj.json().items()) {
      FF_ASSIGN_OR_RETURN(const std::string line, obj[kind]["line"].String());
      r.kernel_excerpt.push_back(absl::StrCat("[", kind, "] ", line));
      const JsonField trace = obj[kind]["trace"];
      if (!trace.present()) continue;
      FF_ASSIGN_OR_RETURN(const size_t n, trace.ArraySize());
      for (size_t i = 0; i < n && i < kTraceLines; ++i) {
        FF_ASSIGN_OR_RETURN(const std::string t, trace[i].String());
        r.kernel_excerpt.push_back(absl::StrCat("    ", t));
      }
    }
  }
  FF_ASSIGN_OR_RETURN(const std::optional<std::string> dmesg, klog["dmesg"].OptString());
  if (r.kernel_excerpt.empty() && r.verdict != "pass" && dmesg) {
    const std::string text = ReadFileOrEmpty((r.dir / *dmesg).string());
    std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
    if (lines.size() > kTailLines) {
      lines.erase(lines.begin(), lines.end() - kTailLines);
      r.kernel_excerpt.push_back(absl::StrCat("(the last ", kTailLines, " lines of ", *dmesg, ")"));
    }
    r.kernel_excerpt.insert(r.kernel_excerpt.end(), lines.begin(), lines.end());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ScenarioRecord> ParseScenarioRecord(const std::string& file,
                                                   const nlohmann::json& results) {
  const JsonField root(file, results);
  ScenarioRecord r;
  r.file = file;
  r.dir = fs::path(file).parent_path();
  FF_ASSIGN_OR_RETURN(r.scenario, root["scenario"].String());
  FF_ASSIGN_OR_RETURN(r.scenario_file, root["file"].String());
  FF_ASSIGN_OR_RETURN(r.seed, root["seed"].Uint());
  FF_ASSIGN_OR_RETURN(r.reproduce, root["reproduce"].String());
  FF_ASSIGN_OR_RETURN(r.verdict, OneOf(root["verdict"], {"pass", "fail", "error"}));
  FF_ASSIGN_OR_RETURN(const std::optional<std::string> description, root["description"].OptString());
  FF_ASSIGN_OR_RETURN(const std::optional<std::string> geometry, root["geometry"].OptString());
  FF_ASSIGN_OR_RETURN(const std::optional<std::string> workload, root["workload"].OptString());
  FF_ASSIGN_OR_RETURN(const std::optional<std::string> started, root["started_at"].OptString());
  FF_ASSIGN_OR_RETURN(const std::optional<std::string> error, root["error"].OptString());
  FF_ASSIGN_OR_RETURN(const std::optional<double> wall, root["wall_seconds"].OptNumber());
  r.description = description.value_or("");
  r.geometry = geometry.value_or("");
  r.workload = workload.value_or("");
  r.started_at = started.value_or("");
  r.error = error.value_or("");
  r.wall_seconds = wall.value_or(0);
  FF_RETURN_IF_ERROR(ReadChecks(root["checks"], r));
  FF_RETURN_IF_ERROR(ReadObserved(root["observed"], r));
  FF_RETURN_IF_ERROR(ReadKernelExcerpt(root["kernel_log"], r));
  if (r.verdict == "error" && r.kernel_excerpt.empty() && !r.error.empty()) {
    r.kernel_excerpt.push_back(r.error);
  }
  FF_ASSIGN_OR_RETURN(const std::optional<std::string> device, root["device_summary"].OptString());
  if (device) {
    FF_ASSIGN_OR_RETURN(r.device, ParseDeviceRecord((r.dir / *device).string()));
  }
  // The initial image `run` imported for the guest, when the scenario had one.
  const fs::path image = r.dir / "run" / "image.img";
  if (fs::exists(image)) {
    r.image_file = image.string();
    FF_ASSIGN_OR_RETURN(r.image_map, DecodeImageFile(r.image_file));
  }
  return r;
}

}  // namespace flashfault::report
