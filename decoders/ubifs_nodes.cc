// UBIFS nodes; see ubifs_nodes.h. All fields are little-endian; offsets are
// those of the packed on-flash structures.
#include "decoders/ubifs_nodes.h"

#include <algorithm>

namespace flashfault::decoders {
namespace {

// Byte offsets inside nodes (from the start of the common header).
constexpr size_t kLenOffset = 16;
constexpr size_t kDentInum = 40, kDentType = 49, kDentNlen = 50, kDentName = 56;
constexpr size_t kTrunInum = 24;
constexpr size_t kPadLen = 24;
constexpr size_t kKeyEnd = kUbifsKeyOffset + 8;  // the simple key's 8 bytes
// The largest name a dent or xent may carry.
constexpr size_t kMaxNameLen = 255;
constexpr size_t kSbFieldsEnd = 128;
constexpr size_t kMstFieldsEnd = 168;

size_t Align8(size_t x) { return (x + 7) & ~size_t{7}; }

// The smallest node of each type (its fixed part): a header claiming a
// shorter len is not that node, whatever its type byte says. mkfs.ubifs of
// mtd-utils 2.1 writes such a thing: a 64-byte "type 0" node after the
// superblock, which is not an inode node.
constexpr uint32_t kMinLen[kUbifsNodeTypeCount] = {
    160, 48, 56, 56, 56, kUbifsPadNodeSize, 4096, 512, 64, 28, 32, 32, 24, 64};

bool HasKey(uint8_t type) {
  return type == kUbifsIno || type == kUbifsData || type == kUbifsDent || type == kUbifsXent;
}

}  // namespace

const char* UbifsNodeTypeName(uint8_t t) {
  static constexpr const char* kNames[kUbifsNodeTypeCount] = {
      "ino", "data", "dent", "xent", "trun", "pad", "sb",
      "mst", "ref", "idx", "cs", "orph", "auth", "sig"};
  return t < kUbifsNodeTypeCount ? kNames[t] : "invalid";
}

const char* UbifsKeyTypeName(uint8_t t) {
  static constexpr const char* kNames[] = {"ino", "data", "dent", "xent"};
  return t < 4 ? kNames[t] : "invalid";
}

std::optional<UbifsNode> DecodeUbifsNode(Bytes b, size_t off, bool check_crc) {
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

namespace {

// The node of `type` at b[0] when its header, its len and the buffer all
// cover the fixed fields a decoder reads (up to `fields_end`).
std::optional<UbifsNode> FixedNode(Bytes b, uint8_t type, size_t fields_end) {
  std::optional<UbifsNode> n = DecodeUbifsNode(b, 0);
  if (!n || n->node_type != type || n->len < fields_end || !Fits(b, 0, fields_end)) {
    return std::nullopt;
  }
  return n;
}

}  // namespace

std::optional<UbifsSuperblock> DecodeUbifsSuperblock(Bytes b) {
  std::optional<UbifsNode> n = FixedNode(b, kUbifsSb, kSbFieldsEnd);
  if (!n) return std::nullopt;
  UbifsSuperblock sb;
  sb.key_hash = b[26];
  sb.key_fmt = b[27];
  sb.flags = Le32(b, 28);
  sb.min_io_size = Le32(b, 32);
  sb.leb_size = Le32(b, 36);
  sb.leb_cnt = Le32(b, 40);
  sb.max_leb_cnt = Le32(b, 44);
  sb.max_bud_bytes = Le64(b, 48);
  sb.log_lebs = Le32(b, 56);
  sb.lpt_lebs = Le32(b, 60);
  sb.orph_lebs = Le32(b, 64);
  sb.jhead_cnt = Le32(b, 68);
  sb.fanout = Le32(b, 72);
  sb.lsave_cnt = Le32(b, 76);
  sb.fmt_version = Le32(b, 80);
  sb.default_compr = Le16(b, 84);
  sb.time_gran = Le32(b, 104);
  sb.ro_compat_version = Le32(b, 124);
  sb.crc = n->crc;
  return sb;
}

std::optional<UbifsMaster> DecodeUbifsMaster(Bytes b) {
  std::optional<UbifsNode> n = FixedNode(b, kUbifsMst, kMstFieldsEnd);
  if (!n) return std::nullopt;
  UbifsMaster m;
  m.sqnum = n->sqnum;
  m.highest_inum = Le64(b, 24);
  m.cmt_no = Le64(b, 32);
  m.flags = Le32(b, 40);
  m.log_lnum = Le32(b, 44);
  m.root_lnum = Le32(b, 48);
  m.root_offs = Le32(b, 52);
  m.root_len = Le32(b, 56);
  m.gc_lnum = Le32(b, 60);
  m.ihead_lnum = Le32(b, 64);
  m.ihead_offs = Le32(b, 68);
  m.lpt_lnum = Le32(b, 120);
  m.lpt_offs = Le32(b, 124);
  m.empty_lebs = Le32(b, 156);
  m.idx_lebs = Le32(b, 160);
  m.leb_cnt = Le32(b, 164);
  m.crc = n->crc;
  return m;
}

const char* UbifsAreaName(UbifsArea a) {
  switch (a) {
    case UbifsArea::kSuperblock: return "superblock";
    case UbifsArea::kMaster: return "master";
    case UbifsArea::kLog: return "log";
    case UbifsArea::kLpt: return "lpt";
    case UbifsArea::kOrphan: return "orphan";
    case UbifsArea::kMain: return "main";
    case UbifsArea::kBeyond: return "beyond";
  }
  return "?";
}

std::array<UbifsAreaRange, 6> UbifsAreas(const UbifsSuperblock& sb) {
  // Fixed: LEB 0 superblock, LEBs 1-2 master; then log, LPT and orphan
  // areas of the sizes the superblock states; the main area is the rest.
  std::array<UbifsAreaRange, 6> a{};
  const UbifsArea order[6] = {UbifsArea::kSuperblock, UbifsArea::kMaster, UbifsArea::kLog,
                              UbifsArea::kLpt, UbifsArea::kOrphan, UbifsArea::kMain};
  const uint32_t sizes[5] = {1, 2, sb.log_lebs, sb.lpt_lebs, sb.orph_lebs};
  uint32_t next = 0;
  for (int i = 0; i < 6; ++i) {
    const uint32_t left = sb.leb_cnt > next ? sb.leb_cnt - next : 0;
    const uint32_t n = i < 5 ? std::min(sizes[i], left) : left;
    a[i] = {order[i], next, n};
    next += n;
  }
  return a;
}

UbifsArea UbifsAreaOfLeb(const UbifsSuperblock& sb, uint32_t lnum) {
  for (const UbifsAreaRange& r : UbifsAreas(sb)) {
    if (lnum >= r.first_lnum && lnum - r.first_lnum < r.lebs) return r.area;
  }
  return UbifsArea::kBeyond;
}

uint32_t UbifsWalk::nodes() const {
  uint32_t n = invalid;
  for (uint32_t c : counts) n += c;
  return n;
}

UbifsWalk WalkUbifsNodes(Bytes b, size_t start, absl::FunctionRef<bool(const UbifsNode&)> visit,
                         bool check_crc) {
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

UbifsWalk WalkUbifsNodes(Bytes b, size_t start) {
  return WalkUbifsNodes(b, start, [](const UbifsNode&) { return true; });
}

}  // namespace flashfault::decoders
