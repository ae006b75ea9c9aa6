// The subcommand table of the `flashfault` CLI.
//
// main.cc dispatches on the first word; each subcommand lives in a file of
// its own (geometry_command.cc, serve_command.cc, ...) and defines its flags
// there. A subcommand returns the process exit status: kExitOk, kExitFailure
// or kExitUsage (the conventions: README.md, "CLI reference"). It must never
// call exit() itself, so tests can run it in-process.
#pragma once

#include <span>
#include <string_view>

namespace flashfault::cli {

inline constexpr int kExitOk = 0;       // done, nothing found
inline constexpr int kExitFailure = 1;  // the tool itself failed
inline constexpr int kExitUsage = 2;    // bad usage or bad input
inline constexpr int kExitFound = 3;    // the run completed and found a problem

// args[0] is the subcommand's own name; the rest are its arguments.
using CommandFn = int (*)(std::span<char* const> args);

struct Command {
  std::string_view name;
  std::string_view summary;  // one line for the top-level help
  CommandFn run;
};

int RunGeometry(std::span<char* const> args);
int RunImage(std::span<char* const> args);
int RunServe(std::span<char* const> args);
int RunScript(std::span<char* const> args);
int RunCtl(std::span<char* const> args);
int RunReplay(std::span<char* const> args);
int RunLog(std::span<char* const> args);
int RunRun(std::span<char* const> args);
int RunWorkload(std::span<char* const> args);
int RunExplore(std::span<char* const> args);
int RunExploreAgent(std::span<char* const> args);
int RunFuzzAgent(std::span<char* const> args);
int RunFuzz(std::span<char* const> args);
int RunReport(std::span<char* const> args);
int RunNightly(std::span<char* const> args);

}  // namespace flashfault::cli
