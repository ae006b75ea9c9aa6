// Fault scripts that must work: every example under corpora/scripts/
// validates, PlanToJson/ParsePlan round-trips, the JSON Schema lists exactly
// the keys and kind parameters the parser accepts, explanations read as
// documented, and `flashfault script check` exits 0 / 2. Paths come from
// compile definitions (FF_SOURCE_DIR, FF_FLASHFAULT_BIN) set in CMake.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "backends/model/presets.h"
#include "fault-models/script/fault_script.h"
#include "fault-models/script/script_internal.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flashfault {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using nlohmann::json;

const fs::path kScripts = fs::path(FF_SOURCE_DIR) / "corpora" / "scripts";
const fs::path kSchema = fs::path(FF_SOURCE_DIR) / "corpora" / "schemas" /
                         "fault-script.schema.json";

std::vector<fs::path> Examples() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kScripts)) {
    if (e.path().extension() == ".json") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

FaultScript MustLoad(const fs::path& p) {
  absl::StatusOr<FaultScript> s = LoadScriptFile(p.string());
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : FaultScript{};
}

TEST(FaultScriptExamples, EveryExampleValidatesAndEveryKindHasOne) {
  const std::vector<fs::path> files = Examples();
  ASSERT_GE(files.size(), 15u);
  std::set<std::string> kinds;
  for (const fs::path& p : files) {
    SCOPED_TRACE(p.string());
    const FaultScript s = MustLoad(p);
    for (const FaultSpec& f : s.plan.faults) kinds.insert(FaultKindName(f.kind));
    // Each kind also has an example named after it.
  }
  for (int k = 0; k < kFaultKindCount; ++k) {
    const std::string name = FaultKindName(static_cast<FaultKind>(k));
    EXPECT_TRUE(kinds.count(name)) << name;
    EXPECT_TRUE(fs::exists(kScripts / (name + ".json"))) << name;
  }
}

TEST(FaultScriptRoundTrip, EveryExample) {
  for (const fs::path& p : Examples()) {
    SCOPED_TRACE(p.string());
    const FaultScript s = MustLoad(p);
    const nlohmann::ordered_json exported = PlanToJson(s.plan, &s.geometry);
    absl::StatusOr<FaultPlan> back = ParsePlan(json::parse(exported.dump()), s.geometry);
    ASSERT_TRUE(back.ok()) << back.status() << "\n" << exported.dump(2);
    EXPECT_EQ(*back, s.plan) << exported.dump(2);
    // Through text, with the geometry taken from the exported script.
    absl::StatusOr<FaultScript> again = ParseScriptText(exported.dump(2), "export");
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->plan, s.plan);
    EXPECT_EQ(again->geometry.name, s.geometry.name);
  }
}

TEST(FaultScriptRoundTrip, EveryFieldSet) {
  absl::StatusOr<Geometry> g = FindPreset("mlc-4k-1g");
  ASSERT_TRUE(g.ok());
  FaultPlan plan;
  plan.seed = 0xfedcba9876543210ull;
  plan.partitions = {{"boot", 0, 16}, {"ubi", 16, 2032}};
  FaultSpec a;
  a.id = "a";
  a.kind = FaultKind::kChargeLoss;
  a.where = Where{Range{20, 30}, Range{1, 1}, Range{4096, 4100}, Range{2, 6}, "ubi", std::nullopt, {}};
  a.when.ops = kOpRead | kOpSync;
  a.when.nth_match = 7;
  a.when.probability = 0.123456789012345;
  a.when.after_erases = 3;
  a.when.after_time_us = 99;
  a.when.max_fires = 1;
  a.flips = 9;
  FaultSpec b;
  b.id = "b.2";
  b.kind = FaultKind::kPowerCut;
  b.where.partition = "boot";
  b.where.blocks = Range{0, 15};  // the whole partition: exported without blocks
  b.when.on_demand = true;
  b.when.per = MatchUnit::kPage;
  b.torn_fraction = 1.0 / 3.0;
  b.unstable = true;
  FaultSpec e;
  e.id = "e";
  e.kind = FaultKind::kGrownBad;
  e.where.partition = "ubi";
  e.where.blocks = Range{16, 2047};
  e.where.block_list = {17, 40, 2047};  // exported relative to 'ubi': [1, 24, 2031]
  FaultSpec c;
  c.id = "c";
  c.kind = FaultKind::kFactoryBad;
  c.block_list = {2047, 0, 5};
  FaultSpec d;
  d.id = "d";
  d.kind = FaultKind::kWearOut;
  d.when.at_op = 18446744073709551615ull;
  d.rate = 1e-300;
  d.threshold = 1;
  plan.faults = {a, b, c, d, e};
  ASSERT_TRUE(ValidatePlan(plan, *g).ok()) << ValidatePlan(plan, *g);
  const nlohmann::ordered_json j = PlanToJson(plan);
  EXPECT_FALSE(j.contains("geometry"));
  EXPECT_FALSE(j["faults"][1]["where"].contains("blocks")) << j.dump();
  EXPECT_EQ(j["faults"][0]["where"]["blocks"].dump(), "[4,14]");  // relative to 'ubi'
  EXPECT_EQ(j["faults"][4]["where"]["block_list"].dump(), "[1,24,2031]");
  EXPECT_EQ(j["faults"][1]["when"]["per"], "page");
  EXPECT_FALSE(j["faults"][0]["when"].contains("per"));  // "op" is the default
  EXPECT_NE(ExplainFault(plan.faults[1], plan, *g).find("counting each page of a read or write"),
            std::string::npos)
      << ExplainFault(plan.faults[1], plan, *g);
  EXPECT_EQ(ExplainFault(plan.faults[4], plan, *g).find("partition 'ubi'") != std::string::npos &&
                ExplainFault(plan.faults[4], plan, *g).find("only blocks 17, 40, 2047 of the device") !=
                    std::string::npos,
            true)
      << ExplainFault(plan.faults[4], plan, *g);
  absl::StatusOr<FaultPlan> back = ParsePlan(json::parse(j.dump()), *g);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, plan) << j.dump(2);
  // A geometry that is no preset is exported inline and still round-trips.
  Geometry custom = *g;
  custom.endurance = 1234;
  absl::StatusOr<FaultScript> s = ParseScriptText(PlanToJson(plan, &custom).dump(), "x");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->geometry.endurance, 1234u);
  EXPECT_EQ(s->plan, plan);
}

// The schema is the user's documentation of the format; it must list exactly
// what the parser accepts, and the same kind -> parameter table.
TEST(FaultScriptSchema, MatchesTheParser) {
  std::ifstream in(kSchema);
  ASSERT_TRUE(in) << kSchema;
  const json schema = json::parse(in, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(schema.is_discarded()) << "schema is not valid JSON";
  EXPECT_EQ(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
  auto keys = [](const json& props) {
    std::set<std::string> out;
    for (const auto& item : props.items()) out.insert(item.key());
    return out;
  };
  auto expected = [](std::span<const absl::string_view> v) {
    std::set<std::string> out;
    for (absl::string_view k : v) out.emplace(k);
    return out;
  };
  const json& defs = schema["$defs"];
  EXPECT_EQ(keys(schema["properties"]), expected(ScriptTopKeys()));
  EXPECT_EQ(keys(defs["fault"]["properties"]), expected(ScriptFaultKeys()));
  EXPECT_EQ(keys(defs["where"]["properties"]), expected(ScriptWhereKeys()));
  EXPECT_EQ(keys(defs["when"]["properties"]), expected(ScriptWhenKeys()));
  EXPECT_EQ(keys(defs["partition"]["properties"]), expected(ScriptPartitionKeys()));
  // The vocabulary of aims by meaning: keys and words as meaning_aim.cc spells them.
  EXPECT_EQ(keys(defs["meaning"]["properties"]), expected(MeaningAimKeys()));
  auto words = [&](const char* key) {
    std::set<std::string> out;
    for (const json& w : defs["meaning"]["properties"][key]["enum"]) out.insert(w);
    return out;
  };
  EXPECT_EQ(words("ubi"), expected(UbiAimWords()));
  EXPECT_EQ(words("ubifs"), expected(UbifsAimWords()));
  EXPECT_EQ(words("jffs2"), expected(Jffs2AimWords()));
  for (const json* obj : {&schema, &defs["fault"], &defs["where"], &defs["when"],
                          &defs["partition"], &defs["meaning"]}) {
    EXPECT_EQ((*obj)["additionalProperties"], false);
    for (const auto& item : (*obj)["properties"].items()) {
      const json& p = item.value();
      const bool described = p.contains("description") ||
                             (p.contains("$ref") && defs.contains(p["$ref"].get<std::string>()
                                                                      .substr(8)));
      EXPECT_TRUE(described) << item.key() << " has no description";
    }
  }
  // Kinds and, per kind, the parameters it must not be given.
  std::set<std::string> kinds;
  for (const json& k : defs["fault"]["properties"]["kind"]["enum"]) kinds.insert(k);
  EXPECT_EQ(kinds.size(), static_cast<size_t>(kFaultKindCount));
  for (const json& rule : defs["fault"]["allOf"]) {
    const std::string kind = rule["if"]["properties"]["kind"]["const"];
    std::optional<FaultKind> k = FaultKindFromName(kind);
    ASSERT_TRUE(k) << kind;
    std::set<std::string> forbidden, want;
    for (const auto& item : rule["then"]["properties"].items()) {
      if (item.value() == false && item.key() != "when") forbidden.insert(item.key());
    }
    for (int b = 0; b < script_internal::kParamCount; ++b) {
      const auto p = static_cast<script_internal::Param>(1u << b);
      if (!(script_internal::KindParams(*k) & p)) want.emplace(script_internal::ParamKey(p));
    }
    EXPECT_EQ(forbidden, want) << kind;
    kinds.erase(kind);
  }
  EXPECT_TRUE(kinds.empty()) << "kinds without a parameter rule";
}

TEST(FaultScriptExplain, SaysWhatWhereWhenAndHowOften) {
  const FaultScript s = MustLoad(kScripts / "charge_loss.json");
  EXPECT_EQ(ExplainPlan(s.plan, s.geometry),
            "geometry 'slc-2k-128m' (slc, 1024 blocks of 64 pages of 2048+64 bytes); seed 2; "
            "1 fault\n"
            "fault 'weak-block' (charge_loss): 3 bitflips that stay in the cells until the block "
            "is erased; in block 17 pages 0-63; on the 2nd read that matches\n");
  const FaultScript f = MustLoad(kScripts / "factory_bad.json");
  EXPECT_EQ(ExplainFault(f.plan.faults[1], f.plan, f.geometry),
            "fault 'random' (factory_bad): 8 blocks chosen with seed 6 ship bad (marked in OOB "
            "before the first operation); in blocks 512-1023");
  const FaultScript e = MustLoad(kScripts / "erase_fail.json");
  EXPECT_EQ(ExplainFault(e.plan.faults[0], e.plan, e.geometry),
            "fault 'erase-fail' (erase_fail): erase fails (-EIO) and leaves the block partly "
            "erased (50% of its pages); in block 300; on erases, at most 2 times");
  const FaultScript w = MustLoad(kScripts / "weak-block-batch.json");
  const std::string text = ExplainPlan(w.plan, w.geometry);
  EXPECT_THAT(text, HasSubstr("partitions: 'spl' blocks 0-15, 'kernel' blocks 16-63, "
                              "'rootfs' blocks 64-2047\n"));
  EXPECT_THAT(text, HasSubstr("in block 300 of partition 'rootfs' (device block 364) page 0 "
                              "bytes 2050-2055 (OOB) bit 0"));
  EXPECT_THAT(text, HasSubstr("with probability 0.002 each time, at most 50 times"));
}

// Runs the built binary; returns its exit status and fills `out` with
// stdout+stderr.
int RunCli(const std::string& args, std::string* out) {
  const std::string cmd = std::string(FF_FLASHFAULT_BIN) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  out->clear();
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out->append(buf, n);
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(ScriptCheckCli, ExitCodesAndMessages) {
  std::string out;
  const std::string valid = (kScripts / "power_cut.json").string();
  EXPECT_EQ(RunCli("script check " + valid, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr(valid + ": valid\n"));
  EXPECT_THAT(out, HasSubstr("fault 'cut' (power_cut): power is cut"));

  const fs::path bad = fs::path(::testing::TempDir()) / "bad-script.json";
  std::ofstream(bad) << R"({"geometry": "slc-2k-128m", "faults": [
      {"id": "x", "kind": "read_bitflip", "when": {"probability": 2}}]})";
  EXPECT_EQ(RunCli("script check " + bad.string(), &out), 2);
  EXPECT_THAT(out, HasSubstr(bad.string() + ": $.faults[0].when.probability: must be in [0, 1]"));

  EXPECT_EQ(RunCli("script check " + bad.string() + " --json", &out), 2);
  EXPECT_THAT(out, HasSubstr("\"valid\": false"));

  // --preset overrides the script's geometry: block 1500 exists on slc-2k-256m only.
  const fs::path big = fs::path(::testing::TempDir()) / "big-block.json";
  std::ofstream(big) << R"({"geometry": "slc-2k-128m", "faults": [
      {"id": "x", "kind": "grown_bad", "where": {"blocks": 1500}}]})";
  EXPECT_EQ(RunCli("script check " + big.string(), &out), 2);
  EXPECT_THAT(out, HasSubstr("$.faults[0].where.blocks: block 1500 is outside"));
  EXPECT_EQ(RunCli("script check " + big.string() + " --preset slc-2k-256m --json", &out), 0)
      << out;
  const json j = json::parse(out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  EXPECT_EQ(j["valid"], true);
  EXPECT_EQ(j["geometry"], "slc-2k-256m");
  EXPECT_EQ(j["faults"][0]["id"], "x");

  EXPECT_EQ(RunCli("script check /nonexistent/x.json", &out), 2);
  EXPECT_THAT(out, HasSubstr("/nonexistent/x.json: cannot open"));
  EXPECT_EQ(RunCli("script check " + valid + " --preset nope", &out), 2);
  EXPECT_EQ(RunCli("script lint " + valid, &out), 2);
  EXPECT_EQ(RunCli("script check", &out), 2);
  EXPECT_EQ(RunCli("script check --help", &out), 0);
}

}  // namespace
}  // namespace flashfault
