// `flashfault geometry list|show|check`: the preset table and geometry files.
#include <cstdio>
#include <string>
#include <vector>

#include "backends/model/geometry_json.h"
#include "backends/model/presets.h"
#include "harness/cli/arg_parser.h"
#include "harness/cli/command.h"

namespace flashfault::cli {
namespace {

std::string Summary(const Geometry& g) {
  char line[200];
  std::snprintf(line, sizeof line, "%s %u+%u x %u pages x %u blocks (%llu MiB), ECC %u/%u",
                CellTypeName(g.cell), g.page_size, g.oob_size, g.pages_per_block, g.block_count,
                static_cast<unsigned long long>(g.total_size() >> 20), g.ecc_strength, g.ecc_step);
  return line;
}

int List(std::span<char* const> args) {
  bool json = false;
  ArgParser parser("flashfault geometry list [--json]", "List the built-in geometry presets.",
                   "  flashfault geometry list");
  parser.AddBool("json", "print the presets as a JSON array", &json);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "geometry list"); rc >= 0) return rc;
  if (json) {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const Preset& p : AllPresets()) all.push_back(GeometryToJson(p.geometry));
    std::printf("%s\n", all.dump(2).c_str());
    return kExitOk;
  }
  for (const Preset& p : AllPresets()) {
    std::printf("%-14.*s %.*s\n", static_cast<int>(p.name.size()), p.name.data(),
                static_cast<int>(p.description.size()), p.description.data());
  }
  return kExitOk;
}

// `show NAME` prints a preset; `check FILE` validates a geometry file.
int ShowOrCheck(std::span<char* const> args, bool check) {
  std::vector<std::string> positional;
  ArgParser parser(check ? "flashfault geometry check FILE" : "flashfault geometry show NAME",
                   check ? "Validate a geometry JSON file and print its summary."
                         : "Print a preset's full parameters as JSON (usable with --geometry).",
                   check ? "  flashfault geometry check my-part.json"
                         : "  flashfault geometry show slc-2k-128m > my-part.json");
  parser.SetPositional(check ? "FILE" : "NAME", 1, 1, &positional);
  if (int rc = HandleParseResult(parser, parser.Parse(args), args[0]); rc >= 0) return rc;
  absl::StatusOr<Geometry> g =
      check ? LoadGeometryFile(positional[0]) : FindPreset(positional[0]);
  if (!g.ok()) {
    std::fprintf(stderr, "flashfault geometry %s: %s\n", args[0],
                 std::string(g.status().message()).c_str());
    return kExitUsage;
  }
  if (check) {
    std::printf("%s: valid: %s\n", positional[0].c_str(), Summary(*g).c_str());
  } else {
    std::printf("%s\n", GeometryToJson(*g).dump(2).c_str());
  }
  return kExitOk;
}

void PrintUsage(std::FILE* out) {
  std::fputs(
      "usage: flashfault geometry list|show NAME|check FILE\n\n"
      "  list         the built-in presets\n"
      "  show NAME    a preset's full parameters as JSON\n"
      "  check FILE   validate a geometry JSON file\n",
      out);
}

}  // namespace

int RunGeometry(std::span<char* const> args) {
  if (args.size() < 2) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  const std::string_view sub = args[1];
  std::span<char* const> rest = args.subspan(1);
  if (sub == "list") return List(rest);
  if (sub == "show") return ShowOrCheck(rest, false);
  if (sub == "check") return ShowOrCheck(rest, true);
  if (sub == "--help" || sub == "-h") {
    PrintUsage(stdout);
    return kExitOk;
  }
  std::fprintf(stderr, "flashfault geometry: unknown subcommand '%s'\n\n", args[1]);
  PrintUsage(stderr);
  return kExitUsage;
}

}  // namespace flashfault::cli
