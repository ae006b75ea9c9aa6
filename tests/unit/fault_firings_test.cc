// Firings versus injections: every fault record carries the number of the
// firing it belongs to, so "how often did it fire" (a scenario's
// faults_fired) counts firings, not the records one firing leaves behind
// (issue 21: one unstable cut was counted as 9). The last test runs the
// guest's own summary (workloads.sh wl_fault_summary) over a real log.
#include <cstdio>
#include <fstream>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "fault-models/event_sink.h"
#include "tests/unit/fault_test_util.h"

namespace flashfault {
namespace {

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::Field;
using testing::kBlock;
using testing::kPpb;
using testing::MakeLayer;
using testing::ReadPage;
using testing::RecordingSink;
using testing::Spec;
using testing::WritePage;

std::set<uint64_t> Firings(const RecordingSink& sink, const std::string& id) {
  std::set<uint64_t> out;
  for (const RecordingSink::Fault& f : sink.faults) {
    if (f.id == id) out.insert(f.fire);
  }
  return out;
}

TEST(FiringsTest, OneUnstableCutIsOneFiringHoweverOftenItsCellsAreReadAgain) {
  RecordingSink sink;
  FaultSpec cut = Spec("cut", FaultKind::kPowerCut);
  cut.when.at_op = 2;
  cut.unstable = true;
  cut.torn_fraction = 0.5;
  auto d = MakeLayer("slc-2k-64m", {cut}, 1, &sink);
  ASSERT_TRUE(WritePage(*d, 0, 0x00).ok());
  ASSERT_TRUE(WritePage(*d, 1, 0x00).ok());
  ASSERT_FALSE(WritePage(*d, 2, 0x00).ok());  // torn
  d->PowerOn();
  for (int i = 0; i < 8; ++i) ReadPage(*d, 2);
  size_t unstable = 0;
  for (const auto& f : sink.faults) unstable += f.effect == "unstable";
  EXPECT_GE(unstable, 8u);  // each re-read inverts some of the torn cells
  EXPECT_THAT(sink.faults, Each(Field(&RecordingSink::Fault::fire, 1u)));
  EXPECT_EQ(d->stats()[0].fires, 1u);
}

TEST(FiringsTest, AFactoryBadBlockIsOneFiringAndTheOpsItRefusesAreItsAftermath) {
  RecordingSink sink;
  FaultSpec bad = Spec("shipped", FaultKind::kFactoryBad);
  bad.block_list = {3, 7};
  auto d = MakeLayer("slc-2k-64m", {bad}, 1, &sink);
  EXPECT_FALSE(d->Erase(7 * kBlock, kBlock).ok());
  EXPECT_FALSE(WritePage(*d, 3 * kPpb, 0).ok());
  EXPECT_FALSE(d->Erase(7 * kBlock, kBlock).ok());
  ASSERT_EQ(sink.faults.size(), 5u);
  // Marked in block order at attach (fires 1, 2); then block 7, 3, 7.
  std::vector<std::pair<int64_t, uint64_t>> got;
  for (const auto& f : sink.faults) got.emplace_back(f.block, f.fire);
  EXPECT_THAT(got, ElementsAre(std::pair{3, 1}, std::pair{7, 2}, std::pair{7, 2}, std::pair{3, 1},
                               std::pair{7, 2}));
  EXPECT_EQ(Firings(sink, "shipped").size(), 2u);
}

TEST(FiringsTest, AGrownBadBlockFailsLaterOpsUnderTheFiringThatMadeItBad) {
  RecordingSink sink;
  FaultSpec grown = Spec("grown", FaultKind::kGrownBad);
  grown.when.ops = kOpErase;
  grown.when.nth_match = 2;
  auto d = MakeLayer("slc-2k-64m", {grown}, 1, &sink);
  EXPECT_TRUE(d->Erase(4 * kBlock, kBlock).ok());
  EXPECT_FALSE(d->Erase(5 * kBlock, kBlock).ok());  // goes bad
  EXPECT_FALSE(WritePage(*d, 5 * kPpb, 0).ok());     // refused: aftermath
  EXPECT_FALSE(d->Erase(5 * kBlock, kBlock).ok());   // refused: aftermath
  ASSERT_EQ(sink.faults.size(), 3u);
  EXPECT_EQ(sink.faults[0].effect, "went_bad");
  EXPECT_EQ(sink.faults[1].effect, "fail");
  EXPECT_THAT(sink.faults, Each(Field(&RecordingSink::Fault::fire, 1u)));
  EXPECT_EQ(d->stats()[0].fires, 1u);
  EXPECT_EQ(d->stats()[0].injected, 3u);
}

TEST(FiringsTest, AStuckBitFaultOverManyPagesFiresOnce) {
  RecordingSink sink;
  FaultSpec stuck = Spec("stuck", FaultKind::kStuckBit);
  stuck.flips = 40;
  stuck.where.blocks = Range{2, 2};
  auto d = MakeLayer("slc-2k-64m", {stuck}, 1, &sink);
  ASSERT_TRUE(WritePage(*d, 2 * kPpb, 0x00).ok());
  ReadPage(*d, 2 * kPpb + 1);
  EXPECT_GT(sink.faults.size(), 1u);  // one record per page holding stuck cells
  EXPECT_THAT(Firings(sink, "stuck"), ElementsAre(1u));
}

// The guest's summary over JSON Lines logs written by the real sink, with a
// script replaced half-way (its firings are numbered from 1 again), split in
// two files as a restarted server leaves them.
TEST(FiringsTest, TheGuestSummaryCountsFiringsAndInjections) {
  const std::string dir = ::testing::TempDir();
  const std::string events = dir + "/firings.events";
  {
    std::string log;
    {
      JsonlEventSink sink(&log);
      FaultSpec cut = Spec("cut", FaultKind::kPowerCut);
      cut.when.at_op = 1;
      cut.unstable = true;
      cut.torn_fraction = 0.5;
      auto d = MakeLayer("slc-2k-64m", {cut}, 1, &sink);
      ASSERT_TRUE(WritePage(*d, 0, 0x00).ok());
      ASSERT_FALSE(WritePage(*d, 1, 0x00).ok());
      d->PowerOn();
      for (int i = 0; i < 6; ++i) ReadPage(*d, 1);
      FaultSpec noise = Spec("noise", FaultKind::kReadBitflip);
      noise.when.nth_match = 1;
      FaultSpec again = Spec("cut", FaultKind::kPowerCut);
      again.when.ops = kOpWrite;
      again.when.nth_match = 1;
      ASSERT_TRUE(d->ReplacePlan(testing::Plan(2, {noise, again})).ok());
      EXPECT_FALSE(WritePage(*d, 5, 0x00).ok());  // the new script's cut, its firing 1
      d->PowerOn();
      ReadPage(*d, 0);
      ASSERT_TRUE(sink.Flush().ok());
    }
    // As ff_restart_server leaves them: the first server's log beside the second's.
    const size_t second = log.find("{\"t\":\"start\"", 1);
    ASSERT_NE(second, std::string::npos);
    std::ofstream(events + ".001") << log.substr(0, second);
    std::ofstream(events) << log.substr(second);
  }
  const std::string guest = std::string(FF_SOURCE_DIR) + "/harness/vm/guest";
  const std::string cmd = "busybox sh -c 'FF_LIB=" + guest + "; . " + guest +
                          "/workloads.sh; FF_EVENTS=" + events +
                          "; wl_fault_summary' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[256];
  while (fgets(buf, sizeof buf, p) != nullptr) out += buf;
  ASSERT_EQ(pclose(p), 0) << out;
  // cut: two firings (one per script); records: torn + re-reads + torn.
  EXPECT_THAT(out, ::testing::ContainsRegex("FFRUN fault cut power_cut 2 [0-9]+\n"));
  EXPECT_THAT(out, ::testing::HasSubstr("FFRUN fault noise read_bitflip 1 1\n"));
  EXPECT_THAT(out, ::testing::Not(::testing::HasSubstr("power_cut 1 ")));
}

}  // namespace
}  // namespace flashfault
