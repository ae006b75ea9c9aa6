// The fault layer's decoding (issue 17): MeaningTracker keeps every page's
// meaning from the writes it sees and from the store (an imported image),
// ages meanings when the classifier learns a superblock, forgets erased
// blocks; the layer turns it on when asked, learns a pre-filled model
// before its first op, and forgets on erase and reset.
#include <memory>
#include <vector>

#include "fault-models/fault_layer.h"
#include "fault-models/meaning_tracker.h"
#include "gtest/gtest.h"
#include "tests/unit/fault_test_util.h"
#include "tests/unit/flash_image_builder.h"

namespace flashfault {
namespace {

using decoders::PageKind;
using decoders::PageMeaning;
using namespace test_images;

// A small UBIFS on UBI volume 0: its superblock (LEB 0) in PEB 3, a master
// node (LEB 1) in PEB 4, and a main-area LEB 20 in PEB 7 with an inode, a
// dent, a 4 KiB data node of inode 65 (crossing pages) and an index node.
Buf SbPeb() { return UbiPeb(0, 0, 10, UbifsSb(40)); }
Buf MasterPeb() { return UbiPeb(0, 1, 11, UbifsMaster(12, 40)); }
Buf MainPeb() {
  return UbiPeb(0, 20, 13,
                Nodes({UbifsNode(0, 160, 20, 65), UbifsNode(2, 64, 21, 1),
                       UbifsNode(1, 48 + 4096, 22, 65), UbifsNode(9, 64, 23)}));
}

void WritePages(FaultLayer& d, uint32_t peb, const Buf& bytes) {
  for (uint32_t p = 0; p < kPpb; ++p) {
    const std::span<const uint8_t> page = std::span<const uint8_t>(bytes).subspan(p * kPage, kPage);
    if (std::all_of(page.begin(), page.end(), [](uint8_t b) { return b == 0xFF; })) continue;
    ASSERT_TRUE(d.Write({.addr = uint64_t{peb} * kPeb + p * kPage}, page, {}).ok());
  }
}

std::unique_ptr<NandModel> Model() { return testing::MakePreset("slc-2k-64m"); }

std::vector<PageMeaning> Copy(std::span<const PageMeaning> s) { return {s.begin(), s.end()}; }
std::vector<PageMeaning> scratch;  // ForRead's copies when pages span blocks

TEST(MeaningTracker, WritesTeachAndPagesRecallTheirNodes) {
  auto model = Model();
  MeaningTracker t(model->geometry(), true);
  t.LearnAll(*model);
  std::vector<PageMeaning> out;
  auto write = [&](uint32_t peb, const Buf& bytes) {
    for (uint32_t p = 0; p < 4; ++p) {
      const uint64_t addr = uint64_t{peb} * kPeb + p * kPage;
      std::span<const uint8_t> page = std::span<const uint8_t>(bytes).subspan(p * kPage, kPage);
      t.ForWrite(*model, addr, page, addr / kPage, 1, out);
      ASSERT_TRUE(model->Write({.addr = addr}, page, {}).ok());
    }
  };
  write(3, SbPeb());
  write(7, MainPeb());
  EXPECT_EQ(t.flash().vid_hdr_offset(), kVidOff);
  ASSERT_TRUE(t.flash().Owner(7));
  EXPECT_EQ(t.flash().Owner(7)->lnum, 20u);

  out = Copy(t.ForRead(*model, 7 * kPeb, kPage, 7 * kPpb, 1, scratch));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].ec_header);
  EXPECT_TRUE(out[0].vid_header);
  out = Copy(t.ForRead(*model, 7 * kPeb + kPage, 3 * kPage, 7 * kPpb + 1, 3, scratch));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].kind, PageKind::kUbifs);
  EXPECT_TRUE(out[0].type_mask & (1u << decoders::kUbifsIno));
  EXPECT_TRUE(out[0].type_mask & (1u << decoders::kUbifsDent));
  EXPECT_TRUE(out[0].area_known);
  EXPECT_EQ(out[0].area, decoders::UbifsArea::kMain);
  EXPECT_EQ(out[0].leb.lnum, 20u);
  // Page 2 lies inside the data node of inode 65 begun on page 1.
  EXPECT_TRUE(out[1].continued);
  EXPECT_EQ(out[1].continued_type, decoders::kUbifsData);
  EXPECT_EQ(out[1].continued_inum, 65u);
  // Page 3 ends the data node, then holds the index node.
  EXPECT_TRUE(out[2].type_mask & (1u << decoders::kUbifsIdx));

  // The block as a whole: the LEB it maps and every node type it holds.
  t.ForBlocks(*model, 7, 1, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].mapped);
  EXPECT_EQ(out[0].leb.lnum, 20u);
  EXPECT_EQ(out[0].kind, PageKind::kUbifs);
  EXPECT_EQ(out[0].type_mask, (1u << decoders::kUbifsIno) | (1u << decoders::kUbifsDent) |
                                  (1u << decoders::kUbifsData) | (1u << decoders::kUbifsIdx));
  EXPECT_EQ(out[0].inum_count, 2);  // 65 and the dent's directory 1

  t.Erased(7);
  ASSERT_TRUE(model->Erase(7 * kPeb, kPeb).ok());
  EXPECT_FALSE(t.flash().Owner(7));
  out = Copy(t.ForRead(*model, 7 * kPeb + kPage, kPage, 7 * kPpb + 1, 1, scratch));
  EXPECT_EQ(out[0].kind, PageKind::kErased);
}

// Node CRCs are checked only when the tracker is asked to (the layer asks
// when it logs meanings): without them a node with a broken CRC keeps its
// type and inode, counts as nothing bad, and the meaning says it was not
// checked; with them it is counted.
TEST(MeaningTracker, NodeCrcsAreCheckedOnlyWhenAskedFor) {
  Buf main = MainPeb();
  main[kDataOff + 30] ^= 0x01;  // inside the inode node: its CRC fails
  for (const bool check : {true, false}) {
    SCOPED_TRACE(check ? "checked" : "not checked");
    auto model = Model();
    ASSERT_TRUE(model->Write({.addr = 7 * kPeb}, std::span<const uint8_t>(main).first(2 * kPage), {}).ok());
    MeaningTracker t(model->geometry(), check);
    t.LearnAll(*model);
    std::vector<PageMeaning> out =
        Copy(t.ForRead(*model, 7 * kPeb + kPage, kPage, 7 * kPpb + 1, 1, scratch));
    EXPECT_EQ(out[0].kind, PageKind::kUbifs);
    EXPECT_EQ(out[0].inums[0], 65u);
    EXPECT_EQ(out[0].node_crcs_checked, check);
    EXPECT_EQ(out[0].bad_crc, check ? 1u : 0u);
    EXPECT_EQ(decoders::DescribePage(out[0]).find("not checked") != std::string::npos, !check);
  }
}

TEST(MeaningTracker, ASuperblockLearnedLaterAgesWhatWasClassified) {
  auto model = Model();
  const Buf main = MainPeb(), sb = SbPeb();
  ASSERT_TRUE(model->Write({.addr = 7 * kPeb}, main, {}).ok());
  MeaningTracker t(model->geometry(), true);
  t.LearnAll(*model);  // no superblock yet: areas unknown
  std::vector<PageMeaning> out;
  out = Copy(t.ForRead(*model, 7 * kPeb + kPage, kPage, 7 * kPpb + 1, 1, scratch));
  EXPECT_FALSE(out[0].area_known);
  const uint64_t before = t.flash().generation();
  for (uint32_t p = 0; p < 3; ++p) {
    const uint64_t addr = 3 * kPeb + p * kPage;
    t.ForWrite(*model, addr, std::span<const uint8_t>(sb).subspan(p * kPage, kPage), addr / kPage,
               1, out);
  }
  EXPECT_GT(t.flash().generation(), before);
  out = Copy(t.ForRead(*model, 7 * kPeb + kPage, kPage, 7 * kPpb + 1, 1, scratch));
  EXPECT_TRUE(out[0].area_known);
  EXPECT_EQ(out[0].area, decoders::UbifsArea::kMain);
}

TEST(MeaningTracker, SubpageWritesAndFailedWritesAreClassifiedAgainFromTheStore) {
  auto model = Model();
  MeaningTracker t(model->geometry(), true);
  t.LearnAll(*model);
  std::vector<PageMeaning> out;
  // UBI writes the EC header, then the VID header, each as a 512-byte subpage.
  const Buf ec = EcHeader(), vid = VidHeader(0, 5, 99, 1);
  Buf sub(512, 0xFF);
  std::copy(ec.begin(), ec.end(), sub.begin());
  out = Copy(t.ForWrite(*model, 9 * kPeb, sub, 9 * kPpb, 1, scratch));
  EXPECT_TRUE(out[0].ec_header);
  ASSERT_TRUE(model->Write({.addr = 9 * kPeb}, sub, {}).ok());
  std::fill(sub.begin(), sub.end(), 0xFF);
  std::copy(vid.begin(), vid.end(), sub.begin());
  out = Copy(t.ForWrite(*model, 9 * kPeb + kVidOff, sub, 9 * kPpb, 1, scratch));
  EXPECT_TRUE(out[0].vid_header);
  EXPECT_EQ(out[0].leb.copy_flag, 1);
  ASSERT_TRUE(model->Write({.addr = 9 * kPeb + kVidOff}, sub, {}).ok());
  out = Copy(t.ForRead(*model, 9 * kPeb, kPage, 9 * kPpb, 1, scratch));
  EXPECT_TRUE(out[0].ec_header);
  EXPECT_TRUE(out[0].vid_header);
  EXPECT_EQ(out[0].leb.lnum, 5u);

  // A program that failed leaves the page as it was: the meaning observed
  // from the bytes offered is dropped.
  const Buf main = MainPeb();
  out = Copy(t.ForWrite(*model, 9 * kPeb + kPage,
                        std::span<const uint8_t>(main).subspan(kPage, kPage), 9 * kPpb + 1, 1,
                        scratch));
  EXPECT_EQ(out[0].kind, PageKind::kUbifs);
  t.Changed(9 * kPpb + 1, 1);
  out = Copy(t.ForRead(*model, 9 * kPeb + kPage, kPage, 9 * kPpb + 1, 1, scratch));
  EXPECT_EQ(out[0].kind, PageKind::kErased);
}

// A write nobody reads the meaning of (LearnWrite) is classified on first
// demand, in page order from the store, and must mean what an observed one
// means: the same kinds, nodes, inodes and nodes running on across pages,
// whichever page is asked for first (page 3 here: its incoming node began on
// page 1, never asked for), and the same block meaning.
TEST(MeaningTracker, WritesClassifiedOnDemandMeanWhatObservedWritesMean) {
  auto eager_model = Model(), lazy_model = Model();
  MeaningTracker eager(eager_model->geometry(), true), lazy(lazy_model->geometry(), true);
  eager.LearnAll(*eager_model);
  lazy.LearnAll(*lazy_model);
  std::vector<PageMeaning> out;
  for (const auto& [peb, bytes] : {std::pair{3u, SbPeb()}, std::pair{7u, MainPeb()}}) {
    for (uint32_t p = 0; p < 4; ++p) {
      const uint64_t addr = uint64_t{peb} * kPeb + p * kPage;
      std::span<const uint8_t> page = std::span<const uint8_t>(bytes).subspan(p * kPage, kPage);
      eager.ForWrite(*eager_model, addr, page, addr / kPage, 1, out);
      lazy.LearnWrite(*lazy_model, addr, page, addr / kPage, 1);
      ASSERT_TRUE(eager_model->Write({.addr = addr}, page, {}).ok());
      ASSERT_TRUE(lazy_model->Write({.addr = addr}, page, {}).ok());
    }
  }
  // Learned at once: the mapping and the superblock.
  ASSERT_TRUE(lazy.flash().Owner(7));
  EXPECT_EQ(lazy.flash().Owner(7)->lnum, 20u);
  EXPECT_NE(lazy.flash().Superblock(0), nullptr);
  auto same = [](const PageMeaning& a, const PageMeaning& b) {
    EXPECT_EQ(decoders::DescribePage(a), decoders::DescribePage(b));
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.type_mask, b.type_mask);
    EXPECT_EQ(a.nodes, b.nodes);
    EXPECT_EQ(a.continued, b.continued);
    EXPECT_EQ(a.continued_type, b.continued_type);
    EXPECT_EQ(a.continued_inum, b.continued_inum);
    EXPECT_EQ(a.first_node, b.first_node);
    EXPECT_EQ(a.inum_count, b.inum_count);
    EXPECT_EQ(a.leb.lnum, b.leb.lnum);
  };
  for (const uint32_t p : {3u, 1u, 2u, 0u}) {
    SCOPED_TRACE(p);
    const uint64_t page = 7 * kPpb + p;
    const PageMeaning want = eager.ForRead(*eager_model, page * kPage, kPage, page, 1, scratch)[0];
    same(lazy.ForRead(*lazy_model, page * kPage, kPage, page, 1, scratch)[0], want);
  }
  EXPECT_TRUE(lazy.ForRead(*lazy_model, (7 * kPpb + 2) * kPage, kPage, 7 * kPpb + 2, 1,
                           scratch)[0].continued);
  std::vector<PageMeaning> want, got;
  eager.ForBlocks(*eager_model, 3, 1, want);
  lazy.ForBlocks(*lazy_model, 3, 1, got);
  same(got[0], want[0]);
}

TEST(MeaningLayer, OffUnlessAskedAndLearnsAPrefilledModelBeforeItsFirstOp) {
  auto plain = testing::MakeLayer("slc-2k-64m", FaultPlan{});
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->decoding());
  EXPECT_EQ(plain->flash_meaning(), nullptr);

  auto model = Model();
  ASSERT_TRUE(model->Write({.addr = 3 * kPeb}, SbPeb(), {}).ok());
  ASSERT_TRUE(model->Write({.addr = 4 * kPeb}, MasterPeb(), {}).ok());
  auto layer = FaultLayer::Create(std::move(model), FaultPlan{},
                                  {.sink = nullptr, .sleeper = nullptr, .decode = true});
  ASSERT_TRUE(layer.ok());
  FaultLayer& d = **layer;
  ASSERT_TRUE(d.decoding());
  EXPECT_FALSE(d.flash_meaning()->Owner(4));  // nothing seen yet
  ASSERT_TRUE(d.IsBad(0).ok());
  ASSERT_TRUE(d.flash_meaning()->Owner(4));
  EXPECT_EQ(d.flash_meaning()->Owner(4)->lnum, 1u);
  EXPECT_NE(d.flash_meaning()->Superblock(0), nullptr);

  // Written through the layer: learned as it goes; erased: forgotten.
  WritePages(d, 7, MainPeb());
  ASSERT_TRUE(d.flash_meaning()->Owner(7));
  EXPECT_EQ(d.flash_meaning()->Owner(7)->lnum, 20u);
  ASSERT_TRUE(d.Erase(7 * kPeb, kPeb).ok());
  EXPECT_FALSE(d.flash_meaning()->Owner(7));

  // A reset wipes the part: nothing is left to know.
  ASSERT_TRUE(d.Reset(FaultPlan{}).ok());
  ASSERT_TRUE(d.IsBad(0).ok());
  EXPECT_FALSE(d.flash_meaning()->Owner(4));
  EXPECT_EQ(d.flash_meaning()->Superblock(0), nullptr);
}

}  // namespace
}  // namespace flashfault
