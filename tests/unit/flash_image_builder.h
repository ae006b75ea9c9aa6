// Test helper: UBI, UBIFS and JFFS2 structures built byte by byte with good
// CRCs, laid out as the formats put them, for the meaning tests of the fault
// layer (aims, decoding, field mutation, the decoded log). Facts of the
// formats only (offsets, magics, CRC rules); nothing here decodes.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/crc32.h"

namespace flashfault::test_images {

using Buf = std::vector<uint8_t>;

inline void PutBe(Buf& b, size_t off, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * (n - 1 - i)));
}
inline void PutLe(Buf& b, size_t off, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}
inline uint32_t Crc(const Buf& b, size_t off, size_t len, uint32_t seed) {
  return Crc32Update(seed, std::span<const uint8_t>(b).subspan(off, len));
}

// The slc-2k-64m layout UBI picks: subpages of 512, so the VID header sits
// at 512 of page 0 and LEB data starts at page 1.
inline constexpr uint32_t kPage = 2048, kPpb = 64, kPeb = kPage * kPpb;
inline constexpr uint32_t kVidOff = 512, kDataOff = 2048, kLeb = kPeb - kDataOff;

inline Buf EcHeader(uint64_t ec = 1) {
  Buf b(64, 0);
  PutBe(b, 0, 0x55424923, 4);
  b[4] = 1;
  PutBe(b, 8, ec, 8);
  PutBe(b, 16, kVidOff, 4);
  PutBe(b, 20, kDataOff, 4);
  PutBe(b, 24, 0x1234, 4);
  PutBe(b, 60, Crc(b, 0, 60, 0xFFFFFFFF), 4);
  return b;
}

inline Buf VidHeader(uint32_t vol, uint32_t lnum, uint64_t sqnum, uint8_t copy_flag = 0) {
  Buf b(64, 0);
  PutBe(b, 0, 0x55424921, 4);
  b[4] = 1;
  b[5] = 1;  // dynamic
  b[6] = copy_flag;
  PutBe(b, 8, vol, 4);
  PutBe(b, 12, lnum, 4);
  PutBe(b, 40, sqnum, 8);
  PutBe(b, 60, Crc(b, 0, 60, 0xFFFFFFFF), 4);
  return b;
}

inline void SealUbifs(Buf& b) {
  const uint32_t len = b[16] | b[17] << 8 | b[18] << 16 | uint32_t{b[19]} << 24;
  PutLe(b, 4, Crc(b, 8, len - 8, 0xFFFFFFFF), 4);
}

// A UBIFS node of `len` bytes; keyed types get the simple key of `inum`.
inline Buf UbifsNode(uint8_t type, uint32_t len, uint64_t sqnum, uint32_t inum = 0) {
  Buf b(len, 0x11);
  std::fill_n(b.begin(), 24, 0);
  PutLe(b, 0, 0x06101831, 4);
  PutLe(b, 8, sqnum, 8);
  PutLe(b, 16, len, 4);
  b[20] = type;
  if (type <= 3) {  // ino, data, dent, xent: the key
    PutLe(b, 24, inum, 4);
    PutLe(b, 28, uint32_t{type} << 29, 4);  // key type = node type for these four
  }
  if (type == 1) PutLe(b, 40, 4096, 4);  // data node: size
  SealUbifs(b);
  return b;
}

// The superblock of a UBIFS of `leb_cnt` LEBs: log 3, LPT 2, orphan 1 LEB.
inline Buf UbifsSb(uint32_t leb_cnt, uint64_t sqnum = 1) {
  Buf b = UbifsNode(6, 4096, sqnum);
  std::fill(b.begin() + 24, b.end(), 0);
  PutLe(b, 32, kPage, 4);
  PutLe(b, 36, kLeb, 4);
  PutLe(b, 40, leb_cnt, 4);
  PutLe(b, 44, leb_cnt, 4);
  PutLe(b, 56, 3, 4);  // log_lebs
  PutLe(b, 60, 2, 4);  // lpt_lebs
  PutLe(b, 64, 1, 4);  // orph_lebs
  PutLe(b, 80, 4, 4);  // fmt_version
  SealUbifs(b);
  return b;
}

inline Buf UbifsMaster(uint64_t sqnum, uint32_t leb_cnt) {
  Buf b = UbifsNode(7, 512, sqnum);
  std::fill(b.begin() + 24, b.end(), 0);
  PutLe(b, 24, 70, 8);  // highest_inum
  PutLe(b, 164, leb_cnt, 4);
  SealUbifs(b);
  return b;
}

// One volume table record (172 bytes; CRC over the first 168).
inline Buf VtblRecord(uint32_t reserved_pebs, const std::string& name) {
  Buf b(172, 0);
  if (reserved_pebs != 0) {
    PutBe(b, 0, reserved_pebs, 4);
    PutBe(b, 4, 1, 4);  // alignment
    b[12] = 1;          // dynamic
    PutBe(b, 14, name.size(), 2);
    std::memcpy(b.data() + 16, name.data(), name.size());
  }
  PutBe(b, 168, Crc(b, 0, 168, 0xFFFFFFFF), 4);
  return b;
}

// A whole PEB: EC and VID headers on page 0, then `data` from the data offset.
inline Buf UbiPeb(uint32_t vol, uint32_t lnum, uint64_t sqnum, const Buf& data,
                  uint8_t copy_flag = 0) {
  Buf p(kPeb, 0xFF);
  const Buf ec = EcHeader(), vid = VidHeader(vol, lnum, sqnum, copy_flag);
  std::copy(ec.begin(), ec.end(), p.begin());
  std::copy(vid.begin(), vid.end(), p.begin() + kVidOff);
  std::copy(data.begin(), data.end(), p.begin() + kDataOff);
  return p;
}

// Nodes one after the other, each 8-byte aligned (0xFF between).
inline Buf Nodes(std::initializer_list<Buf> nodes) {
  Buf out;
  for (const Buf& n : nodes) {
    out.insert(out.end(), n.begin(), n.end());
    while (out.size() % 8 != 0) out.push_back(0xFF);
  }
  return out;
}

// JFFS2 (little-endian) dirent and inode nodes with good CRCs.
inline Buf Jffs2Dirent(uint32_t pino, uint32_t ino, const std::string& name) {
  Buf b(40 + name.size(), 0);
  PutLe(b, 0, 0x1985, 2);
  PutLe(b, 2, 0xE001, 2);
  PutLe(b, 4, b.size(), 4);
  PutLe(b, 8, Crc(b, 0, 8, 0), 4);
  PutLe(b, 12, pino, 4);
  PutLe(b, 16, 1, 4);  // version
  PutLe(b, 20, ino, 4);
  b[28] = static_cast<uint8_t>(name.size());
  std::memcpy(b.data() + 40, name.data(), name.size());
  PutLe(b, 32, Crc(b, 0, 32, 0), 4);
  PutLe(b, 36, Crc(b, 40, name.size(), 0), 4);
  return b;
}

inline Buf Jffs2Inode(uint32_t ino, uint32_t data_len) {
  Buf b(68 + data_len, 0x22);
  std::fill_n(b.begin(), 68, 0);
  PutLe(b, 0, 0x1985, 2);
  PutLe(b, 2, 0xE002, 2);
  PutLe(b, 4, b.size(), 4);
  PutLe(b, 8, Crc(b, 0, 8, 0), 4);
  PutLe(b, 12, ino, 4);
  PutLe(b, 16, 1, 4);
  PutLe(b, 48, data_len, 4);  // csize
  PutLe(b, 52, data_len, 4);  // dsize
  PutLe(b, 60, Crc(b, 68, data_len, 0), 4);
  PutLe(b, 64, Crc(b, 0, 60, 0), 4);
  return b;
}

// JFFS2 nodes one after the other, each 4-byte aligned.
inline Buf Jffs2Nodes(std::initializer_list<Buf> nodes) {
  Buf out;
  for (const Buf& n : nodes) {
    out.insert(out.end(), n.begin(), n.end());
    while (out.size() % 4 != 0) out.push_back(0xFF);
  }
  return out;
}

}  // namespace flashfault::test_images
