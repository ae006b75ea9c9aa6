// UBIFS nodes as they sit in a LEB: the common header every node starts
// with, the keys of ino/data/dent/xent/trun nodes, the superblock and master
// fields that place the filesystem's areas, and a bounded walk over all
// nodes of a buffer. Layouts, magics and the CRC rule are facts of UBIFS's
// on-flash format (ubifs-media.h, format version 4/5); this code is our own.
//
// For: saying which UBIFS nodes a page holds and describing a UBIFS volume.
// Must not: trust len, pad_len, nlen or any superblock count (each is
// bounded here before use), read outside the span, recurse (the index tree
// is not followed), or decompress anything.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

#include "absl/functional/function_ref.h"
#include "decoders/bytes.h"

namespace flashfault::decoders {

inline constexpr uint32_t kUbifsNodeMagic = 0x06101831;  // little-endian on flash
inline constexpr size_t kUbifsCommonHeaderSize = 24;
// The node CRC covers bytes 8..len (everything after magic and crc), seeded
// with all ones, no final inversion.
inline constexpr uint32_t kUbifsCrcSeed = 0xFFFFFFFF;
inline constexpr uint8_t kUbifsPaddingByte = 0xCE;
inline constexpr size_t kUbifsPadNodeSize = 28;
inline constexpr size_t kUbifsKeyOffset = 24;

enum UbifsNodeType : uint8_t {
  kUbifsIno, kUbifsData, kUbifsDent, kUbifsXent, kUbifsTrun, kUbifsPad, kUbifsSb,
  kUbifsMst, kUbifsRef, kUbifsIdx, kUbifsCs, kUbifsOrph, kUbifsAuth, kUbifsSig,
  kUbifsNodeTypeCount,
};
// "ino", "data", ... or "invalid" for a type beyond the known ones.
const char* UbifsNodeTypeName(uint8_t node_type);

// Key types of the simple key format: bits 29..31 of the key's second word.
enum UbifsKeyType : uint8_t { kUbifsInoKey, kUbifsDataKey, kUbifsDentKey, kUbifsXentKey };
const char* UbifsKeyTypeName(uint8_t key_type);

struct UbifsKey {
  uint32_t inum = 0;
  uint8_t type = 0;
  uint32_t block_or_hash = 0;  // data: block number; dent/xent: name hash
};

struct UbifsNode {
  uint32_t offset = 0;  // of the node in the walked buffer
  uint32_t crc_stored = 0;
  uint64_t sqnum = 0;
  uint32_t len = 0;     // as stored (>= the common header, else not a node)
  uint8_t node_type = 0;
  uint8_t group_type = 0;
  CrcStatus crc = CrcStatus::kTruncated;
  // A known type and a len of at least that type's fixed part; without it
  // nothing past the common header is decoded.
  bool len_ok = false;
  bool has_key = false;  // ino, data, dent, xent with the key inside the buffer
  UbifsKey key;
  uint64_t inum = 0;    // dent/xent: the target inode; trun: the inode
  uint8_t dent_type = 0;
  Bytes name;           // dent/xent: the name, cut to what len and the buffer hold
};

// The node whose common header starts at b[off], or nullopt when fewer than
// 24 bytes remain, the magic is not there, or len is smaller than a header.
// Without `check_crc` the CRC over the node (its whole length, the costly
// part of a decode) is left kUnchecked. Inline (below), with the walk: they
// are the hot path of classifying every written page, and a caller that
// reads a few fields should not pay for the others.
inline std::optional<UbifsNode> DecodeUbifsNode(Bytes b, size_t off, bool check_crc = true);

struct UbifsSuperblock {
  uint8_t key_hash = 0, key_fmt = 0;
  uint32_t flags = 0, min_io_size = 0, leb_size = 0, leb_cnt = 0, max_leb_cnt = 0;
  uint64_t max_bud_bytes = 0;
  uint32_t log_lebs = 0, lpt_lebs = 0, orph_lebs = 0, jhead_cnt = 0, fanout = 0;
  uint32_t lsave_cnt = 0, fmt_version = 0, time_gran = 0, ro_compat_version = 0;
  uint16_t default_compr = 0;
  CrcStatus crc = CrcStatus::kTruncated;
};
// The superblock node at b[0]. Its fields sit in the first 128 bytes, so
// they decode from a single page even when the 4 KiB node's CRC cannot be
// checked (crc then says kTruncated).
std::optional<UbifsSuperblock> DecodeUbifsSuperblock(Bytes b);

struct UbifsMaster {
  uint64_t sqnum = 0;  // of the node: the newest master wins
  uint64_t highest_inum = 0, cmt_no = 0;
  uint32_t flags = 0, log_lnum = 0, root_lnum = 0, root_offs = 0, root_len = 0;
  uint32_t gc_lnum = 0, ihead_lnum = 0, ihead_offs = 0, lpt_lnum = 0, lpt_offs = 0;
  uint32_t empty_lebs = 0, idx_lebs = 0, leb_cnt = 0;
  CrcStatus crc = CrcStatus::kTruncated;
};
std::optional<UbifsMaster> DecodeUbifsMaster(Bytes b);

// The fixed areas of a UBIFS volume, in LEB order.
enum class UbifsArea : uint8_t { kSuperblock, kMaster, kLog, kLpt, kOrphan, kMain, kBeyond };
const char* UbifsAreaName(UbifsArea a);
struct UbifsAreaRange {
  UbifsArea area;
  uint32_t first_lnum, lebs;
};
// The six areas for `sb` (counts clamped so no range passes leb_cnt).
std::array<UbifsAreaRange, 6> UbifsAreas(const UbifsSuperblock& sb);
UbifsArea UbifsAreaOfLeb(const UbifsSuperblock& sb, uint32_t lnum);

struct UbifsWalk : WalkEnd {
  std::array<uint32_t, kUbifsNodeTypeCount> counts{};
  uint32_t invalid = 0;         // nodes of an unknown type or too short for theirs
  uint32_t bad_crc = 0;
  uint32_t padding_bytes = 0;   // pad nodes and 0xCE filler
  uint32_t nodes() const;
};

// Walks the nodes of `b` from `start`, every node 8-byte aligned relative
// to b[0] (so `b` must begin at a multiple of 8 in its LEB). `visit` sees
// each node; returning false stops the walk (stop = kEnd). Bounded: each
// step moves at least 8 bytes forward. `check_crc` as DecodeUbifsNode's
// (bad_crc then counts nothing).
UbifsWalk WalkUbifsNodes(Bytes b, size_t start,
                         absl::FunctionRef<bool(const UbifsNode&)> visit, bool check_crc = true);
UbifsWalk WalkUbifsNodes(Bytes b, size_t start = 0);
// The same walk with the visitor inlined (`visit`: bool(const UbifsNode&)).
template <typename Visit>
UbifsWalk WalkUbifsNodesInline(Bytes b, size_t start, Visit&& visit, bool check_crc);

// ---- Inline definitions: facts of the format first, then the code. ----
namespace ubifs_layout {
// Byte offsets inside nodes (from the start of the common header).
inline constexpr size_t kLenOffset = 16;
inline constexpr size_t kDentInum = 40, kDentType = 49, kDentNlen = 50, kDentName = 56;
inline constexpr size_t kTrunInum = 24;
inline constexpr size_t kPadLen = 24;
inline constexpr size_t kKeyEnd = kUbifsKeyOffset + 8;  // the simple key's 8 bytes
// The largest name a dent or xent may carry.
inline constexpr size_t kMaxNameLen = 255;
// The smallest node of each type (its fixed part): a header claiming a
// shorter len is not that node, whatever its type byte says. mkfs.ubifs of
// mtd-utils 2.1 writes such a thing: a 64-byte "type 0" node after the
// superblock, which is not an inode node.
inline constexpr uint32_t kMinLen[kUbifsNodeTypeCount] = {
    160, 48, 56, 56, 56, kUbifsPadNodeSize, 4096, 512, 64, 28, 32, 32, 24, 64};
inline constexpr size_t Align8(size_t x) { return (x + 7) & ~size_t{7}; }
inline constexpr bool HasKey(uint8_t type) {
  return type == kUbifsIno || type == kUbifsData || type == kUbifsDent || type == kUbifsXent;
}
}  // namespace ubifs_layout

inline std::optional<UbifsNode> DecodeUbifsNode(Bytes b, size_t off, bool check_crc) {
  using namespace ubifs_layout;
  if (!Fits(b, off, kUbifsCommonHeaderSize) || Le32(b, off) != kUbifsNodeMagic) {
    return std::nullopt;
  }
  UbifsNode n;
  n.offset = static_cast<uint32_t>(off);
  n.crc_stored = Le32(b, off + 4);
  n.sqnum = Le64(b, off + 8);
  n.len = Le32(b, off + kLenOffset);
  n.node_type = b[off + 20];
  n.group_type = b[off + 21];
  if (n.len < kUbifsCommonHeaderSize) return std::nullopt;
  n.crc = check_crc ? CheckCrc(b, off + 8, n.len - 8, kUbifsCrcSeed, n.crc_stored)
                    : CrcStatus::kUnchecked;
  n.len_ok = n.node_type < kUbifsNodeTypeCount && n.len >= kMinLen[n.node_type];
  if (!n.len_ok) return n;
  // Fields are read only where both the node's own len and the buffer
  // cover them: a short len must not make us read the next node's bytes.
  const Bytes node = b.subspan(off, std::min<size_t>(n.len, b.size() - off));
  if (HasKey(n.node_type) && Fits(node, 0, kKeyEnd)) {
    n.has_key = true;
    n.key.inum = Le32(node, kUbifsKeyOffset);
    const uint32_t w = Le32(node, kUbifsKeyOffset + 4);
    n.key.type = static_cast<uint8_t>(w >> 29);
    n.key.block_or_hash = w & 0x1FFFFFFF;
  }
  if ((n.node_type == kUbifsDent || n.node_type == kUbifsXent) && Fits(node, 0, kDentName)) {
    n.inum = Le64(node, kDentInum);
    n.dent_type = node[kDentType];
    const size_t nlen = std::min<size_t>({Le16(node, kDentNlen), kMaxNameLen,
                                          node.size() - kDentName});
    n.name = node.subspan(kDentName, nlen);
  }
  if (n.node_type == kUbifsTrun && Fits(node, 0, kTrunInum + 4)) n.inum = Le32(node, kTrunInum);
  return n;
}

template <typename Visit>
UbifsWalk WalkUbifsNodesInline(Bytes b, size_t start, Visit&& visit, bool check_crc) {
  using namespace ubifs_layout;
  UbifsWalk w;
  size_t off = Align8(start);
  auto finish = [&](WalkStop s, size_t at) { return WalkEnd::Finish(w, s, at, b.size()); };
  while (off < b.size()) {
    if (b[off] == 0xFF && AllErased(b.subspan(off))) return finish(WalkStop::kErased, off);
    if (b[off] == kUbifsPaddingByte) {
      // Filler too short for a pad node: 0xCE bytes up to the next node.
      size_t end = off;
      while (end < b.size() && b[end] == kUbifsPaddingByte) ++end;
      end = std::min(Align8(end), b.size());
      w.padding_bytes += static_cast<uint32_t>(end - off);
      off = end;
      continue;
    }
    std::optional<UbifsNode> n = DecodeUbifsNode(b, off, check_crc);
    if (!n) {
      // A header cut by the end of the buffer is an overrun, not garbage.
      static constexpr uint8_t kMagicLe[4] = {0x31, 0x18, 0x10, 0x06};
      const size_t left = b.size() - off;
      const bool cut = left < kUbifsCommonHeaderSize &&
                       std::equal(b.begin() + off, b.begin() + off + std::min<size_t>(left, 4),
                                  kMagicLe);
      return finish(cut ? WalkStop::kOverrun : WalkStop::kGarbage, off);
    }
    if (n->len_ok) {
      ++w.counts[n->node_type];
    } else {
      ++w.invalid;
    }
    if (n->crc == CrcStatus::kBad) ++w.bad_crc;
    if (!visit(*n)) return finish(WalkStop::kEnd, off);
    uint64_t next = uint64_t{off} + n->len;
    if (n->node_type == kUbifsPad && Fits(b, off, kPadLen + 4)) {
      next = uint64_t{off} + kUbifsPadNodeSize + Le32(b, off + kPadLen);
      w.padding_bytes += static_cast<uint32_t>(std::min<uint64_t>(next, b.size()) - off);
    }
    if (!w.Step((next + 7) & ~uint64_t{7}, b.size(), off)) return finish(WalkStop::kOverrun, off);
  }
  return finish(WalkStop::kEnd, off);
}

}  // namespace flashfault::decoders
