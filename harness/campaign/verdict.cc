// Observations from a guest run and the checks of a scenario's expectations
// (see verdict.h). Must not: guess a value that was not observed -- a count
// the guest never reported fails its check as "not reported".
#include "harness/campaign/verdict.h"

#include <regex>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace flashfault::campaign {
namespace {

int64_t CountMatches(const std::string& text, const std::regex& re) {
  int64_t n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, re)) ++n;
  }
  return n;
}

bool AnyLineMatches(const std::string& text, const std::string& pattern) {
  const std::regex re(pattern, std::regex::ECMAScript);
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, re)) return true;
  }
  return false;
}

Check CountCheck(std::string name, const Matcher& m, std::optional<int64_t> actual) {
  Check c{std::move(name), m.ToString(), "not reported", false};
  if (actual) {
    c.actual = absl::StrCat(*actual);
    c.pass = m.Matches(*actual);
  }
  return c;
}

}  // namespace

Observations Observe(const std::string& guest_log, const std::string& dmesg,
                     const nlohmann::json& kernel_log) {
  Observations o;
  if (kernel_log.is_object()) o.kernel_log = kernel_log;
  static const std::regex kExit(R"(^FFRUN workload_exit (-?\d+))");
  static const std::regex kServer(R"(^FFRUN server_exit (-?\d+|killed))");
  static const std::regex kUbi(R"(^FFRUN ubi bad_peb_count=(\d+))");
  static const std::regex kFault(R"(^FFRUN fault (\S+) (\S+) (\d+)(?: (\d+))?)");
  static const std::regex kVerified(R"(verified (\d+) files)");
  static const std::regex kMountFail(R"(^FAIL: (re)?mount )");
  static const std::regex kFail(R"(^(FAIL|HUNG)\b)");
  std::istringstream in(guest_log);
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, m, kExit)) {
      o.workload_exit = std::stoi(m[1]);
    } else if (std::regex_search(line, m, kServer)) {
      if (m[1] == "killed") {
        o.server_left_killed = true;
      } else {
        o.server_exit = std::stoi(m[1]);
      }
    } else if (absl::StartsWith(line, "FFRUN server_killed")) {
      ++o.server_kills;
    } else if (std::regex_search(line, m, kUbi)) {
      const int64_t n = std::stoll(m[1]);
      if (!o.ubi_bad_first) o.ubi_bad_first = n;
      o.ubi_bad_last = n;
    } else if (std::regex_search(line, m, kFault)) {
      o.faults_fired[m[1]] = std::stoll(m[3]);
      o.fault_kinds[m[1]] = m[2];
      if (m[4].matched) o.fault_injections[m[1]] = std::stoll(m[4]);
    } else if (std::regex_search(line, m, kVerified)) {
      o.files_verified += std::stoll(m[1]);
    }
    if (std::regex_search(line, kMountFail)) o.mount_failed = true;
    if (o.first_fail.empty() && std::regex_search(line, kFail)) o.first_fail = line;
  }
  o.ubi_scrubbed = CountMatches(dmesg, std::regex(R"(ubi\d+: scrubbed PEB \d+)"));
  o.ubi_bitflips = CountMatches(dmesg, std::regex(R"(fixable bit-flip detected)"));
  o.ecc_errors = CountMatches(dmesg, std::regex(R"(\(ECC error\)|error -74 )"));
  o.ubi_marked_bad = CountMatches(dmesg, std::regex(R"(ubi\d+: mark PEB \d+ as bad)"));
  o.ubi_torture_passed = CountMatches(dmesg, std::regex(R"(passed torture test)"));
  return o;
}

std::vector<Check> Evaluate(const Scenario& s, const Observations& o, const std::string& guest_log,
                            const std::string& dmesg) {
  const Expectations& e = s.expect;
  std::vector<Check> out;
  {
    Check c{"exit", absl::StrCat("== ", e.exit), "not reported", false};
    if (o.workload_exit) {
      c.actual = absl::StrCat(*o.workload_exit);
      c.pass = *o.workload_exit == e.exit;
    }
    out.push_back(c);
  }
  for (const auto& [key, m] : e.kernel_log) {
    std::optional<int64_t> actual;
    if (o.kernel_log.contains(key) && o.kernel_log[key].is_number_integer()) {
      actual = o.kernel_log[key].get<int64_t>();
    }
    out.push_back(CountCheck(absl::StrCat("kernel_log.", key), m, actual));
  }
  if (e.ubi_bad_pebs) out.push_back(CountCheck("ubi_bad_pebs", *e.ubi_bad_pebs, o.ubi_bad_last));
  if (e.ubi_bad_grown) {
    std::optional<int64_t> grown;
    if (o.ubi_bad_first && o.ubi_bad_last) grown = *o.ubi_bad_last - *o.ubi_bad_first;
    out.push_back(CountCheck("ubi_bad_grown", *e.ubi_bad_grown, grown));
  }
  if (e.ubi_scrubbed) out.push_back(CountCheck("ubi_scrubbed", *e.ubi_scrubbed, o.ubi_scrubbed));
  if (e.ubi_bitflips) out.push_back(CountCheck("ubi_bitflips", *e.ubi_bitflips, o.ubi_bitflips));
  if (e.ecc_errors) out.push_back(CountCheck("ecc_errors", *e.ecc_errors, o.ecc_errors));
  if (e.files_verified) {
    out.push_back(CountCheck("files_verified", *e.files_verified, o.files_verified));
  }
  if (e.mount_fails) {
    out.push_back({"mount_fails", *e.mount_fails ? "true" : "false",
                   o.mount_failed ? "true" : "false", o.mount_failed == *e.mount_fails});
  }
  for (const auto& [id, m] : e.faults_fired) {
    std::optional<int64_t> n;
    if (auto it = o.faults_fired.find(id); it != o.faults_fired.end()) n = it->second;
    else if (o.server_exit) n = 0;  // the server's event summary came back without this id
    out.push_back(CountCheck(absl::StrCat("faults_fired.", id), m, n));
  }
  const std::tuple<const char*, const std::vector<std::string>*, const std::string*, bool> lists[] = {
      {"dmesg_contains", &e.dmesg_contains, &dmesg, true},
      {"dmesg_lacks", &e.dmesg_lacks, &dmesg, false},
      {"guest_log_contains", &e.guest_log_contains, &guest_log, true},
      {"guest_log_lacks", &e.guest_log_lacks, &guest_log, false}};
  for (const auto& [key, patterns, text, want] : lists) {
    for (size_t i = 0; i < patterns->size(); ++i) {
      const bool found = AnyLineMatches(*text, (*patterns)[i]);
      out.push_back({absl::StrCat(key, "[", i, "]"),
                     absl::StrCat(want ? "a line matches /" : "no line matches /", (*patterns)[i], "/"),
                     found ? "matched" : "no match", found == want});
    }
  }
  return out;
}

GuestSegment SplitGuestLog(const std::string& guest_log, size_t index) {
  const std::string begin = absl::StrCat("FFRUN-BEGIN ", index), end = absl::StrCat("FFRUN-END ", index);
  GuestSegment seg;
  bool inside = false;
  std::istringstream in(guest_log);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!inside) {
      inside = seg.found = line == begin;
      continue;
    }
    if (line == end) {
      seg.complete = true;
      break;
    }
    absl::StrAppend(&seg.guest_log, line, "\n");
  }
  return seg;
}

nlohmann::ordered_json ObservationsToJson(const Observations& o) {
  nlohmann::ordered_json j;
  auto opt = [](const auto& v) { return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(); };
  j["workload_exit"] = opt(o.workload_exit);
  j["server_exit"] = o.server_left_killed ? nlohmann::ordered_json("killed by the workload") : opt(o.server_exit);
  j["server_kills"] = o.server_kills;
  j["ubi_bad_pebs_first"] = opt(o.ubi_bad_first);
  j["ubi_bad_pebs"] = opt(o.ubi_bad_last);
  j["ubi_scrubbed"] = o.ubi_scrubbed;
  j["ubi_bitflips"] = o.ubi_bitflips;
  j["ecc_errors"] = o.ecc_errors;
  j["ubi_marked_bad"] = o.ubi_marked_bad;
  j["ubi_torture_passed"] = o.ubi_torture_passed;
  j["files_verified"] = o.files_verified;
  j["mount_failed"] = o.mount_failed;
  nlohmann::ordered_json fired = nlohmann::ordered_json::object();
  for (const auto& [id, n] : o.faults_fired) {
    fired[id] = {{"kind", o.fault_kinds.at(id)}, {"fired", n}};
    if (auto it = o.fault_injections.find(id); it != o.fault_injections.end()) {
      fired[id]["injected"] = it->second;
    }
  }
  j["faults_fired"] = fired;
  j["kernel_log"] = o.kernel_log;
  j["first_fail"] = o.first_fail.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(o.first_fail);
  return j;
}

}  // namespace flashfault::campaign
