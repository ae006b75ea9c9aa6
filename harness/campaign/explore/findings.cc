// Grouping failing crash states and writing reproducers; see findings.h.
#include "harness/campaign/explore/findings.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/status_macros.h"
#include "harness/campaign/crash_states.h"
#include "harness/campaign/signature.h"

namespace flashfault::campaign {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// Smaller is a simpler reproducer: an earlier cut, then the plainer variant.
bool Smaller(const json& a, const json& b) {
  const uint64_t oa = a.value("op", uint64_t{0}), ob = b.value("op", uint64_t{0});
  if (oa != ob) return oa < ob;
  auto rank = [](const json& s) {
    const std::optional<CrashVariant> v = CrashVariantFromName(s.value("variant", "boundary"));
    return v ? static_cast<int>(*v) : 3;
  };
  return rank(a) < rank(b);
}

absl::Status CopyFile(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  const fs::path tmp = to.string() + ".tmp";
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
  if (!ec) fs::rename(tmp, to, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return absl::InternalError(
        absl::StrCat("cannot copy ", from.string(), " to ", to.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<Finding> GroupFindings(const std::vector<json>& states) {
  std::vector<Finding> out;
  std::map<std::string, size_t> by_signature;
  for (const json& s : states) {
    if (s.value("result", "") != "fail") continue;
    const std::string sig = s.value("signature", s.value("failed", "unknown"));
    auto [it, fresh] = by_signature.emplace(sig, out.size());
    if (fresh) {
      Finding f;
      f.signature = sig;
      // The id hashes the same text the agent's Signature::Text() gave.
      const size_t bar = sig.find(" | ");
      f.signature_id = Signature{sig.substr(0, bar),
                                 bar == std::string::npos ? "" : sig.substr(bar + 3)}
                           .Id();
      f.smallest = s;
      out.push_back(std::move(f));
    }
    Finding& f = out[it->second];
    f.states.push_back(s.value("id", "?"));
    if (Smaller(s, f.smallest)) f.smallest = s;
    f.failed = f.smallest.value("failed", "");
  }
  return out;
}

std::string FindingWords(const Finding& f) {
  const json& s = f.smallest;
  std::string words = absl::StrCat("crash state ", s.value("id", "?"), " (power cut during op ",
                                   s.value("op", uint64_t{0}), ", ", s.value("variant", "?"), "): ");
  const std::string failed = s.value("failed", "");
  if (failed == "attach") {
    absl::StrAppend(&words, "UBI could not attach the device");
  } else if (failed == "mount") {
    absl::StrAppend(&words, "the file system did not mount");
  } else if (failed.rfind("oracle:", 0) == 0 && s.contains("violations") &&
             !s["violations"].empty()) {
    const json& v = s["violations"][0];
    absl::StrAppend(&words, v.value("words", "the oracle refused the state"), " [",
                    v.value("rule", "?"), "]");
    if (s["violations"].size() > 1) {
      absl::StrAppend(&words, " (and ", s["violations"].size() - 1, " more)");
    }
  } else if (failed == "space" && s.contains("space")) {
    const json& sp = s["space"];
    absl::StrAppend(&words, "after removing every file, ", sp.value("missing", uint64_t{0}),
                    " bytes of free space are missing (slack ", sp.value("slack", uint64_t{0}),
                    "): leaked inodes, orphans or lost space");
  } else if (failed == "kernel") {
    absl::StrAppend(&words, "the kernel reported a bug while checking it");
  } else {
    absl::StrAppend(&words, "step '", failed, "' failed");
  }
  const size_t bar = f.signature.find(" | ");
  if (bar != std::string::npos) {
    absl::StrAppend(&words, "; kernel: ", f.signature.substr(bar + 3));
  }
  return words;
}

absl::Status WriteReproducers(const fs::path& dir, const ReproducerContext& ctx,
                              std::vector<Finding>& findings) {
  for (Finding& f : findings) {
    const fs::path rdir = dir / "reproducers" / f.signature_id;
    std::error_code ec;
    fs::create_directories(rdir, ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot create ", rdir.string(), ": ", ec.message()));
    for (const char* name : {"events.jsonl", "events.jsonl.data", "ops.jsonl"}) {
      FF_RETURN_IF_ERROR(CopyFile(ctx.recording / name, rdir / name));
    }
    ojson crash = {{"events", "events.jsonl"}, {"ops", "ops.jsonl"},
                   {"state", f.smallest.value("id", "")}, {"fs", ctx.fs},
                   {"baseline_free", ctx.baseline_free}};
    if (!ctx.slack.empty()) crash["slack"] = ctx.slack;
    const ojson scenario = {
        {"name", absl::StrCat("explore-", f.signature_id)},
        {"description", absl::StrCat("Power-cut exploration of workload ", ctx.workload, " on ",
                                     ctx.fs, ": ", FindingWords(f))},
        {"crash_state", crash},
        {"workload", "explore-check"}};
    const fs::path file = rdir / "scenario.json";
    FF_RETURN_IF_ERROR(WriteFileAtomically(file.string(), scenario.dump(2) + "\n"));
    f.reproducer = file.string();
    f.replay = absl::StrCat("flashfault run ", f.reproducer,
                            ctx.kernel.empty() ? "" : " --kernel ", ctx.kernel);
  }
  return absl::OkStatus();
}

ojson FindingJson(const Finding& f) {
  ojson j = {{"signature", f.signature}, {"signature_id", f.signature_id},
             {"failed", f.failed}, {"words", FindingWords(f)},
             {"smallest_state", f.smallest.value("id", "")}, {"states", f.states},
             {"count", f.states.size()}};
  j["kernel_log"] = f.smallest.contains("kernel_log") ? f.smallest["kernel_log"] : json::array();
  if (f.smallest.contains("violations")) j["violations"] = f.smallest["violations"];
  if (!f.reproducer.empty()) {
    j["reproducer"] = f.reproducer;
    j["replay"] = f.replay;
  }
  return j;
}

}  // namespace flashfault::campaign
