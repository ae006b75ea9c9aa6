// flashfault-kernel-fuzzer: libFuzzer drives the guest kernel. Each input
// goes to the fuzz agent in a persistent guest (harness/campaign/fuzz/
// guest_link.h); what the kernel did comes back as features, which become
// libFuzzer's extra counters. libFuzzer does the rest: corpus, mutations,
// dictionaries, -jobs/-workers, -max_total_time, -seed.
//
// Started by `flashfault fuzz`, which writes the configuration this process
// reads from $FLASHFAULT_FUZZ_CONFIG (JSON: out, flashfault, muse_ko,
// kernel, fs, preset, workload, survivable, kcov, feedback, stop_on_finding,
// known: signature ids already recorded, which do not stop the campaign). Per process it
// writes OUT/workers/<pid>/execs.jsonl (one line per execution: time,
// result, coverage so far) and each failing input under
// OUT/findings/<signature id>/ (result.json and the input, at most a few
// per signature). A finding is data, not a crash: fuzzing goes on.
// Must not: judge results (the agent does) or minimise (the campaign does).
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "harness/campaign/fuzz/features.h"
#include "harness/campaign/fuzz/guest_link.h"
#include "nlohmann/json.hpp"

namespace {

namespace fs = std::filesystem;
namespace ff = flashfault::campaign::fuzz;
using Clock = std::chrono::steady_clock;

// libFuzzer's extra counters: one per feature index. It clears them before
// every input and reads them after.
__attribute__((section("__libfuzzer_extra_counters"), used))
uint8_t g_counters[ff::kFeatureSpace];

constexpr size_t kInputsKeptPerSignature = 3;

struct State {
  nlohmann::json config;
  std::unique_ptr<ff::GuestLink> link;
  fs::path out, worker;
  std::FILE* execs = nullptr;
  bool kcov_feedback = true;
  std::set<uint32_t> edges_seen, features_seen;
  std::set<std::string> known;  // signature ids already in the reproducer corpus
  uint64_t executions = 0, failures = 0, guest_restarts = 0;
  Clock::time_point start = Clock::now();
};

State* g = nullptr;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "flashfault-kernel-fuzzer: %s\n", why.c_str());
  std::_Exit(1);
}

void StartGuest() {
  absl::Status s = g->link->Start();
  if (!s.ok()) Die(absl::StrCat("cannot start the guest: ", s.ToString()));
}

// Counters from one execution's features; the always-set counter 0 tells
// libFuzzer the input ran (an input with no other feature is not new).
void SetCounters(const nlohmann::json& r) {
  g_counters[0] = 1;
  auto set = [](const nlohmann::json& list, std::set<uint32_t>* seen, bool feed) {
    for (const auto& [index, count] : ff::FeatureSet::FromJson(list)) {
      if (seen != nullptr) seen->insert(index);
      if (feed && index != 0) g_counters[index] = static_cast<uint8_t>(count > 255 ? 255 : count);
    }
  };
  set(r.value("features", nlohmann::json::array()), &g->features_seen, true);
  set(r.value("kcov", nlohmann::json::array()), &g->edges_seen, g->kcov_feedback);
}

void KeepFinding(const nlohmann::json& r, const uint8_t* data, size_t size) {
  const std::string id = r.value("signature_id", "unknown");
  const fs::path dir = g->out / "findings" / id;
  std::error_code ec;
  fs::create_directories(dir, ec);
  size_t kept = 0;
  for (const auto& e : fs::directory_iterator(dir, ec)) kept += e.path().extension() == ".input";
  if (kept >= kInputsKeptPerSignature) return;
  const std::string base = absl::StrCat(::getpid(), "-", g->executions);
  nlohmann::json record = r;
  record.erase("features");
  record.erase("kcov");
  record["seconds"] = std::chrono::duration<double>(Clock::now() - g->start).count();
  (void)flashfault::WriteFileAtomically((dir / (base + ".json")).string(), record.dump(2) + "\n");
  (void)flashfault::WriteFileAtomically((dir / (base + ".input")).string(),
                                        std::string(reinterpret_cast<const char*>(data), size));
}

// A guest that died or hung on an input is itself a finding (the console
// has the panic or the hung task); a new guest takes over.
nlohmann::json GuestLost(const absl::Status& s) {
  const std::string tail = g->link->ConsoleTail(60);
  nlohmann::json r = {{"result", "fail"},
                      {"failed", absl::IsDeadlineExceeded(s) ? "guest:hang" : "guest:died"},
                      {"error", std::string(s.message())}};
  r["signature"] = r["failed"];
  r["signature_id"] = r["failed"].get<std::string>() == "guest:hang" ? "guest-hang" : "guest-died";
  r["console_tail"] = tail;
  ++g->guest_restarts;
  absl::Status again = g->link->Restart();
  if (!again.ok()) Die(absl::StrCat("cannot restart the guest: ", again.ToString()));
  return r;
}

// FNV-1a of the input: which input ran, so two campaigns with the same
// seed and corpus can be compared execution by execution.
std::string InputHash(const uint8_t* data, size_t size) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < size; ++i) {
    h ^= data[i];
    h *= 0x100000001b3ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

void LogExecution(const nlohmann::json& r, const uint8_t* data, size_t size) {
  if (g->execs == nullptr) return;
  nlohmann::json line = {
      {"t", std::chrono::duration<double>(Clock::now() - g->start).count()},
      {"n", g->executions},
      {"input", InputHash(data, size)},
      {"result", r.value("result", "error")},
      {"edges", g->edges_seen.size()},
      {"features", g->features_seen.size()}};
  if (r.contains("signature_id")) line["signature_id"] = r["signature_id"];
  // Whether the input got as far as the workload (an attach that fails under
  // faults ends an execution in milliseconds).
  line["workload_ran"] = r.contains("steps") && r["steps"].contains("ops");
  if (r.contains("ms")) line["ms"] = r["ms"];
  std::fprintf(g->execs, "%s\n", line.dump().c_str());
  std::fflush(g->execs);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  const char* path = std::getenv("FLASHFAULT_FUZZ_CONFIG");
  if (path == nullptr) {
    Die("run me through 'flashfault fuzz' (FLASHFAULT_FUZZ_CONFIG names its configuration)");
  }
  std::ifstream in(path);
  g = new State;
  g->config = nlohmann::json::parse(in, nullptr, false);
  if (!g->config.is_object()) Die(absl::StrCat(path, ": not a JSON object"));
  const nlohmann::json& c = g->config;
  g->out = c.value("out", "");
  g->worker = g->out / "workers" / std::to_string(::getpid());
  g->kcov_feedback = c.value("feedback", "kcov") == "kcov";
  if (c.contains("known") && c["known"].is_array()) {
    for (const auto& id : c["known"]) {
      if (id.is_string()) g->known.insert(id.get<std::string>());
    }
  }
  std::error_code ec;
  fs::create_directories(g->worker, ec);
  g->execs = std::fopen((g->worker / "execs.jsonl").c_str(), "we");
  flashfault::campaign::RigPaths rig;
  rig.root = c.value("root", "");
  rig.self = c.value("flashfault", "");
  rig.muse_ko = c.value("muse_ko", "");
  rig.kernel = c.value("kernel", "");
  ff::LinkOptions o;
  o.fs = c.value("fs", "ubifs");
  o.preset = c.value("preset", "slc-2k-64m");
  o.workload = c.value("workload", "mix");
  o.survivable = c.value("survivable", "");
  o.kcov = c.value("kcov", true);
  o.dir = g->worker / "guest";
  g->link = std::make_unique<ff::GuestLink>(rig, o);
  StartGuest();
  (void)flashfault::WriteFileAtomically((g->worker / "hello.json").string(),
                                        g->link->hello().dump(2) + "\n");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ++g->executions;
  absl::StatusOr<nlohmann::json> r =
      g->link->Execute(ff::FrameType::kInput, std::string(reinterpret_cast<const char*>(data), size));
  nlohmann::json result;
  if (r.ok()) {
    result = std::move(*r);
  } else if (absl::IsDeadlineExceeded(r.status()) || absl::IsUnavailable(r.status())) {
    result = GuestLost(r.status());
  } else {
    Die(absl::StrCat("the channel failed: ", r.status().ToString()));
  }
  SetCounters(result);
  if (result.value("result", "") == "error") {
    Die(absl::StrCat("the agent could not run an input: ", result.value("error", "?")));
  }
  const bool failed = result.value("result", "") == "fail";
  if (failed) {
    ++g->failures;
    KeepFinding(result, data, size);
  }
  LogExecution(result, data, size);
  const bool known = failed && g->known.count(result.value("signature_id", "")) > 0;
  if (failed && !known && g->config.value("stop_on_finding", false)) {
    // The campaign asked to end at the first new finding (CI): the records are
    // written; the guest goes down with us.
    g->link->Stop();
    std::fflush(nullptr);
    std::_Exit(0);
  }
  return 0;
}
