// flashfault: the command-line entry point. Dispatches on the first word to
// the subcommand table below; each subcommand lives in its own file.
// Nothing but dispatch belongs here.
#include <cstdio>
#include <string_view>

#include "harness/cli/command.h"

namespace flashfault::cli {
namespace {

constexpr Command kCommands[] = {
    {"geometry", "list presets, show or check a geometry", RunGeometry},
    {"image", "create, inspect, import and export flash images", RunImage},
    {"serve", "serve an emulated flash part to the kernel over MUSE", RunServe},
    {"script", "check a JSON fault script and explain what it will do", RunScript},
    {"ctl", "read and drive a running server's control directory", RunCtl},
    {"replay", "rebuild the device state after op N of an event log", RunReplay},
    {"log", "print an event log as a readable story", RunLog},
    {"run", "run a scenario in a QEMU guest and print a verdict", RunRun},
    {"workload", "run a workload and check crash states against its oracle", RunWorkload},
    {"explore", "check every crash state a power cut leaves in a workload", RunExplore},
    {"explore-agent", "(in the guest) check crash states for 'flashfault explore'", RunExploreAgent},
    {"fuzz", "fuzz the kernel's flash stack with faults chosen by libFuzzer", RunFuzz},
    {"fuzz-agent", "(in the guest) run kernel-fuzzer inputs for 'flashfault fuzz'", RunFuzzAgent},
    {"report", "merge results of runs and explorations into junit.xml and report.html", RunReport},
    {"nightly", "the nightly run: regression corpus, exploration and report on a budget", RunNightly},
};

void PrintUsage(std::FILE* out) {
  std::fputs(
      "usage: flashfault COMMAND [ARGS...]\n\n"
      "Flash fault injection for UBI, UBIFS and JFFS2.\n\ncommands:\n",
      out);
  for (const Command& c : kCommands) {
    std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
  std::fputs("\nRun 'flashfault COMMAND --help' for a command's options.\n", out);
}

}  // namespace
}  // namespace flashfault::cli

int main(int argc, char** argv) {
  using namespace flashfault::cli;
  if (argc < 2) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  const std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(stdout);
    return kExitOk;
  }
  for (const Command& c : kCommands) {
    if (c.name == name) return c.run(std::span<char* const>(argv + 1, argc - 1));
  }
  std::fprintf(stderr, "flashfault: unknown command '%s'\n\n", argv[1]);
  PrintUsage(stderr);
  return kExitUsage;
}
