// Triggers counted per page (when.per = "page"): each page of a read or
// write request is one match, and a power cut or program failure stops the
// request at its page. Beside each, the same fault counted per request, so
// the difference between the two units is what is checked.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/fault_test_util.h"

namespace flashfault {
namespace {

using testing::Bytes;
using ::testing::Each;
using testing::MakeLayer;
using testing::ReadPage;
using testing::RecordingSink;
using testing::Spec;
using testing::WritePage;

using testing::kPpb;

constexpr uint64_t kPage = 2048;

// One write request of `pages` pages of `value`, from device page `first`.
absl::Status WritePages(FlashDevice& d, uint64_t first, uint64_t pages, uint8_t value) {
  return d.Write({.addr = first * kPage}, Bytes(pages * kPage, value), {});
}

std::vector<uint8_t> DataOf(const testing::PageRead& r) {
  return std::vector<uint8_t>(r.data.begin(), r.data.begin() + kPage);
}

FaultSpec WriteFault(FaultKind kind, uint64_t nth, MatchUnit per) {
  FaultSpec s = Spec("f", kind);
  s.where.blocks = Range{1, 1};
  s.when.ops = kOpWrite;
  s.when.nth_match = nth;
  s.when.per = per;
  return s;
}

// Block 1 receives a 2-page request (pages 0-1), then a 4-page one (2-5).
struct TwoRequests {
  std::unique_ptr<FaultLayer> d;
  RecordingSink sink;
  absl::Status first, second;
};

void WriteTwoRequests(TwoRequests& t, FaultSpec fault) {
  t.d = MakeLayer("slc-2k-64m", {std::move(fault)}, 7, &t.sink);
  t.first = WritePages(*t.d, kPpb, 2, 0x00);
  t.second = WritePages(*t.d, kPpb + 2, 4, 0x00);
  t.d->PowerOn();
}

// A half-done power cut on the nth match counted `per`, which must strike
// the second request and no other.
void CutInTheSecondRequest(TwoRequests& t, uint64_t nth, MatchUnit per) {
  FaultSpec cut = WriteFault(FaultKind::kPowerCut, nth, per);
  cut.torn_fraction = 0.5;
  WriteTwoRequests(t, cut);
  ASSERT_TRUE(t.first.ok());
  EXPECT_EQ(t.second.code(), absl::StatusCode::kUnavailable);
  ASSERT_EQ(t.sink.faults.size(), 1u);
  EXPECT_EQ(t.sink.faults[0].effect, "torn_program");
}

TEST(PerPageTest, APowerCutOnTheFourthPageProgramsThreeTearsOneAndLeavesTheRestErased) {
  TwoRequests t;
  ASSERT_NO_FATAL_FAILURE(CutInTheSecondRequest(t, 4, MatchUnit::kPage));
  EXPECT_EQ(t.sink.faults[0].page, 3);  // the 4th page written in block 1
  EXPECT_THAT(DataOf(ReadPage(*t.d, kPpb + 2)), Each(0x00));  // before the cut: done
  EXPECT_NE(t.d->model().cell_errors(kPpb + 3), nullptr);     // in flight: torn
  EXPECT_EQ(t.d->model().cell_errors(kPpb + 2), nullptr);
  for (uint64_t p : {kPpb + 4, kPpb + 5}) {  // after it: never started
    EXPECT_THAT(ReadPage(*t.d, p, OobMode::kRaw).data, Each(0xFF)) << "page " << p;
  }
}

TEST(PerPageTest, APowerCutCountedPerRequestTearsTheWholeSecondRequest) {
  TwoRequests t;
  ASSERT_NO_FATAL_FAILURE(CutInTheSecondRequest(t, 2, MatchUnit::kOp));
  EXPECT_EQ(t.sink.faults[0].page, 2);  // the request's first page in where
  for (uint64_t p = kPpb + 2; p < kPpb + 6; ++p) {
    EXPECT_NE(t.d->model().cell_errors(p), nullptr) << "page " << p;
  }
}

TEST(PerPageTest, AFailedProgramStopsTheRequestAtItsPage) {
  for (ProgramFailEffect effect :
       {ProgramFailEffect::kUnchanged, ProgramFailEffect::kPartial, ProgramFailEffect::kFull}) {
    SCOPED_TRACE(ProgramFailEffectName(effect));
    TwoRequests t;
    FaultSpec fail = WriteFault(FaultKind::kProgramFail, 5, MatchUnit::kPage);
    fail.program_effect = effect;
    if (effect == ProgramFailEffect::kPartial) fail.torn_fraction = 0.5;
    WriteTwoRequests(t, fail);
    ASSERT_TRUE(t.first.ok());
    EXPECT_EQ(t.second.code(), absl::StatusCode::kDataLoss);
    ASSERT_EQ(t.sink.faults.size(), 1u);
    EXPECT_EQ(t.sink.faults[0].page, 4);
    for (uint64_t p : {kPpb + 2, kPpb + 3}) {
      EXPECT_THAT(DataOf(ReadPage(*t.d, p)), Each(0x00)) << "page " << p;
    }
    const std::vector<uint8_t> failed = ReadPage(*t.d, kPpb + 4, OobMode::kRaw).data;
    const std::vector<uint8_t> failed_data(failed.begin(), failed.begin() + kPage);
    switch (effect) {
      case ProgramFailEffect::kUnchanged: EXPECT_THAT(failed, Each(0xFF)); break;
      case ProgramFailEffect::kFull: EXPECT_THAT(failed_data, Each(0x00)); break;
      case ProgramFailEffect::kPartial:
        EXPECT_NE(t.d->model().cell_errors(kPpb + 4), nullptr);
        break;
    }
    EXPECT_THAT(ReadPage(*t.d, kPpb + 5, OobMode::kRaw).data, Each(0xFF));
  }
}

TEST(PerPageTest, OobOfAStoppedRequestEndsWithItsLastProgrammedPage) {
  // Data and OOB of 3 pages in one request; the cut on the 3rd page leaves
  // the OOB of pages 1 and 2 (match 1 and 2) programmed and page 3 torn.
  RecordingSink sink;
  FaultSpec cut = WriteFault(FaultKind::kPowerCut, 3, MatchUnit::kPage);
  auto d = MakeLayer("slc-2k-64m", {cut}, 7, &sink);
  const std::vector<uint8_t> data = Bytes(3 * kPage, 0x11);
  const std::vector<uint8_t> oob = Bytes(3 * 64, 0x22);
  EXPECT_FALSE(d->Write({.addr = kPpb * kPage, .mode = OobMode::kPlace}, data, oob).ok());
  d->PowerOn();
  for (uint64_t p : {kPpb, kPpb + 1}) {
    const std::vector<uint8_t> raw = ReadPage(*d, p, OobMode::kRaw).data;
    EXPECT_THAT(std::vector<uint8_t>(raw.begin() + kPage, raw.end()), Each(0x22)) << "page " << p;
  }
  EXPECT_NE(d->model().cell_errors(kPpb + 2), nullptr);
}

TEST(PerPageTest, ReadsCountEveryPageAndOddsAreDrawnPerPage) {
  // The 6th page read in block 1 is the 2nd page of the second 4-page read.
  RecordingSink sink;
  FaultSpec noise = Spec("noise", FaultKind::kReadBitflip);
  noise.where.blocks = Range{1, 1};
  noise.when.ops = kOpRead;
  noise.when.nth_match = 6;
  noise.when.per = MatchUnit::kPage;
  noise.flips = 1;
  auto d = MakeLayer("slc-2k-64m", {noise}, 7, &sink);
  ASSERT_TRUE(WritePages(*d, kPpb, 8, 0x00).ok());
  std::vector<uint8_t> buf(4 * kPage);
  ASSERT_TRUE(d->Read({.addr = kPpb * kPage}, buf, {}).ok());
  EXPECT_TRUE(sink.faults.empty());
  ASSERT_TRUE(d->Read({.addr = (kPpb + 4) * kPage}, buf, {}).ok());
  ASSERT_EQ(sink.faults.size(), 1u);
  EXPECT_EQ(sink.faults[0].page, 5);
  EXPECT_EQ(d->stats()[0].matches, 6u);
}

TEST(PerPageTest, GrownBadCountsOnlyBlocksPastItsThreshold) {
  // Erases of blocks 1 and 2 in one request: block 1 is young, block 2 not.
  FaultSpec bad = Spec("bad", FaultKind::kGrownBad);
  bad.where.blocks = Range{1, 2};
  bad.when.ops = kOpErase;
  bad.when.per = MatchUnit::kPage;
  bad.threshold = 1;
  RecordingSink sink;
  auto d = MakeLayer("slc-2k-64m", {bad}, 7, &sink);
  const uint64_t block = kPpb * kPage;
  ASSERT_TRUE(d->model().Erase(2 * block, block).ok());  // block 2: one erase behind it
  EXPECT_FALSE(d->Erase(block, 2 * block).ok());
  ASSERT_EQ(sink.faults.size(), 1u);
  EXPECT_EQ(sink.faults[0].block, 2);
  EXPECT_EQ(d->stats()[0].matches, 1u);
}

}  // namespace
}  // namespace flashfault
