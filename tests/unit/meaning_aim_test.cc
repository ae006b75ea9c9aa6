// Faults aimed by meaning (issue 17), through the fault layer on structures
// written as UBI, UBIFS and JFFS2 write them: each fires exactly on the
// structure it names and nowhere else, combined with nth_match, odds and
// after_op; the event log says what each op touched. Where an example
// script under corpora/scripts/ names such a fault, the test loads the
// example itself, so that its description is checked too.
#include <memory>
#include <string>
#include <vector>

#include "fault-models/fault_layer.h"
#include "fault-models/stream/byte_stream_source.h"
#include "gtest/gtest.h"
#include "tests/unit/example_scripts.h"
#include "tests/unit/fault_test_util.h"
#include "tests/unit/flash_image_builder.h"

namespace flashfault {
namespace {

using namespace test_images;
using testing::ExampleFault;
using testing::RecordingSink;
using testing::Spec;

constexpr uint32_t kFmAnchorVol = 0x7FFFFFFF - 4096 + 1;
constexpr uint32_t kLayoutVol = 0x7FFFFFFF - 4096;

struct Rig {
  RecordingSink sink;
  std::unique_ptr<FaultLayer> d;
  // Writes the non-erased pages of a PEB's bytes, one page per write, as
  // UBI does; returns false at the first failed write.
  bool Write(uint32_t peb, const Buf& bytes, uint32_t from_page = 0) {
    for (uint32_t p = from_page; p < kPpb; ++p) {
      std::span<const uint8_t> page = std::span<const uint8_t>(bytes).subspan(p * kPage, kPage);
      if (std::all_of(page.begin(), page.end(), [](uint8_t b) { return b == 0xFF; })) continue;
      if (!d->Write({.addr = uint64_t{peb} * kPeb + p * kPage}, page, {}).ok()) return false;
    }
    return true;
  }
  absl::StatusOr<ReadReport> Read(uint32_t peb, uint32_t page) {
    std::vector<uint8_t> buf(kPage);
    return d->Read({.addr = uint64_t{peb} * kPeb + page * kPage}, buf, {});
  }
};

std::unique_ptr<Rig> MakeRig(std::vector<FaultSpec> faults) {
  auto r = std::make_unique<Rig>();
  FaultLayerOptions o;
  o.sink = &r->sink;
  auto layer = FaultLayer::Create(testing::MakePreset("slc-2k-64m"),
                                  testing::Plan(7, std::move(faults)), std::move(o));
  EXPECT_TRUE(layer.ok()) << layer.status();
  if (layer.ok()) r->d = std::move(*layer);
  return r;
}

MeaningAim Ubifs(UbifsAim a) {
  MeaningAim m;
  m.ubifs = a;
  return m;
}

// The volume table of a device with volumes "data" (0) and "other" (1).
Buf LayoutPeb(uint32_t lnum) {
  Buf vt;
  const Buf a = VtblRecord(40, "data"), b = VtblRecord(40, "other"), none = VtblRecord(0, "");
  vt.insert(vt.end(), a.begin(), a.end());
  vt.insert(vt.end(), b.begin(), b.end());
  for (int i = 2; i < 128; ++i) vt.insert(vt.end(), none.begin(), none.end());
  return UbiPeb(kLayoutVol, lnum, 1 + lnum, vt);
}

TEST(MeaningAim, PowerCutDuringTheSecondProgramOfAMasterNode) {
  auto r = MakeRig({ExampleFault("ubifs-master-powercut.json")});
  ASSERT_TRUE(r->d->decoding());  // an aim turns decoding on
  ASSERT_TRUE(r->Write(3, UbiPeb(0, 0, 10, UbifsSb(40))));
  // Master LEB 1: headers, then a master node at LEB offset 0 and, after a
  // commit, the next one at 2048.
  Buf master = UbiPeb(0, 1, 11, UbifsMaster(12, 40));
  const Buf second = UbifsMaster(40, 40);
  std::copy(second.begin(), second.end(), master.begin() + kDataOff + kPage);
  ASSERT_TRUE(r->Write(5, UbiPeb(0, 20, 13, Nodes({UbifsNode(0, 160, 20, 65)}))));
  EXPECT_FALSE(r->Write(4, master));  // the second master node is cut
  ASSERT_EQ(r->sink.faults.size(), 1u);
  EXPECT_EQ(r->sink.faults[0].block, 4);
  EXPECT_EQ(r->sink.faults[0].page, 2);  // page 0: headers, 1: first master node
  EXPECT_EQ(r->sink.faults[0].effect, "torn_program");
  EXPECT_FALSE(r->d->powered());
}

TEST(MeaningAim, UncorrectableReadsOfEveryPageHoldingAnIndexNode) {
  // 5 flips in bytes 0-511, one step of BCH-4: uncorrectable.
  auto r = MakeRig({ExampleFault("ubifs-index-uncorrectable.json")});
  ASSERT_TRUE(r->Write(3, UbiPeb(0, 0, 10, UbifsSb(40))));
  // Main LEB 20: ino, dent, a 4 KiB data node over pages 1-3, then an index
  // node on page 3; LEB 21: an index node on its page 1.
  ASSERT_TRUE(r->Write(7, UbiPeb(0, 20, 13,
                                 Nodes({UbifsNode(0, 160, 20, 65), UbifsNode(2, 64, 21, 1),
                                        UbifsNode(1, 48 + 4096, 22, 65), UbifsNode(9, 64, 23)}))));
  ASSERT_TRUE(r->Write(8, UbiPeb(0, 21, 14, Nodes({UbifsNode(9, 128, 30)}))));
  for (uint32_t peb : {7u, 8u}) {
    for (uint32_t page = 0; page < 5; ++page) {
      absl::StatusOr<ReadReport> rep = r->Read(peb, page);
      ASSERT_TRUE(rep.ok());
      const bool idx = (peb == 7 && page == 3) || (peb == 8 && page == 1);
      EXPECT_EQ(rep->uncorrectable(), idx) << "PEB " << peb << " page " << page;
    }
  }
  EXPECT_EQ(r->d->injected("index-unreadable"), 2u);
}

TEST(MeaningAim, BitflipsBeyondEccStrengthInTheLptOfVolumeData) {
  auto r = MakeRig({ExampleFault("ubifs-lpt-uncorrectable.json")});
  ASSERT_TRUE(r->Write(0, LayoutPeb(0)));
  ASSERT_TRUE(r->Write(1, LayoutPeb(1)));
  ASSERT_TRUE(r->Write(3, UbiPeb(0, 0, 10, UbifsSb(40))));
  ASSERT_TRUE(r->Write(4, UbiPeb(1, 0, 11, UbifsSb(40))));
  // LEBs 6-7 are the LPT (sb 0, master 1-2, log 3-5): bytes without a node header.
  Buf lpt_bytes(3000, 0x5A);
  ASSERT_TRUE(r->Write(10, UbiPeb(1, 6, 12, lpt_bytes)));  // volume "other"
  ASSERT_TRUE(r->Write(11, UbiPeb(0, 9, 13, Nodes({UbifsNode(0, 160, 5, 70)}))));  // main
  ASSERT_TRUE(r->Write(12, UbiPeb(0, 7, 14, lpt_bytes)));  // volume "data", LPT
  EXPECT_TRUE(r->Read(10, 1)->failed_steps == 0);
  EXPECT_TRUE(r->Read(11, 1)->failed_steps == 0);
  EXPECT_EQ(r->sink.faults.size(), 0u);
  EXPECT_TRUE(r->Read(12, 1)->uncorrectable());
  ASSERT_EQ(r->sink.faults.size(), 1u);
  EXPECT_EQ(r->sink.faults[0].block, 12);
  EXPECT_TRUE(r->Read(12, 1)->uncorrectable());  // charge loss stays
}

TEST(MeaningAim, EraseFailureOfTheFastmapAnchor) {
  auto r = MakeRig({ExampleFault("ubi-fastmap-anchor-erase-fail.json")});
  Buf fm_sb(64, 0);
  PutBe(fm_sb, 0, 0x7B11D69F, 4);
  ASSERT_TRUE(r->Write(2, UbiPeb(kFmAnchorVol, 0, 50, fm_sb)));
  ASSERT_TRUE(r->Write(6, UbiPeb(0, 3, 51, Nodes({UbifsNode(0, 160, 5, 70)}))));
  EXPECT_TRUE(r->d->Erase(6 * kPeb, kPeb).ok());
  EXPECT_TRUE(r->d->Erase(9 * kPeb, kPeb).ok());
  absl::Status s = r->d->Erase(2 * kPeb, kPeb);
  EXPECT_TRUE(IsInjectedFault(s)) << s;
  ASSERT_EQ(r->sink.faults.size(), 1u);
  EXPECT_EQ(r->sink.faults[0].block, 2);
}

TEST(MeaningAim, StuckBitsInTheVidHeaderOfAPebCopiedByWearLevelling) {
  auto r = MakeRig({ExampleFault("ubi-wl-copy-stuck-vid.json")});
  ASSERT_TRUE(r->Write(5, UbiPeb(0, 3, 60, Nodes({UbifsNode(0, 160, 5, 70)}))));
  EXPECT_EQ(r->sink.faults.size(), 0u);  // a VID header, but no copy
  ASSERT_TRUE(r->Write(9, UbiPeb(0, 3, 61, Nodes({UbifsNode(0, 160, 5, 70)}), /*copy=*/1)));
  ASSERT_EQ(r->sink.faults.size(), 1u);
  EXPECT_EQ(r->sink.faults[0].block, 9);
  EXPECT_EQ(r->sink.faults[0].page, 0);
  ASSERT_EQ(r->sink.faults[0].bits.size(), 3u);
  for (uint32_t bit : r->sink.faults[0].bits) {
    EXPECT_GE(bit, kVidOff * 8);  // inside the VID header's 64 bytes
    EXPECT_LT(bit, (kVidOff + 64) * 8);
  }
}

TEST(MeaningAim, ATornJffs2Dirent) {
  // Counted from device op 200: a dirent written during the mount scan's
  // reads is left alone, the first one after it is cut.
  auto r = MakeRig({ExampleFault("jffs2-torn-dirent.json")});
  Buf block(kPeb, 0xFF);
  const Buf inodes = Jffs2Nodes({Jffs2Inode(2, 900), Jffs2Inode(3, 900)});
  const Buf dirents = Jffs2Nodes({Jffs2Dirent(1, 2, "a"), Jffs2Dirent(1, 3, "b")});
  std::copy(inodes.begin(), inodes.end(), block.begin());
  std::copy(dirents.begin(), dirents.end(), block.begin() + kPage);
  ASSERT_TRUE(r->Write(19, block));  // ops 0 and 1
  for (int op = 2; op < 200; ++op) ASSERT_TRUE(r->Read(19, 1).ok());
  EXPECT_TRUE(r->sink.faults.empty());
  EXPECT_FALSE(r->Write(20, block));
  ASSERT_EQ(r->sink.faults.size(), 1u);
  EXPECT_EQ(r->sink.faults[0].block, 20);
  EXPECT_EQ(r->sink.faults[0].page, 1);
}

TEST(MeaningAim, CountsFromAfterOpAndDrawsOnlyOnMatches) {
  // The 1st master write from op 5 on: the one at op 5, not the one at op 4.
  FaultSpec late = Spec("late", FaultKind::kProgramFail);
  late.where.meaning = Ubifs(UbifsAim::kMaster);
  late.when.ops = kOpWrite;
  late.when.after_op = 5;
  late.when.nth_match = 1;
  auto r = MakeRig({late});
  ASSERT_TRUE(r->Write(3, UbiPeb(0, 0, 10, UbifsSb(40))));  // ops 0-2
  Buf master = UbiPeb(0, 1, 11, UbifsMaster(12, 40));
  const Buf again = UbifsMaster(40, 40);
  std::copy(again.begin(), again.end(), master.begin() + kDataOff + kPage);
  EXPECT_FALSE(r->Write(4, master));  // op 3 headers, op 4 first master, op 5 second: fails
  ASSERT_EQ(r->sink.faults.size(), 1u);
  EXPECT_EQ(r->sink.faults[0].op, 5);
  EXPECT_EQ(r->sink.faults[0].page, 2);
}

TEST(MeaningAim, InodeNumbersNarrowTheAim) {
  FaultSpec flips = Spec("ino66", FaultKind::kReadBitflip);
  MeaningAim a = Ubifs(UbifsAim::kData);
  a.inum = 66;
  flips.where.meaning = a;
  flips.when.ops = kOpRead;
  auto r = MakeRig({flips});
  ASSERT_TRUE(r->Write(7, UbiPeb(0, 20, 13, Nodes({UbifsNode(1, 1000, 20, 65)}))));
  ASSERT_TRUE(r->Write(8, UbiPeb(0, 21, 14, Nodes({UbifsNode(1, 1000, 21, 66)}))));
  ASSERT_TRUE(r->Read(7, 1).ok());
  EXPECT_EQ(r->sink.faults.size(), 0u);
  ASSERT_TRUE(r->Read(8, 1).ok());
  ASSERT_EQ(r->sink.faults.size(), 1u);
  EXPECT_EQ(r->sink.faults[0].block, 8);
}

TEST(MeaningAim, TheFuzzerStreamAimsByMeaningToo) {
  // Read from the end: selector 0xF1 (aimed; write kinds: program_fail,
  // power_cut, stuck_bit -> power_cut), aim 7 (UBIFS master), trigger 2
  // (even: the 1 + 2 / 2 = 2nd match), then the cut's torn_fraction (4
  // bytes) and unstable (1 byte). Then the stream is spent: no more faults.
  const std::vector<uint8_t> stream = {0, 0, 0, 0, 0, 2, 7, 0xF1};
  auto r = MakeRig({});
  ByteStreamSource source(stream, 9, r->d->geometry());
  StreamFaultDevice dev(*r->d, source);
  auto write = [&](uint32_t peb, const Buf& bytes) {
    for (uint32_t p = 0; p < 3; ++p) {
      std::span<const uint8_t> page = std::span<const uint8_t>(bytes).subspan(p * kPage, kPage);
      if (!dev.Write({.addr = uint64_t{peb} * kPeb + p * kPage}, page, {}).ok()) return false;
    }
    return true;
  };
  Buf master = UbiPeb(0, 1, 11, UbifsMaster(12, 40));
  const Buf second = UbifsMaster(40, 40);
  std::copy(second.begin(), second.end(), master.begin() + kDataOff + kPage);
  ASSERT_TRUE(write(3, UbiPeb(0, 0, 10, UbifsSb(40))));
  EXPECT_FALSE(write(4, master));
  ASSERT_EQ(source.plan().faults.size(), 1u);
  const FaultSpec& f = source.plan().faults[0];
  EXPECT_EQ(f.kind, FaultKind::kPowerCut);
  EXPECT_EQ(f.where.meaning->ubifs, UbifsAim::kMaster);
  EXPECT_EQ(f.when.after_op, 0u);
  EXPECT_EQ(f.when.nth_match, 2u);
  ASSERT_EQ(r->sink.faults.size(), 1u);
  EXPECT_EQ(r->sink.faults[0].block, 4);
  EXPECT_EQ(r->sink.faults[0].page, 2);
}

TEST(MeaningAim, TheLogSaysWhatEachOpTouched) {
  std::string log;
  JsonlEventSink sink(&log);
  auto layer = FaultLayer::Create(testing::MakePreset("slc-2k-64m"), FaultPlan{},
                                  {.sink = &sink, .sleeper = nullptr, .decode = true});
  ASSERT_TRUE(layer.ok());
  FaultLayer& d = **layer;
  const Buf peb = UbiPeb(0, 1, 812, UbifsMaster(12, 40));
  ASSERT_TRUE(d.Write({.addr = 17 * kPeb}, std::span<const uint8_t>(peb).first(2 * kPage), {}).ok());
  std::vector<uint8_t> buf(kPage);
  ASSERT_TRUE(d.Read({.addr = 17 * kPeb + kPage}, buf, {}).ok());
  ASSERT_TRUE(d.Erase(17 * kPeb, kPeb).ok());
  ASSERT_TRUE(sink.Flush().ok());
  EXPECT_NE(log.find(R"("m":[{"kind":"vid-header","ec":true,"vid":true,"vol":0,"lnum":1,"sqnum":812},)"
                     R"({"kind":"ubifs","vol":0,"lnum":1,"sqnum":812,"off":0,"nodes":["mst"]}])"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find(R"("op":"erase")"), std::string::npos);
  EXPECT_NE(log.find(R"("nodes":["mst"]}]})"), std::string::npos) << log;
}

}  // namespace
}  // namespace flashfault
