// `flashfault script check FILE`: validate a JSON fault script against its
// geometry and say in plain words what it will do. Exit 0 valid, 2 invalid
// (the message names the file, the JSON path and the reason). It only reads
// and explains: it never runs a fault or touches an image.
#include <cstdio>
#include <string>
#include <vector>

#include "backends/model/geometry_json.h"
#include "fault-models/script/fault_script.h"
#include "harness/cli/arg_parser.h"
#include "harness/cli/command.h"
#include "nlohmann/json.hpp"

namespace flashfault::cli {
namespace {

int Check(std::span<char* const> args) {
  std::vector<std::string> positional;
  std::string preset, geometry_file;
  bool json = false;
  ArgParser parser("flashfault script check FILE [--preset NAME | --geometry FILE] [--json]",
                   "Validate a JSON fault script and explain what it will do. The geometry is "
                   "the script's own \"geometry\" key unless --preset or --geometry overrides "
                   "it. Exits 0 when the script is valid, 2 when it is not.",
                   "  flashfault script check corpora/scripts/charge_loss.json\n"
                   "  flashfault script check my-faults.json --preset mlc-4k-1g --json");
  parser.SetPositional("FILE", 1, 1, &positional);
  parser.AddString("preset", "NAME", "check against this geometry preset", &preset);
  parser.AddString("geometry", "FILE", "check against this geometry JSON file", &geometry_file);
  parser.AddBool("json", "print the result as JSON", &json);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "script check"); rc >= 0) return rc;
  const std::string& file = positional[0];

  absl::StatusOr<FaultScript> script = absl::UnknownError("unset");
  if (!preset.empty() || !geometry_file.empty()) {
    absl::StatusOr<Geometry> g = ResolveGeometry(preset, geometry_file);
    if (!g.ok()) {
      std::fprintf(stderr, "flashfault script check: %s\n",
                   std::string(g.status().message()).c_str());
      return kExitUsage;
    }
    script = LoadScriptFile(file, &*g);
  } else {
    script = LoadScriptFile(file);
  }

  if (!script.ok()) {
    const std::string msg(script.status().message());
    std::fprintf(stderr, "flashfault script check: %s\n", msg.c_str());
    if (json) {
      const nlohmann::ordered_json out = {{"file", file}, {"valid", false}, {"error", msg}};
      std::printf("%s\n", out.dump(2).c_str());
    }
    return kExitUsage;
  }
  if (json) {
    nlohmann::ordered_json faults = nlohmann::ordered_json::array();
    for (const FaultSpec& f : script->plan.faults) {
      faults.push_back({{"id", f.id},
                        {"kind", FaultKindName(f.kind)},
                        {"explanation", ExplainFault(f, script->plan, script->geometry)}});
    }
    const nlohmann::ordered_json out = {{"file", file},
                                        {"valid", true},
                                        {"geometry", script->geometry.name},
                                        {"seed", script->plan.seed},
                                        {"faults", faults},
                                        {"plan", PlanToJson(script->plan, &script->geometry)}};
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("%s: valid\n%s", file.c_str(),
                ExplainPlan(script->plan, script->geometry).c_str());
  }
  return kExitOk;
}

void PrintUsage(std::FILE* out) {
  std::fputs(
      "usage: flashfault script check FILE [--preset NAME | --geometry FILE] [--json]\n\n"
      "  check FILE   validate a JSON fault script and explain what it will do\n\n"
      "The format: corpora/scripts/README.md; schema: "
      "corpora/schemas/fault-script.schema.json\n",
      out);
}

}  // namespace

int RunScript(std::span<char* const> args) {
  if (args.size() < 2) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  const std::string_view sub = args[1];
  if (sub == "check") return Check(args.subspan(1));
  if (sub == "--help" || sub == "-h") {
    PrintUsage(stdout);
    return kExitOk;
  }
  std::fprintf(stderr, "flashfault script: unknown subcommand '%s'\n\n", args[1]);
  PrintUsage(stderr);
  return kExitUsage;
}

}  // namespace flashfault::cli
