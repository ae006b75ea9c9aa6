// Reading and writing op log lines (see op_log.h). Op arguments go through the
// workload parser, so a log and a workload file cannot disagree on an op.
#include "harness/campaign/oracle/op_log.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace flashfault::oracle {
namespace {

using nlohmann::json;

absl::Status Bad(absl::string_view source, size_t line, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(source, ":", line, ": ", why));
}

absl::StatusOr<uint64_t> Uint(const json& j, const char* key, absl::string_view source, size_t line) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) {
    return Bad(source, line, absl::StrCat("\"", key, "\" must be an unsigned integer"));
  }
  return it->get<uint64_t>();
}

}  // namespace

nlohmann::ordered_json LogHeaderJson(const Workload& w) {
  return {{"flashfault_op_log", kOpLogVersion},
          {"workload", w.name},
          {"oracle_assume_durable", w.oracle_assume_durable}};
}

nlohmann::ordered_json LogRecordJson(const LogRecord& r) {
  nlohmann::ordered_json j = {{"index", r.index},
                              {"op", std::string(OpKindName(r.op.kind))},
                              {"args", OpArgsToJson(r.op)},
                              {"ret", r.ret},
                              {"errno", r.err}};
  if (r.flash_before) j["flash_before"] = *r.flash_before;
  if (r.flash_after) j["flash_after"] = *r.flash_after;
  return j;
}

absl::StatusOr<OpLog> ParseOpLog(absl::string_view text, absl::string_view source) {
  OpLog log;
  size_t line_no = 0;
  bool header = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (line.empty()) continue;
    json j = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return Bad(source, line_no, "not a JSON object");
    if (!header) {
      auto v = j.find("flashfault_op_log");
      if (v == j.end() || !v->is_number_integer() || v->get<int>() != kOpLogVersion) {
        return Bad(source, line_no,
                   absl::StrCat("the first line must be the header {\"flashfault_op_log\": ",
                                kOpLogVersion, ", ...}"));
      }
      if (j.contains("workload") && j["workload"].is_string()) log.workload = j["workload"];
      if (auto a = j.find("oracle_assume_durable"); a != j.end()) {
        if (!a->is_array()) return Bad(source, line_no, "\"oracle_assume_durable\" must be an array");
        for (const json& p : *a) {
          if (!p.is_string() || !CheckRelativePath(p.get<std::string>()).ok()) {
            return Bad(source, line_no, "\"oracle_assume_durable\" holds relative paths");
          }
          log.oracle_assume_durable.push_back(p.get<std::string>());
        }
      }
      header = true;
      continue;
    }
    LogRecord r;
    FF_ASSIGN_OR_RETURN(r.index, Uint(j, "index", source, line_no));
    if (r.index != log.records.size()) {
      return Bad(source, line_no, absl::StrCat("expected index ", log.records.size(), ", found ", r.index));
    }
    auto kind_it = j.find("op");
    if (kind_it == j.end() || !kind_it->is_string()) return Bad(source, line_no, "needs \"op\"");
    const std::optional<OpKind> kind = OpKindFromName(kind_it->get<std::string>());
    if (!kind) return Bad(source, line_no, absl::StrCat("unknown op \"", kind_it->get<std::string>(), "\""));
    auto args = j.find("args");
    if (args == j.end()) return Bad(source, line_no, "needs \"args\"");
    absl::StatusOr<Op> op = ParseOpArgs(*kind, *args, absl::StrCat(source, ":", line_no), "$.args");
    if (!op.ok()) return op.status();
    r.op = std::move(*op);
    auto ret = j.find("ret");
    auto err = j.find("errno");
    if (ret == j.end() || !ret->is_number_integer()) return Bad(source, line_no, "\"ret\" must be an integer");
    if (err == j.end() || !err->is_number_integer() || err->get<int64_t>() < 0 || err->get<int64_t>() > 4095) {
      return Bad(source, line_no, "\"errno\" must be an integer in 0..4095");
    }
    r.ret = ret->get<int64_t>();
    r.err = err->get<int>();
    const bool has_before = j.contains("flash_before"), has_after = j.contains("flash_after");
    if (has_before != has_after) {
      return Bad(source, line_no, "flash_before and flash_after come together or not at all");
    }
    if (has_before) {
      FF_ASSIGN_OR_RETURN(r.flash_before, Uint(j, "flash_before", source, line_no));
      FF_ASSIGN_OR_RETURN(r.flash_after, Uint(j, "flash_after", source, line_no));
      if (*r.flash_after < *r.flash_before) {
        return Bad(source, line_no, "flash_after is smaller than flash_before");
      }
      if (!log.records.empty() && log.records.back().flash_after &&
          *r.flash_before < *log.records.back().flash_after) {
        return Bad(source, line_no, "flash_before is smaller than the previous op's flash_after");
      }
    }
    if (!log.records.empty() && log.records.back().flash_before.has_value() != has_before) {
      return Bad(source, line_no, "either every op has flash counters or none has");
    }
    log.records.push_back(std::move(r));
  }
  if (!header) return Bad(source, 1, "empty log (no header line)");
  return log;
}

absl::StatusOr<OpLog> LoadOpLog(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseOpLog(ss.str(), path);
}

}  // namespace flashfault::oracle
