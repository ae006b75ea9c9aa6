// The two fault kinds meaning makes useful (issue 17): silent corruption
// (the ECC decoder beyond its strength miscorrects or misses, with its real
// odds when asked) and field mutation (a decoded field set, its CRC fixed or
// not, as written or as read); and the ECC engine's miscorrection model.
#include <cmath>
#include <memory>
#include <vector>

#include "decoders/jffs2_nodes.h"
#include "decoders/ubi_headers.h"
#include "decoders/ubifs_nodes.h"
#include "fault-models/fault_layer.h"
#include "fault-models/node_fields.h"
#include "gtest/gtest.h"
#include "tests/unit/fault_test_util.h"
#include "tests/unit/flash_image_builder.h"

namespace flashfault {
namespace {

using namespace test_images;
using testing::RecordingSink;
using testing::Spec;

TEST(EccMiscorrection, OddsAreOneOverStrengthFactorial) {
  EXPECT_DOUBLE_EQ(EccEngine::MiscorrectionOdds(1), 1.0);
  EXPECT_DOUBLE_EQ(EccEngine::MiscorrectionOdds(4), 1.0 / 24);
  EXPECT_DOUBLE_EQ(EccEngine::MiscorrectionOdds(8), 1.0 / 40320);
  EXPECT_LT(EccEngine::MiscorrectionOdds(24), 1e-23);
}

std::unique_ptr<FaultLayer> Layer(std::vector<FaultSpec> faults, RecordingSink* sink) {
  FaultLayerOptions o;
  o.sink = sink;
  auto l = FaultLayer::Create(testing::MakePreset("slc-2k-64m"), testing::Plan(3, faults),
                              std::move(o));
  EXPECT_TRUE(l.ok()) << l.status();
  return l.ok() ? std::move(*l) : nullptr;
}

TEST(SilentCorruption, MiscorrectedReadsComeBackCorrectedWithWrongData) {
  FaultSpec s = Spec("silent", FaultKind::kSilentCorruption);
  s.when.ops = kOpRead;
  s.when.max_fires = 1;
  s.flips = 6;
  RecordingSink sink;
  auto d = Layer({s}, &sink);
  ASSERT_TRUE(d);
  std::vector<uint8_t> page(kPage);
  for (size_t i = 0; i < page.size(); ++i) page[i] = static_cast<uint8_t>(i * 7);
  ASSERT_TRUE(d->Write({.addr = 0}, page, {}).ok());
  std::vector<uint8_t> got(kPage);
  absl::StatusOr<ReadReport> r = d->Read({.addr = 0}, got, {});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->uncorrectable());  // the decoder did not notice
  EXPECT_GE(r->corrected_bitflips, 1u);  // it "corrected" something
  EXPECT_LE(r->max_bitflips, 4u);
  size_t wrong_bits = 0;
  for (size_t i = 0; i < page.size(); ++i) wrong_bits += __builtin_popcount(page[i] ^ got[i]);
  EXPECT_GE(wrong_bits, 7u);  // the 6 errors plus what it flipped "correcting"
  ASSERT_EQ(sink.faults.size(), 1u);
  EXPECT_EQ(sink.faults[0].effect, "miscorrected");
  // All in one ECC step of 512 bytes.
  EXPECT_EQ(sink.faults[0].bits.front() / 4096, sink.faults[0].bits.back() / 4096);
  // The cells were never touched: the next read is clean and right.
  r = d->Read({.addr = 0}, got, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->corrected_bitflips, 0u);
  EXPECT_EQ(got, page);
}

TEST(SilentCorruption, AMissIsReportedCleanAndRealOddsMostlyDetect) {
  FaultSpec miss = Spec("miss", FaultKind::kSilentCorruption);
  miss.when.ops = kOpRead;
  miss.flips = 5;
  miss.silent_effect = SilentEffect::kMiss;
  miss.where.blocks = Range{0, 0};
  FaultSpec odds = Spec("odds", FaultKind::kSilentCorruption);
  odds.when.ops = kOpRead;
  odds.flips = 5;
  odds.real_odds = true;
  odds.where.blocks = Range{1, 1};
  RecordingSink sink;
  auto d = Layer({miss, odds}, &sink);
  ASSERT_TRUE(d);
  const std::vector<uint8_t> page(kPage, 0x3C);
  ASSERT_TRUE(d->Write({.addr = 0}, page, {}).ok());
  ASSERT_TRUE(d->Write({.addr = kPeb}, page, {}).ok());
  std::vector<uint8_t> got(kPage);
  absl::StatusOr<ReadReport> r = d->Read({.addr = 0}, got, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->corrected_bitflips, 0u);
  EXPECT_FALSE(r->uncorrectable());
  EXPECT_NE(got, page);
  // BCH-4: silent about 1 time in 24, detected otherwise.
  int silent = 0, detected = 0;
  for (int i = 0; i < 2400; ++i) {
    r = d->Read({.addr = kPeb}, got, {});
    ASSERT_TRUE(r.ok());
    (r->uncorrectable() ? detected : silent) += 1;
  }
  EXPECT_EQ(silent + detected, 2400);
  EXPECT_GT(silent, 60);   // expected 100
  EXPECT_LT(silent, 150);
}

TEST(SilentCorruption, RefusedWithinTheStrengthOrWithoutEcc) {
  FaultSpec s = Spec("weak", FaultKind::kSilentCorruption);
  s.when.ops = kOpRead;
  s.flips = 4;  // slc-2k-64m corrects 4
  auto l = FaultLayer::Create(testing::MakePreset("slc-2k-64m"), testing::Plan(1, {s}));
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.status().message().find("must exceed the ECC strength"), std::string::npos);
}

// A UBIFS inode node of inode 65 in LEB 20, as UBIFS writes it.
Buf InodePeb() { return UbiPeb(0, 20, 13, Nodes({UbifsNode(0, 160, 20, 65)})); }

TEST(FieldMutation, AWrittenFieldWithAFixedCrcPassesItsChecks) {
  FaultSpec m = Spec("size", FaultKind::kFieldMutation);
  m.field = "ubifs.ino.size";
  m.value = 0x7FFFFFFFFFFF;
  m.fix_crc = true;
  m.when.ops = kOpWrite;
  MeaningAim a;
  a.ubifs = UbifsAim::kInode;
  a.inum = 65;
  m.where.meaning = a;
  RecordingSink sink;
  auto d = Layer({m}, &sink);
  ASSERT_TRUE(d);
  const Buf peb = InodePeb();
  ASSERT_TRUE(d->Write({.addr = 7 * kPeb}, std::span<const uint8_t>(peb).first(2 * kPage), {}).ok());
  ASSERT_EQ(sink.faults.size(), 1u);
  EXPECT_EQ(sink.faults[0].effect, "set ubifs.ino.size 1229782938247303441 -> 140737488355327, CRC fixed");
  EXPECT_EQ(sink.faults[0].page, 1);
  // On the flash: the node with the new size and a CRC that matches.
  std::vector<uint8_t> got(kPage);
  ASSERT_TRUE(d->Read({.addr = 7 * kPeb + kPage}, got, {}).ok());
  std::optional<decoders::UbifsNode> n = decoders::DecodeUbifsNode(got, 0);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->crc, decoders::CrcStatus::kOk);
  EXPECT_EQ(decoders::Le64(got, 48), 0x7FFFFFFFFFFFu);
}

TEST(FieldMutation, ReadsChangeOnlyWhatTheReadReturnsAndAStaleCrcShows) {
  FaultSpec m = Spec("lnum", FaultKind::kFieldMutation);
  m.field = "ubi.vid.lnum";
  m.value = 0xFF;
  m.mask = 0xF0;  // a bit pattern: only the high nibble of the low byte
  m.when.ops = kOpRead;
  m.when.max_fires = 1;
  RecordingSink sink;
  auto d = Layer({m}, &sink);
  ASSERT_TRUE(d);
  const Buf peb = InodePeb();  // lnum 20 = 0x14
  ASSERT_TRUE(d->Write({.addr = 7 * kPeb}, std::span<const uint8_t>(peb).first(kPage), {}).ok());
  std::vector<uint8_t> got(kPage);
  ASSERT_TRUE(d->Read({.addr = 7 * kPeb}, got, {}).ok());
  std::optional<decoders::UbiVidHeader> vid =
      decoders::DecodeUbiVidHeader(std::span<const uint8_t>(got).subspan(kVidOff));
  ASSERT_TRUE(vid);
  EXPECT_EQ(vid->lnum, 0xF4u);
  EXPECT_EQ(vid->crc, decoders::CrcStatus::kBad);
  ASSERT_EQ(sink.faults.size(), 1u);
  EXPECT_EQ(sink.faults[0].effect, "set ubi.vid.lnum 20 -> 244, CRC left stale");
  // The cells kept the truth.
  ASSERT_TRUE(d->Read({.addr = 7 * kPeb}, got, {}).ok());
  vid = decoders::DecodeUbiVidHeader(std::span<const uint8_t>(got).subspan(kVidOff));
  EXPECT_EQ(vid->lnum, 20u);
  EXPECT_EQ(vid->crc, decoders::CrcStatus::kOk);
}

TEST(FieldMutation, Jffs2DirentInodeWithBothCrcsFixed) {
  Buf bytes = Jffs2Nodes({Jffs2Inode(2, 100), Jffs2Dirent(1, 2, "name")});
  std::optional<NodeField> f = FindNodeField("jffs2.dirent.ino");
  ASSERT_TRUE(f);
  std::optional<FieldChange> c = MutateField(*f, bytes, FieldContext{}, 99, ~uint64_t{0}, true);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->old_value, 2u);
  std::optional<decoders::Jffs2Node> n = decoders::DecodeJffs2Node(bytes, c->at);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->ino, 99u);
  EXPECT_EQ(n->hdr_crc, decoders::CrcStatus::kOk);
  EXPECT_EQ(n->node_crc, decoders::CrcStatus::kOk);
  // totlen is in the header: both CRCs follow it.
  f = FindNodeField("jffs2.dirent.totlen");
  ASSERT_TRUE(f);
  ASSERT_TRUE(MutateField(*f, bytes, FieldContext{}, 48, ~uint64_t{0}, true));
  n = decoders::DecodeJffs2Node(bytes, c->at);
  EXPECT_EQ(n->hdr_crc, decoders::CrcStatus::kOk);
  EXPECT_EQ(n->totlen, 48u);
}

TEST(NodeFields, NamesAndUnknownOnes) {
  EXPECT_TRUE(FindNodeField("ubifs.mst.leb_cnt"));
  EXPECT_EQ(FindNodeField("ubifs.mst.leb_cnt")->offset, 164);
  EXPECT_TRUE(FindNodeField("ubifs.idx.sqnum"));  // common header fields
  EXPECT_FALSE(FindNodeField("ubifs.ino.sise"));
  EXPECT_FALSE(FindNodeField("nope"));
  EXPECT_NE(UnknownFieldMessage("ubifs.ino.sise").find("its fields: sqnum, len"),
            std::string::npos);
  EXPECT_NE(UnknownFieldMessage("ubifs.inode.size").find("a structure one of: ubi.ec"),
            std::string::npos);
  // A structure cut by the end of the bytes is not touched.
  Buf cut = UbifsNode(0, 160, 1, 65);
  cut.resize(100);
  const Buf before = cut;
  EXPECT_FALSE(MutateField(*FindNodeField("ubifs.ino.size"), cut, FieldContext{}, 1, ~0ull, true));
  EXPECT_EQ(cut, before);
}

}  // namespace
}  // namespace flashfault
