// `flashfault report` below and through its CLI, on the fixture results in
// tests/report/fixtures/: what the parsers read, how shards of one
// exploration unite (the same findings, states and simplest state as the
// unsharded run of the same work), what junit.xml and report.html say,
// that every kind of bad input is refused naming its file and JSON path
// with nothing written, and the exit codes. Also: a device summary the
// real server writes reads back, and text that would break XML is escaped.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "backends/image/flash_image.h"
#include "backends/model/presets.h"
#include "common/json_load.h"
#include "gtest/gtest.h"
#include "harness/report/html_report.h"
#include "harness/report/junit_xml.h"
#include "harness/report/merge.h"
#include "harness/report/report_files.h"
#include "harness/report/result_loader.h"
#include "harness/report/xml_text.h"
#include "harness/server/device_summary.h"
#include "harness/server/served_device.h"

namespace flashfault::report {
namespace {

namespace fs = std::filesystem;
const fs::path kFixtures = fs::path(FF_SOURCE_DIR) / "tests" / "report" / "fixtures";

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteText(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = fs::temp_directory_path() /
           ("ff_report_test." + std::to_string(::getpid()) + "." +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
  }
  void TearDown() override { fs::remove_all(tmp_); }
  // A copy of a fixture tree to break.
  fs::path Copy(const std::string& fixture) {
    const fs::path to = tmp_ / fixture;
    fs::copy(kFixtures / fixture, to, fs::copy_options::recursive);
    return to;
  }
  fs::path tmp_;
};

const ScenarioCase& Case(const MergedReport& r, const std::string& name) {
  for (const ScenarioCase& c : r.scenarios) {
    if (c.name == name) return c;
  }
  ADD_FAILURE() << "no case " << name;
  return r.scenarios.front();
}

TEST_F(ReportTest, ReadsRunAndExploreResults) {
  absl::StatusOr<ResultSet> set = LoadResults({(kFixtures / "nightly").string()});
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->scenarios.size(), 3u);
  ASSERT_EQ(set->explorations.size(), 2u);
  // Sorted by path: prog-fail-remount, ubi-attach, ubifs-bitflips-scrub.
  const ScenarioRecord& failed = set->scenarios[0];
  EXPECT_EQ(failed.scenario, "prog-fail-remount");
  EXPECT_EQ(failed.verdict, "fail");
  EXPECT_EQ(failed.started_at, "2025-03-01T02:00:05Z");
  ASSERT_TRUE(failed.device.has_value());
  EXPECT_EQ(failed.device->block_count, 512u);
  EXPECT_EQ(failed.device->erase_counts.size(), 512u);
  EXPECT_EQ(failed.device->bad_at_start, std::vector<uint32_t>({3}));
  EXPECT_EQ(failed.device->grown_bad, std::vector<uint32_t>({275, 276}));
  EXPECT_EQ(failed.faults_fired.at("prog-fail"), 2u);
  ASSERT_FALSE(failed.kernel_excerpt.empty());
  EXPECT_NE(failed.kernel_excerpt[0].find("[ubi_errors] ubi0 error: ubi_io_write"), std::string::npos);
  EXPECT_EQ(set->scenarios[1].verdict, "error");
  EXPECT_FALSE(set->scenarios[1].device.has_value());
  const ExploreRecord& shard1 = set->explorations[0];
  EXPECT_EQ(shard1.shard, "1/2");
  ASSERT_EQ(shard1.states.size(), 3u);
  EXPECT_TRUE(shard1.states[1].failed);
  EXPECT_DOUBLE_EQ(*shard1.states[1].at_s, 2.3);
  ASSERT_TRUE(shard1.device.has_value());  // recording/device.json
  EXPECT_FALSE(set->explorations[1].device.has_value());
}

TEST_F(ReportTest, MergesOutcomesAndShards) {
  absl::StatusOr<ResultSet> set = LoadResults({(kFixtures / "nightly").string()});
  ASSERT_TRUE(set.ok()) << set.status();
  const MergedReport r = Merge(*set);
  EXPECT_EQ(Case(r, "prog-fail-remount").outcome, Outcome::kFail);
  EXPECT_EQ(Case(r, "prog-fail-remount").message,
            "1 of 11 checks failed, first exit: expected == 0, got 4");
  EXPECT_NE(Case(r, "prog-fail-remount").details.find(
                "reproduce: flashfault run corpora/scenarios/prog-fail-remount.json"),
            std::string::npos);
  EXPECT_EQ(Case(r, "ubi-attach").outcome, Outcome::kError);
  EXPECT_EQ(Case(r, "ubifs-bitflips-scrub").outcome, Outcome::kPass);
  ASSERT_EQ(r.explorations.size(), 1u);  // the two shards are one exploration
  const Exploration& x = r.explorations[0];
  EXPECT_EQ(x.shards.size(), 2u);
  EXPECT_TRUE(x.missing_shards.empty());
  EXPECT_EQ(x.states_checked, 6u);
  EXPECT_EQ(x.states_failed, 3u);
  // 2 from the exploration, 2 from the fuzzing campaign (one of them known).
  ASSERT_EQ(r.findings.size(), 4u);
  const MergedFinding& a = r.findings[0];
  EXPECT_EQ(a.signature, "oracle:assumed.missing");
  EXPECT_EQ(a.states, std::vector<std::string>({"op108", "op112"}));
  EXPECT_EQ(a.smallest_state, "op108");  // from shard 1, with its reproducer
  EXPECT_EQ(a.replay, "flashfault run results/night/explore-1of2/reproducers/ec4571af8089/scenario.json");
  // First seen in shard 2, which started earlier, at its state op112.
  EXPECT_EQ(a.first_seen, "2025-03-01T02:04:30Z");
  EXPECT_EQ(a.first_seen_note, "state op112, 2.2 s into the checks (shard 2/2)");
  EXPECT_EQ(a.sources.size(), 2u);
  ASSERT_EQ(r.fuzzings.size(), 1u);
  EXPECT_EQ(r.fuzzings[0].outcome, Outcome::kFail);
  EXPECT_EQ(r.fuzzings[0].label, "mix on ubifs (slc-2k-16m), kcov feedback, seed 20250301");
  const MergedFinding& known = r.findings[2];
  EXPECT_TRUE(known.fuzz);
  EXPECT_TRUE(known.known);
  EXPECT_EQ(known.signature_id, "328502f7f958");
  EXPECT_EQ(known.first_seen_note, "150.2 s into the fuzzing");
  EXPECT_FALSE(r.findings[3].known);
  EXPECT_EQ(r.findings[3].inputs, 1u);
  // 1 failed + 1 unjudged scenario + 2 exploration findings + 1 new fuzzing finding.
  EXPECT_EQ(r.problems(), 5u);
}

TEST_F(ReportTest, ReadsFuzzResults) {
  absl::StatusOr<ResultSet> set = LoadResults({(kFixtures / "nightly" / "fuzz").string()});
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->fuzzings.size(), 1u);
  const FuzzRecord& f = set->fuzzings[0];
  EXPECT_EQ(f.executions, 7u);
  EXPECT_EQ(f.kcov_edges, 3958u);
  EXPECT_TRUE(f.kcov);
  ASSERT_EQ(f.curves.size(), 2u);
  EXPECT_EQ(f.curves[0].size(), 4u);
  EXPECT_EQ(f.curves[1].back().edges, 3702u);
  EXPECT_DOUBLE_EQ(f.mean_ms_per_step.at("workload"), 52.4);
  ASSERT_EQ(f.findings.size(), 2u);
  EXPECT_TRUE(f.findings[0].known);
  // Only a known finding: the campaign passes, nothing is a problem.
  nlohmann::json j = LoadJsonFile((kFixtures / "nightly" / "fuzz" / "results.json").string()).value();
  j["findings"].erase(1);
  absl::StatusOr<FuzzRecord> only_known = ParseFuzzRecord("x/results.json", j);
  ASSERT_TRUE(only_known.ok()) << only_known.status();
  ResultSet one;
  one.fuzzings.push_back(*only_known);
  const MergedReport r = Merge(one);
  EXPECT_EQ(r.fuzzings[0].outcome, Outcome::kPass);
  EXPECT_EQ(r.problems(), 0u);
  const std::string x = JunitXml(r);
  EXPECT_NE(x.find("<testsuite name=\"flashfault fuzz\" tests=\"2\" failures=\"0\" errors=\"0\" "
                   "skipped=\"1\""),
            std::string::npos) << x;
  EXPECT_NE(x.find("<skipped message=\"known: kept in the reproducer corpus as 328502f7f958\">"),
            std::string::npos) << x;
  const std::string h = HtmlReport(r, {"x"});
  EXPECT_NE(h.find("PASS: 0 scenarios passed, 0 crash states checked, 7 fuzzing executions, no new "
                   "findings (1 known finding came back)"),
            std::string::npos);
  // A campaign that could not run is an error.
  j["error"] = "no input ran";
  absl::StatusOr<FuzzRecord> failed = ParseFuzzRecord("x/results.json", j);
  ASSERT_TRUE(failed.ok());
  ResultSet bad;
  bad.fuzzings.push_back(*failed);
  EXPECT_EQ(Merge(bad).fuzzings[0].outcome, Outcome::kError);
  EXPECT_EQ(Merge(bad).problems(), 1u);
}

// The findings of two shards merged are those of one unsharded run.
TEST_F(ReportTest, ShardsMergeToTheUnshardedRun) {
  absl::StatusOr<ResultSet> shards = LoadResults({(kFixtures / "nightly" / "explore-1of2").string(),
                                                  (kFixtures / "nightly" / "explore-2of2").string()});
  absl::StatusOr<ResultSet> whole = LoadResults({(kFixtures / "whole").string()});
  ASSERT_TRUE(shards.ok()) << shards.status();
  ASSERT_TRUE(whole.ok()) << whole.status();
  const MergedReport s = Merge(*shards), w = Merge(*whole);
  ASSERT_EQ(s.explorations.size(), 1u);
  ASSERT_EQ(w.explorations.size(), 1u);
  EXPECT_EQ(s.explorations[0].label, w.explorations[0].label);
  EXPECT_EQ(s.explorations[0].states_checked, w.explorations[0].states_checked);
  EXPECT_EQ(s.explorations[0].states_failed, w.explorations[0].states_failed);
  ASSERT_EQ(s.findings.size(), w.findings.size());
  for (size_t i = 0; i < s.findings.size(); ++i) {
    SCOPED_TRACE(s.findings[i].signature);
    EXPECT_EQ(s.findings[i].signature, w.findings[i].signature);
    EXPECT_EQ(s.findings[i].signature_id, w.findings[i].signature_id);
    EXPECT_EQ(s.findings[i].states, w.findings[i].states);
    EXPECT_EQ(s.findings[i].smallest_state, w.findings[i].smallest_state);
    EXPECT_EQ(s.findings[i].failed, w.findings[i].failed);
    EXPECT_EQ(s.findings[i].words, w.findings[i].words);
    EXPECT_EQ(s.findings[i].kernel_log, w.findings[i].kernel_log);
  }
  // One shard alone says which are missing.
  absl::StatusOr<ResultSet> half = LoadResults({(kFixtures / "nightly" / "explore-2of2").string()});
  ASSERT_TRUE(half.ok());
  EXPECT_EQ(Merge(*half).explorations[0].missing_shards, std::vector<std::string>({"1/2"}));
}

TEST_F(ReportTest, JunitCarriesReproducersAndKernelLog) {
  absl::StatusOr<ResultSet> set = LoadResults({(kFixtures / "nightly").string()});
  ASSERT_TRUE(set.ok());
  const std::string x = JunitXml(Merge(*set));
  // run: 3 cases; explore: 1 + 2 findings; fuzz: 1 + 2 findings (1 skipped: known).
  EXPECT_NE(x.find("<testsuites name=\"flashfault\" tests=\"9\" failures=\"4\" errors=\"1\""),
            std::string::npos) << x;
  EXPECT_NE(x.find("<testsuite name=\"flashfault fuzz\" tests=\"3\" failures=\"1\" errors=\"0\" "
                   "skipped=\"1\""),
            std::string::npos) << x;
  EXPECT_NE(x.find("reproduce: flashfault run results/night/fuzz/reproducers/85f484953641/"
                   "scenario.json"),
            std::string::npos);
  EXPECT_NE(x.find("  ubi0 error: ubi_io_read [ubi]: error -74 (ECC error)"), std::string::npos);
  EXPECT_NE(x.find("<testcase classname=\"flashfault.run\" name=\"prog-fail-remount\" time=\"41.700\">\n"
                   "      <failure message=\"1 of 11 checks failed, first exit: expected == 0, got 4\" "
                   "type=\"regression\">reproduce: flashfault run corpora/scenarios/prog-fail-remount.json"),
            std::string::npos) << x;
  EXPECT_NE(x.find("  [ubi_errors] ubi0 error: ubi_io_write [ubi]: error -5"), std::string::npos);
  EXPECT_NE(x.find("<error message=\"the run could not judge the scenario: the guest did not finish"),
            std::string::npos);
  EXPECT_NE(x.find("name=\"mount | UBIFS error (ubi0:0 pid N): ubifs_read_node: bad node type (N but "
                   "expected N)\" time=\"0.000\">\n      <failure message=\"crash state op120"),
            std::string::npos) << x;
  EXPECT_NE(x.find("reproduce: flashfault run results/night/explore-2of2/reproducers/5d1c2a7b90e3/"
                   "scenario.json"),
            std::string::npos);
}

TEST_F(ReportTest, HtmlIsSelfContainedAndShowsWhatHappened) {
  absl::StatusOr<ResultSet> set = LoadResults({(kFixtures / "nightly").string()});
  ASSERT_TRUE(set.ok());
  const std::string h = HtmlReport(Merge(*set), {"fixtures/nightly"});
  EXPECT_NE(h.find("FAIL: 1 scenario failed, 1 scenario run could not be judged, 3 findings "
                   "(1 known finding came back)"),
            std::string::npos);
  EXPECT_NE(h.find("<h2 id=\"fuzzing\">Kernel fault fuzzing</h2>"), std::string::npos);
  EXPECT_NE(h.find("aria-label=\"coverage over the fuzzing time\""), std::string::npos);
  EXPECT_NE(h.find("<title>guest 1: 4 executions, 3958 KCOV edges at 5 min</title>"),
            std::string::npos);
  EXPECT_NE(h.find("<span class=\"badge known\">known</span> <b>recover | UBI assert failed"),
            std::string::npos);
  // Nothing to fetch: no src, no href but anchors, no url() but data:, no @import.
  EXPECT_FALSE(std::regex_search(h, std::regex(R"((src|href)="[^"#])")));
  EXPECT_FALSE(std::regex_search(h, std::regex(R"(url\(\s*['"]?[^d'"])")));
  EXPECT_EQ(h.find("@import"), std::string::npos);
  // Two device maps with timelines (the bitflip and failing scenarios) and the recording's.
  size_t maps = 0;
  for (size_t p = 0; (p = h.find("aria-label=\"eraseblock map of", p)) != std::string::npos; ++p) ++maps;
  EXPECT_EQ(maps, 3u);
  EXPECT_NE(h.find("<title>block 275: "), std::string::npos);
  EXPECT_NE(h.find(", grown bad during the run, 1 faults injected</title>"), std::string::npos);
  EXPECT_NE(h.find("<title>block 3: 0 erases, bad at start (factory)</title>"), std::string::npos);
  EXPECT_NE(h.find("aria-label=\"crash states checked per minute\""), std::string::npos);
  EXPECT_NE(h.find("program_fail faults;"), std::string::npos);  // a timeline bar's numbers
  EXPECT_NE(h.find("<tr class=\"finding\"><td><b>oracle:assumed.missing</b>"), std::string::npos);
  EXPECT_NE(h.find("data-ff-ready"), std::string::npos);
}

TEST_F(ReportTest, DecodesAnInitialImageWhenTheRunHasOne) {
  const fs::path dir = Copy("clean");
  const fs::path image = dir / "run" / "ubifs-basic" / "run" / "image.img";
  fs::create_directories(image.parent_path());
  absl::StatusOr<Geometry> g = FindPreset("slc-2k-64m");
  ASSERT_TRUE(g.ok());
  ASSERT_TRUE(CreateImage(image.string(), *g).ok());
  absl::StatusOr<ResultSet> set = LoadResults({dir.string()});
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_TRUE(set->scenarios[0].image_map.has_value());
  EXPECT_EQ(set->scenarios[0].image_map->format, "erased");
  EXPECT_EQ(set->scenarios[0].image_map->pebs.size(), 512u);
  const std::string h = HtmlReport(Merge(*set), {dir.string()});
  EXPECT_NE(h.find("Decoded initial images"), std::string::npos);
  EXPECT_NE(h.find("<title>PEB 7: erased</title>"), std::string::npos);
}

// What the real server writes is what the report reads.
TEST_F(ReportTest, ReadsTheServersDeviceSummary) {
  server::ServedDeviceOptions o;
  o.preset = "slc-2k-64m";
  o.summary = (tmp_ / "device.json").string();
  {
    absl::StatusOr<std::unique_ptr<server::ServedDevice>> served = server::OpenServedDevice(o);
    ASSERT_TRUE(served.ok()) << served.status();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*served)->device().Erase(2 * 131072, 131072).ok());
    ASSERT_TRUE((*served)->device().MarkBad(9 * 131072).ok());
  }
  absl::StatusOr<DeviceRecord> d = ParseDeviceRecord(o.summary);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->geometry, "slc-2k-64m");
  EXPECT_EQ(d->erase_counts[2], 5u);
  EXPECT_EQ(d->grown_bad, std::vector<uint32_t>({9}));
  EXPECT_EQ(d->ops, 6u);
  EXPECT_EQ(d->op_bins.at("erase"), std::vector<uint64_t>({1, 1, 1, 1, 1}));
}

struct BadInput {
  const char* name;
  const char* file;     // relative to the copied night
  std::string content;  // what replaces it ("" removes it)
  const char* message;  // a part of the error
};

TEST_F(ReportTest, BadInputNamesFileAndPathAndWritesNothing) {
  const BadInput cases[] = {
      {"syntax", "run/ubi-attach/results.json", "{\"scenario\": ", "not valid JSON"},
      {"type", "run/prog-fail-remount/results.json", "", "$.checks[1].pass: expected a boolean, got a string"},
      {"verdict", "run/ubi-attach/results.json", "", "$.verdict: \"maybe\" is none of"},
      {"no device file", "run/prog-fail-remount/device.json", "", "device.json"},
      {"device blocks", "run/ubifs-bitflips-scrub/device.json", "", "$.erase_counts: 3 entries for 512 blocks"},
      {"device block beyond", "run/ubifs-bitflips-scrub/device.json", "", "$.bad_blocks.grown[0]: block 600 beyond"},
      {"state line", "explore-2of2/states.jsonl", "{\"id\": \"op104\", \"result\": \"pass\"}\nnot json\n",
       "states.jsonl line 2"},
      {"state result", "explore-2of2/states.jsonl", "{\"id\": \"op104\", \"result\": \"maybe\"}\n",
       "$.result: \"maybe\" is neither"},
      {"finding without states", "explore-1of2/results.json", "", "$.findings[0].states: a finding without states"},
      {"unknown command", "explore-1of2/results.json", "", "$.command: \"nightly\" is not a command"},
      {"fuzz curve", "fuzz/results.json", "", "$.statistics.workers[1].curve[0]: expected [seconds, edges, features]"},
      {"fuzz known", "fuzz/results.json", "", "$.findings[1].known: expected a boolean"},
      {"neither kind", "run/ubi-attach/results.json", "{\"verdict\": \"pass\"}", "neither a flashfault run result"},
  };
  for (const BadInput& c : cases) {
    SCOPED_TRACE(c.name);
    const fs::path night = tmp_ / "night";
    fs::remove_all(night);
    fs::copy(kFixtures / "nightly", night, fs::copy_options::recursive);
    const fs::path file = night / c.file;
    std::string text = c.content;
    const std::string name = c.name;
    if (name == "type" || name == "verdict" || name == "finding without states" ||
        name == "unknown command" || name == "device blocks" || name == "device block beyond" ||
        name == "fuzz curve" || name == "fuzz known") {
      nlohmann::json j = nlohmann::json::parse(Read(file));
      if (name == "type") j["checks"][1]["pass"] = "yes";
      if (name == "verdict") j["verdict"] = "maybe";
      if (name == "finding without states") j["findings"][0]["states"] = nlohmann::json::array();
      if (name == "unknown command") j["command"] = "nightly";
      if (name == "fuzz curve") j["statistics"]["workers"][1]["curve"][0] = {1.0, 2};
      if (name == "fuzz known") j["findings"][1]["known"] = "no";
      if (name == "device blocks") j["erase_counts"] = {1, 2, 3};
      if (name == "device block beyond") j["bad_blocks"]["grown"] = {600};
      text = j.dump();
    }
    if (name == "no device file") {
      fs::remove(file);
    } else {
      WriteText(file, text);
    }
    const fs::path out = tmp_ / "out";
    fs::remove_all(out);
    absl::StatusOr<ReportSummary> s = WriteReport({night.string()}, out.string());
    ASSERT_FALSE(s.ok());
    EXPECT_TRUE(absl::IsInvalidArgument(s.status()) || absl::IsNotFound(s.status())) << s.status();
    EXPECT_NE(s.status().message().find(file.string()), std::string::npos) << s.status();
    EXPECT_NE(s.status().message().find(c.message), std::string::npos) << s.status();
    EXPECT_FALSE(fs::exists(out / "junit.xml"));
    EXPECT_FALSE(fs::exists(out / "report.html"));
  }
  // Directories: missing, a file, empty.
  EXPECT_TRUE(absl::IsNotFound(LoadResults({(tmp_ / "nowhere").string()}).status()));
  WriteText(tmp_ / "plain", "x");
  EXPECT_TRUE(absl::IsInvalidArgument(LoadResults({(tmp_ / "plain").string()}).status()));
  fs::create_directories(tmp_ / "empty");
  const absl::Status empty = LoadResults({(tmp_ / "empty").string()}).status();
  EXPECT_NE(empty.message().find("holds no results.json"), std::string::npos) << empty;
}

// Runs the built binary; returns its exit status.
int Flashfault(const std::string& args, std::string* output = nullptr) {
  const std::string cmd = std::string(FF_FLASHFAULT_BIN) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  if (output != nullptr) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(ReportTest, ExitCodes) {
  std::string out;
  const fs::path clean = Copy("clean");
  EXPECT_EQ(Flashfault(clean.string(), &out), 2) << out;  // no command word: usage
  EXPECT_EQ(Flashfault("report " + clean.string(), &out), 0) << out;
  EXPECT_NE(out.find("VERDICT: PASS - 1 scenario(s), 0 failed"), std::string::npos) << out;
  EXPECT_TRUE(fs::exists(clean / "junit.xml"));  // default: into the one DIR
  EXPECT_TRUE(fs::exists(clean / "report.html"));

  const fs::path night = Copy("nightly");
  EXPECT_EQ(Flashfault("report " + night.string() + " --out " + (tmp_ / "r").string(), &out), 3) << out;
  EXPECT_NE(out.find("FINDING mount | UBIFS error"), std::string::npos) << out;
  EXPECT_NE(out.find("FAIL prog-fail-remount: 1 of 11 checks failed"), std::string::npos) << out;
  EXPECT_EQ(Flashfault("report " + night.string() + " --out " + (tmp_ / "j").string() + " --json", &out), 3);
  const nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  EXPECT_EQ(j["findings"], 3);
  EXPECT_EQ(j["known_findings"], 1);
  EXPECT_EQ(j["executions"], 7);
  EXPECT_EQ(j["exit_code"], 3);

  // Several directories need --out; an unknown flag is usage; help is 0.
  EXPECT_EQ(Flashfault("report " + clean.string() + " " + night.string(), &out), 2) << out;
  EXPECT_NE(out.find("--out DIR"), std::string::npos);
  EXPECT_EQ(Flashfault("report " + clean.string() + " --colour", &out), 2);
  EXPECT_EQ(Flashfault("report --help", &out), 0);
  EXPECT_NE(out.find("flashfault report shard-1/ shard-2/ shard-3/ --out merged/"), std::string::npos);
  // Bad input: 2, nothing written.
  WriteText(night / "run" / "ubi-attach" / "results.json", "[");
  EXPECT_EQ(Flashfault("report " + night.string() + " --out " + (tmp_ / "bad").string(), &out), 2);
  EXPECT_NE(out.find("results.json: not valid JSON"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(tmp_ / "bad" / "report.html"));
  // The outputs cannot be written: 1.
  WriteText(tmp_ / "file", "x");
  EXPECT_EQ(Flashfault("report " + clean.string() + " --out " + (tmp_ / "file" / "sub").string(), &out), 1)
      << out;
}

TEST(XmlTextTest, EscapesMarkupControlBytesAndBrokenUtf8) {
  EXPECT_EQ(XmlEscape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(XmlEscape("x\x01y\x7fz"), "x\\x01y\\x7fz");
  EXPECT_EQ(XmlEscape("line\nnext\ttab", true), "line&#10;next&#9;tab");
  EXPECT_EQ(XmlEscape("line\nnext"), "line\nnext");
  EXPECT_EQ(XmlEscape("caf\xc3\xa9"), "caf\xc3\xa9");          // valid UTF-8 kept
  EXPECT_EQ(XmlEscape("bad\xff\xc3"), "bad\xEF\xBF\xBD\xEF\xBF\xBD");  // replaced
  EXPECT_EQ(XmlEscape("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
}

}  // namespace
}  // namespace flashfault::report
