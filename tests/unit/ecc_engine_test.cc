// EccEngine decisions per step, independent of the model.
#include <gtest/gtest.h>

#include "backends/model/ecc_engine.h"
#include "backends/model/presets.h"

namespace flashfault {
namespace {

TEST(EccEngineTest, CountsPerStepAndFailsOnlyTheBadStep) {
  Geometry g = *FindPreset("slc-2k-64m");  // 4 steps of 512, strength 4
  EccEngine ecc(g);
  std::vector<uint8_t> page(2048 + 64, 0xAA);
  CellErrors errors;
  for (uint32_t i = 0; i < 5; ++i) errors.push_back(512 * 8 + i);  // step 1: 5 flips
  errors.push_back(3 * 512 * 8);                                   // step 3: 1 flip
  ReadReport r = ecc.Decode(errors, page, /*raw=*/false);
  EXPECT_EQ(r.failed_steps, 1u);
  EXPECT_EQ(r.corrected_bitflips, 1u);
  EXPECT_EQ(page[512], 0xAA ^ 0x1F);  // the failed step comes back raw
  EXPECT_EQ(page[3 * 512], 0xAA);     // the good step is corrected
}

TEST(EccEngineTest, NoEccMeansEveryFlipShows) {
  Geometry g = *FindPreset("nor-64k-16m");
  EccEngine ecc(g);
  std::vector<uint8_t> page(4, 0);
  ReadReport r = ecc.Decode({1, 9}, page, false);
  EXPECT_EQ(page[0], 2);
  EXPECT_EQ(page[1], 2);
  EXPECT_EQ(r.max_bitflips, 0u);
}

}  // namespace
}  // namespace flashfault
