// The on-flash decoders on structures built here byte by byte: every field
// where the format puts it, CRCs that match and CRCs that do not, lengths
// that lie, buffers that end early, and random bytes, which must never read
// outside the span (the ASan build of this test and the fuzz targets check
// that part).
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "common/crc32.h"
#include "decoders/flash_meaning.h"
#include "decoders/jffs2_nodes.h"
#include "decoders/ubi_headers.h"
#include "decoders/ubi_volume_table.h"
#include "decoders/ubifs_nodes.h"
#include "gtest/gtest.h"

namespace flashfault::decoders {
namespace {

using Buf = std::vector<uint8_t>;

void PutBe(Buf& b, size_t off, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * (n - 1 - i)));
}
void PutLe(Buf& b, size_t off, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t Crc(const Buf& b, size_t off, size_t len, uint32_t seed) {
  return Crc32Update(seed, Bytes(b).subspan(off, len));
}

Buf EcHeader(uint64_t ec, uint32_t vid_off, uint32_t data_off) {
  Buf b(64, 0);
  PutBe(b, 0, kUbiEcHeaderMagic, 4);
  b[4] = 1;
  PutBe(b, 8, ec, 8);
  PutBe(b, 16, vid_off, 4);
  PutBe(b, 20, data_off, 4);
  PutBe(b, 24, 0xABCD1234, 4);
  PutBe(b, 60, Crc(b, 0, 60, 0xFFFFFFFF), 4);
  return b;
}

Buf VidHeader(uint32_t vol_id, uint32_t lnum, uint64_t sqnum, uint8_t vol_type = 1) {
  Buf b(64, 0);
  PutBe(b, 0, kUbiVidHeaderMagic, 4);
  b[4] = 1;
  b[5] = vol_type;
  PutBe(b, 8, vol_id, 4);
  PutBe(b, 12, lnum, 4);
  PutBe(b, 20, 1000, 4);
  PutBe(b, 24, 7, 4);
  PutBe(b, 40, sqnum, 8);
  PutBe(b, 60, Crc(b, 0, 60, 0xFFFFFFFF), 4);
  return b;
}

// A UBIFS node of `len` bytes (>= 24) with a good CRC.
Buf MakeUbifsNode(uint8_t type, uint32_t len, uint64_t sqnum = 5) {
  Buf b(len, 0);
  PutLe(b, 0, kUbifsNodeMagic, 4);
  PutLe(b, 8, sqnum, 8);
  PutLe(b, 16, len, 4);
  b[20] = type;
  return b;
}
void SealUbifs(Buf& b, size_t off = 0) {
  const uint32_t len = Le32(b, off + 16);
  PutLe(b, off + 4, Crc(b, off + 8, len - 8, 0xFFFFFFFF), 4);
}
Buf UbifsIno(uint32_t inum) {
  Buf b = MakeUbifsNode(kUbifsIno, 160);
  PutLe(b, 24, inum, 4);
  PutLe(b, 28, uint32_t{kUbifsInoKey} << 29, 4);
  SealUbifs(b);
  return b;
}
Buf UbifsDent(uint32_t dir, uint64_t target, const std::string& name) {
  Buf b = MakeUbifsNode(kUbifsDent, static_cast<uint32_t>(56 + name.size() + 1));
  PutLe(b, 24, dir, 4);
  PutLe(b, 28, uint32_t{kUbifsDentKey} << 29 | 0x1234567, 4);
  PutLe(b, 40, target, 8);
  PutLe(b, 50, name.size(), 2);
  std::memcpy(b.data() + 56, name.data(), name.size());
  SealUbifs(b);
  return b;
}

void Append(Buf& to, const Buf& what, size_t align) {
  to.insert(to.end(), what.begin(), what.end());
  while (to.size() % align != 0) to.push_back(0xFF);
}

TEST(Crc32, MatchesTheStandardCheckValue) {
  const std::string s = "123456789";
  const Bytes b(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  EXPECT_EQ(Crc32Update(0xFFFFFFFF, b) ^ 0xFFFFFFFF, 0xCBF43926u);
  // Split anywhere, same register: the slicing path and the byte path agree.
  for (size_t k = 0; k <= s.size(); ++k) {
    EXPECT_EQ(Crc32Update(Crc32Update(0xFFFFFFFF, b.first(k)), b.subspan(k)) ^ 0xFFFFFFFF,
              0xCBF43926u);
  }
}

TEST(UbiHeaders, EcHeaderFieldsAndCrc) {
  Buf b = EcHeader(42, 512, 2048);
  std::optional<UbiEcHeader> h = DecodeUbiEcHeader(b);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->version, 1);
  EXPECT_EQ(h->ec, 42u);
  EXPECT_EQ(h->vid_hdr_offset, 512u);
  EXPECT_EQ(h->data_offset, 2048u);
  EXPECT_EQ(h->image_seq, 0xABCD1234u);
  EXPECT_EQ(h->crc, CrcStatus::kOk);
  b[9] ^= 0x10;
  EXPECT_EQ(DecodeUbiEcHeader(b)->crc, CrcStatus::kBad);
  EXPECT_FALSE(DecodeUbiEcHeader(Bytes(b).first(63)));
  b[0] = 'X';
  EXPECT_FALSE(DecodeUbiEcHeader(b));
}

TEST(UbiHeaders, VidHeaderFieldsAndCrc) {
  Buf b = VidHeader(3, 17, 0x1122334455, kUbiVolStatic);
  std::optional<UbiVidHeader> h = DecodeUbiVidHeader(b);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->vol_id, 3u);
  EXPECT_EQ(h->lnum, 17u);
  EXPECT_EQ(h->sqnum, 0x1122334455u);
  EXPECT_EQ(h->vol_type, kUbiVolStatic);
  EXPECT_EQ(h->data_size, 1000u);
  EXPECT_EQ(h->used_ebs, 7u);
  EXPECT_EQ(h->crc, CrcStatus::kOk);
  // The data CRC claims 1000 bytes: a shorter LEB cannot be checked.
  EXPECT_EQ(CheckUbiDataCrc(*h, Buf(999, 0)), CrcStatus::kTruncated);
  EXPECT_EQ(CheckUbiDataCrc(*h, Buf(1000, 0)), CrcStatus::kBad);
  b[63] ^= 1;
  EXPECT_EQ(DecodeUbiVidHeader(b)->crc, CrcStatus::kBad);
  EXPECT_STREQ(UbiInternalVolumeName(kUbiLayoutVolumeId), "layout");
  EXPECT_EQ(UbiInternalVolumeName(3), nullptr);
}

TEST(UbiVolumeTable, RecordsNamesAndHostileNameLength) {
  Buf t(3 * kUbiVtblRecordSize, 0);
  for (uint32_t i = 0; i < 3; ++i) {
    const size_t o = i * kUbiVtblRecordSize;
    if (i != 1) {
      PutBe(t, o, 10 + i, 4);
      PutBe(t, o + 4, 1, 4);
      t[o + 12] = i == 0 ? kUbiVolDynamic : kUbiVolStatic;
      const std::string name = i == 0 ? "rootfs" : "blob";
      PutBe(t, o + 14, name.size(), 2);
      std::memcpy(t.data() + o + 16, name.data(), name.size());
    }
    PutBe(t, o + 168, Crc(t, o, 168, 0xFFFFFFFF), 4);
  }
  UbiVolumeTable v = DecodeUbiVolumeTable(t);
  EXPECT_EQ(v.records_seen, 3u);
  EXPECT_EQ(v.bad_crc, 0u);
  ASSERT_EQ(v.volumes.size(), 2u);
  EXPECT_EQ(v.volumes[0].name, "rootfs");
  EXPECT_EQ(v.volumes[0].reserved_pebs, 10u);
  EXPECT_EQ(v.volumes[1].index, 2u);
  EXPECT_EQ(v.volumes[1].name, "blob");
  EXPECT_EQ(v.volumes[1].vol_type, kUbiVolStatic);
  // A name length of 65535 is cut to the field; the CRC then fails.
  PutBe(t, 14, 0xFFFF, 2);
  std::optional<UbiVtblRecord> r = DecodeUbiVtblRecord(t, 0);
  EXPECT_EQ(r->name.size(), kUbiVolNameMax);
  EXPECT_EQ(r->crc, CrcStatus::kBad);
}

TEST(UbiVolumeTable, FastmapSuperblockRecognised) {
  Buf b(16 + 256 + 8 + 32, 0);
  PutBe(b, 0, kUbiFmSbMagic, 4);
  PutBe(b, 12, 0xFFFFFFFF, 4);  // used_blocks lies: only 32 slots exist
  std::optional<UbiFastmapSb> sb = DecodeUbiFastmapSb(b);
  ASSERT_TRUE(sb);
  EXPECT_EQ(sb->block_loc.size(), kUbiFmMaxBlocks);
  EXPECT_EQ(ClassifyFastmap(b), FastmapPart::kSuperblock);
  EXPECT_FALSE(DecodeUbiFastmapSb(Bytes(b).first(b.size() - 1)));
}

TEST(UbifsNodes, KeysNamesAndTypes) {
  std::optional<UbifsNode> n = DecodeUbifsNode(UbifsIno(65), 0);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->crc, CrcStatus::kOk);
  EXPECT_TRUE(n->has_key);
  EXPECT_EQ(n->key.inum, 65u);
  EXPECT_EQ(n->key.type, kUbifsInoKey);
  Buf d = UbifsDent(1, 70, "hello");
  n = DecodeUbifsNode(d, 0);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->key.type, kUbifsDentKey);
  EXPECT_EQ(n->key.block_or_hash, 0x1234567u);
  EXPECT_EQ(n->inum, 70u);
  EXPECT_EQ(std::string(n->name.begin(), n->name.end()), "hello");
  for (uint8_t t = 0; t < kUbifsNodeTypeCount; ++t) EXPECT_STRNE(UbifsNodeTypeName(t), "invalid");
  EXPECT_STREQ(UbifsNodeTypeName(kUbifsMst), "mst");
  EXPECT_STREQ(UbifsNodeTypeName(14), "invalid");
  // A name length beyond the node is cut to the node.
  PutLe(d, 50, 0xFFFF, 2);
  SealUbifs(d);
  EXPECT_EQ(DecodeUbifsNode(d, 0)->name.size(), d.size() - 56);
}

TEST(UbifsNodes, WalkPaddingErasedTailAndBadCrc) {
  Buf leb;
  Append(leb, UbifsIno(64), 8);
  Append(leb, UbifsDent(1, 64, "a"), 8);
  // A pad node claiming 40 bytes after it, then 0xCE filler of 8 bytes.
  Buf pad = MakeUbifsNode(kUbifsPad, kUbifsPadNodeSize);
  PutLe(pad, 24, 36, 4);  // 28 + 36 = 64
  SealUbifs(pad);
  pad.resize(64, 0);
  Append(leb, pad, 8);
  leb.insert(leb.end(), 8, kUbifsPaddingByte);
  Append(leb, UbifsIno(65), 8);
  const size_t used = leb.size();
  leb.resize(4096, 0xFF);
  UbifsWalk w = WalkUbifsNodes(leb);
  EXPECT_EQ(w.counts[kUbifsIno], 2u);
  EXPECT_EQ(w.counts[kUbifsDent], 1u);
  EXPECT_EQ(w.counts[kUbifsPad], 1u);
  EXPECT_EQ(w.padding_bytes, 64u + 8u);
  EXPECT_EQ(w.bad_crc, 0u);
  EXPECT_EQ(w.stop, WalkStop::kErased);
  EXPECT_EQ(w.stop_offset, used);
  leb[30] ^= 0x40;  // inside the first inode node
  w = WalkUbifsNodes(leb);
  EXPECT_EQ(w.bad_crc, 1u);
  // Something after the erased space: garbage, found where it starts.
  leb[used] = 0x00;
  EXPECT_EQ(WalkUbifsNodes(leb).stop, WalkStop::kGarbage);
}

TEST(UbifsNodes, LyingLengthsStopTheWalk) {
  Buf b = UbifsIno(64);
  PutLe(b, 16, 0xFFFFFFFF, 4);  // len far past the buffer
  UbifsWalk w = WalkUbifsNodes(b);
  EXPECT_EQ(w.stop, WalkStop::kOverrun);
  EXPECT_EQ(w.counts[kUbifsIno], 1u);
  EXPECT_EQ(DecodeUbifsNode(b, 0)->crc, CrcStatus::kTruncated);
  PutLe(b, 16, 8, 4);  // len shorter than a header: not a node
  EXPECT_FALSE(DecodeUbifsNode(b, 0));
  EXPECT_EQ(WalkUbifsNodes(b).stop, WalkStop::kGarbage);
  // A header cut by the end of the buffer.
  EXPECT_EQ(WalkUbifsNodes(Bytes(UbifsIno(64)).first(12)).stop, WalkStop::kOverrun);
}

TEST(UbifsNodes, SuperblockAreas) {
  UbifsSuperblock sb;
  sb.leb_cnt = 100;
  sb.log_lebs = 4;
  sb.lpt_lebs = 2;
  sb.orph_lebs = 1;
  EXPECT_EQ(UbifsAreaOfLeb(sb, 0), UbifsArea::kSuperblock);
  EXPECT_EQ(UbifsAreaOfLeb(sb, 2), UbifsArea::kMaster);
  EXPECT_EQ(UbifsAreaOfLeb(sb, 3), UbifsArea::kLog);
  EXPECT_EQ(UbifsAreaOfLeb(sb, 7), UbifsArea::kLpt);
  EXPECT_EQ(UbifsAreaOfLeb(sb, 9), UbifsArea::kOrphan);
  EXPECT_EQ(UbifsAreaOfLeb(sb, 10), UbifsArea::kMain);
  EXPECT_EQ(UbifsAreaOfLeb(sb, 100), UbifsArea::kBeyond);
  // Counts that add up past leb_cnt are clamped, never wrap.
  sb.log_lebs = 0xFFFFFFFF;
  uint64_t total = 0;
  for (const UbifsAreaRange& r : UbifsAreas(sb)) total += r.lebs;
  EXPECT_EQ(total, 100u);
}

Buf Jffs2Dirent(bool big, uint32_t pino, uint32_t ino, const std::string& name) {
  Buf b(40 + name.size(), 0);
  auto put = [&](size_t off, uint64_t v, int n) { big ? PutBe(b, off, v, n) : PutLe(b, off, v, n); };
  put(0, kJffs2Magic, 2);
  put(2, kJffs2Dirent, 2);
  put(4, b.size(), 4);
  put(8, Crc(b, 0, 8, 0), 4);
  put(12, pino, 4);
  put(16, 1, 4);
  put(20, ino, 4);
  b[28] = static_cast<uint8_t>(name.size());
  std::memcpy(b.data() + 40, name.data(), name.size());
  put(32, Crc(b, 0, 32, 0), 4);
  put(36, Crc(b, 40, name.size(), 0), 4);
  return b;
}

TEST(Jffs2Nodes, DirentBothByteOrdersAndCrcs) {
  for (bool big : {false, true}) {
    Buf blk;
    Append(blk, Jffs2Dirent(big, 1, 2, "a.txt"), 4);
    Append(blk, Jffs2Dirent(big, 1, 3, "dir"), 4);
    blk.resize(1024, 0xFF);
    std::optional<Jffs2Node> n = DecodeJffs2Node(blk, 0);
    ASSERT_TRUE(n);
    EXPECT_EQ(n->big_endian, big);
    EXPECT_EQ(n->kind, kJffs2KindDirent);
    EXPECT_EQ(n->pino, 1u);
    EXPECT_EQ(n->ino, 2u);
    EXPECT_EQ(std::string(n->name.begin(), n->name.end()), "a.txt");
    EXPECT_EQ(n->hdr_crc, CrcStatus::kOk);
    EXPECT_EQ(n->node_crc, CrcStatus::kOk);
    EXPECT_EQ(n->data_crc, CrcStatus::kOk);
    Jffs2Walk w = WalkJffs2Nodes(blk);
    EXPECT_EQ(w.counts[kJffs2KindDirent], 2u);
    EXPECT_EQ(w.stop, WalkStop::kErased);
    blk[41] ^= 1;  // the name
    w = WalkJffs2Nodes(blk);
    EXPECT_EQ(w.bad_data_crc, 1u);
    blk[5] ^= 1;  // totlen: the header CRC fails, the walk steps by words
    w = WalkJffs2Nodes(blk);
    EXPECT_EQ(w.bad_hdr_crc, 1u);
    EXPECT_EQ(w.counts[kJffs2KindDirent], 1u);
  }
}

TEST(FlashMeaning, LearnsOffsetsMappingAndClassifies) {
  FlashMeaning fm({2048, 2048 * 4, 2048, 8});
  Buf page(2048, 0xFF);
  std::copy_n(EcHeader(1, 512, 2048).begin(), 64, page.begin());
  EXPECT_EQ(fm.Observe(2, 0, page).kind, PageKind::kEcHeader);
  EXPECT_EQ(fm.vid_hdr_offset(), 512u);
  EXPECT_EQ(fm.data_offset(), 2048u);
  std::copy_n(VidHeader(0, 5, 99).begin(), 64, page.begin() + 512);
  PageMeaning m = fm.Observe(2, 0, page);
  EXPECT_EQ(m.kind, PageKind::kVidHeader);
  EXPECT_TRUE(m.ec_header && m.vid_header && m.mapped);
  EXPECT_EQ(fm.Owner(2)->lnum, 5u);
  // A data page: an inode node and a dent node, then a data node that runs
  // into the next page.
  Buf data;
  Append(data, UbifsIno(64), 8);
  Append(data, UbifsDent(1, 64, "f"), 8);
  Buf big = MakeUbifsNode(kUbifsData, 2048);
  SealUbifs(big);
  Append(data, big, 8);
  data.resize(4096, 0xFF);
  m = fm.Observe(2, 2048, Bytes(data).first(2048));
  EXPECT_EQ(m.kind, PageKind::kUbifs);
  EXPECT_EQ(m.type_mask, 1u << kUbifsIno | 1u << kUbifsDent | 1u << kUbifsData);
  EXPECT_EQ(m.first_type, kUbifsIno);
  EXPECT_EQ(m.leb_offset, 0u);
  m = fm.Observe(2, 4096, Bytes(data).subspan(2048));
  EXPECT_EQ(m.kind, PageKind::kUbifs);
  EXPECT_TRUE(m.continued);
  EXPECT_EQ(m.continued_type, kUbifsData);
  EXPECT_EQ(m.nodes, 0u);
  EXPECT_EQ(m.leb_offset, 2048u);
  EXPECT_NE(DescribePage(m).find("LEB 5"), std::string::npos) << DescribePage(m);
  // Asked later, out of order (a read), the second page still knows.
  fm.Observe(2, 6144, Buf(2048, 0xFF));
  m = fm.Classify(2, 4096, Bytes(data).subspan(2048));
  EXPECT_TRUE(m.continued);
  EXPECT_EQ(m.continued_type, kUbifsData);
  // A VID header with a bad CRC teaches nothing and is reported.
  Buf bad = page;
  bad[512 + 13] ^= 1;
  m = fm.Observe(3, 0, bad);
  EXPECT_TRUE(m.header_crc_bad);
  EXPECT_FALSE(fm.Owner(3));
  EXPECT_EQ(fm.Classify(4, 0, Buf(2048, 0xFF)).kind, PageKind::kErased);
  fm.Erased(2);
  EXPECT_FALSE(fm.Owner(2));
}

TEST(Decoders, RandomBytesNeverReadOutside) {
  std::mt19937 rng(17);
  FlashMeaning fm({512, 4096, 512, 4});
  for (int i = 0; i < 2000; ++i) {
    Buf b(rng() % 700);
    for (uint8_t& x : b) x = static_cast<uint8_t>(rng());
    // Plant magics now and then so the deeper paths run too.
    if (b.size() >= 8 && i % 3 == 0) PutLe(b, 0, kUbifsNodeMagic, 4);
    if (b.size() >= 8 && i % 5 == 0) PutLe(b, 0, kJffs2Magic, 2);
    if (b.size() >= 8 && i % 7 == 0) PutBe(b, 0, kUbiEcHeaderMagic, 4);
    DecodeUbiEcHeader(b);
    DecodeUbiVidHeader(b);
    DecodeUbiVolumeTable(b);
    DecodeUbiFastmapSb(b);
    DecodeUbifsSuperblock(b);
    DecodeUbifsMaster(b);
    EXPECT_LE(WalkUbifsNodes(b).stop_offset, b.size());
    EXPECT_LE(WalkJffs2Nodes(b).stop_offset, b.size());
    fm.Observe(static_cast<uint32_t>(rng() % 6), static_cast<uint32_t>(rng() % 8) * 512, b);
  }
}

}  // namespace
}  // namespace flashfault::decoders
