// `flashfault log LOG [--faults-only] [--decode] [--from N] [--to M]`: print
// an event log as a readable story, one line per op with the faults that
// struck it and, with --decode, what it touched on the flash.
// Streams the log (constant memory). Exit 0, 2 for bad usage or a line that
// is not a log record. Read-only.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "fault-models/replay/log_story.h"
#include "harness/cli/arg_parser.h"
#include "harness/cli/command.h"

namespace flashfault::cli {

int RunLog(std::span<char* const> args) {
  std::vector<std::string> positional;
  bool faults_only = false;
  bool decode = false;
  uint64_t from = UINT64_MAX, to = UINT64_MAX;
  ArgParser parser("flashfault log LOG [--faults-only] [--decode] [--from N] [--to M]",
                   "Print an event log (JSON Lines) as a readable story: each op with its "
                   "address, result and the faults injected into it.",
                   "  flashfault log run/events.jsonl --faults-only\n"
                   "  flashfault log run/events.jsonl --decode   # PEB 17 <- VID vol=0 lnum=3 ...\n"
                   "  flashfault log run/events.jsonl --from 1200 --to 1300");
  parser.SetPositional("LOG", 1, 1, &positional);
  parser.AddBool("faults-only", "only ops struck by a fault", &faults_only);
  parser.AddBool("decode",
                 "say what each op touched (UBI headers and volumes, UBIFS and JFFS2 nodes), "
                 "from a log written with decoding on (serve --decode)",
                 &decode);
  parser.AddUint("from", "N", "first op to print", &from);
  parser.AddUint("to", "M", "last op to print", &to);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "log"); rc >= 0) return rc;
  std::ifstream in(positional[0]);
  if (!in) {
    std::fprintf(stderr, "flashfault log: %s: cannot open\n", positional[0].c_str());
    return kExitUsage;
  }
  StoryOptions options;
  options.faults_only = faults_only;
  options.decode = decode;
  if (from != UINT64_MAX) options.from = from;
  if (to != UINT64_MAX) options.to = to;
  absl::Status s = PrintStory(in, positional[0], options, stdout);
  if (!s.ok()) {
    std::fprintf(stderr, "flashfault log: %s\n", std::string(s.message()).c_str());
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace flashfault::cli
