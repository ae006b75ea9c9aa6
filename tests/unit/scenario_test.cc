// Unit tests of scenarios (harness/campaign/): every example parses, the schema
// lists exactly the keys the parser takes, errors name the file and JSON path,
// comparisons, the verdict from synthetic guest output, the guest script.
// Must not: boot a guest (the e2e tests do).
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/campaign/guest_script.h"
#include "harness/campaign/log_classifier.h"
#include "harness/campaign/scenario.h"
#include "harness/campaign/verdict.h"
#include "nlohmann/json.hpp"

namespace flashfault::campaign {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string kDir = std::string(FF_SOURCE_DIR) + "/corpora/scenarios";

std::string ErrorOf(const json& j) {
  absl::StatusOr<Scenario> s = ParseScenario(j, kDir + "/t.json");
  return s.ok() ? std::string("ok") : std::string(s.status().message());
}

json Minimal() {
  return json{{"name", "t"}, {"geometry", "slc-2k-128m"}, {"workload", "ubifs-write-verify"}};
}

TEST(ScenarioTest, EveryExampleParses) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(kDir)) {
    if (e.path().extension() != ".json") continue;
    absl::StatusOr<Scenario> s = LoadScenarioFile(e.path().string());
    EXPECT_TRUE(s.ok()) << s.status();
    if (s.ok()) {
      EXPECT_EQ(s->name + ".json", e.path().filename().string());
    }
    ++n;
  }
  EXPECT_GE(n, 8);
}

// Each example's expect block says in checks what its description says in
// words; an e2e test must run it, or the promise is never held to account.
TEST(ScenarioTest, EveryExampleRunsInAnE2eTestAndExpectsSomething) {
  std::string e2e;
  for (const auto& e : fs::directory_iterator(std::string(FF_SOURCE_DIR) + "/tests/e2e")) {
    if (e.path().extension() != ".sh") continue;
    std::ifstream in(e.path());
    e2e += std::string(std::istreambuf_iterator<char>(in), {});
  }
  for (const auto& e : fs::directory_iterator(kDir)) {
    if (e.path().extension() != ".json") continue;
    const std::string name = e.path().stem().string();
    const bool run = e2e.find("e2e_scenario " + name + "\n") != std::string::npos ||
                     e2e.find("/" + name + ".json") != std::string::npos;
    EXPECT_TRUE(run) << name << ".json is run by no tests/e2e/*.sh";
    absl::StatusOr<Scenario> s = LoadScenarioFile(e.path().string());
    ASSERT_TRUE(s.ok()) << s.status();
    std::ifstream in(e.path());
    const json j = json::parse(in);
    EXPECT_TRUE(j.contains("expect") && !j["expect"].empty()) << name << " expects nothing";
  }
}

TEST(ScenarioTest, SchemaListsTheParsersKeys) {
  std::ifstream in(std::string(FF_SOURCE_DIR) + "/corpora/schemas/scenario.schema.json");
  const json schema = json::parse(in);
  std::vector<std::string> top, expect;
  for (auto it = schema["properties"].begin(); it != schema["properties"].end(); ++it) {
    top.push_back(it.key());
  }
  const json& ep = schema["properties"]["expect"]["properties"];
  for (auto it = ep.begin(); it != ep.end(); ++it) expect.push_back(it.key());
  std::vector<std::string> want_top = ScenarioTopKeys(), want_expect = ScenarioExpectKeys();
  std::sort(top.begin(), top.end());
  std::sort(expect.begin(), expect.end());
  std::sort(want_top.begin(), want_top.end());
  std::sort(want_expect.begin(), want_expect.end());
  EXPECT_EQ(top, want_top);
  EXPECT_EQ(expect, want_expect);
}

TEST(ScenarioTest, ErrorsNameFileAndPath) {
  const std::string f = kDir + "/t.json: ";
  EXPECT_EQ(ErrorOf(Minimal()), "ok");
  json j = Minimal();
  j["expect"] = {{"ubi_scrubbed", "about 3"}};
  EXPECT_EQ(ErrorOf(j), f + "$.expect.ubi_scrubbed: expected a number or a comparison like "
                            "\">=1\", got \"about 3\"");
  j = Minimal();
  j["expct"] = json::object();
  EXPECT_EQ(ErrorOf(j).rfind(f + "$.expct: unknown key", 0), 0u) << ErrorOf(j);
  j = Minimal();
  j["workload"] = "ubifs-write";
  EXPECT_EQ(ErrorOf(j).rfind(f + "$.workload: unknown workload \"ubifs-write\"", 0), 0u);
  j = Minimal();
  j.erase("geometry");
  EXPECT_EQ(ErrorOf(j), f + "$.geometry: required");
  j = Minimal();
  j["script"] = {{"faults", {{{"id", "a"}, {"kind", "read_bitflip"}, {"where", {{"blocks", 5000}}}}}}};
  EXPECT_EQ(ErrorOf(j).rfind(f + "$.script.faults[0].where.blocks: ", 0), 0u) << ErrorOf(j);
  j = Minimal();
  j["expect"] = {{"faults_fired", {{"nope", 1}}}};
  EXPECT_EQ(ErrorOf(j), f +
                           "$.expect.faults_fired.nope: no fault with this id in the script (only a "
                           "shell workload may install faults of its own at run time)");
  j["workload"] = {{"shell", "cp /ffrun/files/late.json \"$FF_CTL/script\""}};
  EXPECT_EQ(ErrorOf(j), "ok");  // a shell workload's own faults are counted from the event log
  j = Minimal();
  j["expect"] = {{"dmesg_contains", {"(unclosed"}}};
  EXPECT_EQ(ErrorOf(j).rfind(f + "$.expect.dmesg_contains[0]: not a valid regular", 0), 0u);
  j = Minimal();
  j["workload"] = {{"builtin", "ubi-attach"}, {"shell", "true"}};
  EXPECT_EQ(ErrorOf(j), f + "$.workload: give exactly one of \"builtin\" and \"shell\"");
  j = Minimal();
  j["image"] = {{"kind", "nanddump"}, {"path", "no-such-dump.bin"}};
  EXPECT_EQ(ErrorOf(j).rfind(f + "$.image.path: cannot read ", 0), 0u);
}

// A truncated or oversized image is refused when the scenario is read, with the
// offset, before anything is written or booted (issue 21).
TEST(ScenarioTest, BadImagesAreRefusedWhenRead) {
  const fs::path dir = fs::temp_directory_path() / ("ff-scenario-image-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto write = [&](const std::string& name, size_t bytes) {
    std::ofstream(dir / name, std::ios::binary) << std::string(bytes, '\x5a');
    return (dir / name).string();
  };
  json j = Minimal();
  absl::StatusOr<Scenario> base = ParseScenario(j, (dir / "t.json").string());
  ASSERT_TRUE(base.ok()) << base.status();
  const Geometry& g = base->geometry;
  const size_t stride = g.page_size + g.oob_size;
  auto error = [&](const std::string& kind, const std::string& file) {
    j["image"] = {{"kind", kind}, {"path", file}};
    absl::StatusOr<Scenario> s = ParseScenario(j, (dir / "t.json").string());
    return s.ok() ? std::string("ok") : std::string(s.status().message());
  };
  EXPECT_EQ(error("nanddump", write("whole.dump", 3 * stride)), "ok");
  const std::string torn = error("nanddump", write("torn.dump", 3 * stride + 100));
  EXPECT_NE(torn.find("$.image.path: "), std::string::npos) << torn;
  EXPECT_NE(torn.find(std::to_string(3 * stride)), std::string::npos) << torn;  // the offset
  EXPECT_NE(error("nanddump", write("empty.dump", 0)).find("$.image.path: "), std::string::npos);
  const uint64_t device = uint64_t{g.block_count} * g.pages_per_block * g.page_size;
  EXPECT_NE(error("raw", write("big.raw", device + g.page_size)).find("$.image.path: "),
            std::string::npos);
  EXPECT_EQ(error("raw", write("small.raw", 5 * g.page_size)), "ok");
  fs::remove_all(dir);
}

TEST(ScenarioTest, MatchersAndSeed) {
  json j = Minimal();
  j["expect"] = {{"ubi_bad_pebs", ">=2"}, {"ubi_scrubbed", "<3"}, {"ecc_errors", 4},
                 {"files_verified", "!=0"}};
  absl::StatusOr<Scenario> s = ParseScenario(j, "t.json");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->expect.ubi_bad_pebs->Matches(2));
  EXPECT_FALSE(s->expect.ubi_bad_pebs->Matches(1));
  EXPECT_TRUE(s->expect.ubi_scrubbed->Matches(2));
  EXPECT_FALSE(s->expect.ubi_scrubbed->Matches(3));
  EXPECT_TRUE(s->expect.ecc_errors->Matches(4));
  EXPECT_FALSE(s->expect.ecc_errors->Matches(5));
  EXPECT_FALSE(s->expect.files_verified->Matches(0));
  EXPECT_EQ(s->expect.ubi_bad_pebs->ToString(), ">= 2");
  EXPECT_EQ(EffectiveSeed(*s, std::nullopt), 0u);
  EXPECT_EQ(EffectiveSeed(*s, 9), 9u);
  // The crash keys are checked even when the scenario says nothing.
  EXPECT_EQ(s->expect.kernel_log.count("oops"), 1u);
  EXPECT_EQ(s->expect.kernel_log.count("ubi_errors"), 0u);
}

TEST(VerdictTest, ObservesAndJudges) {
  json j = Minimal();
  j["script"] = {{"faults", {{{"id", "noise"}, {"kind", "read_bitflip"}, {"flips", 3u}}}}};
  j["expect"] = {{"ubi_scrubbed", ">=1"}, {"ubi_bad_grown", 1}, {"files_verified", 6},
                 {"faults_fired", {{"noise", ">=1"}}}, {"dmesg_lacks", {"UBIFS error"}},
                 {"mount_fails", false}};
  absl::StatusOr<Scenario> s = ParseScenario(j, "t.json");
  ASSERT_TRUE(s.ok()) << s.status();
  const std::string guest =
      "FFRUN ubi bad_peb_count=0 max_ec=1\n[guest 3.1] verified 6 files\n"
      "FFRUN ubi bad_peb_count=1 max_ec=1\nFFRUN workload_exit 0\nFFRUN server_exit 0\n"
      "FFRUN fault noise read_bitflip 12 30\n";
  const std::string dmesg =
      "[    8.1] ubi0: fixable bit-flip detected at PEB 7\n[    8.2] ubi0: scrubbed PEB 7 (LEB 0:3), "
      "data moved to PEB 90\n[    9.0] ubi0: mark PEB 33 as bad\n";
  json klog = json::object();  // a clean kernel log: every bug kind reported as 0
  for (const std::string& k : BugKinds()) klog[k] = 0;
  Observations o = Observe(guest, dmesg, klog);
  EXPECT_EQ(o.ubi_scrubbed, 1);
  EXPECT_EQ(o.ubi_bitflips, 1);
  EXPECT_EQ(o.ubi_marked_bad, 1);
  EXPECT_EQ(*o.ubi_bad_first, 0);
  EXPECT_EQ(*o.ubi_bad_last, 1);
  EXPECT_EQ(o.faults_fired.at("noise"), 12);      // firings
  EXPECT_EQ(o.fault_injections.at("noise"), 30);  // the records they left
  for (const Check& c : Evaluate(*s, o, guest, dmesg)) EXPECT_TRUE(c.pass) << c.name << " " << c.actual;

  // The same run without the scrub, with a failed mount and an UBIFS error: those fail.
  const std::string dmesg2 = "[    8.1] ubi0: fixable bit-flip detected at PEB 7\n"
                             "[    9.5] UBIFS error (ubi0:0 pid 9): bad node\n";
  const std::string guest2 = guest + "FAIL: mount -t ubifs ubi0:test /mnt/ubifs failed\n";
  o = Observe(guest2, dmesg2, klog);
  std::vector<std::string> failed;
  for (const Check& c : Evaluate(*s, o, guest2, dmesg2)) {
    if (!c.pass) failed.push_back(c.name);
  }
  EXPECT_EQ(failed, (std::vector<std::string>{"ubi_scrubbed", "mount_fails", "dmesg_lacks[0]"}));

  // Nothing reported: the checks fail as "not reported", never pass by default.
  o = Observe("", "", json::object());
  for (const Check& c : Evaluate(*s, o, "", "")) {
    if (c.name == "exit" || c.name == "ubi_bad_grown" || c.name == "kernel_log.oops") {
      EXPECT_FALSE(c.pass) << c.name;
      EXPECT_EQ(c.actual, "not reported") << c.name;
    }
  }
}

TEST(ScenarioFilesTest, ShipsListedFilesAndRefusesWhatCouldEscapeOrIsNotAFile) {
  const fs::path dir = fs::path(::testing::TempDir()) / "scenario_files";
  fs::remove_all(dir);
  fs::create_directories(dir / "data/sub");
  std::ofstream(dir / "sums.md5") << "x\n";
  std::ofstream(dir / "data/sub/blob.bin") << "y";
  const std::string file = (dir / "s.json").string();
  auto error_of = [&](const json& files) {
    json j = Minimal();
    j["files"] = files;
    absl::StatusOr<Scenario> s = ParseScenario(j, file);
    return s.ok() ? std::string("ok") : std::string(s.status().message());
  };
  json j = Minimal();
  j["files"] = {"sums.md5", "data/./sub/blob.bin"};
  absl::StatusOr<Scenario> s = ParseScenario(j, file);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->files.size(), 2u);
  EXPECT_EQ(s->files[1].guest, "data/sub/blob.bin");
  EXPECT_EQ(s->files[1].host, (dir / "data/sub/blob.bin").string());
  const std::string f = file + ": ";
  EXPECT_EQ(error_of("sums.md5"), f + "$.files: expected an array of paths relative to the "
                                      "scenario's folder");
  EXPECT_EQ(error_of({"sums.md5", "/etc/passwd"}),
            f + "$.files[1]: \"/etc/passwd\" must be a path inside the scenario's folder");
  EXPECT_EQ(error_of({"../x"}), f + "$.files[0]: \"../x\" must be a path inside the scenario's folder");
  EXPECT_EQ(error_of({"data/../../x"}),
            f + "$.files[0]: \"data/../../x\" must be a path inside the scenario's folder");
  EXPECT_EQ(error_of({"a b"}), f + "$.files[0]: \"a b\": use letters, digits, '.', '_', '+', "
                                   "'-' and '/' only");
  EXPECT_EQ(error_of({"data"}),
            f + "$.files[0]: " + (dir / "data").string() + " is a directory; list the files in it");
  EXPECT_EQ(error_of({"nope"}), f + "$.files[0]: cannot read " + (dir / "nope").string());
  EXPECT_EQ(error_of({"sums.md5", "./sums.md5"}), f + "$.files[1]: \"./sums.md5\" is listed twice");
  EXPECT_EQ(error_of({7}), f + "$.files[0]: expected a path (a string)");
}

TEST(ScenarioWearTest, APartThatStartsWornIsKeptInAFileAndWornInTheGuest) {
  json j = Minimal();
  j["wear"] = json::array({{{"blocks", {0, 1023}}, {"erases", 2900}}, {{"blocks", 7}, {"erases", 3100}}});
  absl::StatusOr<Scenario> s = ParseScenario(j, "t.json");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->wear.size(), 2u);
  EXPECT_EQ(s->image.kind, ImageSpec::Kind::kErasedFile);  // implied by wear on an empty part
  const ScenarioRun runs[] = {{&*s, 1}};
  const std::string g = GuestScript(runs);
  EXPECT_NE(g.find("/flashfault image wear /tmp/ff.part.img 0-1023=2900 7=3100 "), std::string::npos)
      << g;
  EXPECT_LT(g.find("/flashfault image create --preset 'slc-2k-128m' /tmp/ff.part.img"),
            g.find("/flashfault image wear"));
  const std::string f = kDir + "/t.json: ";
  j["wear"] = json::array({{{"blocks", {5, 1024}}, {"erases", 1}}});
  EXPECT_EQ(ErrorOf(j), f + "$.wear[0].blocks: blocks 5-1024 are not in 0-1023 (slc-2k-128m)");
  j["wear"] = json::array({{{"blocks", 5}}});
  EXPECT_EQ(ErrorOf(j), f + "$.wear[0].erases: expected an erase count up to 100000000");
  j["wear"] = json::array({{{"blocks", 5}, {"erases", 1}, {"cycles", 2}}});
  EXPECT_THAT(ErrorOf(j), ::testing::StartsWith(f + "$.wear[0].cycles: unknown key"));
  j["wear"] = json::array();
  EXPECT_EQ(ErrorOf(j), f + "$.wear: expected a non-empty array of settings");
}

TEST(VerdictTest, AServerTheWorkloadKilledIsAStepNotAnUncleanStop) {
  const std::string guest =
      "FFRUN server_killed\n[guest 9.0] server restarted: pid 88, mtd1\nFFRUN server_killed\n"
      "FFRUN workload_exit 0\nFFRUN server_exit killed\n";
  Observations o = Observe(guest, "", json::object());
  EXPECT_TRUE(o.server_left_killed);
  EXPECT_FALSE(o.server_exit.has_value());
  EXPECT_EQ(o.server_kills, 2);
  EXPECT_EQ(ObservationsToJson(o)["server_exit"], "killed by the workload");
  o = Observe("FFRUN server_killed\nFFRUN server_exit 0\n", "", json::object());
  EXPECT_FALSE(o.server_left_killed);  // killed, started again, stopped cleanly at the end
  EXPECT_EQ(*o.server_exit, 0);
}

TEST(GuestScriptTest, ServesWithSeedAndQuotes) {
  json j = Minimal();
  j["workload"] = {{"shell", "echo 'hi'"}, {"file_sizes", "1 2"}, {"parts", "1M(boot),-(ubi)"}};
  absl::StatusOr<Scenario> s = ParseScenario(j, "t.json");
  ASSERT_TRUE(s.ok()) << s.status();
  const ScenarioRun runs[] = {{&*s, 42}, {&*s, 7}};
  const std::string g = GuestScript(runs);
  EXPECT_NE(g.find("muse_start_server 'slc-2k-128m' --script /ffrun/0/faults.json --seed 42"),
            std::string::npos) << g;
  EXPECT_NE(g.find("muse_start_server 'slc-2k-128m' --script /ffrun/1/faults.json --seed 7"),
            std::string::npos) << g;
  // Each scenario in its own subshell, framed for SplitGuestLog.
  EXPECT_LT(g.find("echo \"FFRUN-BEGIN 0\"\nff_slice scenario.0 begin\ndmesg_mark\n(\n"),
            g.find("echo \"FFRUN-END 0\""));
  EXPECT_LT(g.find("echo \"FFRUN-END 0\""), g.find("echo \"FFRUN-BEGIN 1\""));
  EXPECT_NE(g.find(")\nwl_after\nff_slice scenario.1 end\necho \"FFRUN-END 1\""), std::string::npos)
      << g;
  EXPECT_NE(g.find("--parts '1M(boot),-(ubi)'"), std::string::npos) << g;
  EXPECT_NE(g.find("FF_FILE_SIZES='1 2'"), std::string::npos);
  EXPECT_NE(g.find("echo 'hi'\n"), std::string::npos);
  EXPECT_NE(g.find("echo \"FFRUN workload_exit $FF_WL_RC\""), std::string::npos);
  // A shell workload has the control directory, its folders, and a way to restart; each
  // server writes its device summary where the last step exports it from.
  EXPECT_NE(g.find("ff_serve() { muse_start_server 'slc-2k-128m' --script /ffrun/1/faults.json "
                   "--seed 7 --events \"$FF_EVENTS\" --summary /tmp/ffout/1/device.json --parts "
                   "'1M(boot),-(ubi)' --control \"$FF_CTL\"; }\nff_step serve\nmkdir -p "
                   "/tmp/ffout/1\nff_serve\n"),
            std::string::npos) << g;
  EXPECT_NE(g.find("FF_PAYLOAD=/ffrun/1/ FF_FILES=/ffrun/1/files\nexport FF_MUSE_MTD"),
            std::string::npos) << g;
  EXPECT_GT(g.rfind("ff_export /tmp/ffout"), g.find("echo \"FFRUN-END 1\""));
  EXPECT_EQ(ShellQuote("a'b"), "'a'\\''b'");
}

// A kernel-fuzzer reproducer: its case is validated when the scenario is
// read (the script against the geometry, the workload's ops), and it goes
// with the fuzz-check workload only; the guest gets the case and settings.
TEST(ScenarioFuzzCaseTest, ValidatedAndHandedToTheAgent) {
  const std::string f = kDir + "/t.json: ";
  json j = Minimal();
  j["workload"] = "fuzz-check";
  j["fuzz_case"] = {{"fs", "ubifs"},
                    {"survivable", {"stuck_bit"}},
                    {"script", {{"seed", 0u}, {"faults", {{{"id", "a"}, {"kind", "stuck_bit"},
                                                          {"where", {{"blocks", 3u}}}}}}}},
                    {"workload", {{"name", "w"}, {"ops", {{{"op", "mkdir"}, {"path", "d"}}}}}}};
  EXPECT_EQ(ErrorOf(j), "ok");
  absl::StatusOr<Scenario> s = ParseScenario(j, "t.json");
  ASSERT_TRUE(s.ok()) << s.status();
  const ScenarioRun runs[] = {{&*s, 1}};
  const std::string g = GuestScript(runs);
  EXPECT_NE(g.find("FF_FUZZ_CASE=/ffrun/0/fuzz_case.json FF_FUZZ_FS='ubifs' "
                   "FF_FUZZ_PRESET='slc-2k-128m' FF_FUZZ_SURVIVABLE='stuck_bit'"),
            std::string::npos) << g;
  EXPECT_NE(g.find("wl_fuzz_check \"$FF_MUSE_MTD\""), std::string::npos) << g;

  json bad = j;
  bad["fuzz_case"]["script"]["faults"][0]["where"]["blocks"] = 5000u;
  EXPECT_EQ(ErrorOf(bad).rfind(f + "$.fuzz_case.script.faults[0].where.blocks: ", 0), 0u) << ErrorOf(bad);
  bad = j;
  bad["fuzz_case"]["workload"]["ops"][0]["op"] = "teleport";
  EXPECT_NE(ErrorOf(bad).find("$.fuzz_case.workload"), std::string::npos) << ErrorOf(bad);
  bad = j;
  bad["fuzz_case"]["survivable"] = {"gremlins"};
  EXPECT_EQ(ErrorOf(bad), f + "$.fuzz_case.survivable[0]: not a fault kind");
  bad = j;
  bad.erase("fuzz_case");
  EXPECT_EQ(ErrorOf(bad), f + "$.workload: the fuzz-check workload and a fuzz_case go together");
}

TEST(SplitGuestLogTest, EachScenarioGetsItsLines) {
  const std::string log =
      "boot noise\n"
      "FFRUN-BEGIN 0\n"
      "FFRUN scenario a seed 1\n"
      "verified 3 files\n"
      "FFRUN workload_exit 0\n"
      "FFRUN-END 0\n"
      "FFRUN-BEGIN 1\n"
      "FFRUN scenario b seed 2\n";
  GuestSegment a = SplitGuestLog(log, 0);
  EXPECT_TRUE(a.found && a.complete);
  EXPECT_EQ(a.guest_log, "FFRUN scenario a seed 1\nverified 3 files\nFFRUN workload_exit 0\n");
  const Observations o = Observe(a.guest_log, "", json::object());
  EXPECT_EQ(o.files_verified, 3);
  EXPECT_EQ(o.workload_exit, 0);

  GuestSegment b = SplitGuestLog(log, 1);  // the guest died in it
  EXPECT_TRUE(b.found);
  EXPECT_FALSE(b.complete);
  EXPECT_FALSE(SplitGuestLog(log, 2).found);
}

}  // namespace
}  // namespace flashfault::campaign

namespace flashfault::campaign {
namespace {

// Issue 20: inputs that aborted `run` (std::stoll, a stack overflow in
// std::regex) or read as another number are errors naming file and path.
std::string TextError(const std::string& expect) {
  const std::string text = R"({"name": "t", "geometry": "slc-2k-128m", "script": null,
    "workload": "ubifs-write-verify", "expect": )" + expect + "}";
  absl::StatusOr<Scenario> s = ParseScenarioText(text, "s.json");
  EXPECT_FALSE(s.ok()) << expect;
  if (s.ok()) return "";
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(s.status().message());
}

TEST(ScenarioHostileTest, CountsAreParsedStrictly) {
  EXPECT_THAT(TextError(R"({"ubi_bad_pebs": ">=99999999999999999999"})"),
              ::testing::HasSubstr("s.json: $.expect.ubi_bad_pebs: count"));
  EXPECT_THAT(TextError(R"({"ubi_bad_pebs": "5 5"})"),
              ::testing::HasSubstr("s.json: $.expect.ubi_bad_pebs"));
  EXPECT_THAT(TextError(R"({"ubi_bad_pebs": 18446744073709551615})"),
              ::testing::HasSubstr("s.json: $.expect.ubi_bad_pebs: count 18446744073709551615"));
  EXPECT_THAT(TextError(R"({"exit": 4294967296})"), ::testing::HasSubstr("$.expect.exit"));
  absl::StatusOr<Scenario> ok = ParseScenarioText(
      R"({"name": "t", "geometry": "slc-2k-128m", "workload": "ubifs-write-verify",
          "expect": {"ubi_bad_pebs": ">= 5 "}})", "s.json");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->expect.ubi_bad_pebs->value, 5);
}

TEST(ScenarioHostileTest, DeepOrLongRegexesAreRefusedBeforeCompiling) {
  const std::string deep = std::string(400, '(') + "a" + std::string(400, ')');
  EXPECT_THAT(TextError(R"({"dmesg_contains": [")" + deep + "\"]}"),
              ::testing::HasSubstr("$.expect.dmesg_contains[0]: regular expression nests"));
  EXPECT_THAT(TextError(R"({"dmesg_lacks": [")" + std::string(5000, 'a') + "\"]}"),
              ::testing::HasSubstr("$.expect.dmesg_lacks[0]: regular expression of 5000"));
}

TEST(ScenarioHostileTest, RepeatedKeysAndSyntaxErrorsNameThePlace) {
  absl::StatusOr<Scenario> s = ParseScenarioText(R"({"name": "a", "name": "b"})", "s.json");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "s.json: $.name: key given twice in the same object");
  s = ParseScenarioText("{\n\"name\": }", "s.json");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), ::testing::HasSubstr("s.json: not valid JSON: parse error at line 2"));
  s = ParseScenarioText(R"({"name": "t", "geometry": {"name": "g", "cell": "mlc", "page_size": 4096,
      "oob_size": 224, "pages_per_block": 128, "block_count": 64, "in_order_programming": true,
      "oob_layout": {"bad_block_marker": {"offset": 0, "length": 2}},
      "pairing_distance": 2147483648}, "workload": "ubifs-write-verify"})", "s.json");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), ::testing::HasSubstr("s.json: $.geometry.pairing_distance"));
}

}  // namespace
}  // namespace flashfault::campaign
