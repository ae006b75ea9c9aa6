// Generating the guest script of a run (see guest_script.h). Must not: put
// anything from a scenario into the script unquoted, except the shell
// snippet, which is the scenario author's own code by design.
#include "harness/campaign/guest_script.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace flashfault::campaign {
namespace {

// The `muse_start_server` arguments of one scenario. serve takes exactly one
// of --preset, --geometry and --image ("-": muse_start_server passes no
// --preset).
std::string ServeArgs(const Scenario& s, uint64_t seed, size_t index) {
  std::string serve;
  if (s.crash_state) {
    serve = absl::StrCat("- --crash-log ", GuestPayloadPath(index, kGuestCrashEvents),
                         " --crash-state ", ShellQuote(s.crash_state->state));
  } else if (s.image.kind == ImageSpec::Kind::kErasedFile) {
    serve = absl::StrCat("- --image ", kGuestErasedPart);
  } else if (s.image.kind != ImageSpec::Kind::kEmpty) {
    serve = absl::StrCat("- --image ", GuestPayloadPath(index, kGuestImage));
  } else if (s.geometry_is_preset) {
    serve = ShellQuote(s.geometry.name);
  } else {
    serve = absl::StrCat("- --geometry ", GuestPayloadPath(index, kGuestGeometry));
  }
  absl::StrAppend(&serve, " --script ", GuestPayloadPath(index, kGuestFaultScript), " --seed ",
                  seed, " --events \"$FF_EVENTS\" --summary ", GuestSummaryPath(index));
  if (s.log_meanings) absl::StrAppend(&serve, " --decode");
  if (!s.workload.parts.empty()) absl::StrAppend(&serve, " --parts ", ShellQuote(s.workload.parts));
  // Every workload gets the control directory (snippet.sh's ff_power_cut, ...).
  absl::StrAppend(&serve, " --control \"$FF_CTL\"");
  return serve;
}

// "erased-file": the part is made once, before the first server, in the
// guest (shipping an erased image would cost its size in the initramfs).
std::string ErasedPartCommand(const Scenario& s, size_t index) {
  if (s.image.kind != ImageSpec::Kind::kErasedFile) return "";
  const std::string geometry = s.geometry_is_preset
                                   ? absl::StrCat("--preset ", ShellQuote(s.geometry.name))
                                   : absl::StrCat("--geometry ", GuestPayloadPath(index, kGuestGeometry));
  std::string out = absl::StrCat(
      "rm -f ", kGuestErasedPart, "*\n/flashfault image create ", geometry, " ", kGuestErasedPart,
      " >/dev/null || ff_fail \"cannot create the erased part ", kGuestErasedPart, "\"\n");
  if (!s.wear.empty()) {
    absl::StrAppend(&out, "/flashfault image wear ", kGuestErasedPart);
    for (const WearSetting& w : s.wear) absl::StrAppend(&out, " ", WearArg(w));
    absl::StrAppend(&out, " >/dev/null || ff_fail \"cannot set the part's wear\"\n");
  }
  return out;
}

// One scenario, in a subshell: a failure (ff_fail exits) ends only it.
std::string ScenarioBlock(const Scenario& s, uint64_t seed, size_t index) {
  std::string body;
  if (!s.workload.builtin.empty()) {
    body = absl::StrCat("wl_", absl::StrReplaceAll(s.workload.builtin, {{"-", "_"}}),
                        " \"$FF_MUSE_MTD\"\n");
  } else {
    body = absl::StrCat("# the scenario's shell snippet ($.workload.shell); FF_MUSE_MTD is the mtd number\n",
                        s.workload.shell, "\n");
  }
  std::string out = absl::StrCat("\n# ---- scenario ", index, ": ", s.name, " (", s.file,
                                 "), seed ", seed, "\necho \"FFRUN-BEGIN ", index, "\"\nff_slice ",
                                 GuestSliceName(index), " begin\ndmesg_mark\n(\n");
  if (const std::optional<CrashStateSpec>& cs = s.crash_state) {
    // What wl_explore_check judges the state with.
    absl::StrAppend(&out, "FF_CRASH_FS=", ShellQuote(cs->fs), " FF_CRASH_CUT=", cs->cut,
                    " FF_CRASH_OPS=", GuestPayloadPath(index, kGuestCrashOps),
                    " FF_CRASH_BASELINE=", cs->baseline_free, " FF_CRASH_SLACK=",
                    ShellQuote(cs->slack),
                    "\nexport FF_CRASH_FS FF_CRASH_CUT FF_CRASH_OPS FF_CRASH_BASELINE FF_CRASH_SLACK\n");
  }
  if (const std::optional<FuzzCaseSpec>& fc = s.fuzz_case) {
    // What wl_fuzz_check hands the fuzz agent.
    absl::StrAppend(&out, "FF_FUZZ_CASE=", GuestPayloadPath(index, kGuestFuzzCase),
                    " FF_FUZZ_FS=", ShellQuote(fc->fs), " FF_FUZZ_PRESET=",
                    ShellQuote(s.geometry.name), " FF_FUZZ_SURVIVABLE=", ShellQuote(fc->survivable),
                    "\nexport FF_FUZZ_CASE FF_FUZZ_FS FF_FUZZ_PRESET FF_FUZZ_SURVIVABLE\n");
  }
  if (!s.workload.file_sizes.empty()) {
    absl::StrAppend(&out, "FF_FILE_SIZES=", ShellQuote(s.workload.file_sizes),
                    "\nexport FF_FILE_SIZES\n");
  }
  absl::StrAppend(&out,
                  "echo \"FFRUN scenario ", s.name, " seed ", seed, "\"\n"
                  "wl_begin\n",
                  ErasedPartCommand(s, index),
                  "# how this scenario's server starts (again: ff_restart_server)\n"
                  "ff_serve() { muse_start_server ", ServeArgs(s, seed, index), "; }\n"
                  "ff_step serve\n"
                  "mkdir -p ", kGuestExportDir, "/", index, "\n"
                  "ff_serve\n"
                  "FF_PAYLOAD=", GuestPayloadPath(index, ""), " FF_FILES=",
                  GuestPayloadPath(index, kGuestFiles), "\n"
                  "export FF_MUSE_MTD FF_SERVER_PID FF_CTL FF_EVENTS FF_PAYLOAD FF_FILES\n"
                  "ff_step workload\n"
                  "(\n"
                  "set -e\n",
                  body,
                  ")\n"
                  "FF_WL_RC=$?\n"
                  "echo \"FFRUN workload_exit $FF_WL_RC\"\n"
                  "ff_step end\n"
                  "wl_end\n"
                  ")\n"
                  "wl_after\n"
                  "ff_slice ", GuestSliceName(index), " end\n"
                  "echo \"FFRUN-END ", index, "\"\n");
  return out;
}

}  // namespace

std::string ShellQuote(const std::string& text) {
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "'\\''"}}), "'");
}

std::string GuestSliceName(size_t index) { return absl::StrCat("scenario.", index); }

std::string GuestSummaryPath(size_t index) {
  return absl::StrCat(kGuestExportDir, "/", index, "/", kDeviceSummaryName);
}

std::string GuestPayloadPath(size_t index, const char* name) {
  return absl::StrCat("/ffrun/", index, "/", name);
}

std::string GuestScript(std::span<const ScenarioRun> runs) {
  std::string out = absl::StrCat(
      "#!/bin/sh\n"
      "# Generated by `flashfault run` for ", runs.size(), " scenario(s) in one boot.\n"
      "# Do not edit: edit the scenarios and run them again.\n"
      ". /ff/lib.sh\n"
      ". ",
      kGuestWorkloads, "\n");
  for (size_t i = 0; i < runs.size(); ++i) {
    // A progress line for the host (a bar on a terminal: campaign/progress.h).
    absl::StrAppend(&out, "\nff_step ",
                    ShellQuote(absl::StrCat("run ", i + 1, "/", runs.size(), " scenarios: ",
                                            runs[i].scenario->name)));
    absl::StrAppend(&out, ScenarioBlock(*runs[i].scenario, runs[i].seed, i));
  }
  // The device summaries to the host; a run is judged without them.
  absl::StrAppend(&out, "\n# ---- the servers' device summaries to the host\nff_export ",
                  kGuestExportDir, " || echo \"FFRUN export_failed\"\n");
  return out;
}

}  // namespace flashfault::campaign
