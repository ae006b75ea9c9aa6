// Fault families tied to power, use and time, through the MTD view:
// power_cut (torn program/erase, MLC paired page, unstable cells, refusal
// until PowerOn), read_disturb, retention, wear_out, latency.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tests/unit/fault_test_util.h"

namespace flashfault {
namespace {

using testing::Bytes;
using testing::DiffBits;
using ::testing::Each;
using testing::MakeLayer;
using testing::ReadPage;
using testing::RecordingSink;
using testing::Spec;
using testing::WritePage;

using testing::kBlock;
using testing::kPpb;
constexpr uint64_t kHourUs = 3600ull * 1000 * 1000;

std::vector<uint8_t> Programmed(uint8_t data, uint32_t page = 2048, uint32_t oob = 64) {
  std::vector<uint8_t> v(page + oob, 0xFF);
  std::fill(v.begin(), v.begin() + page, data);
  return v;
}

TEST(PowerCutTest, TearsTheProgramInFlightAndRefusesUntilPowerOn) {
  FaultSpec s = Spec("cut", FaultKind::kPowerCut);
  s.when.at_op = 2;
  s.torn_fraction = 0.25;
  RecordingSink sink;
  auto d = MakeLayer("slc-2k-64m", {s}, 5, &sink);
  ASSERT_TRUE(WritePage(*d, 0, 0x00).ok());   // op 0
  ASSERT_TRUE(ReadPage(*d, 0).status.ok());   // op 1
  absl::Status cut = WritePage(*d, 1, 0x00);  // op 2: torn
  EXPECT_EQ(cut.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(IsInjectedFault(cut));
  EXPECT_FALSE(d->powered());
  EXPECT_EQ(ReadPage(*d, 0).status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(d->Erase(kBlock, kBlock).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(d->IsBad(0).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(d->Sync().code(), absl::StatusCode::kUnavailable);
  d->PowerOn();
  auto raw = ReadPage(*d, 1, OobMode::kRaw);
  ASSERT_TRUE(raw.status.ok());
  const auto torn = DiffBits(raw.data, Programmed(0x00));
  // Only about a quarter of the bits got cleared: the rest still read 1.
  EXPECT_GT(torn.size(), 2048u * 8 * 65 / 100);
  EXPECT_LT(torn.size(), 2048u * 8 * 85 / 100);
  EXPECT_EQ(torn, sink.faults.at(0).bits);
  EXPECT_EQ(sink.faults.at(0).effect, "torn_program");
  EXPECT_TRUE(ReadPage(*d, 1).report.uncorrectable());
  EXPECT_THAT(ReadPage(*d, 0).data, ::testing::ElementsAreArray(Programmed(0x00)));  // acked data
  EXPECT_EQ(sink.ops.size(), 10u);  // refused ops are logged too
  EXPECT_EQ(sink.ops[3].code, absl::StatusCode::kUnavailable);
}

TEST(PowerCutTest, TearsTheEraseInFlightWithUnstableCells) {
  FaultSpec s = Spec("cut", FaultKind::kPowerCut);
  s.when.ops = kOpErase;
  s.when.on_demand = true;
  s.torn_fraction = 0.25;
  s.unstable = true;
  auto d = MakeLayer("slc-2k-64m", {s});
  for (uint64_t p = 0; p < kPpb; ++p) ASSERT_TRUE(WritePage(*d, 2 * kPpb + p, 0x00).ok());
  EXPECT_TRUE(d->Erase(kBlock, kBlock).ok());  // not armed yet
  ASSERT_TRUE(d->Arm("cut").ok());
  EXPECT_EQ(d->Erase(2 * kBlock, kBlock).code(), absl::StatusCode::kUnavailable);
  d->PowerOn();
  for (uint64_t p = 0; p < 16; ++p) {
    EXPECT_THAT(ReadPage(*d, 2 * kPpb + p, OobMode::kRaw).data, Each(0xFF)) << p;
  }
  for (uint64_t p = 17; p < kPpb; ++p) {
    EXPECT_EQ(ReadPage(*d, 2 * kPpb + p, OobMode::kRaw).data, Programmed(0x00)) << p;
  }
  // Page 16 stopped half way, and its torn cells read differently each time.
  std::set<std::vector<uint8_t>> seen;
  for (int i = 0; i < 5; ++i) seen.insert(ReadPage(*d, 2 * kPpb + 16, OobMode::kRaw).data);
  EXPECT_EQ(seen.size(), 5u);
  ASSERT_TRUE(d->Erase(2 * kBlock, kBlock).ok());  // an erase settles them
  EXPECT_THAT(ReadPage(*d, 2 * kPpb + 16, OobMode::kRaw).data, Each(0xFF));
  EXPECT_THAT(ReadPage(*d, 2 * kPpb + 16, OobMode::kRaw).data, Each(0xFF));
}

// Unstable cells change what each read returns, never the cells themselves:
// after any number of reads the page's errors are exactly those of the cut.
TEST(PowerCutTest, UnstableReadsLeaveTheCellErrorsAsTheyWere) {
  FaultSpec s = Spec("cut", FaultKind::kPowerCut);
  s.when.ops = kOpWrite;
  s.when.nth_match = 2;
  s.torn_fraction = 0.5;
  s.unstable = true;
  RecordingSink sink;
  auto d = MakeLayer("slc-2k-64m", {s}, 7, &sink);
  ASSERT_TRUE(WritePage(*d, 0, 0x00).ok());
  EXPECT_EQ(WritePage(*d, 1, 0x00).code(), absl::StatusCode::kUnavailable);
  d->PowerOn();
  ASSERT_NE(d->model().cell_errors(1), nullptr);
  const CellErrors after_cut = *d->model().cell_errors(1);
  EXPECT_EQ(after_cut, sink.faults.at(0).bits);  // the torn cells, as reported
  std::set<std::vector<uint8_t>> seen;
  for (int i = 0; i < 8; ++i) {
    seen.insert(ReadPage(*d, 1, OobMode::kRaw).data);
    ASSERT_NE(d->model().cell_errors(1), nullptr);
    EXPECT_EQ(*d->model().cell_errors(1), after_cut) << i;
  }
  EXPECT_EQ(seen.size(), 8u);
  EXPECT_EQ(d->model().cell_errors(0), nullptr);  // the acknowledged page is untouched
  // Each read reported the cells it inverted: unstable ones only.
  size_t unstable = 0;
  for (const auto& f : sink.faults) {
    if (f.effect != "unstable") continue;
    ++unstable;
    EXPECT_FALSE(f.bits.empty());
    EXPECT_TRUE(std::includes(after_cut.begin(), after_cut.end(), f.bits.begin(), f.bits.end()));
  }
  EXPECT_EQ(unstable, 8u);
}

TEST(PowerCutTest, MlcUpperPageCutDamagesThePairedLowerPage) {
  FaultSpec s = Spec("cut", FaultKind::kPowerCut);
  s.when.ops = kOpWrite;
  s.when.nth_match = 2;
  s.torn_fraction = 0.9;  // 10% of the lower page's charged cells lost: far past BCH-24
  RecordingSink sink;
  auto d = MakeLayer("mlc-4k-1g", {s}, 3, &sink);
  ASSERT_TRUE(WritePage(*d, 0, 0x00).ok());  // lower page 0, acknowledged
  auto before = ReadPage(*d, 0);
  EXPECT_FALSE(before.report.uncorrectable());
  EXPECT_EQ(WritePage(*d, 1, 0x00).code(), absl::StatusCode::kUnavailable);  // upper page 1
  d->PowerOn();
  auto lower = ReadPage(*d, 0);
  EXPECT_EQ(lower.report.failed_steps, 4u);  // every step of the lower page lost
  bool paired = false;
  for (const auto& f : sink.faults) paired |= f.effect == "paired_page" && f.page == 0;
  EXPECT_TRUE(paired);
}

TEST(PowerCutTest, ProbabilityCutsAreReproducible) {
  FaultSpec s = Spec("cut", FaultKind::kPowerCut);
  s.when.ops = kOpWrite;
  s.when.probability = 0.05;
  auto run = [&](uint64_t seed) {
    auto d = MakeLayer("slc-2k-64m", {s}, seed);
    std::vector<uint64_t> cuts;
    for (uint64_t p = 0; p < 400; ++p) {
      if (WritePage(*d, p, 0x00).code() == absl::StatusCode::kUnavailable) {
        cuts.push_back(p);
        d->PowerOn();
      }
    }
    return cuts;
  };
  const auto a = run(11);
  EXPECT_GT(a.size(), 5u);
  EXPECT_LT(a.size(), 40u);
  EXPECT_EQ(a, run(11));
  EXPECT_NE(a, run(12));
}

TEST(ReadDisturbTest, ReadsOfOtherPagesGrowFlipsUntilErase) {
  FaultSpec s = Spec("disturb", FaultKind::kReadDisturb);
  s.where.blocks = Range{4, 4};
  s.rate = 0.01;  // one disturbed cell per 100 reads of other pages
  auto d = MakeLayer("slc-2k-64m", {s});
  const uint64_t p0 = 4 * kPpb;
  ASSERT_TRUE(WritePage(*d, p0, 0xF0).ok());
  ASSERT_TRUE(WritePage(*d, p0 + 1, 0xF0).ok());
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(ReadPage(*d, p0 + 1).status.ok());
  ReadPage(*d, p0);
  ASSERT_NE(d->model().cell_errors(p0), nullptr);
  EXPECT_EQ(d->model().cell_errors(p0)->size(), 10u);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(ReadPage(*d, p0 + 1).status.ok());
  auto raw = ReadPage(*d, p0, OobMode::kRaw);
  EXPECT_EQ(d->model().cell_errors(p0)->size(), 20u);
  for (uint32_t bit : *d->model().cell_errors(p0)) {
    EXPECT_FALSE((raw.data[bit / 8] >> (bit % 8)) & 1) << bit;  // erased cells read 0
  }
  // Page 1 was read, not disturbed by itself.
  EXPECT_EQ(d->model().cell_errors(p0 + 1), nullptr);
  ASSERT_TRUE(d->Erase(4 * kBlock, kBlock).ok());
  ASSERT_TRUE(WritePage(*d, p0, 0xF0).ok());
  ReadPage(*d, p0);
  EXPECT_EQ(d->model().cell_errors(p0), nullptr);
}

TEST(RetentionTest, FlipsGrowWithTheClockFasterOnWornBlocks) {
  FaultSpec s = Spec("ret", FaultKind::kRetention);
  s.rate = 2.0;      // cells per page per hour
  s.threshold = 10;  // wear scale: 10 erases double the leak
  auto d = MakeLayer("slc-2k-64m", {s});
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(d->Erase(6 * kBlock, kBlock).ok());
  ASSERT_TRUE(WritePage(*d, 5 * kPpb, 0x00).ok());
  ASSERT_TRUE(WritePage(*d, 6 * kPpb, 0x00).ok());
  EXPECT_EQ(ReadPage(*d, 5 * kPpb).report.corrected_bitflips, 0u);
  d->AdvanceClock(kHourUs);
  EXPECT_EQ(ReadPage(*d, 5 * kPpb).report.corrected_bitflips, 2u);
  EXPECT_EQ(ReadPage(*d, 6 * kPpb).report.corrected_bitflips, 4u);
  d->AdvanceClock(2 * kHourUs);
  ReadPage(*d, 5 * kPpb);
  EXPECT_EQ(d->model().cell_errors(5 * kPpb)->size(), 6u);
  // An erased page has no charge to lose.
  EXPECT_EQ(ReadPage(*d, 7 * kPpb).report.corrected_bitflips, 0u);
  // Reprogrammed after erase, the age starts again.
  ASSERT_TRUE(d->Erase(5 * kBlock, kBlock).ok());
  ASSERT_TRUE(WritePage(*d, 5 * kPpb, 0x00).ok());
  EXPECT_EQ(ReadPage(*d, 5 * kPpb).report.corrected_bitflips, 0u);
}

TEST(WearOutTest, PastEnduranceFailuresAndFlipsRise) {
  FaultSpec s = Spec("wear", FaultKind::kWearOut);
  s.threshold = 100;
  s.rate = 1.0;                    // fail every program/erase once past endurance
  s.flips = 2;                     // at one cycle past: 2 flips per read
  s.where.bytes = Range{0, 2047};  // in-band, where the ECC counts them
  s.when.ops = kOpRead | kOpErase;
  auto d = MakeLayer("slc-2k-64m", {s});
  for (int i = 0; i < 99; ++i) ASSERT_TRUE(d->Erase(3 * kBlock, kBlock).ok()) << i;
  ASSERT_TRUE(WritePage(*d, 3 * kPpb, 0x00).ok());
  EXPECT_EQ(ReadPage(*d, 3 * kPpb).report.corrected_bitflips, 0u);
  ASSERT_TRUE(d->Erase(3 * kBlock, kBlock).ok());   // the 100th: now at endurance
  ASSERT_TRUE(WritePage(*d, 3 * kPpb, 0x00).ok());  // writes are not in ops
  EXPECT_EQ(ReadPage(*d, 3 * kPpb).report.corrected_bitflips, 2u);
  EXPECT_EQ(ReadPage(*d, 3 * kPpb).report.corrected_bitflips, 2u);  // transient, redrawn
  EXPECT_EQ(d->Erase(3 * kBlock, kBlock).code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(d->Erase(4 * kBlock, kBlock).ok());  // young block
  EXPECT_EQ(d->injected("wear"), 3u);
}

TEST(LatencyTest, SleepsPerMatchingOpThroughTheSleeper) {
  uint64_t slept = 0, calls = 0;
  FaultSpec s = Spec("slow", FaultKind::kLatency);
  s.when.ops = kOpErase;
  s.latency_us = 500;
  auto layer = FaultLayer::Create(
      testing::MakePreset("slc-2k-64m"), testing::Plan(1, {s}),
      FaultLayerOptions{.sink = nullptr, .sleeper = [&](uint64_t us) { slept += us, ++calls; }});
  ASSERT_TRUE(layer.ok());
  FaultLayer& d = **layer;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(d.Erase(0, kBlock).ok());
  ASSERT_TRUE(ReadPage(d, 0).status.ok());
  EXPECT_EQ(slept, 1500u);
  EXPECT_EQ(calls, 3u);
  EXPECT_EQ(d.injected("slow"), 3u);
}

}  // namespace
}  // namespace flashfault
