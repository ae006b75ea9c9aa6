// `flashfault fuzz-agent`: the guest half of `flashfault fuzz` (the host
// generates its command line; users run `fuzz`). Flags only: the loop is
// harness/campaign/fuzz/fuzz_agent.h. Exit 0 when the host said quit or
// went away (or a --case passed), 3 a --case failed, 2 bad flags or case,
// 1 the agent failed.
#include <cstdio>
#include <string>

#include "harness/campaign/fuzz/fuzz_agent.h"
#include "harness/campaign/oracle/survivable_faults.h"
#include "harness/cli/arg_parser.h"
#include "harness/cli/command.h"

namespace flashfault::cli {

int RunFuzzAgent(std::span<char* const> args) {
  campaign::fuzz::FuzzAgentOptions o;
  std::string survivable;
  bool no_kcov = false;
  ArgParser parser(
      "flashfault fuzz-agent --port DEV [--fs ubifs|jffs2|ubi] [--preset NAME] [--workload NAME]"
      " [--survivable KIND,...] [--no-kcov] [--mount DIR]\n"
      "       flashfault fuzz-agent --case FILE [--fs ...] [--preset ...] [--survivable ...]",
      "Inside the guest: run kernel-fuzzer inputs and cases sent over the channel DEV, each on a "
      "fresh device (faults, attach, mount, workload, recovery check), and answer each with its "
      "result. Started by 'flashfault fuzz'.",
      "  flashfault fuzz-agent --port /dev/vport1p1 --fs ubifs --preset slc-2k-16m");
  parser.AddString("port", "DEV", "the channel (a virtio port)", &o.port);
  parser.AddString("case", "FILE", "run this case once instead (a reproducer): exit 3 when it fails",
                   &o.case_file);
  parser.AddString("fs", "NAME", "ubifs (default), jffs2 or ubi (a bare UBI volume)", &o.fs);
  parser.AddString("preset", "NAME", "the part's geometry preset (default slc-2k-16m)", &o.preset);
  parser.AddString("workload", "NAME", "a built-in workload; mix (default): chosen by each input",
                   &o.workload);
  parser.AddString("survivable", "KIND,...",
                   "fault kinds declared survivable (a planted failure for tests)", &survivable);
  parser.AddBool("no-kcov", "do not use KCOV even when the kernel has it", &no_kcov);
  parser.AddString("mount", "DIR", "mount point (default /mnt/fffuzz)", &o.mount_point);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "fuzz-agent"); rc >= 0) return rc;
  if (o.fs != "ubifs" && o.fs != "jffs2" && o.fs != "ubi") {
    std::fprintf(stderr, "flashfault fuzz-agent: --fs: expected ubifs, jffs2 or ubi, got '%s'\n",
                 o.fs.c_str());
    return kExitUsage;
  }
  if (o.port.empty() == o.case_file.empty()) {
    std::fprintf(stderr, "flashfault fuzz-agent: give --port or --case\n");
    return kExitUsage;
  }
  absl::StatusOr<std::vector<FaultKind>> kinds = oracle::ParseSurvivableKinds(survivable);
  if (!kinds.ok()) {
    std::fprintf(stderr, "flashfault fuzz-agent: --survivable: %s\n",
                 std::string(kinds.status().message()).c_str());
    return kExitUsage;
  }
  o.survivable_also = *std::move(kinds);
  o.kcov = !no_kcov;
  if (!o.case_file.empty()) {
    absl::StatusOr<bool> failed = campaign::fuzz::RunFuzzCase(o, stdout);
    if (!failed.ok()) {
      std::fprintf(stderr, "flashfault fuzz-agent: %s\n", failed.status().ToString().c_str());
      return absl::IsInvalidArgument(failed.status()) || absl::IsNotFound(failed.status())
                 ? kExitUsage
                 : kExitFailure;
    }
    return *failed ? kExitFound : kExitOk;
  }
  absl::Status s = campaign::fuzz::RunFuzzAgent(o);
  if (!s.ok()) {
    std::fprintf(stderr, "flashfault fuzz-agent: %s\n", s.ToString().c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace flashfault::cli
