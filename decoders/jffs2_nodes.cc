// JFFS2 nodes; see jffs2_nodes.h. Offsets are those of the packed on-flash
// structures; every integer is in the byte order the node's magic shows.
#include "decoders/jffs2_nodes.h"

#include <algorithm>

namespace flashfault::decoders {
namespace {

// Reads in one node's byte order.
struct Order {
  bool big;
  uint16_t U16(Bytes b, size_t off) const { return big ? Be16(b, off) : Le16(b, off); }
  uint32_t U32(Bytes b, size_t off) const { return big ? Be32(b, off) : Le32(b, off); }
};

// Fixed parts (header included) and where their node CRC sits; the node
// CRC covers every byte before it but, for inode and dirent, also not the
// data/name CRC that precedes it.
constexpr size_t kInodeSize = 68, kInodeNodeCrcSpan = 60;
constexpr size_t kDirentSize = 40, kDirentNodeCrcSpan = 32;
constexpr size_t kXattrSize = 32, kXattrNodeCrcSpan = 28;
constexpr size_t kXrefSize = 28, kXrefNodeCrcSpan = 24;
constexpr size_t kSummarySize = 32, kSummaryNodeCrcSpan = 24;

void DecodeInode(Bytes node, Order o, Jffs2Node& n) {
  if (!Fits(node, 0, kInodeSize)) return;
  n.ino = o.U32(node, 12);
  n.version = o.U32(node, 16);
  n.mode = o.U32(node, 20);
  n.isize = o.U32(node, 28);
  n.data_offset = o.U32(node, 44);
  n.csize = o.U32(node, 48);
  n.dsize = o.U32(node, 52);
  n.compr = node[56];
  n.node_crc = CheckCrc(node, 0, kInodeNodeCrcSpan, kJffs2CrcSeed, o.U32(node, 64));
  n.data_crc = CheckCrc(node, kInodeSize, n.csize, kJffs2CrcSeed, o.U32(node, 60));
}

void DecodeDirent(Bytes node, Order o, Jffs2Node& n) {
  if (!Fits(node, 0, kDirentSize)) return;
  n.pino = o.U32(node, 12);
  n.version = o.U32(node, 16);
  n.ino = o.U32(node, 20);
  n.node_crc = CheckCrc(node, 0, kDirentNodeCrcSpan, kJffs2CrcSeed, o.U32(node, 32));
  const size_t nsize = node[28];
  n.data_crc = CheckCrc(node, kDirentSize, nsize, kJffs2CrcSeed, o.U32(node, 36));
  n.name = node.subspan(kDirentSize, std::min(nsize, node.size() - kDirentSize));
}

void DecodeXattr(Bytes node, Order o, Jffs2Node& n) {
  if (!Fits(node, 0, kXattrSize)) return;
  n.xid = o.U32(node, 12);
  n.version = o.U32(node, 16);
  n.node_crc = CheckCrc(node, 0, kXattrNodeCrcSpan, kJffs2CrcSeed, o.U32(node, 28));
  // name, its NUL, then the value.
  const size_t data_len = size_t{node[21]} + 1 + o.U16(node, 22);
  n.data_crc = CheckCrc(node, kXattrSize, data_len, kJffs2CrcSeed, o.U32(node, 24));
}

void DecodeXref(Bytes node, Order o, Jffs2Node& n) {
  if (!Fits(node, 0, kXrefSize)) return;
  n.ino = o.U32(node, 12);
  n.xid = o.U32(node, 16);
  n.node_crc = CheckCrc(node, 0, kXrefNodeCrcSpan, kJffs2CrcSeed, o.U32(node, 24));
}

void DecodeSummary(Bytes node, Order o, Jffs2Node& n) {
  if (!Fits(node, 0, kSummarySize)) return;
  n.node_crc = CheckCrc(node, 0, kSummaryNodeCrcSpan, kJffs2CrcSeed, o.U32(node, 28));
  // The entries follow the fixed part, up to totlen.
  n.data_crc = CheckCrc(node, kSummarySize, n.totlen - std::min<size_t>(n.totlen, kSummarySize),
                        kJffs2CrcSeed, o.U32(node, 24));
}

}  // namespace

Jffs2Kind Jffs2KindOf(uint16_t nodetype) {
  switch (nodetype | kJffs2NodeAccurate) {
    case kJffs2Dirent: return kJffs2KindDirent;
    case kJffs2Inode: return kJffs2KindInode;
    case kJffs2Cleanmarker: return kJffs2KindCleanmarker;
    case kJffs2Padding: return kJffs2KindPadding;
    case kJffs2Summary: return kJffs2KindSummary;
    case kJffs2Xattr: return kJffs2KindXattr;
    case kJffs2Xref: return kJffs2KindXref;
  }
  return kJffs2KindUnknown;
}

const char* Jffs2KindName(Jffs2Kind k) {
  static constexpr const char* kNames[kJffs2KindCount] = {
      "dirent", "inode", "cleanmarker", "padding", "summary", "xattr", "xref", "unknown"};
  return k < kJffs2KindCount ? kNames[k] : "invalid";
}

bool HasJffs2Magic(Bytes b) {
  return Fits(b, 0, 2) && (Le16(b, 0) == kJffs2Magic || Be16(b, 0) == kJffs2Magic);
}

std::optional<Jffs2Node> DecodeJffs2Node(Bytes b, size_t off) {
  if (!Fits(b, off, kJffs2HeaderSize) || !HasJffs2Magic(b.subspan(off))) return std::nullopt;
  Jffs2Node n;
  n.offset = static_cast<uint32_t>(off);
  const Order o{Be16(b, off) == kJffs2Magic};
  n.big_endian = o.big;
  n.nodetype = o.U16(b, off + 2);
  n.kind = Jffs2KindOf(n.nodetype);
  n.obsolete = (n.nodetype & kJffs2NodeAccurate) == 0;
  n.totlen = o.U32(b, off + 4);
  n.hdr_crc = CheckCrc(b, off, 8, kJffs2CrcSeed, o.U32(b, off + 8));
  if (n.hdr_crc != CrcStatus::kOk) return n;  // totlen and type are not to be believed
  // The node's own bytes: totlen as far as the buffer holds them, so a
  // short totlen cannot make a field read run into the next node.
  const Bytes node = b.subspan(off, std::min<size_t>(n.totlen, b.size() - off));
  switch (n.kind) {
    case kJffs2KindInode: DecodeInode(node, o, n); break;
    case kJffs2KindDirent: DecodeDirent(node, o, n); break;
    case kJffs2KindXattr: DecodeXattr(node, o, n); break;
    case kJffs2KindXref: DecodeXref(node, o, n); break;
    case kJffs2KindSummary: DecodeSummary(node, o, n); break;
    default: n.node_crc = CrcStatus::kOk; break;  // header-only nodes
  }
  return n;
}

uint32_t Jffs2Walk::nodes() const {
  uint32_t n = 0;
  for (uint32_t c : counts) n += c;
  return n;
}

Jffs2Walk WalkJffs2Nodes(Bytes b, size_t start, absl::FunctionRef<bool(const Jffs2Node&)> visit) {
  Jffs2Walk w;
  size_t off = (start + 3) & ~size_t{3};
  auto finish = [&](WalkStop s, size_t at) { return WalkEnd::Finish(w, s, at, b.size()); };
  while (off < b.size()) {
    if (b[off] == 0xFF && AllErased(b.subspan(off))) return finish(WalkStop::kErased, off);
    // Erased words between nodes (a summary sits at the block's end, after
    // free space) are passed over without counting as skipped garbage.
    if (Fits(b, off, 4) && Le32(b, off) == 0xFFFFFFFF) {
      off += 4;
      continue;
    }
    std::optional<Jffs2Node> n = DecodeJffs2Node(b, off);
    if (!n) {
      if (!Fits(b, off, kJffs2HeaderSize) && HasJffs2Magic(b.subspan(off))) {
        return finish(WalkStop::kOverrun, off);  // a header cut by the buffer's end
      }
      w.skipped_bytes += 4;
      off += 4;
      continue;
    }
    if (n->hdr_crc != CrcStatus::kOk) {
      ++w.bad_hdr_crc;
      if (!visit(*n)) return finish(WalkStop::kEnd, off);
      w.skipped_bytes += 4;
      off += 4;
      continue;
    }
    ++w.counts[n->kind];
    if (n->obsolete) ++w.obsolete;
    if (n->node_crc == CrcStatus::kBad) ++w.bad_node_crc;
    if (n->data_crc == CrcStatus::kBad) ++w.bad_data_crc;
    if (!visit(*n)) return finish(WalkStop::kEnd, off);
    // A totlen below the header would not move us forward: step a word.
    const uint64_t next = (uint64_t{off} + std::max<uint64_t>(n->totlen, 4) + 3) & ~uint64_t{3};
    if (!w.Step(next, b.size(), off)) return finish(WalkStop::kOverrun, off);
  }
  return finish(WalkStop::kEnd, off);
}

Jffs2Walk WalkJffs2Nodes(Bytes b, size_t start) {
  return WalkJffs2Nodes(b, start, [](const Jffs2Node&) { return true; });
}

}  // namespace flashfault::decoders
