// `flashfault fuzz`: kernel fault fuzzing. Flags, validation (exit 2 before
// anything boots) and printing; the campaign is
// harness/campaign/fuzz/fuzz_run.h. Exit 0 no finding, 3 findings, 2 bad
// usage or input, 1 the rig or the tool failed.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/input_file.h"
#include "harness/campaign/duration.h"
#include "harness/campaign/fuzz/fuzz_run.h"
#include "harness/campaign/oracle/builtin_workloads.h"
#include "harness/campaign/oracle/survivable_faults.h"
#include "harness/cli/arg_parser.h"
#include "harness/cli/command.h"
#include "harness/cli/rig_flags.h"

namespace flashfault::cli {
namespace {

namespace fs = std::filesystem;
namespace fz = campaign::fuzz;

int Usage(const std::string& why) {
  std::fprintf(stderr, "flashfault fuzz: %s\n", why.c_str());
  return kExitUsage;
}

void PrintFinding(const fz::FuzzFinding& f) {
  std::printf("%s %s (%zu input(s), first after %.0f s): %s\n", f.known ? "KNOWN" : "FINDING",
              f.signature_id.c_str(),
              f.inputs, f.first_seen_s, f.signature.c_str());
  if (!f.minimize_stats.is_null()) std::printf("  minimised: %s\n", f.minimize_stats.dump().c_str());
  if (!f.replay.empty()) std::printf("  replay: %s\n", f.replay.c_str());
}

// --minimize FINDING: the campaign's own settings come from OUT/config.json.
int MinimizeAgain(const std::string& finding, fz::FuzzOptions o, const RigFlags& rig_flags) {
  const fs::path dir = fs::absolute(finding);
  const fs::path out = dir.parent_path().parent_path();
  const nlohmann::json c = nlohmann::json::parse(ReadFileOrEmpty((out / "config.json").string()),
                                                 nullptr, false);
  if (!c.is_object()) {
    return Usage(absl::StrCat(finding, ": not a finding of flashfault fuzz (no ", (out / "config.json").string(), ")"));
  }
  o.out = out;
  o.fs = c.value("fs", o.fs);
  o.preset = c.value("preset", o.preset);
  o.workload = c.value("workload", o.workload);
  o.survivable = c.value("survivable", o.survivable);
  const std::string kernel = rig_flags.kernel.empty() ? c.value("kernel", "") : rig_flags.kernel;
  absl::StatusOr<campaign::RigPaths> rig = campaign::LocateRig(rig_flags.muse_ko, kernel);
  if (!rig.ok()) return Usage(std::string(rig.status().message()));
  absl::StatusOr<fz::FuzzFinding> f = fz::MinimizeFinding(*rig, o, dir);
  if (!f.ok()) {
    std::fprintf(stderr, "flashfault fuzz: %s\n", f.status().ToString().c_str());
    return absl::IsNotFound(f.status()) ? kExitUsage : kExitFailure;
  }
  PrintFinding(*f);
  return f->reproduced ? kExitFound : kExitOk;
}

}  // namespace

int RunFuzz(std::span<char* const> args) {
  fz::FuzzOptions o;
  std::string budget = "5m", out, corpus, minimize;
  RigFlags rig_flags;
  bool no_minimize = false, json = false;
  ArgParser parser(
      "flashfault fuzz [--fs ubifs|jffs2|ubi] [--workload NAME] [--jobs N] [--budget 30m] [--seed N]"
      " [--corpus DIR] [--out DIR] [--preset NAME] [--feedback kcov|log] [--runs N]"
      " [--survivable KIND,...] [--known DIR] [--no-minimize] [--stop-on-finding] [--kernel K] [--muse-ko FILE] [--json]\n"
      "       flashfault fuzz --minimize OUT/findings/ID",
      "Fuzz the kernel's flash stack with faults: libFuzzer chooses, input by input, which bits "
      "flip, which programs and erases fail, which blocks go bad and when the power drops, and "
      "which operations the workload does, while the real kernel (Debian's, or --kernel debug: "
      "KASAN + KCOV) runs UBI and UBIFS or JFFS2 on a fresh flashfault part in a persistent QEMU "
      "guest. What the kernel did steers the next input: KCOV edges of the flash stack with the "
      "debug kernel; kernel-log templates, error paths and the pattern of faults and outcomes "
      "with any kernel. A failure is an oops, BUG, WARNING, KASAN report or hang, or a recovery "
      "(attach, mount with UBIFS's self-checks, reading every file) that fails after faults the "
      "file system must survive (docs/kernel-fuzzing.md). Findings are grouped by signature, "
      "minimised by delta debugging to a small scenario that 'flashfault run' replays (exit 3). "
      "Writes DIR/results.json, DIR/findings/, DIR/reproducers/, DIR/corpus/ (default "
      "results/fuzz-FS).",
      "  flashfault fuzz --budget 10m\n"
      "  flashfault fuzz --fs jffs2 --jobs 2 --budget 1h --corpus corpus/jffs2 --out /tmp/f\n"
      "  flashfault fuzz --fs ubi --budget 10m       # UBI alone: atomic LEB changes, erases, maps\n"
      "  flashfault fuzz --kernel debug --budget 30m          # KCOV feedback, KASAN\n"
      "  flashfault fuzz --minimize results/fuzz-ubifs/findings/3fa2c19e04d1");
  parser.AddString("fs", "NAME",
                   "ubifs (default, on UBI), jffs2, or ubi (a UBI volume with no file system: "
                   "LEB changes, erases, maps and unmaps, each LEB judged by what UBI promises)",
                   &o.fs);
  parser.AddString("workload", "NAME",
                   "mix (default: each input chooses its own seeded mix) or a built-in workload",
                   &o.workload);
  parser.AddUint("jobs", "N", "guests fuzzing side by side (libFuzzer -jobs/-workers)", &o.jobs);
  parser.AddString("budget", "TIME", "fuzzing time (5m default; 90s, 2h)", &budget);
  parser.AddUint("seed", "N", "libFuzzer's seed (default 1)", &o.seed);
  parser.AddUint("runs", "N", "stop after N executions (libFuzzer -runs)", &o.runs);
  parser.AddString("corpus", "DIR", "the corpus to read and grow (default DIR/corpus)", &corpus);
  parser.AddString("out", "DIR", "results directory (default results/fuzz-FS)", &out);
  parser.AddString("preset", "NAME", "the flash part (default slc-2k-16m: a short attach scan)", &o.preset);
  parser.AddString("feedback", "F",
                   "kcov (default: KCOV edges when the kernel has them) or log (kernel log and "
                   "outcomes only; KCOV edges still measured: the comparison)",
                   &o.feedback);
  parser.AddString("survivable", "KIND,...",
                   "fault kinds to declare survivable (a planted failure, for tests)", &o.survivable);
  std::string known = "-";
  parser.AddString("known", "DIR",
                   "findings already recorded, a folder per signature id (default: the "
                   "repository's corpora/reproducers): reported as known, no exit 3",
                   &known);
  parser.AddBool("no-minimize", "keep findings as found", &no_minimize);
  parser.AddBool("stop-on-finding", "end the campaign at the first failing input (CI)",
                 &o.stop_on_finding);
  parser.AddString("minimize", "FINDING", "minimise a finding of an earlier run again", &minimize);
  AddRigFlags(parser, &rig_flags);
  parser.AddBool("json", "print results.json on stdout instead of a summary", &json);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "fuzz"); rc >= 0) return rc;

  if (o.fs != "ubifs" && o.fs != "jffs2" && o.fs != "ubi") {
    return Usage("--fs: expected ubifs, jffs2 or ubi, got '" + o.fs + "'");
  }
  if (o.fs == "ubi" && o.workload != "mix") {
    return Usage("--workload: --fs ubi runs the UBI volume mix (each input's own); the file "
                 "system workloads need --fs ubifs or jffs2");
  }
  if (o.feedback != "kcov" && o.feedback != "log") return Usage("--feedback: expected kcov or log");
  if (o.jobs < 1 || o.jobs > 64) return Usage("--jobs: expected 1 to 64");
  if (o.fs != "ubi" && o.workload != "mix" && !oracle::LoadBuiltinWorkload(o.workload).ok()) {
    return Usage(absl::StrCat("--workload: '", o.workload, "' is not a built-in workload (flashfault workload list)"));
  }
  if (absl::Status s = oracle::ParseSurvivableKinds(o.survivable).status(); !s.ok()) {
    return Usage(absl::StrCat("--survivable: ", s.message()));
  }
  const std::optional<uint64_t> b = campaign::ParseDurationSeconds(budget);
  if (!b || *b == 0) return Usage("--budget: expected seconds or a number with s, m or h, got '" + budget + "'");
  o.budget_seconds = *b;
  o.minimize = !no_minimize;
  if (!minimize.empty()) return MinimizeAgain(minimize, o, rig_flags);
  o.out = out.empty() ? fs::path("results") / ("fuzz-" + o.fs) : fs::path(out);
  o.corpus = corpus;
  o.reproduce = absl::StrCat("flashfault fuzz --fs ", o.fs, " --workload ", o.workload, " --jobs ",
                             o.jobs, " --budget ", budget, " --seed ", o.seed, " --preset ", o.preset,
                             " --feedback ", o.feedback, o.runs ? absl::StrCat(" --runs ", o.runs) : "",
                             o.survivable.empty() ? "" : " --survivable ", o.survivable,
                             o.stop_on_finding ? " --stop-on-finding" : "",
                             " --out ", o.out.string());
  absl::StatusOr<campaign::RigPaths> rig = campaign::LocateRig(rig_flags.muse_ko, rig_flags.kernel);
  if (!rig.ok()) {
    std::fprintf(stderr, "flashfault fuzz: %s\n", std::string(rig.status().message()).c_str());
    return absl::IsInvalidArgument(rig.status()) ? kExitUsage : kExitFailure;
  }
  if (!rig->kernel.empty()) absl::StrAppend(&o.reproduce, " --kernel ", rig->kernel);
  o.known_dir = known == "-" ? rig->root / "corpora" / "reproducers" : fs::path(known);
  std::fprintf(stderr, "[fuzz] seed %llu; reproduce: %s\n", static_cast<unsigned long long>(o.seed),
               o.reproduce.c_str());
  absl::StatusOr<fz::FuzzOutcome> r = fz::RunFuzz(*rig, o);
  if (!r.ok()) {
    std::fprintf(stderr, "flashfault fuzz: %s\n", std::string(r.status().message()).c_str());
    std::printf("VERDICT: ERROR fuzz %s - %s\n", o.fs.c_str(), std::string(r.status().message()).c_str());
    return kExitFailure;
  }
  if (json) {
    std::printf("%s\n", r->results.dump(2).c_str());
    return r->exit_code;
  }
  const auto& st = r->results["statistics"];
  std::printf("fuzz %s (%s, workload %s, feedback %s), seed %llu: %llu executions (%llu ran the "
              "workload), %.1f/min, %llu KCOV edges, %llu other features\n",
              o.fs.c_str(), o.preset.c_str(), o.workload.c_str(), o.feedback.c_str(),
              static_cast<unsigned long long>(o.seed), st["executions"].get<unsigned long long>(),
              st["executions_with_workload"].get<unsigned long long>(),
              st["per_minute"].get<double>(), st["kcov_edges"].get<unsigned long long>(),
              st["features"].get<unsigned long long>());
  for (const fz::FuzzFinding& f : r->findings) PrintFinding(f);
  if (r->exit_code == kExitFailure) {
    std::printf("VERDICT: ERROR fuzz %s - %s\n", o.fs.c_str(),
                r->results.value("error", std::string("?")).c_str());
  } else {
    size_t fresh = 0;
    for (const fz::FuzzFinding& f : r->findings) fresh += f.known ? 0 : 1;
    std::printf("VERDICT: %s fuzz %s - %zu new finding(s), %zu known; results in %s\n",
                r->exit_code == 0 ? "PASS" : "FAIL", o.fs.c_str(), fresh, r->findings.size() - fresh,
                (o.out / "results.json").c_str());
  }
  return r->exit_code;
}

}  // namespace flashfault::cli
