// The nightly plan (harness/campaign/nightly/nightly_plan.h): which corpus
// items a shard runs and with which recorded verdict, how they share guest
// boots, and how the budget is split between regression and exploration.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "harness/campaign/nightly/nightly_plan.h"

namespace flashfault::campaign {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A corpus of `n` scenarios (s0..), the 4th with kernel arguments, and two
// reproducers: r-pass (recorded verdict pass) and r-fail (no verdict file).
fs::path MakeCorpus(const std::string& name, int n) {
  const fs::path dir = fs::path(::testing::TempDir()) / name;
  fs::remove_all(dir);
  fs::create_directories(dir / "scenarios");
  auto scenario = [](const fs::path& file, const std::string& sname, bool args) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << R"({"name": ")" << sname
                        << R"(", "geometry": "slc-2k-64m", "workload": {"builtin": "ubifs-write-verify"})"
                        << (args ? R"(, "kernel_args": ["ubi.fm_autoconvert=1"])" : "") << "}";
  };
  for (int i = 0; i < n; ++i) {
    const std::string s = "s" + std::to_string(i);
    scenario(dir / "scenarios" / (s + ".json"), s, i == 3);
  }
  scenario(dir / "reproducers" / "r-pass" / "scenario.json", "r-pass", false);
  std::ofstream(dir / "reproducers" / "r-pass" / "verdict") << "pass\n";
  scenario(dir / "reproducers" / "r-fail" / "scenario.json", "r-fail", false);
  return dir;
}

std::vector<std::string> Names(const NightlyPlan& p) {
  std::vector<std::string> out;
  for (const RegressionItem& i : p.regression) out.push_back(i.name);
  return out;
}

TEST(NightlyPlanTest, EveryItemWithItsRecordedVerdictAndBootsOfFewWithEqualKernelArgs) {
  const fs::path corpus = MakeCorpus("nightly-all", 9);
  absl::StatusOr<NightlyPlan> p = PlanNightly(corpus, Shard{1, 1}, 0, 5);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->corpus_items, 11u);
  EXPECT_THAT(Names(*p), ::testing::ElementsAre("s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7",
                                                "s8", "r-fail", "r-pass"));
  EXPECT_EQ(p->regression[0].expected, "pass");
  EXPECT_EQ(p->regression[9].expected, "fail");  // a reproducer reproduces
  EXPECT_TRUE(p->regression[9].reproducer);
  EXPECT_EQ(p->regression[10].expected, "pass");  // its verdict file says so
  EXPECT_EQ(p->known_signatures, (std::set<std::string>{"r-fail", "r-pass"}));
  // s3 boots alone (its kernel arguments); otherwise at most kScenariosPerBoot.
  const std::vector<std::vector<size_t>> boots = {{0, 1, 2}, {3}, {4, 5, 6, 7}, {8, 9, 10}};
  EXPECT_EQ(p->boots, boots);
}

TEST(NightlyPlanTest, ShardsAreDisjointAndTogetherTheWholeCorpus) {
  const fs::path corpus = MakeCorpus("nightly-shards", 9);
  std::multiset<std::string> all;
  for (uint32_t i = 1; i <= 3; ++i) {
    absl::StatusOr<NightlyPlan> p = PlanNightly(corpus, Shard{i, 3}, 0, 5);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->corpus_items, 11u);
    for (const std::string& n : Names(*p)) all.insert(n);
  }
  EXPECT_EQ(all.size(), 11u);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 11u);
}

TEST(NightlyPlanTest, BadCorpusNamesTheFile) {
  const fs::path corpus = MakeCorpus("nightly-bad", 2);
  std::ofstream(corpus / "reproducers" / "r-pass" / "verdict") << "maybe";
  absl::StatusOr<NightlyPlan> p = PlanNightly(corpus, Shard{1, 1}, 0, 5);
  EXPECT_THAT(std::string(p.status().message()),
              HasSubstr("r-pass/verdict: expected \"pass\" or \"fail\", got \"maybe\""));
  std::ofstream(corpus / "reproducers" / "r-pass" / "verdict") << "pass";
  std::ofstream(corpus / "scenarios" / "s1.json") << "{\"name\": ";
  p = PlanNightly(corpus, Shard{1, 2}, 0, 5);  // another shard's file still counts
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("s1.json"));
  EXPECT_TRUE(absl::IsNotFound(PlanNightly(corpus / "nope", Shard{1, 1}, 0, 5).status()));
}

TEST(NightlyPlanTest, TheBudgetIsSplitAsDocumented) {
  NightlyPlan p;
  p.budget_seconds = 600;
  EXPECT_TRUE(RegressionMayStart(p, 359));  // 60% of 600 is 360
  EXPECT_FALSE(RegressionMayStart(p, 360));
  // 200 s left: too few to share with the fuzzing (90 + 180), all to the exploration.
  EXPECT_EQ(ExploreBudget(p, 400), std::optional<uint64_t>(600 - 400 - kExploreWrapUpSeconds));
  EXPECT_EQ(ExploreBudget(p, 511), std::nullopt);  // 89 s left: too little to boot
  EXPECT_EQ(ExploreBudget(p, 700), std::nullopt);
  // 300 s left: the exploration 120, leaving the fuzzing its 180.
  EXPECT_EQ(ExploreBudget(p, 300), std::optional<uint64_t>(120 - kExploreWrapUpSeconds));
  EXPECT_EQ(FuzzBudget(p, 420), std::optional<uint64_t>(180 - kFuzzWrapUpSeconds));
  // 400 s left (a longer night): half each.
  p.budget_seconds = 700;
  EXPECT_EQ(ExploreBudget(p, 300), std::optional<uint64_t>(200 - kExploreWrapUpSeconds));
  EXPECT_EQ(FuzzBudget(p, 500), std::optional<uint64_t>(200 - kFuzzWrapUpSeconds));
  p.budget_seconds = 600;
  EXPECT_EQ(FuzzBudget(p, 421), std::nullopt);  // 179 s left
  EXPECT_EQ(FuzzBudget(p, 900), std::nullopt);
  // Without the fuzzing the exploration keeps the whole rest.
  p.fuzz = false;
  EXPECT_EQ(ExploreBudget(p, 300), std::optional<uint64_t>(300 - kExploreWrapUpSeconds));
  EXPECT_EQ(FuzzBudget(p, 0), std::nullopt);
  p.fuzz = true;
  p.budget_seconds = 0;  // none: everything runs, the exploration without a budget
  EXPECT_TRUE(RegressionMayStart(p, 1u << 30));
  EXPECT_EQ(ExploreBudget(p, 1u << 30), std::optional<uint64_t>(0));
  EXPECT_EQ(FuzzBudget(p, 1u << 30), std::optional<uint64_t>(kUnbudgetedFuzzSeconds));
}

}  // namespace
}  // namespace flashfault::campaign
