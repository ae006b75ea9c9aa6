// UBIFS nodes; see ubifs_nodes.h. All fields are little-endian; offsets are
// those of the packed on-flash structures.
#include "decoders/ubifs_nodes.h"

#include <algorithm>

namespace flashfault::decoders {
namespace {

constexpr size_t kSbFieldsEnd = 128;
constexpr size_t kMstFieldsEnd = 168;

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
  return WalkUbifsNodesInline(b, start, visit, check_crc);
}

UbifsWalk WalkUbifsNodes(Bytes b, size_t start) {
  return WalkUbifsNodes(b, start, [](const UbifsNode&) { return true; });
}

}  // namespace flashfault::decoders
