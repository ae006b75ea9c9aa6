// The host side of `flashfault explore`; see explore_run.h.
#include "harness/campaign/explore/explore_run.h"

#include <chrono>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/input_file.h"
#include "common/status_macros.h"
#include "harness/campaign/progress.h"
#include "common/utc_time.h"
#include "harness/campaign/explore/nandsim_reference.h"
#include "harness/campaign/guest_script.h"
#include "harness/campaign/log_classifier.h"
#include "harness/campaign/signature.h"

namespace flashfault::campaign {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

constexpr char kGuestWorkload[] = "/ffx/workload.json";
constexpr char kGuestWorkloadShell[] = "/ffx/workload.sh";
constexpr char kStepNames[][12] = {"materialise", "present", "mount", "oracle", "space", "teardown"};

void Progress(const std::string& msg) { ProgressPrinter::Stderr().Line("[explore]", msg); }

// The JSON objects of a JSON Lines file (a missing file has none); lines
// that are not objects are skipped.
std::vector<json> ReadJsonLines(const fs::path& p) {
  std::vector<json> out;
  std::istringstream in(ReadFileOrEmpty(p.string()));
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.is_object()) out.push_back(std::move(j));
  }
  return out;
}

// Where the time went, summed over the states: ms per step and shares.
ojson TimeSplit(const std::vector<json>& states) {
  ojson ms = ojson::object(), share = ojson::object();
  double total = 0;
  for (const char* step : kStepNames) {
    double sum = 0;
    for (const json& s : states) {
      if (s.contains("ms") && s["ms"].contains(step)) sum += s["ms"][step].get<double>();
    }
    ms[step] = sum;
    total += sum;
  }
  for (const char* step : kStepNames) {
    share[step] = total > 0 ? ms[step].get<double>() / total : 0.0;
  }
  return {{"ms", ms}, {"share", share}};
}

// Runs the workload on the fresh file system: a workload with an oracle
// through `workload exec`, a shell workload as it is, in the mount, with
// what it needs to log its ops (corpora/workloads/README.md).
std::string WorkloadStep(const ExploreOptions& o) {
  if (o.workload_is_shell) {
    return absl::StrCat(
        "(cd $MNT && FF=/flashfault FF_ROOT=$MNT FF_OPLOG=$REC/ops.jsonl FF_CTL=$CTL sh ",
        kGuestWorkloadShell, ") || ff_fail \"the shell workload exited $?\"\n");
  }
  return absl::StrCat("/flashfault workload exec --workload ", kGuestWorkload,
                      " --root $MNT --log $REC/ops.jsonl --ctl $CTL || ff_fail 'workload exec failed'\n");
}

// The agent's command line: the exploration's selection with `inside`, its
// state records to `states`.
std::string AgentCommand(const ExploreOptions& o, const std::string& inside,
                         const std::string& states) {
  std::string agent = absl::StrCat(
      "/flashfault explore-agent --events $REC/events.jsonl --ops $REC/ops.jsonl --fs ",
      ShellQuote(o.fs), " --first-op $first --last-op $last --mode ", ShellQuote(o.mode),
      " --inside ", ShellQuote(inside), " --shard ", ShellQuote(o.shard), " --seed ", o.seed,
      " --baseline-free $baseline --mount $MNT --states ", states);
  if (!o.slack.empty()) absl::StrAppend(&agent, " --slack ", ShellQuote(o.slack));
  return agent;
}

// The bench's reference pass (--vs-nandsim): the boundary states again,
// each written onto nandsim and checked there, within the time the
// exploration took.
std::string NandsimPass(const ExploreOptions& o) {
  if (o.nandsim_args.empty()) return "";
  return absl::StrCat(
      "ff_step 'explore: the same boundary states on nandsim (the bench reference)'\n"
      "ref_budget=$(( $(cut -d. -f1 /proc/uptime) - agent_start + 5 ))\n"
      "modprobe nandsim ", o.nandsim_args, " || ff_fail 'modprobe nandsim failed'\n"
      "nmtd=$(wait_mtd 10 'NAND simulator partition 0') || ff_fail 'nandsim did not appear'\n",
      AgentCommand(o, "none", "$REC/nandsim-states.jsonl"),
      " --onto-mtd $nmtd --budget $ref_budget >$REC/nandsim.out 2>&1\n"
      "echo \"FFEXPLORE nandsim_exit $?\"\n"
      "sed -n 's/^FFEXPLORE summary /FFEXPLORE nandsim_summary /p' $REC/nandsim.out\n"
      "rmmod nandsim\n");
}

}  // namespace

std::string ExploreGuestScript(const ExploreOptions& o) {
  const std::string fs_name = ShellQuote(o.fs);
  std::string agent = AgentCommand(o, o.inside, "$REC/states.jsonl");
  if (o.budget_seconds > 0) absl::StrAppend(&agent, " --budget $agent_budget");
  return absl::StrCat(
      "# flashfault explore: record the workload, then check its crash states.\n"
      ". /ff/lib.sh\n. /ff/explore.sh\n"
      "FS=", fs_name, " MNT=/mnt/ff REC=/tmp/rec CTL=/tmp/ff-ctl\n"
      "ff_step 'explore: loading the MTD stack and muse.ko'\n"
      "load_mtd_stack mtd ubi zstd deflate ubifs jffs2 fuse\n"
      "insmod /muse.ko || ff_fail 'insmod /muse.ko failed'\n"
      "i=0; while [ ! -c /dev/muse ] && [ $i -lt 100 ]; do usleep 20000; i=$((i + 1)); done\n"
      "ex_self_checks\n"
      "mkdir -p $REC $MNT\n"
      "ff_step 'explore: recording the workload'\n"
      "/flashfault serve --preset ", ShellQuote(o.preset),
      " --name ffrec --events $REC/events.jsonl --summary $REC/device.json --control $CTL"
      " >$REC/server.log 2>&1 &\n"
      "SRV=$!\n"
      "mtd=$(wait_mtd 30 ffrec) || { cat $REC/server.log; ff_fail 'the recording MTD did not appear'; }\n"
      "ex_format $FS $mtd $MNT || ff_fail \"making the file system failed (step $?)\"\n"
      "sync\n"
      "baseline=$(/flashfault workload space --root $MNT) || ff_fail 'workload space failed'\n"
      "first=$(ex_flash_ops $CTL)\n",
      WorkloadStep(o),
      "ex_unmount $FS $MNT || ff_fail \"unmounting after the workload failed (step $?)\"\n"
      "last=$(ex_flash_ops $CTL)\n"
      "kill $SRV; wait $SRV\n"
      "echo \"FFEXPLORE recorded {\\\"first_op\\\":$first,\\\"last_op\\\":$last,"
      "\\\"baseline_free\\\":$baseline}\"\n"
      "agent_budget=$((", o.budget_seconds, " - $(cut -d. -f1 /proc/uptime)))\n"
      "[ \"$agent_budget\" -ge 1 ] || agent_budget=1\n"
      "ff_step 'explore: checking crash states'\n"
      "agent_start=$(cut -d. -f1 /proc/uptime)\n",
      agent, "\n"
      "echo \"FFEXPLORE agent_exit $?\"\n",
      NandsimPass(o),
      "ff_step 'explore: unloading the file-system modules'\n"
      "before=$(dmesg | wc -l)\n"
      "rmmod ubifs ubi jffs2 2>&1 | sed 's/^/FFEXPLORE teardown_note /'\n"
      "dmesg | tail -n +$((before + 1)) | sed 's/^/FFEXPLORE teardown_log /'\n"
      "ff_export $REC || echo 'FFEXPLORE export_failed'\n"
      "exit 0\n");
}

absl::StatusOr<ExploreOutcome> RunExplore(const RigPaths& rig, const ExploreOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const std::string started_at = Iso8601UtcNow();
  const fs::path run = o.out / "run";
  const fs::path vm = o.out / "vm";
  const fs::path recording = o.out / "recording";
  std::error_code ec;
  fs::create_directories(run, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", run.string(), ": ", ec.message()));
  fs::remove_all(recording, ec);
  FF_RETURN_IF_ERROR(WriteFileAtomically((run / "guest.sh").string(), ExploreGuestScript(o)));
  const uint64_t timeout = o.budget_seconds > 0 ? o.budget_seconds + 600 : 7200;
  std::vector<std::string> argv = RunGuestCommand(rig);
  argv.insert(argv.end(), {
      "--script", (run / "guest.sh").string(), "--out", vm.string(),
      "--timeout", absl::StrCat(timeout), "--export", recording.string(),
      "--file", absl::StrCat(rig.self.string(), ":/flashfault"),
      "--file", absl::StrCat(rig.muse_ko.string(), ":/muse.ko"),
      "--file", absl::StrCat(o.workload_file, ":",
                             o.workload_is_shell ? kGuestWorkloadShell : kGuestWorkload)});
  Progress(absl::StrCat("booting the guest: ", o.fs, " on ", o.preset, ", workload ",
                        o.workload_name, ", mode ", o.mode, ", inside ", o.inside, ", shard ",
                        o.shard, ", seed ", o.seed));
  fs::remove(vm / "result.json", ec);
  fs::remove(vm / "console.log", ec);
  StepRelay relay(vm / "console.log");
  const int rig_rc = Spawn(argv, &relay);
  const json rig_result =
      json::parse(ReadFileOrEmpty((vm / "result.json").string()), nullptr, false);
  if (rig_result.is_discarded() || !rig_result.is_object()) {
    return absl::InternalError(absl::StrCat("the VM rig failed (exit ", rig_rc, ") before writing ",
                                            (vm / "result.json").string()));
  }

  ExploreOutcome out;
  std::istringstream guest(ReadFileOrEmpty((vm / "guest.log").string()));
  std::string first_fail;
  bool agent_ran = false;
  std::vector<std::string> teardown_log;
  for (std::string line; std::getline(guest, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto payload = [&](const char* prefix) -> std::optional<json> {
      if (line.rfind(prefix, 0) != 0) return std::nullopt;
      json j = json::parse(line.substr(std::strlen(prefix)), nullptr, false);
      return j.is_discarded() ? std::nullopt : std::optional<json>(j);
    };
    if (auto j = payload("FFSTATE ")) out.states.push_back(*j);
    if (auto j = payload("FFEXPLORE summary ")) out.summary = *j;
    if (auto j = payload("FFEXPLORE recorded ")) out.recorded = *j;
    if (line.rfind("FFEXPLORE agent_exit ", 0) == 0) agent_ran = true;
    if (line.rfind("FFEXPLORE teardown_log ", 0) == 0) teardown_log.push_back(line.substr(23));
    if (first_fail.empty() && line.rfind("FAIL: ", 0) == 0) first_fail = line;
  }
  // A guest that stopped early printed neither: empty objects, not nulls.
  if (!out.summary.is_object()) out.summary = json::object();
  if (!out.recorded.is_object()) out.recorded = json::object();
  // The full state records came back with the recording; the console's
  // short lines stand in only when they did not (the guest died first).
  const bool have_recording = fs::exists(recording / "events.jsonl");
  bool full_states = false;
  if (fs::exists(recording / "states.jsonl")) {
    std::vector<json> full = ReadJsonLines(recording / "states.jsonl");
    if (full.size() >= out.states.size()) {
      out.states = std::move(full);
      full_states = true;
    }
  }
  if (!o.nandsim_args.empty()) {
    out.vs_nandsim = CompareWithNandsim(out.states, ReadJsonLines(recording / "nandsim-states.jsonl"));
  }
  out.findings = GroupFindings(out.states);
  ReproducerContext ctx{recording, o.fs, o.workload_name,
                        out.recorded.value("baseline_free", uint64_t{0}), o.slack, rig.kernel};
  if (have_recording) FF_RETURN_IF_ERROR(WriteReproducers(o.out, ctx, out.findings));
  if (!teardown_log.empty()) {
    // Unloading the modules is where leaks and use-after-frees show; the
    // same classifier as every state's log judges it.
    std::string text;
    for (const std::string& l : teardown_log) absl::StrAppend(&text, l, "\n");
    FF_ASSIGN_OR_RETURN(const Classification c,
                        ClassifyText(text, (rig.root / "harness/vm/classify-dmesg.sh").string()));
    if (c.bugs() > 0) {
      const Signature sig = MakeSignature("teardown", c, teardown_log);
      out.teardown_bugs = c.lines;
      Finding t;
      t.signature = sig.Text();
      t.signature_id = sig.Id();
      t.failed = "teardown";
      t.smallest = {{"id", "teardown"}, {"kernel_log", teardown_log}};
      t.states.push_back("teardown");
      out.findings.push_back(std::move(t));
    }
  }

  if (!agent_ran || out.summary.empty()) {
    out.error = first_fail.empty() ? absl::StrCat("the guest stopped before the agent finished; logs in ", vm.string())
                                   : absl::StrCat(first_fail, "; logs in ", vm.string());
    out.exit_code = 1;
  } else if (!have_recording || !full_states) {
    out.error = "the recording or the state records did not come back from the guest (ff_export)";
    out.exit_code = 1;
  } else {
    out.exit_code = out.findings.empty() ? 0 : 3;
  }
  ojson& r = out.results;
  r = {{"command", "explore"}, {"workload", o.workload_name}, {"fs", o.fs},
       {"geometry", o.preset}, {"mode", o.mode}, {"inside", o.inside}, {"shard", o.shard},
       {"seed", o.seed}, {"budget_seconds", o.budget_seconds}, {"reproduce", o.reproduce},
       {"started_at", started_at}};
  r["recorded"] = out.recorded;
  // The recording server's device summary (the workload's wear and bad blocks).
  r["device_summary"] =
      fs::exists(recording / "device.json") ? ojson("recording/device.json") : ojson();
  r["oracle"] = out.summary.value("oracle", false);
  r["states_space"] = out.summary.value("space", uint64_t{0});
  r["states_selected"] = out.summary.value("selected", uint64_t{0});
  r["states_checked"] = out.states.size();
  r["states_failed"] = out.summary.value("failed", uint64_t{0});
  r["states_per_minute"] = out.summary.value("states_per_minute", 0.0);
  r["budget_ran_out"] = out.summary.value("budget_ran_out", false);
  r["time_split"] = TimeSplit(out.states);
  if (!out.vs_nandsim.is_null()) r["vs_nandsim"] = out.vs_nandsim;
  ojson findings = ojson::array();
  for (const Finding& f : out.findings) findings.push_back(FindingJson(f));
  r["findings"] = findings;
  r["rig"] = rig_result;
  r["wall_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r["verdict"] = out.exit_code == 0 ? "pass" : out.exit_code == 3 ? "found" : "error";
  r["exit_code"] = out.exit_code;
  r["error"] = out.error.empty() ? ojson() : ojson(out.error);
  std::string states_text;
  for (const json& s : out.states) absl::StrAppend(&states_text, s.dump(), "\n");
  FF_RETURN_IF_ERROR(WriteFileAtomically((o.out / "states.jsonl").string(), states_text));
  FF_RETURN_IF_ERROR(WriteFileAtomically((o.out / "results.json").string(), r.dump(2) + "\n"));
  return out;
}

}  // namespace flashfault::campaign
