// `flashfault explore-agent`: the guest half of `flashfault explore` (the
// host generates its command line; users run `explore`). Flags only: the
// loop is harness/campaign/explore/agent.h. Exit 0 when every checked state
// passed, 3 when one failed, 2 bad flags or files, 1 the agent failed.
#include <cstdio>
#include <string>

#include "harness/campaign/explore/agent.h"
#include "harness/cli/arg_parser.h"
#include "harness/cli/command.h"

namespace flashfault::cli {

int RunExploreAgent(std::span<char* const> args) {
  campaign::AgentOptions o;
  std::string mode = "exhaustive", inside = "none", shard = "1/1";
  uint64_t first = 0, last = UINT64_MAX, budget = 0;
  ArgParser parser(
      "flashfault explore-agent --events LOG --ops OPLOG --baseline-free BYTES [--fs ubifs|jffs2]"
      " [--first-op N] [--last-op N] [--mode M] [--inside I] [--shard i/N] [--seed N]"
      " [--budget SECS] [--slack S] [--mount DIR] [--states FILE] [--onto-mtd N]",
      "Inside the guest: check the crash states of a recorded workload, one fresh MTD each "
      "(materialise, serve, attach, mount with self-checks, oracle, space check, teardown), "
      "one FFSTATE JSON line per state on stdout. Started by 'flashfault explore'.",
      "  flashfault explore-agent --events /tmp/rec/events.jsonl --ops /tmp/rec/ops.jsonl \\\n"
      "      --baseline-free 52690944 --first-op 2100 --last-op 4800 --mode every:4");
  parser.AddString("events", "LOG", "the recording's replayable event log", &o.events);
  parser.AddString("ops", "OPLOG", "the workload's op log (workload exec --log)", &o.op_log);
  parser.AddString("fs", "NAME", "ubifs (default) or jffs2", &o.fs);
  parser.AddUint("first-op", "N", "first recorded op to cut in", &first);
  parser.AddUint("last-op", "N", "last recorded op to cut in", &last);
  parser.AddString("mode", "M", "exhaustive, every:K, sample:N or bisect", &mode);
  parser.AddString("inside", "I", "none, torn or all", &inside);
  parser.AddString("shard", "i/N", "check only shard i of N", &shard);
  parser.AddUint("seed", "N", "seed of torn states and samples", &o.selection.seed);
  parser.AddUint("baseline-free", "BYTES", "free bytes of the fresh filesystem", &o.baseline_free);
  parser.AddString("slack", "S", "space-check slack (bytes, 256k, 1%)", &o.slack);
  parser.AddUint("budget", "SECS", "start no state after this many seconds", &budget);
  parser.AddString("mount", "DIR", "mount point (default /mnt/ff)", &o.mount_point);
  uint64_t onto = UINT64_MAX;
  parser.AddUint("onto-mtd", "N", "bench reference: write each state onto /dev/mtdN (nandsim of the "
                 "same geometry) and check it there instead of serving it (boundary states only)",
                 &onto);
  parser.AddString("states", "FILE", "write each state's full record (kernel log included) here; "
                   "stdout then gets short lines", &o.states_file);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "explore-agent"); rc >= 0) return rc;
  if (o.events.empty() || o.op_log.empty() || o.baseline_free == 0) {
    std::fprintf(stderr, "flashfault explore-agent: --events, --ops and --baseline-free are required\n");
    return kExitUsage;
  }
  absl::StatusOr<campaign::SelectionOptions> selection =
      campaign::ParseSelection(mode, inside, shard);
  if (!selection.ok()) {
    std::fprintf(stderr, "flashfault explore-agent: %s\n",
                 std::string(selection.status().message()).c_str());
    return kExitUsage;
  }
  if (onto != UINT64_MAX) {
    if (onto > 1000000 || inside != "none") {
      std::fprintf(stderr, "flashfault explore-agent: --onto-mtd takes an MTD number and "
                           "--inside none (nandsim has no torn cells)\n");
      return kExitUsage;
    }
    o.onto_mtd = static_cast<int>(onto);
  }
  const uint64_t seed = o.selection.seed;
  o.selection = *selection;
  o.selection.seed = seed;
  o.selection.first_op = first;
  o.selection.last_op = last;
  o.budget_seconds = static_cast<double>(budget);
  absl::StatusOr<campaign::AgentSummary> summary = campaign::RunExploreAgent(o, stdout);
  if (!summary.ok()) {
    std::fprintf(stderr, "flashfault explore-agent: %s\n", summary.status().ToString().c_str());
    const absl::StatusCode c = summary.status().code();
    return c == absl::StatusCode::kInvalidArgument || c == absl::StatusCode::kNotFound
               ? kExitUsage
               : kExitFailure;
  }
  return summary->failed > 0 ? kExitFound : kExitOk;
}

}  // namespace flashfault::cli
