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
// part of a decode) is left kUnchecked.
std::optional<UbifsNode> DecodeUbifsNode(Bytes b, size_t off, bool check_crc = true);

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

}  // namespace flashfault::decoders
