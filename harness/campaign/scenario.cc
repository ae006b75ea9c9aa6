// Parsing and validating scenario files (see scenario.h). Every error names
// the file and the JSON path. Must not: boot anything, write files, or accept
// a key it does not understand (a typo must not silently drop an expectation).
#include "harness/campaign/scenario.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "backends/image/flash_image.h"
#include "backends/model/geometry_json.h"
#include "common/input_file.h"
#include "common/json_load.h"
#include "common/status_macros.h"
#include "harness/campaign/kernel_args.h"
#include "harness/campaign/log_classifier.h"
#include "harness/campaign/scenario_files.h"
#include "harness/campaign/scenario_parse.h"

namespace flashfault::campaign {
namespace {

using json = nlohmann::json;
using scenario_parse::Ctx;
using scenario_parse::CheckKeys;
using scenario_parse::CrashStateGeometry;
using scenario_parse::DirOf;
using scenario_parse::ParseCrashState;
using scenario_parse::ParseFuzzCase;
using scenario_parse::GetString;
using scenario_parse::Reroot;
using scenario_parse::Resolve;

// Longest pattern and deepest nesting of groups and brackets a scenario's
// regular expression may have; real log patterns are far below both.
constexpr size_t kMaxRegexLength = 1024;
constexpr int kMaxRegexDepth = 16;

absl::Status CheckRegexSize(absl::string_view re) {
  if (re.size() > kMaxRegexLength) {
    return absl::InvalidArgumentError(absl::StrCat("regular expression of ", re.size(),
                                                   " characters; at most ", kMaxRegexLength));
  }
  int depth = 0;
  bool escaped = false;
  for (char ch : re) {
    if (escaped) {
      escaped = false;
    } else if (ch == '\\') {
      escaped = true;
    } else if (ch == '(') {
      if (++depth > kMaxRegexDepth) {
        return absl::InvalidArgumentError(
            absl::StrCat("regular expression nests groups deeper than ", kMaxRegexDepth));
      }
    } else if (ch == ')' && depth > 0) {
      --depth;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> GetRegexList(const Ctx& c, const json& j,
                                                      absl::string_view path) {
  if (!j.is_array()) return c.Err(path, "expected an array of regular expressions");
  std::vector<std::string> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string p = absl::StrCat(path, "[", i, "]");
    FF_ASSIGN_OR_RETURN(std::string re, GetString(c, j[i], p));
    // std::regex compiles and matches by recursion: a pattern of 10,000
    // nested groups overflowed the stack. Bound it before compiling.
    if (absl::Status st = CheckRegexSize(re); !st.ok()) return c.Err(p, st.message());
    try {
      std::regex compiled(re, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return c.Err(p, absl::StrCat("not a valid regular expression: ", e.what()));
    }
    out.push_back(std::move(re));
  }
  return out;
}

absl::StatusOr<Matcher> ParseMatcher(const Ctx& c, const json& j, absl::string_view path) {
  constexpr absl::string_view kHint = "expected a number or a comparison like \">=1\"";
  Matcher m;
  if (j.is_number_unsigned() && j.get<uint64_t>() > uint64_t{INT64_MAX}) {
    return c.Err(path, absl::StrCat("count ", j.get<uint64_t>(), " is out of range"));
  }
  if (j.is_number_integer()) {
    m.value = j.get<int64_t>();
    return m;
  }
  if (!j.is_string()) return c.Err(path, kHint);
  const std::string s = j.get<std::string>();
  static const std::pair<absl::string_view, Matcher::Op> kOps[] = {
      {">=", Matcher::Op::kGe}, {"<=", Matcher::Op::kLe}, {"==", Matcher::Op::kEq},
      {"!=", Matcher::Op::kNe}, {">", Matcher::Op::kGt},  {"<", Matcher::Op::kLt}};
  size_t skip = 0;
  for (const auto& [text, op] : kOps) {
    if (absl::string_view(s).substr(0, text.size()) == text) {
      m.op = op;
      skip = text.size();
      break;
    }
  }
  // Strict: optional spaces, then digits and nothing else, in range. "5 5"
  // is not 5 and 2^64-1 is not -1.
  absl::string_view rest = absl::string_view(s).substr(skip);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  int64_t value = 0;
  if (rest.empty() || rest.find_first_not_of("0123456789") != absl::string_view::npos) {
    return c.Err(path, absl::StrCat(kHint, ", got \"", QuoteExcerpt(s), "\""));
  }
  if (!absl::SimpleAtoi(rest, &value)) {
    return c.Err(path, absl::StrCat("count ", QuoteExcerpt(rest), " is out of range"));
  }
  m.value = value;
  return m;
}

absl::Status ParseImage(const Ctx& c, const json& j, Scenario* s) {
  if (j.is_string() && j.get<std::string>() == "empty") return absl::OkStatus();
  if (j.is_string() && j.get<std::string>() == "erased-file") {
    s->image.kind = ImageSpec::Kind::kErasedFile;
    return absl::OkStatus();
  }
  FF_RETURN_IF_ERROR(CheckKeys(c, j, "$.image", {"kind", "path"}));
  if (!j.contains("kind")) {
    return c.Err("$.image.kind", "required: empty, erased-file, nanddump or raw");
  }
  FF_ASSIGN_OR_RETURN(std::string kind, GetString(c, j["kind"], "$.image.kind"));
  if (kind == "empty" || kind == "erased-file") {
    if (j.contains("path")) return c.Err("$.image.path", absl::StrCat("an ", kind, " image takes no path"));
    if (kind == "erased-file") s->image.kind = ImageSpec::Kind::kErasedFile;
    return absl::OkStatus();
  }
  if (kind == "nanddump") {
    s->image.kind = ImageSpec::Kind::kNanddump;
  } else if (kind == "raw") {
    s->image.kind = ImageSpec::Kind::kRaw;
  } else {
    return c.Err("$.image.kind", absl::StrCat("must be empty, erased-file, nanddump or raw, got \"",
                                              QuoteExcerpt(kind), "\""));
  }
  if (!j.contains("path")) return c.Err("$.image.path", "required for a nanddump or raw image");
  FF_ASSIGN_OR_RETURN(std::string path, GetString(c, j["path"], "$.image.path"));
  s->image.path = Resolve(c.file, path);
  if (!std::ifstream(s->image.path)) {
    return c.Err("$.image.path", absl::StrCat("cannot read ", s->image.path));
  }
  if (absl::Status st = CheckOutputPath(s->image.path); !st.ok()) {
    return c.Err("$.image.path", absl::StrCat(s->image.path, " is a directory, expected a file"));
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(s->image.path, ec)) {
    return c.Err("$.image.path", absl::StrCat(s->image.path, " is not a regular file (a scenario's "
                                              "image is read twice: checked now, imported later)"));
  }
  // A truncated or oversized image is bad input: found here, before anything boots or is
  // written, not by the import in the middle of a run.
  const absl::Status importable = CheckImportable(
      s->image.path, s->image.kind == ImageSpec::Kind::kRaw ? ImageFormat::kRaw : ImageFormat::kNanddump,
      s->geometry);
  if (!importable.ok()) return c.Err("$.image.path", importable.message());
  return absl::OkStatus();
}

// "wear": [{"blocks": N | [FIRST, LAST], "erases": N}, ...]
absl::Status ParseWear(const Ctx& c, const json& j, Scenario* s) {
  if (!j.is_array() || j.empty()) return c.Err("$.wear", "expected a non-empty array of settings");
  const uint32_t blocks = s->geometry.block_count;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string at = absl::StrCat("$.wear[", i, "]");
    FF_RETURN_IF_ERROR(CheckKeys(c, j[i], at, {"blocks", "erases"}));
    const json& b = j[i].contains("blocks") ? j[i]["blocks"] : json();
    auto whole = [](const json& v) {
      return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
    };
    WearSetting w;
    if (whole(b)) {
      w.first = w.last = b.get<uint64_t>();
    } else if (b.is_array() && b.size() == 2 && whole(b[0]) && whole(b[1])) {
      w.first = b[0].get<uint64_t>();
      w.last = b[1].get<uint64_t>();
    } else {
      return c.Err(at + ".blocks", "expected a block or [FIRST, LAST]");
    }
    if (w.first > w.last || w.last >= blocks) {
      return c.Err(at + ".blocks", absl::StrCat("blocks ", w.first, "-", w.last, " are not in 0-",
                                                blocks - 1, " (", s->geometry.name, ")"));
    }
    if (!j[i].contains("erases") || !whole(j[i]["erases"]) ||
        j[i]["erases"].get<uint64_t>() > 100000000) {
      return c.Err(at + ".erases", "expected an erase count up to 100000000");
    }
    w.erases = j[i]["erases"].get<uint64_t>();
    s->wear.push_back(w);
  }
  if (s->crash_state) return c.Err("$.wear", "a crash state brings its own wear");
  if (s->image.kind == ImageSpec::Kind::kEmpty) s->image.kind = ImageSpec::Kind::kErasedFile;
  return absl::OkStatus();
}

absl::Status ParseWorkload(const Ctx& c, const json& j, Scenario* s) {
  WorkloadSpec& w = s->workload;
  if (j.is_string()) {
    w.builtin = j.get<std::string>();
  } else {
    FF_RETURN_IF_ERROR(CheckKeys(c, j, "$.workload", {"builtin", "shell", "file_sizes", "parts"}));
    if (j.contains("builtin") == j.contains("shell")) {
      return c.Err("$.workload", "give exactly one of \"builtin\" and \"shell\"");
    }
    if (j.contains("builtin")) {
      FF_ASSIGN_OR_RETURN(w.builtin, GetString(c, j["builtin"], "$.workload.builtin"));
    } else {
      FF_ASSIGN_OR_RETURN(w.shell, GetString(c, j["shell"], "$.workload.shell"));
      if (w.shell.empty()) return c.Err("$.workload.shell", "must not be empty");
    }
    if (j.contains("file_sizes")) {
      FF_ASSIGN_OR_RETURN(w.file_sizes, GetString(c, j["file_sizes"], "$.workload.file_sizes"));
      if (w.file_sizes.find_first_not_of(" 0123456789") != std::string::npos) {
        return c.Err("$.workload.file_sizes", "expected byte counts separated by spaces");
      }
    }
    if (j.contains("parts")) {
      FF_ASSIGN_OR_RETURN(w.parts, GetString(c, j["parts"], "$.workload.parts"));
      if (w.parts.find_first_of("'\"\\$`\n") != std::string::npos) {
        return c.Err("$.workload.parts", "must not contain quotes, $, ` or backslashes");
      }
    }
  }
  if (!w.builtin.empty()) {
    const auto& names = BuiltinWorkloads();
    if (std::find(names.begin(), names.end(), w.builtin) == names.end()) {
      return c.Err(j.is_string() ? "$.workload" : "$.workload.builtin",
                   absl::StrCat("unknown workload \"", QuoteExcerpt(w.builtin),
                                "\" (built-in: ", absl::StrJoin(names, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseMatcherMap(const Ctx& c, const json& j, absl::string_view path,
                             const std::vector<std::string>* allowed,
                             std::map<std::string, Matcher>* out) {
  if (allowed != nullptr) FF_RETURN_IF_ERROR(CheckKeys(c, j, path, *allowed));
  if (!j.is_object()) return c.Err(path, "expected an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    FF_ASSIGN_OR_RETURN(Matcher m, ParseMatcher(c, it.value(), absl::StrCat(path, JsonPathMember(it.key()))));
    (*out)[it.key()] = m;
  }
  return absl::OkStatus();
}

absl::Status ParseExpect(const Ctx& c, const json& j, Scenario* s) {
  Expectations& e = s->expect;
  for (const std::string& k : BugKinds()) e.kernel_log[k] = Matcher{};
  if (j.is_null()) return absl::OkStatus();
  FF_RETURN_IF_ERROR(CheckKeys(c, j, "$.expect", ScenarioExpectKeys()));
  if (j.contains("exit")) {
    if (!j["exit"].is_number_integer() || j["exit"].get<int64_t>() < -255 ||
        j["exit"].get<int64_t>() > 255 || (j["exit"].is_number_unsigned() &&
                                           j["exit"].get<uint64_t>() > 255)) {
      return c.Err("$.expect.exit", "expected an exit status, an integer in [-255, 255]");
    }
    e.exit = j["exit"].get<int>();
  }
  if (j.contains("kernel_log")) {
    static const std::vector<std::string> kKeys = [] {
      std::vector<std::string> k = BugKinds();
      k.insert(k.end(), ErrorKinds().begin(), ErrorKinds().end());
      return k;
    }();
    FF_RETURN_IF_ERROR(ParseMatcherMap(c, j["kernel_log"], "$.expect.kernel_log", &kKeys,
                                       &e.kernel_log));
  }
  const std::pair<const char*, std::optional<Matcher>*> counts[] = {
      {"ubi_bad_pebs", &e.ubi_bad_pebs},     {"ubi_bad_grown", &e.ubi_bad_grown},
      {"ubi_scrubbed", &e.ubi_scrubbed},     {"ubi_bitflips", &e.ubi_bitflips},
      {"ecc_errors", &e.ecc_errors},         {"files_verified", &e.files_verified}};
  for (const auto& [key, dst] : counts) {
    if (!j.contains(key)) continue;
    FF_ASSIGN_OR_RETURN(*dst, ParseMatcher(c, j[key], absl::StrCat("$.expect.", key)));
  }
  if (j.contains("mount_fails")) {
    if (!j["mount_fails"].is_boolean()) return c.Err("$.expect.mount_fails", "expected true or false");
    e.mount_fails = j["mount_fails"].get<bool>();
  }
  if (j.contains("faults_fired")) {
    FF_RETURN_IF_ERROR(
        ParseMatcherMap(c, j["faults_fired"], "$.expect.faults_fired", nullptr, &e.faults_fired));
    // A shell workload may install faults of its own at run time (a script
    // written to $FF_CTL/script): they are counted by id from the event log
    // like the scenario's, so their ids cannot be checked here.
    for (const auto& entry : e.faults_fired) {
      if (!s->workload.shell.empty()) break;
      const std::string& id = entry.first;
      const auto& faults = s->script.plan.faults;
      if (std::none_of(faults.begin(), faults.end(), [&](const FaultSpec& f) { return f.id == id; })) {
        return c.Err(absl::StrCat("$.expect.faults_fired", JsonPathMember(id)),
                     "no fault with this id in the script (only a shell workload may install "
                     "faults of its own at run time)");
      }
    }
  }
  const std::pair<const char*, std::vector<std::string>*> lists[] = {
      {"dmesg_contains", &e.dmesg_contains},
      {"dmesg_lacks", &e.dmesg_lacks},
      {"guest_log_contains", &e.guest_log_contains},
      {"guest_log_lacks", &e.guest_log_lacks}};
  for (const auto& [key, dst] : lists) {
    if (!j.contains(key)) continue;
    FF_ASSIGN_OR_RETURN(*dst, GetRegexList(c, j[key], absl::StrCat("$.expect.", key)));
  }
  return absl::OkStatus();
}

absl::Status ParseKernelArgs(const Ctx& c, const json& j, Scenario* s) {
  if (!j.is_array()) return c.Err("$.kernel_args", "expected an array of kernel arguments");
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string p = absl::StrCat("$.kernel_args[", i, "]");
    FF_ASSIGN_OR_RETURN(std::string arg, GetString(c, j[i], p));
    if (absl::Status st = ValidateKernelArg(arg); !st.ok()) return c.Err(p, st.message());
    s->kernel_args.push_back(std::move(arg));
  }
  return absl::OkStatus();
}

absl::Status ParseScriptKey(const Ctx& c, const json& j, Scenario* s) {
  absl::StatusOr<FaultScript> script = absl::UnknownError("unset");
  if (j.is_null()) {
    s->script_source = "none";
    script = ParseScript(json{{"faults", json::array()}}, &s->geometry);
  } else if (j.is_string()) {
    s->script_source = Resolve(c.file, j.get<std::string>());
    script = LoadScriptFile(s->script_source, &s->geometry);
    if (!script.ok()) {
      return absl::Status(script.status().code(),
                          absl::StrCat(c.file, ": $.script: ", script.status().message()));
    }
  } else if (j.is_object()) {
    s->script_source = "inline";
    script = ParseScript(j, &s->geometry);
    if (!script.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(c.file, ": ", Reroot(script.status().message(), "$.script")));
    }
  } else {
    return c.Err("$.script", "expected a fault script file name, an inline script object or null");
  }
  FF_RETURN_IF_ERROR(script.status());
  s->script = *std::move(script);
  return absl::OkStatus();
}

}  // namespace

bool Matcher::Matches(int64_t a) const {
  switch (op) {
    case Op::kEq: return a == value;
    case Op::kNe: return a != value;
    case Op::kGe: return a >= value;
    case Op::kGt: return a > value;
    case Op::kLe: return a <= value;
    case Op::kLt: return a < value;
  }
  return false;
}

std::string Matcher::ToString() const {
  static const char* const kText[] = {"==", "!=", ">=", ">", "<=", "<"};
  return absl::StrCat(kText[static_cast<int>(op)], " ", value);
}

const std::vector<std::string>& BuiltinWorkloads() {
  static const std::vector<std::string> k = {"ubi-attach",         "ubifs-write-verify",
                                             "ubifs-powercut",     "jffs2-write-verify",
                                             "mtd-utils",          "explore-check",
                                             "fuzz-check"};
  return k;
}

const std::vector<std::string>& ScenarioTopKeys() {
  static const std::vector<std::string> k = {"$schema", "name",     "description", "geometry",
                                             "seed",    "image",    "script",      "workload",
                                             "expect",  "timeout",  "kernel_args", "crash_state",
                                             "files",   "wear",     "log_meanings", "fuzz_case"};
  return k;
}

const std::vector<std::string>& ScenarioExpectKeys() {
  static const std::vector<std::string> k = {
      "exit",         "kernel_log",     "ubi_bad_pebs",   "ubi_bad_grown",  "ubi_scrubbed",
      "ubi_bitflips", "ecc_errors",     "files_verified", "mount_fails",    "faults_fired",
      "dmesg_contains", "dmesg_lacks",  "guest_log_contains", "guest_log_lacks"};
  return k;
}

absl::StatusOr<Scenario> ParseScenario(const json& j, const std::string& file) {
  const Ctx c{file};
  Scenario s;
  s.file = file;
  FF_RETURN_IF_ERROR(CheckKeys(c, j, "$", ScenarioTopKeys()));
  for (const char* key : {"name", "workload"}) {
    if (!j.contains(key)) return c.Err(absl::StrCat("$.", key), "required");
  }
  if (!j.contains("geometry") && !j.contains("crash_state")) return c.Err("$.geometry", "required");
  FF_ASSIGN_OR_RETURN(s.name, GetString(c, j["name"], "$.name"));
  if (s.name.empty() || s.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
                            std::string::npos) {
    return c.Err("$.name", "letters, digits, '-', '_' and '.' only (it names the results)");
  }
  if (j.contains("description")) {
    FF_ASSIGN_OR_RETURN(s.description, GetString(c, j["description"], "$.description"));
  }
  // For editors only, but a string, as the schema says (tests/schema/).
  if (j.contains("$schema")) FF_RETURN_IF_ERROR(GetString(c, j["$schema"], "$[\"$schema\"]").status());
  if (j.contains("crash_state")) {
    FF_RETURN_IF_ERROR(ParseCrashState(c, j["crash_state"], &s));
    if (j.contains("image")) return c.Err("$.image", "a crash_state scenario starts from the state");
  }
  const json& g = j.contains("geometry") ? j["geometry"] : json();
  absl::StatusOr<Geometry> geometry = absl::UnknownError("unset");
  if (g.is_null() && s.crash_state) {
    geometry = CrashStateGeometry(*s.crash_state);
  } else if (g.is_string()) {
    geometry = ResolveGeometry(g.get<std::string>(), "");
  } else if (g.is_object()) {
    s.geometry_is_preset = false;
    geometry = GeometryFromJson(g);
  } else {
    return c.Err("$.geometry", "expected a preset name or an inline geometry object");
  }
  if (!geometry.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ": ", Reroot(geometry.status().message(), "$.geometry")));
  }
  s.geometry = *std::move(geometry);
  if (j.contains("seed")) {
    if (!j["seed"].is_number_unsigned()) return c.Err("$.seed", "expected an unsigned integer");
    s.seed = j["seed"].get<uint64_t>();
  }
  if (j.contains("timeout")) {
    if (!j["timeout"].is_number_unsigned() || j["timeout"].get<uint64_t>() < 10 ||
        j["timeout"].get<uint64_t>() > 7200) {
      return c.Err("$.timeout", "expected seconds in [10, 7200]");
    }
    s.timeout_seconds = j["timeout"].get<uint32_t>();
  }
  if (j.contains("kernel_args")) FF_RETURN_IF_ERROR(ParseKernelArgs(c, j["kernel_args"], &s));
  if (j.contains("log_meanings")) {
    if (!j["log_meanings"].is_boolean()) return c.Err("$.log_meanings", "expected true or false");
    s.log_meanings = j["log_meanings"].get<bool>();
  }
  if (j.contains("image")) FF_RETURN_IF_ERROR(ParseImage(c, j["image"], &s));
  if (j.contains("files")) {
    absl::StatusOr<std::vector<ShippedFile>> files = CheckShippedFiles(j["files"], DirOf(c.file));
    if (!files.ok()) return absl::InvalidArgumentError(absl::StrCat(c.file, ": ", files.status().message()));
    s.files = std::move(*files);
  }
  FF_RETURN_IF_ERROR(ParseScriptKey(c, j.contains("script") ? j["script"] : json(), &s));
  if (j.contains("wear")) FF_RETURN_IF_ERROR(ParseWear(c, j["wear"], &s));
  FF_RETURN_IF_ERROR(ParseWorkload(c, j["workload"], &s));
  if ((s.workload.builtin == "explore-check") != s.crash_state.has_value()) {
    return c.Err("$.workload", "the explore-check workload and a crash_state go together");
  }
  if (j.contains("fuzz_case")) FF_RETURN_IF_ERROR(ParseFuzzCase(c, j["fuzz_case"], &s));
  if ((s.workload.builtin == "fuzz-check") != s.fuzz_case.has_value()) {
    return c.Err("$.workload", "the fuzz-check workload and a fuzz_case go together");
  }
  FF_RETURN_IF_ERROR(ParseExpect(c, j.contains("expect") ? j["expect"] : json(), &s));
  return s;
}

absl::StatusOr<Scenario> ParseScenarioText(absl::string_view text, const std::string& file) {
  FF_ASSIGN_OR_RETURN(const json j, ParseJsonText(text, file));
  return ParseScenario(j, file);
}

absl::StatusOr<Scenario> LoadScenarioFile(const std::string& file) {
  FF_ASSIGN_OR_RETURN(const std::string text, ReadInputFile(file));
  return ParseScenarioText(text, file);
}

uint64_t EffectiveSeed(const Scenario& s, std::optional<uint64_t> flag) {
  if (flag) return *flag;
  if (s.seed) return *s.seed;
  return s.script.plan.seed;
}

}  // namespace flashfault::campaign
