// The server's control nodes: formatting of the target's state into files
// and parsing of what users write into the command files. See
// server_nodes.h for the list. It must not reach past ControlTarget.
#include "harness/control/server_nodes.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace flashfault::control {
namespace {

namespace fs = std::filesystem;
using Access = ControlNode::Access;

absl::StatusOr<std::string> JsonText(absl::StatusOr<nlohmann::ordered_json> j) {
  if (!j.ok()) return j.status();
  return j->dump(2) + "\n";
}

std::string AboutText() {
  return absl::StrCat(kAboutFirstLine,
                      " (flashfault serve --control)\n"
                      "\n"
                      "geometry              the geometry being served (JSON)\n"
                      "stats.json            device and session counters (JSON)\n"
                      "blocks/erase_counts   one line per eraseblock: BLOCK ERASES\n"
                      "blocks/bad            one line per bad eraseblock: BLOCK\n"
                      "map                   the device by meaning now: UBI volumes and LEBs, "
                      "UBIFS areas, nodes\n"
                      "map.json              the same as JSON (image info --decode --json's "
                      "form)\n"
                      "script                the active fault script; write a new one to "
                      "replace it\n"
                      "events                the last ",
                      kEventTailLines,
                      " lines of the event log (JSON Lines)\n"
                      "commands/power_cut    write anything to cut power now\n"
                      "commands/power_on     write anything to power on again\n"
                      "commands/snapshot     write an absolute path to export the image there\n"
                      "last_error            why the last write was refused\n"
                      "\n"
                      "A refused write fails with EINVAL (Invalid argument) and changes "
                      "nothing.\n");
}

// True when `path` lies inside `dir` (both absolute and lexically normal).
bool Inside(const fs::path& path, const fs::path& dir) {
  auto [d, p] = std::mismatch(dir.begin(), dir.end(), path.begin(), path.end());
  return d == dir.end() || (std::next(d) == dir.end() && d->empty());
}

}  // namespace

std::vector<ControlNode> BuildServerNodes(ControlTarget& target, const std::string& mount_point) {
  ControlTarget* t = &target;
  const fs::path mount = fs::absolute(mount_point).lexically_normal();
  std::vector<ControlNode> nodes;
  nodes.push_back({"about", Access::kReadOnly, [] { return absl::StatusOr<std::string>(AboutText()); },
                   nullptr});
  nodes.push_back({"geometry", Access::kReadOnly, [t] { return JsonText(t->Geometry()); }, nullptr});
  nodes.push_back({"stats.json", Access::kReadOnly, [t] { return JsonText(t->Stats()); }, nullptr});
  nodes.push_back({"blocks/erase_counts", Access::kReadOnly,
                   [t]() -> absl::StatusOr<std::string> {
                     absl::StatusOr<std::vector<uint64_t>> counts = t->EraseCounts();
                     if (!counts.ok()) return counts.status();
                     std::string out;
                     for (size_t b = 0; b < counts->size(); ++b) {
                       absl::StrAppend(&out, b, " ", (*counts)[b], "\n");
                     }
                     return out;
                   },
                   nullptr});
  nodes.push_back({"blocks/bad", Access::kReadOnly,
                   [t]() -> absl::StatusOr<std::string> {
                     absl::StatusOr<std::vector<uint32_t>> bad = t->BadBlocks();
                     if (!bad.ok()) return bad.status();
                     std::string out;
                     for (uint32_t b : *bad) absl::StrAppend(&out, b, "\n");
                     return out;
                   },
                   nullptr});
  // The live map: computed at each open, from the cells as they are then.
  nodes.push_back({"map", Access::kReadOnly,
                   [t]() -> absl::StatusOr<std::string> {
                     absl::StatusOr<ControlTarget::DeviceMap> m = t->MapByMeaning();
                     if (!m.ok()) return m.status();
                     return std::move(m->text);
                   },
                   nullptr});
  nodes.push_back({"map.json", Access::kReadOnly,
                   [t]() -> absl::StatusOr<std::string> {
                     absl::StatusOr<ControlTarget::DeviceMap> m = t->MapByMeaning();
                     if (!m.ok()) return m.status();
                     return m->json.dump(2) + "\n";
                   },
                   nullptr});
  nodes.push_back({"script", Access::kReadWrite, [t] { return t->Script(); },
                   [t](absl::string_view json) { return t->ReplaceScript(json); }});
  nodes.push_back({"events", Access::kReadOnly,
                   [t]() -> absl::StatusOr<std::string> {
                     absl::StatusOr<std::vector<std::string>> lines =
                         t->EventTail(kEventTailLines);
                     if (!lines.ok()) return lines.status();
                     if (lines->empty()) return std::string();
                     return absl::StrCat(absl::StrJoin(*lines, "\n"), "\n");
                   },
                   nullptr});
  nodes.push_back({"commands/power_cut", Access::kWriteOnly, nullptr,
                   [t](absl::string_view) { return t->PowerCut(); }, true});
  nodes.push_back({"commands/power_on", Access::kWriteOnly, nullptr,
                   [t](absl::string_view) { return t->PowerOn(); }, true});
  nodes.push_back(
      {"commands/snapshot", Access::kWriteOnly, nullptr, [t, mount](absl::string_view content) {
         const std::string text(absl::StripAsciiWhitespace(content));
         if (text.empty() || text.find('\n') != std::string::npos) {
           return absl::InvalidArgumentError("write one absolute path to commands/snapshot");
         }
         const fs::path path = fs::path(text).lexically_normal();
         if (!path.is_absolute()) {
           return absl::InvalidArgumentError(absl::StrCat(
               "snapshot path '", text, "' is relative; the server's working directory is not "
               "yours, give an absolute path"));
         }
         // Only a lexical check: resolving symlinks would mean looking into
         // our own mount from its serving thread.
         if (Inside(path, mount)) {
           return absl::InvalidArgumentError(absl::StrCat(
               "snapshot path ", path.string(), " is inside the control directory"));
         }
         return t->Snapshot(path.string());
       },
       true});
  return nodes;
}

}  // namespace flashfault::control
