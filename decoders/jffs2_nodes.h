// JFFS2 nodes as they sit in an eraseblock: the 12-byte header every node
// starts with, the node types (dirent, inode, cleanmarker, padding,
// summary, xattr, xref), their header, node and data CRCs, their key fields,
// and a bounded walk over an eraseblock at 4-byte alignment. Layouts, magics
// and CRC rules are facts of the JFFS2 on-flash format (uapi jffs2.h); the
// code is our own. Both byte orders are read: each node's magic says which.
//
// For: saying which JFFS2 nodes a page holds and describing JFFS2 images.
// Must not: trust totlen, nsize, csize or name_len (each is bounded here
// before use), read outside the span, or decompress data.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "absl/functional/function_ref.h"
#include "decoders/bytes.h"

namespace flashfault::decoders {

inline constexpr uint16_t kJffs2Magic = 0x1985;
inline constexpr size_t kJffs2HeaderSize = 12;
// JFFS2 CRCs start from 0 and keep the register as it ends.
inline constexpr uint32_t kJffs2CrcSeed = 0;
// Set in every live node's type; cleared on NOR to mark a node obsolete.
inline constexpr uint16_t kJffs2NodeAccurate = 0x2000;

inline constexpr uint16_t kJffs2Dirent = 0xE001;
inline constexpr uint16_t kJffs2Inode = 0xE002;
inline constexpr uint16_t kJffs2Cleanmarker = 0x2003;
inline constexpr uint16_t kJffs2Padding = 0x2004;
inline constexpr uint16_t kJffs2Summary = 0x2006;
inline constexpr uint16_t kJffs2Xattr = 0xE008;
inline constexpr uint16_t kJffs2Xref = 0xE009;

// Dense index of the known types, for counting.
enum Jffs2Kind : uint8_t {
  kJffs2KindDirent, kJffs2KindInode, kJffs2KindCleanmarker, kJffs2KindPadding,
  kJffs2KindSummary, kJffs2KindXattr, kJffs2KindXref, kJffs2KindUnknown, kJffs2KindCount,
};
Jffs2Kind Jffs2KindOf(uint16_t nodetype);  // obsolete nodes count as their type
const char* Jffs2KindName(Jffs2Kind k);

struct Jffs2Node {
  uint32_t offset = 0;
  bool big_endian = false;
  uint16_t nodetype = 0;
  Jffs2Kind kind = kJffs2KindUnknown;
  bool obsolete = false;
  uint32_t totlen = 0;
  CrcStatus hdr_crc = CrcStatus::kTruncated;   // over the first 8 bytes
  CrcStatus node_crc = CrcStatus::kTruncated;  // over the node's fixed part
  // inode: compressed data; dirent: name; xattr: name and value; summary:
  // its entries. kOk for types that carry no such CRC (cleanmarker, xref).
  CrcStatus data_crc = CrcStatus::kOk;
  uint32_t ino = 0;      // inode, dirent (target; 0 = unlink), xref
  uint32_t version = 0;  // inode, dirent, xattr
  uint32_t pino = 0;     // dirent: the directory
  Bytes name;            // dirent: the name, cut to totlen and the buffer
  uint32_t mode = 0, isize = 0, data_offset = 0, csize = 0, dsize = 0;  // inode
  uint8_t compr = 0;     // inode
  uint32_t xid = 0;      // xattr, xref
};

// The node at b[off], or nullopt when fewer than 12 bytes remain or the
// magic is not there in either byte order.
std::optional<Jffs2Node> DecodeJffs2Node(Bytes b, size_t off);

struct Jffs2Walk : WalkEnd {
  std::array<uint32_t, kJffs2KindCount> counts{};
  uint32_t obsolete = 0;
  uint32_t bad_hdr_crc = 0, bad_node_crc = 0, bad_data_crc = 0;
  uint32_t skipped_bytes = 0;  // words that started no node (JFFS2 skips them too)
  uint32_t nodes() const;
};

// Walks `b` from `start` at 4-byte alignment relative to b[0] (so `b` must
// begin at a multiple of 4 in its eraseblock). A node with a bad header CRC
// is reported and then skipped by 4 bytes, not by its untrusted totlen.
// `visit` returning false stops the walk. Bounded: each step moves >= 4.
Jffs2Walk WalkJffs2Nodes(Bytes b, size_t start,
                         absl::FunctionRef<bool(const Jffs2Node&)> visit);
Jffs2Walk WalkJffs2Nodes(Bytes b, size_t start = 0);

// Whether `b` starts with a JFFS2 magic in either byte order.
bool HasJffs2Magic(Bytes b);

}  // namespace flashfault::decoders
