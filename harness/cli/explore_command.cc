// `flashfault explore`: power-cut exploration of a workload. Flags,
// validation (exit 2 before anything boots) and printing; the run is
// harness/campaign/explore/explore_run.h. Exit 0 no finding, 3 findings, 2
// bad usage or input, 1 the rig or the tool failed.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/input_file.h"
#include "common/json_load.h"
#include "common/status_macros.h"
#include "harness/campaign/scenario.h"
#include "harness/campaign/crash_states.h"
#include "harness/campaign/duration.h"
#include "backends/model/geometry_json.h"
#include "harness/campaign/explore/explore_run.h"
#include "harness/campaign/explore/nandsim_reference.h"
#include "harness/campaign/oracle/builtin_workloads.h"
#include "harness/campaign/oracle/workload.h"
#include "harness/cli/arg_parser.h"
#include "harness/cli/command.h"
#include "harness/cli/rig_flags.h"

namespace flashfault::cli {
namespace {

namespace fs = std::filesystem;

// What WORKLOAD names: a built-in workload with an oracle, a workload file
// (corpora/workloads/), a shell workload (*.sh, logging its ops with
// `flashfault workload log-op` if it wants an oracle), or a scenario whose
// geometry and workload (one of those) are explored. Errors are the user's.
struct ExploreInput {
  std::optional<oracle::Workload> workload;  // with an oracle
  std::string shell;                         // or a shell workload's text
  std::string name;
  std::string preset;                        // from a scenario; "" = the flag's
};

absl::StatusOr<ExploreInput> FromScenario(const std::string& w, nlohmann::json j, uint64_t seed,
                                          uint64_t length) {
  // A workload with an oracle is no workload of `run`, whose parser checks
  // the rest: it parses the scenario with a stand-in and takes it back.
  std::string oracle_workload;
  if (j["workload"].is_string() &&
      oracle::LoadBuiltinWorkload(j["workload"].get<std::string>(), seed, length).ok()) {
    oracle_workload = j["workload"].get<std::string>();
    j["workload"] = "ubi-attach";
  }
  FF_ASSIGN_OR_RETURN(campaign::Scenario sc, campaign::ParseScenario(j, w));
  if (!oracle_workload.empty()) sc.workload.builtin = oracle_workload;
  auto refuse = [&w](const std::string& key, const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(w, ": $.", key, ": ", why));
  };
  if (!sc.script.plan.faults.empty()) {
    return refuse("script", "explore cuts the power itself on fault-free flash; drop the script "
                            "(or run the scenario with 'flashfault run')");
  }
  if (sc.image.kind != campaign::ImageSpec::Kind::kEmpty || sc.crash_state) {
    return refuse(sc.crash_state ? "crash_state" : "image",
                  "explore starts from a fresh file system it makes itself");
  }
  if (!sc.kernel_args.empty()) return refuse("kernel_args", "not supported by explore yet");
  if (!sc.geometry_is_preset) return refuse("geometry", "explore takes a preset name");
  ExploreInput in;
  in.name = sc.name;
  in.preset = sc.geometry.name;
  if (!sc.workload.shell.empty()) {
    in.shell = sc.workload.shell;
    return in;
  }
  absl::StatusOr<oracle::Workload> builtin =
      oracle::LoadBuiltinWorkload(sc.workload.builtin, seed, length);
  if (!builtin.ok()) {
    return refuse("workload", absl::StrCat("'", sc.workload.builtin,
                                           "' is a workload of 'flashfault run', not one with an "
                                           "oracle (see 'flashfault workload list'), or use a shell"));
  }
  in.workload = std::move(*builtin);
  return in;
}

absl::StatusOr<ExploreInput> ResolveInput(const std::string& w, uint64_t seed, uint64_t length) {
  ExploreInput in;
  if (!fs::exists(w)) {
    FF_ASSIGN_OR_RETURN(in.workload, oracle::LoadBuiltinWorkload(w, seed, length));
    in.name = in.workload->name;
    return in;
  }
  if (fs::is_directory(w)) return absl::InvalidArgumentError(absl::StrCat(w, ": is a directory"));
  if (absl::EndsWith(w, ".sh")) {
    FF_ASSIGN_OR_RETURN(in.shell, ReadInputFile(w));
    in.name = fs::path(w).stem().string();
    return in;
  }
  FF_ASSIGN_OR_RETURN(const std::string text, ReadInputFile(w));
  // A scenario names a workload; a workload file lists ops. Text that is not
  // JSON is left to the workload loader, whose message names line and column.
  const absl::StatusOr<nlohmann::json> j = ParseJsonText(text, w);
  if (j.ok() && j->is_object() && j->contains("workload") && !j->contains("ops")) {
    return FromScenario(w, *j, seed, length);
  }
  FF_ASSIGN_OR_RETURN(in.workload, oracle::LoadWorkloadFile(w));
  in.name = in.workload->name;
  return in;
}

int Usage(const std::string& why) {
  std::fprintf(stderr, "flashfault explore: %s\n", why.c_str());
  return kExitUsage;
}

}  // namespace

int RunExplore(std::span<char* const> args) {
  std::vector<std::string> positional;
  campaign::ExploreOptions o;
  std::string budget, out;
  RigFlags rig_flags;
  uint64_t length = 60;
  bool json = false, vs_nandsim = false;
  ArgParser parser(
      "flashfault explore WORKLOAD [--fs ubifs|jffs2] [--mode exhaustive|every:K|sample:N|bisect]"
      " [--inside none|torn|all] [--seed N] [--budget 30m] [--shard i/N] [--preset NAME]"
      " [--length N] [--slack S] [--out DIR] [--kernel K] [--muse-ko FILE] [--json] [--vs-nandsim]",
      "Record WORKLOAD's flash operations once in a QEMU guest (Debian's kernel, muse.ko), then "
      "check the crash states a power cut could leave: at every op boundary and, with --inside, "
      "torn writes and interrupted erases (unstable cells with 'all'). Each state is served as a "
      "fresh MTD and checked by the real kernel: attach, mount with UBIFS's self-checks, the "
      "workload's oracle (what sync, fsync and rename promise), a space check (every file "
      "removed, free space back to a fresh file system's), umount, with its own kernel log. "
      "Failing states are grouped by signature; each group's smallest state is written as a "
      "scenario that 'flashfault run' replays (exit 3). WORKLOAD is a built-in name (see "
      "'flashfault workload list') or a workload file (corpora/workloads/README.md). Writes "
      "DIR/results.json, DIR/states.jsonl, DIR/reproducers/ (default results/explore-WORKLOAD).",
      "  flashfault explore basic-durability --mode every:8\n"
      "  flashfault explore mix --seed 3 --inside torn --budget 30m --shard 2/4 --out /tmp/x\n"
      "  flashfault explore my-workload.json --fs jffs2 --mode bisect\n"
      "  flashfault explore basic-durability --mode every:4 --vs-nandsim   # the speed bench");
  parser.SetPositional("WORKLOAD", 1, 1, &positional);
  parser.AddString("fs", "NAME", "ubifs (default, on UBI) or jffs2", &o.fs);
  parser.AddString("mode", "M", "exhaustive (default), every:K, sample:N or bisect", &o.mode);
  parser.AddString("inside", "I", "none (default), torn or all", &o.inside);
  parser.AddUint("seed", "N", "seed of torn states, samples and the mix workload (default 1)",
                 &o.seed);
  parser.AddString("budget", "TIME", "stop starting states after TIME (30m, 90s, 2h)", &budget);
  parser.AddString("shard", "i/N", "check shard i of N of the state space (default 1/1)", &o.shard);
  o.preset.clear();  // set by --preset or a scenario, else the default below
  parser.AddString("preset", "NAME", "the flash part (default slc-2k-64m: 64 MiB)", &o.preset);
  parser.AddUint("length", "N", "ops of the mix workload (default 60)", &length);
  parser.AddString("slack", "S", "space-check slack: bytes, 256k or 1% (default: the oracle's)",
                   &o.slack);
  parser.AddString("out", "DIR", "results directory (default results/explore-WORKLOAD)", &out);
  AddRigFlags(parser, &rig_flags);
  parser.AddBool("json", "print results.json on stdout instead of a summary", &json);
  parser.AddBool("vs-nandsim",
                 "bench: check the boundary states again on nandsim holding the same cells, "
                 "in the same guest, and print both side by side",
                 &vs_nandsim);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "explore"); rc >= 0) return rc;

  // Everything is checked before anything boots.
  if (o.fs != "ubifs" && o.fs != "jffs2") return Usage("--fs: expected ubifs or jffs2, got '" + o.fs + "'");
  // Checked here, applied by the agent in the guest.
  if (absl::Status s = campaign::ParseSelection(o.mode, o.inside, o.shard).status(); !s.ok()) {
    return Usage(std::string(s.message()));
  }
  const std::optional<uint64_t> b = campaign::ParseDurationSeconds(budget);
  if (!b) return Usage("--budget: expected seconds or a number with s, m or h, got '" + budget + "'");
  o.budget_seconds = *b;
  const std::string& w = positional[0];
  const bool preset_given = !o.preset.empty();
  absl::StatusOr<ExploreInput> input = ResolveInput(w, o.seed, length);
  if (!input.ok()) return Usage(std::string(input.status().message()));
  if (!input->preset.empty()) {
    if (preset_given && o.preset != input->preset) {
      return Usage(absl::StrCat("--preset ", o.preset, " differs from the scenario's geometry ",
                                input->preset));
    }
    o.preset = input->preset;
  }
  if (o.preset.empty()) o.preset = "slc-2k-64m";
  o.workload_name = input->name;
  if (vs_nandsim) {
    absl::StatusOr<Geometry> g = ResolveGeometry(o.preset, "");
    if (!g.ok()) return Usage(std::string(g.status().message()));
    absl::StatusOr<std::string> args = campaign::NandsimModuleArgs(*g);
    if (!args.ok()) return Usage(std::string(args.status().message()));
    o.nandsim_args = *args;
  }
  o.out = out.empty() ? fs::path("results") / ("explore-" + input->name) : fs::path(out);
  o.reproduce = absl::StrCat("flashfault explore ", w, " --fs ", o.fs, " --mode ", o.mode,
                             " --inside ", o.inside, " --seed ", o.seed, " --shard ", o.shard,
                             " --preset ", o.preset, budget.empty() ? "" : " --budget ", budget,
                             vs_nandsim ? " --vs-nandsim" : "",
                             " --out ", o.out.string());
  std::fprintf(stderr, "[explore] seed %llu; reproduce: %s\n",
               static_cast<unsigned long long>(o.seed), o.reproduce.c_str());
  std::error_code ec;
  fs::create_directories(o.out / "run", ec);
  if (ec) {
    std::fprintf(stderr, "flashfault explore: cannot create %s: %s\n", o.out.c_str(),
                 ec.message().c_str());
    return kExitFailure;
  }
  o.workload_is_shell = !input->workload;
  o.workload_file = (o.out / "run" / (o.workload_is_shell ? "workload.sh" : "workload.json")).string();
  if (absl::Status s = WriteFileAtomically(
          o.workload_file, o.workload_is_shell ? input->shell
                                               : oracle::WorkloadToJson(*input->workload).dump(2) + "\n");
      !s.ok()) {
    std::fprintf(stderr, "flashfault explore: %s\n", std::string(s.message()).c_str());
    return kExitFailure;
  }
  absl::StatusOr<campaign::RigPaths> rig = campaign::LocateRig(rig_flags.muse_ko, rig_flags.kernel);
  if (!rig.ok()) {
    std::fprintf(stderr, "flashfault explore: %s\n", std::string(rig.status().message()).c_str());
    return absl::IsInvalidArgument(rig.status()) ? kExitUsage : kExitFailure;
  }
  if (!rig->kernel.empty()) absl::StrAppend(&o.reproduce, " --kernel ", rig->kernel);
  absl::StatusOr<campaign::ExploreOutcome> r = campaign::RunExplore(*rig, o);
  if (!r.ok()) {
    std::fprintf(stderr, "flashfault explore: %s\n", std::string(r.status().message()).c_str());
    std::printf("VERDICT: ERROR explore %s - %s\n", o.workload_name.c_str(),
                std::string(r.status().message()).c_str());
    return kExitFailure;
  }
  if (json) {
    std::printf("%s\n", r->results.dump(2).c_str());
    return r->exit_code;
  }
  const auto& res = r->results;
  std::printf("explore %s on %s (%s), seed %llu: %llu of %llu states checked, %.1f states/min\n",
              o.workload_name.c_str(), o.fs.c_str(), o.preset.c_str(),
              static_cast<unsigned long long>(o.seed),
              res["states_checked"].get<unsigned long long>(),
              res["states_space"].get<unsigned long long>(), res["states_per_minute"].get<double>());
  if (!r->vs_nandsim.is_null()) {
    std::printf("%s", campaign::NandsimComparisonText(r->vs_nandsim).c_str());
  }
  for (const campaign::Finding& f : r->findings) {
    std::printf("FINDING %s (%zu states): %s\n", f.signature_id.c_str(), f.states.size(),
                campaign::FindingWords(f).c_str());
    if (!f.replay.empty()) std::printf("  replay: %s\n", f.replay.c_str());
  }
  if (r->exit_code == kExitFailure) {
    std::printf("VERDICT: ERROR explore %s - %s\n", o.workload_name.c_str(), r->error.c_str());
  } else {
    std::printf("VERDICT: %s explore %s - %zu finding(s); results in %s\n",
                r->exit_code == 0 ? "PASS" : "FAIL", o.workload_name.c_str(), r->findings.size(),
                (o.out / "results.json").c_str());
  }
  return r->exit_code;
}

}  // namespace flashfault::cli
