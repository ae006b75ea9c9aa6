// Fault script text and files: JSON through the common loader (syntax with
// line and column, repeated keys refused, bounded messages), then
// ParseScript(). The only I/O of the front end is the file read in
// LoadScriptFile(); everything else works on memory so the fuzzer can drive
// it.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/input_file.h"
#include "common/json_load.h"
#include "fault-models/script/fault_script.h"

namespace flashfault {
namespace {

absl::Status WithFile(absl::string_view file, const absl::Status& s) {
  if (file.empty()) return s;
  return absl::Status(s.code(), absl::StrCat(file, ": ", s.message()));
}

}  // namespace

absl::StatusOr<FaultScript> ParseScriptText(absl::string_view text, absl::string_view file,
                                            const Geometry* override) {
  // Syntax, repeated keys, nesting and message size: the common loader.
  absl::StatusOr<nlohmann::json> j = ParseJsonText(text, file);
  if (!j.ok()) return j.status();
  absl::StatusOr<FaultScript> s = ParseScript(*j, override);
  if (!s.ok()) return WithFile(file, s.status());
  return s;
}

absl::StatusOr<FaultScript> LoadScriptFile(const std::string& path, const Geometry* override) {
  absl::StatusOr<std::string> text = ReadInputFile(path);
  if (!text.ok()) return text.status();
  return ParseScriptText(*text, path, override);
}

}  // namespace flashfault
