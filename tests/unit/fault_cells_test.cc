// Fault families that change what cells read, through the MTD view:
// read_bitflip, charge_loss, stuck_bit, program_fail, erase_fail,
// factory_bad, grown_bad.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/fault_test_util.h"

namespace flashfault {
namespace {

using testing::Bytes;
using testing::DiffBits;
using ::testing::Each;
using ::testing::ElementsAre;
using testing::MakeLayer;
using testing::ReadPage;
using testing::RecordingSink;
using testing::Spec;
using testing::WritePage;

using testing::kBlock;
using testing::kPpb;

// Flips confined to the first ECC step (bytes 0..511) of block 1, page 0.
FaultSpec StepFlips(const char* id, FaultKind kind, uint32_t flips) {
  FaultSpec s = Spec(id, kind);
  s.where.blocks = Range{1, 1};
  s.where.pages = Range{0, 0};
  s.where.bytes = Range{0, 511};
  s.flips = flips;
  s.when.max_fires = 1;
  return s;
}

TEST(ReadBitflipTest, WithinStrengthCorrectedAndScrubbedThenGone) {
  RecordingSink sink;
  auto d = MakeLayer("slc-2k-64m", {StepFlips("noise", FaultKind::kReadBitflip, 3)}, 1, &sink);
  ASSERT_TRUE(WritePage(*d, kPpb, 0x5A).ok());
  auto r = ReadPage(*d, kPpb);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(std::vector<uint8_t>(r.data.begin(), r.data.begin() + 2048), Each(0x5A));
  EXPECT_EQ(r.report.max_bitflips, 3u);  // threshold 3 of BCH-4: -EUCLEAN
  EXPECT_TRUE(r.report.scrub);
  EXPECT_FALSE(r.report.uncorrectable());
  ASSERT_EQ(sink.faults.size(), 1u);
  EXPECT_EQ(sink.faults[0].bits.size(), 3u);
  EXPECT_EQ(sink.faults[0].effect, "flips");
  // Transient: the cells hold nothing, a re-read (even raw) is clean.
  auto again = ReadPage(*d, kPpb, OobMode::kRaw);
  EXPECT_EQ(again.report.max_bitflips, 0u);
  EXPECT_THAT(std::vector<uint8_t>(again.data.begin(), again.data.begin() + 2048), Each(0x5A));
  EXPECT_EQ(d->model().cell_errors(kPpb), nullptr);
  EXPECT_EQ(d->injected("noise"), 1u);
}

TEST(ReadBitflipTest, BeyondStrengthReturnsTheFlippedRawData) {
  RecordingSink sink;
  auto d = MakeLayer("slc-2k-64m", {StepFlips("noise", FaultKind::kReadBitflip, 5)}, 1, &sink);
  ASSERT_TRUE(WritePage(*d, kPpb, 0x5A).ok());
  auto r = ReadPage(*d, kPpb);
  ASSERT_TRUE(r.status.ok());
  EXPECT_TRUE(r.report.uncorrectable());  // -EBADMSG at the kernel edge
  EXPECT_EQ(r.report.failed_steps, 1u);
  std::vector<uint8_t> want(2048 + 64, 0xFF);
  std::fill(want.begin(), want.begin() + 2048, 0x5A);
  // Exactly the reported cells differ from what was programmed.
  EXPECT_EQ(DiffBits(r.data, want), sink.faults.at(0).bits);
  auto again = ReadPage(*d, kPpb);
  EXPECT_FALSE(again.report.uncorrectable());
  EXPECT_EQ(DiffBits(again.data, want).size(), 0u);
}

TEST(ChargeLossTest, PersistsUntilErase) {
  auto d = MakeLayer("slc-2k-64m", {StepFlips("leak", FaultKind::kChargeLoss, 2)});
  ASSERT_TRUE(WritePage(*d, kPpb, 0x00).ok());
  for (int i = 0; i < 3; ++i) {
    auto r = ReadPage(*d, kPpb);
    EXPECT_EQ(r.report.max_bitflips, 2u) << "read " << i;
    EXPECT_THAT(std::vector<uint8_t>(r.data.begin(), r.data.begin() + 2048), Each(0x00));
  }
  auto raw = ReadPage(*d, kPpb, OobMode::kRaw);
  std::vector<uint8_t> want(2048 + 64, 0xFF);
  std::fill(want.begin(), want.begin() + 2048, 0x00);
  const auto lost = DiffBits(raw.data, want);
  ASSERT_EQ(lost.size(), 2u);
  for (uint32_t bit : lost) EXPECT_TRUE((raw.data[bit / 8] >> (bit % 8)) & 1);  // 0 -> 1
  ASSERT_TRUE(d->Erase(kBlock, kBlock).ok());
  ASSERT_TRUE(WritePage(*d, kPpb, 0x00).ok());
  EXPECT_EQ(ReadPage(*d, kPpb).report.max_bitflips, 0u);  // max_fires 1: no new loss
}

FaultSpec StuckCell(uint8_t value) {
  FaultSpec s = Spec("stuck", FaultKind::kStuckBit);
  s.where.blocks = Range{2, 2};
  s.where.pages = Range{0, 0};
  s.where.bytes = Range{10, 10};
  s.where.bits = Range{3, 3};
  s.stuck_value = value;
  return s;
}

TEST(StuckBitTest, StuckAtZeroSurvivesErase) {
  auto d = MakeLayer("slc-2k-64m", {StuckCell(0)});
  const uint64_t page = 2 * kPpb;
  for (int round = 0; round < 3; ++round) {
    auto raw = ReadPage(*d, page, OobMode::kRaw);
    EXPECT_EQ(raw.data[10], 0xF7) << "round " << round;  // bit 3 reads 0 on an erased page
    auto ecc = ReadPage(*d, page);
    EXPECT_EQ(ecc.report.max_bitflips, 1u);
    EXPECT_EQ(ecc.data[10], 0xFF);
    ASSERT_TRUE(d->Erase(2 * kBlock, kBlock).ok());
  }
  // Programmed to 0 there, the stuck cell agrees: no deviation.
  ASSERT_TRUE(WritePage(*d, page, 0x00).ok());
  EXPECT_EQ(ReadPage(*d, page).report.max_bitflips, 0u);
  EXPECT_EQ(d->injected("stuck"), 1u);
}

TEST(StuckBitTest, StuckAtOneShowsAfterProgramAndSurvivesErase) {
  auto d = MakeLayer("slc-2k-64m", {StuckCell(1)});
  const uint64_t page = 2 * kPpb;
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(ReadPage(*d, page, OobMode::kRaw).data[10], 0xFF);  // erased: agrees
    ASSERT_TRUE(WritePage(*d, page, 0x00).ok());
    auto raw = ReadPage(*d, page, OobMode::kRaw);
    EXPECT_EQ(raw.data[10], 0x08) << "round " << round;
    auto ecc = ReadPage(*d, page);
    EXPECT_EQ(ecc.data[10], 0x00);
    EXPECT_EQ(ecc.report.max_bitflips, 1u);
    ASSERT_TRUE(d->Erase(2 * kBlock, kBlock).ok());
  }
}

FaultSpec ProgramFailAt(ProgramFailEffect effect) {
  FaultSpec s = Spec("pfail", FaultKind::kProgramFail);
  s.where.blocks = Range{3, 3};
  s.when.nth_match = 2;
  s.program_effect = effect;
  return s;
}

TEST(ProgramFailTest, UnchangedPageAndDataLoss) {
  auto d = MakeLayer("slc-2k-64m", {ProgramFailAt(ProgramFailEffect::kUnchanged)});
  const uint64_t page = 3 * kPpb;
  ASSERT_TRUE(WritePage(*d, page, 0x11).ok());
  absl::Status s = WritePage(*d, page + 1, 0x22);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);  // -EIO
  EXPECT_TRUE(IsInjectedFault(s));
  EXPECT_THAT(ReadPage(*d, page + 1, OobMode::kRaw).data, Each(0xFF));
  EXPECT_TRUE(WritePage(*d, page + 2, 0x33).ok());  // nth_match: once only
  EXPECT_EQ(d->injected("pfail"), 1u);
}

TEST(ProgramFailTest, FullyProgrammedPage) {
  auto d = MakeLayer("slc-2k-64m", {ProgramFailAt(ProgramFailEffect::kFull)});
  const uint64_t page = 3 * kPpb;
  ASSERT_TRUE(WritePage(*d, page, 0x11).ok());
  EXPECT_EQ(WritePage(*d, page + 1, 0x22).code(), absl::StatusCode::kDataLoss);
  auto raw = ReadPage(*d, page + 1, OobMode::kRaw);
  EXPECT_THAT(std::vector<uint8_t>(raw.data.begin(), raw.data.begin() + 2048), Each(0x22));
}

TEST(ProgramFailTest, PartlyProgrammedPage) {
  FaultSpec s = ProgramFailAt(ProgramFailEffect::kPartial);
  s.torn_fraction = 0.5;
  RecordingSink sink;
  auto d = MakeLayer("slc-2k-64m", {s}, 7, &sink);
  const uint64_t page = 3 * kPpb;
  ASSERT_TRUE(WritePage(*d, page, 0x11).ok());
  EXPECT_EQ(WritePage(*d, page + 1, 0x00).code(), absl::StatusCode::kDataLoss);
  auto raw = ReadPage(*d, page + 1, OobMode::kRaw);
  std::vector<uint8_t> full(2048 + 64, 0xFF);
  std::fill(full.begin(), full.begin() + 2048, 0x00);
  const auto still_one = DiffBits(raw.data, full);  // bits that never got cleared
  EXPECT_GT(still_one.size(), 2048u * 8 * 3 / 10);
  EXPECT_LT(still_one.size(), 2048u * 8 * 7 / 10);
  EXPECT_EQ(still_one, sink.faults.at(0).bits);
  EXPECT_TRUE(ReadPage(*d, page + 1).report.uncorrectable());
}

TEST(EraseFailTest, UnchangedBlock) {
  FaultSpec s = Spec("efail", FaultKind::kEraseFail);
  s.where.blocks = Range{4, 4};
  s.when.max_fires = 1;
  auto d = MakeLayer("slc-2k-64m", {s});
  ASSERT_TRUE(WritePage(*d, 4 * kPpb, 0x00).ok());
  absl::Status e = d->Erase(4 * kBlock, kBlock);
  EXPECT_EQ(e.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(IsInjectedFault(e));
  EXPECT_EQ(ReadPage(*d, 4 * kPpb).data[0], 0x00);
  EXPECT_EQ(d->model().block_counters(4).erases, 0u);
  EXPECT_TRUE(d->Erase(4 * kBlock, kBlock).ok());  // max_fires reached
  EXPECT_EQ(ReadPage(*d, 4 * kPpb).data[0], 0xFF);
}

TEST(EraseFailTest, PartlyErasedBlockStopsMultiBlockErase) {
  FaultSpec s = Spec("efail", FaultKind::kEraseFail);
  s.where.blocks = Range{5, 5};
  s.erase_effect = EraseFailEffect::kPartial;
  s.torn_fraction = 0.5;
  auto d = MakeLayer("slc-2k-64m", {s});
  for (uint64_t b = 4; b <= 6; ++b) {
    for (uint64_t p = 0; p < kPpb; ++p) ASSERT_TRUE(WritePage(*d, b * kPpb + p, 0x00).ok());
  }
  EXPECT_EQ(d->Erase(4 * kBlock, 3 * kBlock).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ReadPage(*d, 4 * kPpb).data[0], 0xFF);  // before the failing block: erased
  EXPECT_EQ(ReadPage(*d, 6 * kPpb).data[0], 0x00);  // after it: untouched
  for (uint64_t p = 0; p < 32; ++p) {
    EXPECT_THAT(ReadPage(*d, 5 * kPpb + p, OobMode::kRaw).data, Each(0xFF)) << p;
  }
  EXPECT_TRUE(ReadPage(*d, 5 * kPpb + 32).report.uncorrectable());  // half erased
  for (uint64_t p = 33; p < kPpb; ++p) {
    auto r = ReadPage(*d, 5 * kPpb + p, OobMode::kRaw);
    EXPECT_THAT(std::vector<uint8_t>(r.data.begin(), r.data.begin() + 2048), Each(0x00)) << p;
  }
}

TEST(FactoryBadTest, ListAndSeededCountAreMarkedInOob) {
  FaultSpec s = Spec("factory", FaultKind::kFactoryBad);
  s.block_list = {3, 7};
  s.count = 2;
  s.where.blocks = Range{100, 199};
  RecordingSink sink;
  auto d = MakeLayer("slc-2k-64m", {s}, 99, &sink);
  std::vector<uint32_t> bad;
  for (uint32_t b = 0; b < 512; ++b) {
    if (*d->IsBad(uint64_t{b} * kBlock)) bad.push_back(b);
  }
  ASSERT_EQ(bad.size(), 4u);
  EXPECT_EQ(bad[0], 3u);
  EXPECT_EQ(bad[1], 7u);
  EXPECT_TRUE(bad[2] >= 100 && bad[3] <= 199);
  auto raw = ReadPage(*d, 3 * kPpb, OobMode::kRaw);
  EXPECT_EQ(raw.data[2048], 0x00);  // the marker bytes 0..1 of page 0's OOB
  EXPECT_EQ(raw.data[2049], 0x00);
  EXPECT_EQ(d->Erase(7 * kBlock, kBlock).code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(*d->IsBad(7 * kBlock));
  EXPECT_EQ(sink.OpsOf("factory").size(), 5u);  // four marks at attach (-1), one failed erase
  EXPECT_EQ(sink.faults[0].op, -1);
  // Same seed, same blocks.
  auto again = MakeLayer("slc-2k-64m", {s}, 99);
  for (uint32_t b : bad) EXPECT_TRUE(*again->IsBad(uint64_t{b} * kBlock));
}

TEST(GrownBadTest, FailsProgramAndEraseForGoodButIsNotMarked) {
  FaultSpec s = Spec("grown", FaultKind::kGrownBad);
  s.where.blocks = Range{8, 8};
  s.when.ops = kOpWrite;
  s.when.nth_match = 3;
  auto d = MakeLayer("slc-2k-64m", {s});
  EXPECT_TRUE(WritePage(*d, 8 * kPpb, 0x00).ok());
  EXPECT_TRUE(WritePage(*d, 8 * kPpb + 1, 0x00).ok());
  EXPECT_EQ(WritePage(*d, 8 * kPpb + 2, 0x00).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(d->Erase(8 * kBlock, kBlock).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(WritePage(*d, 8 * kPpb + 3, 0x00).code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(WritePage(*d, 9 * kPpb, 0x00).ok());
  EXPECT_FALSE(*d->IsBad(8 * kBlock));  // until the host marks it
  EXPECT_TRUE(ReadPage(*d, 8 * kPpb).status.ok());
  ASSERT_TRUE(d->MarkBad(8 * kBlock).ok());
  EXPECT_TRUE(*d->IsBad(8 * kBlock));
  EXPECT_EQ(d->injected("grown"), 3u);
}

TEST(GrownBadTest, PastAnEraseThreshold) {
  FaultSpec s = Spec("grown", FaultKind::kGrownBad);
  s.threshold = 3;
  auto d = MakeLayer("slc-2k-64m", {s});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(d->Erase(10 * kBlock, kBlock).ok()) << i;
  EXPECT_EQ(d->Erase(10 * kBlock, kBlock).code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(d->Erase(11 * kBlock, kBlock).ok());
  EXPECT_EQ(d->model().block_counters(10).erases, 3u);
}

}  // namespace
}  // namespace flashfault
