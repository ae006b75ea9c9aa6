// The explore bench's reference: nandsim's ID for the parts it can hold
// the same way, and the side-by-side comparison of matched states.
#include <gtest/gtest.h>

#include "backends/model/geometry_json.h"
#include "harness/campaign/explore/nandsim_reference.h"

namespace flashfault::campaign {
namespace {

using json = nlohmann::json;

TEST(NandsimReferenceTest, IdBytesOnlyForPartsNandsimHoldsAlike) {
  absl::StatusOr<Geometry> g64 = ResolveGeometry("slc-2k-64m", "");
  ASSERT_TRUE(g64.ok()) << g64.status();
  absl::StatusOr<std::string> args = NandsimModuleArgs(*g64);
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(*args, "first_id_byte=0xec second_id_byte=0xf2 third_id_byte=0x00 fourth_id_byte=0x15");
  Geometry odd = *g64;
  odd.block_count *= 3;  // 192 MiB: no such nandsim ID
  EXPECT_EQ(NandsimModuleArgs(odd).status().code(), absl::StatusCode::kUnimplemented);
  odd = *g64;
  odd.page_size = 4096;
  EXPECT_FALSE(NandsimModuleArgs(odd).ok());
}

json State(const std::string& id, double materialise, double checks_each, bool pass) {
  json s = {{"id", id}, {"result", pass ? "pass" : "fail"}};
  s["ms"] = {{"materialise", materialise}, {"present", 10.0}, {"mount", checks_each},
             {"oracle", checks_each}, {"space", checks_each}, {"teardown", checks_each}};
  if (!pass) s["failed"] = "mount";
  return s;
}

TEST(NandsimReferenceTest, ComparesMatchedStatesAndListsDisagreements) {
  // Flashfault checked three states (one torn, not in the reference); the
  // reference checked two of them, and disagrees on one.
  const std::vector<json> muse = {State("10:b", 40, 50, true), State("20:b", 60, 50, true),
                                  State("20:t:7", 60, 50, true)};
  const std::vector<json> ref = {State("10:b", 200, 40, true), State("20:b", 200, 40, false),
                                 State("99:b", 1, 1, true)};
  const nlohmann::ordered_json c = CompareWithNandsim(muse, ref);
  EXPECT_EQ(c["states"], 2);
  // flashfault: materialise+present (50 + 70) / 2 = 60, checks 200: whole 260.
  EXPECT_DOUBLE_EQ(c["flashfault"]["materialise_ms"].get<double>(), 60.0);
  EXPECT_DOUBLE_EQ(c["flashfault"]["checks_ms"].get<double>(), 200.0);
  EXPECT_DOUBLE_EQ(c["nandsim"]["checks_ms"].get<double>(), 160.0);
  EXPECT_DOUBLE_EQ(c["nandsim"]["restore_ms"].get<double>(), 200.0);
  EXPECT_DOUBLE_EQ(c["whole_vs_nandsim_checks"].get<double>(), 260.0 / 160.0);
  ASSERT_EQ(c["results_differ"].size(), 1u);
  EXPECT_EQ(c["results_differ"][0]["id"], "20:b");
  EXPECT_NE(NandsimComparisonText(c).find("results differ on 1 state"), std::string::npos);
}

}  // namespace
}  // namespace flashfault::campaign
