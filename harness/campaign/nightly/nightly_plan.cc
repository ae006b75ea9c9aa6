// See nightly_plan.h.
#include "harness/campaign/nightly/nightly_plan.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/input_file.h"
#include "common/status_macros.h"
#include "harness/campaign/scenario.h"

namespace flashfault::campaign {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<RegressionItem> Item(const fs::path& file, std::string expected, bool reproducer) {
  FF_ASSIGN_OR_RETURN(const Scenario s, LoadScenarioFile(file.string()));
  return RegressionItem{.file = file.string(),
                        .name = s.name,
                        .expected = std::move(expected),
                        .reproducer = reproducer,
                        .kernel_args = s.kernel_args};
}

// reproducers/ID/verdict: "pass" or "fail"; absent means "fail".
absl::StatusOr<std::string> RecordedVerdict(const fs::path& dir) {
  const fs::path file = dir / "verdict";
  if (!fs::exists(file)) return std::string("fail");
  FF_ASSIGN_OR_RETURN(std::string text, ReadInputFile(file.string()));
  const std::string v(absl::StripAsciiWhitespace(text));
  if (v != "pass" && v != "fail") {
    return absl::InvalidArgumentError(
        absl::StrCat(file.string(), ": expected \"pass\" or \"fail\", got \"", v, "\""));
  }
  return v;
}

std::vector<fs::path> Sorted(const fs::path& dir, bool folders) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (folders ? e.is_directory() : e.path().extension() == ".json") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

absl::StatusOr<NightlyPlan> PlanNightly(const fs::path& corpus, Shard shard,
                                        uint64_t budget_seconds, uint64_t seed) {
  NightlyPlan plan;
  plan.corpus = corpus;
  plan.shard = shard;
  plan.seed = seed;
  plan.budget_seconds = budget_seconds;
  if (!fs::is_directory(corpus / "scenarios")) {
    return absl::NotFoundError(
        absl::StrCat(corpus.string(), ": no scenarios/ folder (is this a corpus like corpora/?)"));
  }
  std::vector<std::pair<fs::path, bool>> files;  // file, is a reproducer
  for (const fs::path& f : Sorted(corpus / "scenarios", false)) files.emplace_back(f, false);
  for (const fs::path& d : Sorted(corpus / "reproducers", true)) {
    plan.known_signatures.insert(d.filename().string());
    if (fs::exists(d / "scenario.json")) files.emplace_back(d / "scenario.json", true);
  }
  plan.corpus_items = files.size();
  // Every shard reads and checks the whole corpus (a broken file fails
  // every shard alike), then keeps items i, i+N, i+2N, ...
  for (size_t i = 0; i < files.size(); ++i) {
    std::string expected = "pass";
    if (files[i].second) {
      FF_ASSIGN_OR_RETURN(expected, RecordedVerdict(files[i].first.parent_path()));
    }
    FF_ASSIGN_OR_RETURN(RegressionItem item, Item(files[i].first, expected, files[i].second));
    if (i % shard.count == shard.index - 1) plan.regression.push_back(std::move(item));
  }
  // Boots: consecutive items with the same kernel arguments, a few per boot.
  for (size_t i = 0; i < plan.regression.size(); ++i) {
    if (plan.boots.empty() || plan.boots.back().size() == kScenariosPerBoot ||
        plan.regression[plan.boots.back().front()].kernel_args != plan.regression[i].kernel_args) {
      plan.boots.emplace_back();
    }
    plan.boots.back().push_back(i);
  }
  return plan;
}

bool RegressionMayStart(const NightlyPlan& plan, uint64_t elapsed) {
  if (plan.budget_seconds == 0) return true;
  return static_cast<double>(elapsed) < kRegressionShare * static_cast<double>(plan.budget_seconds);
}

std::optional<uint64_t> ExploreBudget(const NightlyPlan& plan, uint64_t elapsed) {
  if (plan.budget_seconds == 0) return uint64_t{0};
  if (elapsed >= plan.budget_seconds || plan.budget_seconds - elapsed < kMinExploreSeconds) {
    return std::nullopt;
  }
  const uint64_t rest = plan.budget_seconds - elapsed;
  const bool share = plan.fuzz && rest >= kMinExploreSeconds + kMinFuzzSeconds;
  // Half, but never so much that the fuzzing is left less than its minimum.
  const uint64_t mine = share ? std::min(rest / 2, rest - kMinFuzzSeconds) : rest;
  return mine - kExploreWrapUpSeconds;
}

std::optional<uint64_t> FuzzBudget(const NightlyPlan& plan, uint64_t elapsed) {
  if (!plan.fuzz) return std::nullopt;
  if (plan.budget_seconds == 0) return kUnbudgetedFuzzSeconds;
  if (elapsed >= plan.budget_seconds || plan.budget_seconds - elapsed < kMinFuzzSeconds) {
    return std::nullopt;
  }
  return plan.budget_seconds - elapsed - kFuzzWrapUpSeconds;
}

}  // namespace flashfault::campaign
