// NodeFields: the fields of on-flash structures a field_mutation fault can
// set, by name ("ubi.vid.lnum", "ubifs.ino.size", "jffs2.dirent.ino"), and
// the one function that finds such a structure in an op's bytes and sets
// the field, recomputing the structure's CRCs when asked.
//
// The table in node_fields.cc is the only place field names, offsets and
// sizes are spelled (facts of the formats: ubi-media.h, ubifs-media.h,
// jffs2.h). Must not: write outside the given span, change any byte but the
// field's and (with fix_crc) the CRCs that cover it, or decide when a
// mutation happens (the family does).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace flashfault {

enum class FieldFormat : uint8_t { kUbiEc, kUbiVid, kUbifs, kJffs2 };

struct NodeField {
  FieldFormat format;
  uint8_t node_type;       // UBIFS node type / decoders::Jffs2Kind; 0xFF: every type
  absl::string_view name;  // the last part of the full name
  uint16_t offset;         // from the structure's first byte
  uint8_t size;            // 1, 2, 4 or 8 bytes
};

// The structures ("ubi.ec", "ubifs.mst", "jffs2.dirent", ...) and, for one
// of them, its fields' names (common header fields included).
std::vector<std::string> NodeFieldStructures();
std::vector<std::string> NodeFieldNames(absl::string_view structure);

// The field of a full name ("ubifs.mst.leb_cnt"), its node type filled in
// for fields common to every node type. nullopt: unknown.
std::optional<NodeField> FindNodeField(absl::string_view full_name);
// Why `full_name` names no field, in words that list what exists.
std::string UnknownFieldMessage(absl::string_view full_name);

// Where an op's bytes sit and what the classifier knows about them.
struct FieldContext {
  uint64_t peb_offset = 0;               // of bytes[0] in its eraseblock
  std::optional<uint32_t> vid_offset;    // UBI: the VID header's PEB offset
  std::optional<uint32_t> data_offset;   // UBI: where LEB data starts in a PEB
  uint32_t first_node = 0;               // where the first node header starts,
                                         // counted from the LEB data in `bytes`
  std::optional<uint32_t> inum;          // only a node of this inode (keyed types)
};

struct FieldChange {
  size_t at = 0;  // the structure's offset in the bytes
  uint64_t old_value = 0, new_value = 0;
  bool crc_fixed = false;
};

// Sets the field in the first structure of its kind whose bytes lie whole
// inside `bytes` (so its CRC can be recomputed): field = (old & ~mask) |
// (value & mask), cut to the field's size. nullopt when no such structure is
// there (nothing changed).
std::optional<FieldChange> MutateField(const NodeField& f, std::span<uint8_t> bytes,
                                       const FieldContext& ctx, uint64_t value, uint64_t mask,
                                       bool fix_crc);

}  // namespace flashfault
