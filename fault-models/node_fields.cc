// The field table and the mutation of one field; see node_fields.h.
#include "fault-models/node_fields.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/crc32.h"
#include "decoders/jffs2_nodes.h"
#include "decoders/ubi_headers.h"
#include "decoders/ubifs_nodes.h"

namespace flashfault {
namespace {

using F = FieldFormat;
constexpr uint8_t kAny = 0xFF;

// Every field, by structure. UBIFS types: ino 0, data 1, dent 2, xent 3,
// trun 4, pad 5, sb 6, mst 7, ref 8, idx 9, cs 10, orph 11; JFFS2 kinds:
// dirent 0, inode 1, cleanmarker 2, padding 3 (decoders' numbering).
constexpr NodeField kFields[] = {
    {F::kUbiEc, kAny, "version", 4, 1}, {F::kUbiEc, kAny, "ec", 8, 8},
    {F::kUbiEc, kAny, "vid_hdr_offset", 16, 4}, {F::kUbiEc, kAny, "data_offset", 20, 4},
    {F::kUbiEc, kAny, "image_seq", 24, 4},
    {F::kUbiVid, kAny, "version", 4, 1}, {F::kUbiVid, kAny, "vol_type", 5, 1},
    {F::kUbiVid, kAny, "copy_flag", 6, 1}, {F::kUbiVid, kAny, "compat", 7, 1},
    {F::kUbiVid, kAny, "vol_id", 8, 4}, {F::kUbiVid, kAny, "lnum", 12, 4},
    {F::kUbiVid, kAny, "data_size", 20, 4}, {F::kUbiVid, kAny, "used_ebs", 24, 4},
    {F::kUbiVid, kAny, "data_pad", 28, 4}, {F::kUbiVid, kAny, "data_crc", 32, 4},
    {F::kUbiVid, kAny, "sqnum", 40, 8},
    // UBIFS common header (every node type).
    {F::kUbifs, kAny, "sqnum", 8, 8}, {F::kUbifs, kAny, "len", 16, 4},
    {F::kUbifs, kAny, "node_type", 20, 1}, {F::kUbifs, kAny, "group_type", 21, 1},
    // ino
    {F::kUbifs, 0, "key_inum", 24, 4}, {F::kUbifs, 0, "creat_sqnum", 40, 8},
    {F::kUbifs, 0, "size", 48, 8}, {F::kUbifs, 0, "atime_sec", 56, 8},
    {F::kUbifs, 0, "ctime_sec", 64, 8}, {F::kUbifs, 0, "mtime_sec", 72, 8},
    {F::kUbifs, 0, "nlink", 92, 4}, {F::kUbifs, 0, "uid", 96, 4}, {F::kUbifs, 0, "gid", 100, 4},
    {F::kUbifs, 0, "mode", 104, 4}, {F::kUbifs, 0, "flags", 108, 4},
    {F::kUbifs, 0, "data_len", 112, 4}, {F::kUbifs, 0, "xattr_cnt", 116, 4},
    {F::kUbifs, 0, "xattr_size", 120, 4}, {F::kUbifs, 0, "xattr_names", 128, 4},
    {F::kUbifs, 0, "compr_type", 132, 2},
    // data
    {F::kUbifs, 1, "key_inum", 24, 4}, {F::kUbifs, 1, "key_block", 28, 4},
    {F::kUbifs, 1, "size", 40, 4}, {F::kUbifs, 1, "compr_type", 44, 2},
    {F::kUbifs, 1, "compr_size", 46, 2},
    // dent, xent
    {F::kUbifs, 2, "key_inum", 24, 4}, {F::kUbifs, 2, "key_hash", 28, 4},
    {F::kUbifs, 2, "inum", 40, 8}, {F::kUbifs, 2, "type", 49, 1}, {F::kUbifs, 2, "nlen", 50, 2},
    {F::kUbifs, 2, "cookie", 52, 4},
    {F::kUbifs, 3, "key_inum", 24, 4}, {F::kUbifs, 3, "key_hash", 28, 4},
    {F::kUbifs, 3, "inum", 40, 8}, {F::kUbifs, 3, "type", 49, 1}, {F::kUbifs, 3, "nlen", 50, 2},
    // trun, pad
    {F::kUbifs, 4, "inum", 24, 4}, {F::kUbifs, 4, "old_size", 40, 8},
    {F::kUbifs, 4, "new_size", 48, 8}, {F::kUbifs, 5, "pad_len", 24, 4},
    // sb
    {F::kUbifs, 6, "key_hash", 26, 1}, {F::kUbifs, 6, "key_fmt", 27, 1},
    {F::kUbifs, 6, "flags", 28, 4}, {F::kUbifs, 6, "min_io_size", 32, 4},
    {F::kUbifs, 6, "leb_size", 36, 4}, {F::kUbifs, 6, "leb_cnt", 40, 4},
    {F::kUbifs, 6, "max_leb_cnt", 44, 4}, {F::kUbifs, 6, "max_bud_bytes", 48, 8},
    {F::kUbifs, 6, "log_lebs", 56, 4}, {F::kUbifs, 6, "lpt_lebs", 60, 4},
    {F::kUbifs, 6, "orph_lebs", 64, 4}, {F::kUbifs, 6, "jhead_cnt", 68, 4},
    {F::kUbifs, 6, "fanout", 72, 4}, {F::kUbifs, 6, "lsave_cnt", 76, 4},
    {F::kUbifs, 6, "fmt_version", 80, 4}, {F::kUbifs, 6, "default_compr", 84, 2},
    {F::kUbifs, 6, "time_gran", 104, 4}, {F::kUbifs, 6, "ro_compat_version", 124, 4},
    // mst
    {F::kUbifs, 7, "highest_inum", 24, 8}, {F::kUbifs, 7, "cmt_no", 32, 8},
    {F::kUbifs, 7, "flags", 40, 4}, {F::kUbifs, 7, "log_lnum", 44, 4},
    {F::kUbifs, 7, "root_lnum", 48, 4}, {F::kUbifs, 7, "root_offs", 52, 4},
    {F::kUbifs, 7, "root_len", 56, 4}, {F::kUbifs, 7, "gc_lnum", 60, 4},
    {F::kUbifs, 7, "ihead_lnum", 64, 4}, {F::kUbifs, 7, "ihead_offs", 68, 4},
    {F::kUbifs, 7, "index_size", 72, 8}, {F::kUbifs, 7, "total_free", 80, 8},
    {F::kUbifs, 7, "total_dirty", 88, 8}, {F::kUbifs, 7, "total_used", 96, 8},
    {F::kUbifs, 7, "total_dead", 104, 8}, {F::kUbifs, 7, "total_dark", 112, 8},
    {F::kUbifs, 7, "lpt_lnum", 120, 4}, {F::kUbifs, 7, "lpt_offs", 124, 4},
    {F::kUbifs, 7, "nhead_lnum", 128, 4}, {F::kUbifs, 7, "nhead_offs", 132, 4},
    {F::kUbifs, 7, "ltab_lnum", 136, 4}, {F::kUbifs, 7, "ltab_offs", 140, 4},
    {F::kUbifs, 7, "lsave_lnum", 144, 4}, {F::kUbifs, 7, "lsave_offs", 148, 4},
    {F::kUbifs, 7, "lscan_lnum", 152, 4}, {F::kUbifs, 7, "empty_lebs", 156, 4},
    {F::kUbifs, 7, "idx_lebs", 160, 4}, {F::kUbifs, 7, "leb_cnt", 164, 4},
    // ref, idx, cs, orph
    {F::kUbifs, 8, "lnum", 24, 4}, {F::kUbifs, 8, "offs", 28, 4}, {F::kUbifs, 8, "jhead", 32, 4},
    {F::kUbifs, 9, "child_cnt", 24, 2}, {F::kUbifs, 9, "level", 26, 2},
    {F::kUbifs, 10, "cmt_no", 24, 8}, {F::kUbifs, 11, "cmt_no", 24, 8},
    // JFFS2 header (every kind), dirent, inode
    {F::kJffs2, kAny, "nodetype", 2, 2}, {F::kJffs2, kAny, "totlen", 4, 4},
    {F::kJffs2, 0, "pino", 12, 4}, {F::kJffs2, 0, "version", 16, 4}, {F::kJffs2, 0, "ino", 20, 4},
    {F::kJffs2, 0, "mctime", 24, 4}, {F::kJffs2, 0, "nsize", 28, 1}, {F::kJffs2, 0, "type", 29, 1},
    {F::kJffs2, 1, "ino", 12, 4}, {F::kJffs2, 1, "version", 16, 4}, {F::kJffs2, 1, "mode", 20, 4},
    {F::kJffs2, 1, "uid", 24, 2}, {F::kJffs2, 1, "gid", 26, 2}, {F::kJffs2, 1, "isize", 28, 4},
    {F::kJffs2, 1, "atime", 32, 4}, {F::kJffs2, 1, "mtime", 36, 4}, {F::kJffs2, 1, "ctime", 40, 4},
    {F::kJffs2, 1, "offset", 44, 4}, {F::kJffs2, 1, "csize", 48, 4}, {F::kJffs2, 1, "dsize", 52, 4},
    {F::kJffs2, 1, "compr", 56, 1}, {F::kJffs2, 1, "flags", 58, 2},
};

constexpr uint8_t kUbifsTypes = 12;
constexpr uint8_t kJffs2Kinds = 4;  // dirent, inode, cleanmarker, padding

std::string StructureName(FieldFormat f, uint8_t type) {
  switch (f) {
    case F::kUbiEc: return "ubi.ec";
    case F::kUbiVid: return "ubi.vid";
    case F::kUbifs: return absl::StrCat("ubifs.", decoders::UbifsNodeTypeName(type));
    case F::kJffs2:
      return absl::StrCat("jffs2.", decoders::Jffs2KindName(static_cast<decoders::Jffs2Kind>(type)));
  }
  return "?";
}

struct Structure {
  FieldFormat format;
  uint8_t type;
};

std::vector<Structure> Structures() {
  std::vector<Structure> out = {{F::kUbiEc, kAny}, {F::kUbiVid, kAny}};
  for (uint8_t t = 0; t < kUbifsTypes; ++t) out.push_back({F::kUbifs, t});
  for (uint8_t k = 0; k < kJffs2Kinds; ++k) out.push_back({F::kJffs2, k});
  return out;
}

std::optional<Structure> FindStructure(absl::string_view name) {
  for (const Structure& s : Structures()) {
    if (StructureName(s.format, s.type) == name) return s;
  }
  return std::nullopt;
}

bool BigEndian(FieldFormat f, std::span<const uint8_t> node) {
  if (f == F::kUbiEc || f == F::kUbiVid) return true;
  if (f == F::kJffs2) return decoders::Be16(node, 0) == decoders::kJffs2Magic;
  return false;
}

uint64_t Load(std::span<const uint8_t> b, size_t off, int n, bool big) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint64_t{b[off + i]} << (8 * (big ? n - 1 - i : i));
  return v;
}

void Store(std::span<uint8_t> b, size_t off, uint64_t v, int n, bool big) {
  for (int i = 0; i < n; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * (big ? n - 1 - i : i)));
}

uint32_t Crc(std::span<const uint8_t> b, size_t off, size_t len, uint32_t seed) {
  return Crc32Update(seed, b.subspan(off, len));
}

// Where the structure of `f` starts in `bytes` and how long it is.
struct Found {
  size_t at = 0, len = 0;
};

std::optional<Found> Locate(const NodeField& f, std::span<const uint8_t> bytes,
                            const FieldContext& ctx) {
  if (f.format == F::kUbiEc) {
    if (ctx.peb_offset != 0 || !decoders::HasUbiEcMagic(bytes)) return std::nullopt;
    if (bytes.size() < decoders::kUbiEcHeaderSize) return std::nullopt;
    return Found{0, decoders::kUbiEcHeaderSize};
  }
  if (f.format == F::kUbiVid) {
    if (!ctx.vid_offset || *ctx.vid_offset < ctx.peb_offset) return std::nullopt;
    const size_t at = *ctx.vid_offset - ctx.peb_offset;
    if (!decoders::Fits(bytes, at, decoders::kUbiVidHeaderSize) ||
        !decoders::HasUbiVidMagic(bytes.subspan(at))) {
      return std::nullopt;
    }
    return Found{at, decoders::kUbiVidHeaderSize};
  }
  // Nodes: walked from the first one, in the LEB data part of the bytes.
  const size_t base = ctx.data_offset && *ctx.data_offset > ctx.peb_offset
                          ? *ctx.data_offset - ctx.peb_offset
                          : 0;
  if (base >= bytes.size()) return std::nullopt;
  const std::span<const uint8_t> data = bytes.subspan(base);
  std::optional<Found> found;
  auto fits = [&](size_t off, size_t len) {
    return len >= f.offset + f.size && decoders::Fits(data, off, len);
  };
  if (f.format == F::kUbifs) {
    decoders::WalkUbifsNodes(data, ctx.first_node, [&](const decoders::UbifsNode& n) {
      if (n.node_type != f.node_type || !n.len_ok || !fits(n.offset, n.len)) return true;
      if (ctx.inum && !(n.has_key ? n.key.inum == *ctx.inum : n.inum == *ctx.inum)) return true;
      found = Found{base + n.offset, n.len};
      return false;
    });
  } else {
    decoders::WalkJffs2Nodes(data, ctx.first_node, [&](const decoders::Jffs2Node& n) {
      if (n.hdr_crc != decoders::CrcStatus::kOk || n.kind != f.node_type) return true;
      if (!fits(n.offset, n.totlen)) return true;
      if (ctx.inum && n.ino != *ctx.inum) return true;
      found = Found{base + n.offset, n.totlen};
      return false;
    });
  }
  return found;
}

void FixCrcs(const NodeField& f, std::span<uint8_t> node, bool big) {
  switch (f.format) {
    case F::kUbiEc:
    case F::kUbiVid:
      Store(node, 60, Crc(node, 0, 60, decoders::kUbiCrcSeed), 4, true);
      return;
    case F::kUbifs: {
      // Over the node as its (maybe mutated) len says, as far as it lies here.
      const size_t len = std::min<size_t>(decoders::Le32(node, 16), node.size());
      if (len >= 8) Store(node, 4, Crc(node, 8, len - 8, decoders::kUbifsCrcSeed), 4, false);
      return;
    }
    case F::kJffs2: {
      Store(node, 8, Crc(node, 0, 8, decoders::kJffs2CrcSeed), 4, big);
      // The node CRC covers the header (its CRC included) and the fixed part.
      if (f.node_type == decoders::kJffs2KindDirent && node.size() >= 40) {
        Store(node, 32, Crc(node, 0, 32, decoders::kJffs2CrcSeed), 4, big);
      } else if (f.node_type == decoders::kJffs2KindInode && node.size() >= 68) {
        Store(node, 64, Crc(node, 0, 60, decoders::kJffs2CrcSeed), 4, big);
      }
      return;
    }
  }
}

}  // namespace

std::vector<std::string> NodeFieldStructures() {
  std::vector<std::string> out;
  for (const Structure& s : Structures()) out.push_back(StructureName(s.format, s.type));
  return out;
}

std::vector<std::string> NodeFieldNames(absl::string_view structure) {
  std::vector<std::string> out;
  std::optional<Structure> s = FindStructure(structure);
  if (!s) return out;
  for (const NodeField& f : kFields) {
    if (f.format == s->format && (f.node_type == kAny || f.node_type == s->type)) {
      out.emplace_back(f.name);
    }
  }
  return out;
}

std::optional<NodeField> FindNodeField(absl::string_view full_name) {
  const size_t dot = full_name.rfind('.');
  if (dot == absl::string_view::npos) return std::nullopt;
  std::optional<Structure> s = FindStructure(full_name.substr(0, dot));
  if (!s) return std::nullopt;
  const absl::string_view name = full_name.substr(dot + 1);
  for (const NodeField& f : kFields) {
    if (f.format == s->format && (f.node_type == kAny || f.node_type == s->type) &&
        f.name == name) {
      NodeField out = f;
      out.node_type = s->type;
      return out;
    }
  }
  return std::nullopt;
}

std::string UnknownFieldMessage(absl::string_view full_name) {
  const size_t dot = full_name.rfind('.');
  const absl::string_view structure =
      dot == absl::string_view::npos ? full_name : full_name.substr(0, dot);
  if (FindStructure(structure)) {
    return absl::StrCat("unknown field of ", structure, " (its fields: ",
                        absl::StrJoin(NodeFieldNames(structure), ", "), ")");
  }
  return absl::StrCat("unknown structure (expected STRUCTURE.FIELD, a structure one of: ",
                      absl::StrJoin(NodeFieldStructures(), ", "), ")");
}

std::optional<FieldChange> MutateField(const NodeField& f, std::span<uint8_t> bytes,
                                       const FieldContext& ctx, uint64_t value, uint64_t mask,
                                       bool fix_crc) {
  std::optional<Found> at = Locate(f, bytes, ctx);
  if (!at) return std::nullopt;
  const std::span<uint8_t> node = bytes.subspan(at->at, at->len);
  const bool big = BigEndian(f.format, node);
  const uint64_t width = f.size == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * f.size)) - 1;
  FieldChange c;
  c.at = at->at;
  c.old_value = Load(node, f.offset, f.size, big);
  c.new_value = ((c.old_value & ~mask) | (value & mask)) & width;
  Store(node, f.offset, c.new_value, f.size, big);
  if (fix_crc) {
    FixCrcs(f, node, big);
    c.crc_fixed = true;
  }
  return c;
}

}  // namespace flashfault
