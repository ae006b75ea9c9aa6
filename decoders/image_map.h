// DescribeImage: a whole-device map of what a flash image holds, built from
// the decoders of this folder: which PEB holds which UBI volume and LEB (the
// highest sqnum wins, older copies are "stale"), the volumes of the layout
// volume, and for each UBIFS volume where its superblock, master, log, LPT,
// orphan and main areas are, its node counts by type and the inode numbers
// of its inode nodes; for JFFS2, node counts and inode numbers.
//
// For: `flashfault image info --decode` and tests. Must not: open files or
// know the image format (the caller hands eraseblocks through a reader, the
// harness reads them with backends/image's loader), follow the UBIFS index
// or trust any count it reads (everything here is bounded by the device).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "decoders/flash_meaning.h"
#include "decoders/jffs2_nodes.h"
#include "nlohmann/json.hpp"

namespace flashfault::decoders {

enum class PebUse : uint8_t {
  kBad,      // marked bad: not read
  kErased,   // all 0xFF
  kFree,     // EC header, no VID header
  kMapped,   // holds the newest copy of a LEB
  kStale,    // holds an older copy of a LEB some other PEB holds newer
  kCorrupt,  // an EC or VID header whose CRC fails
  kJffs2,    // JFFS2 nodes
  kUnknown,  // none of the above
};
const char* PebUseName(PebUse u);

struct PebEntry {
  PebUse use = PebUse::kUnknown;
  bool has_ec = false;
  uint64_t ec = 0;
  LebRef leb;  // kMapped and kStale
};

struct UbifsMap {
  UbifsSuperblock sb;
  std::optional<UbifsMaster> master;  // the newest master node with a good CRC
  std::array<uint32_t, kUbifsNodeTypeCount> counts{};
  uint32_t invalid = 0;  // unknown types, or too short for their type
  uint32_t bad_crc = 0;
  uint32_t lebs_walked = 0;
  std::set<uint64_t> inodes;  // keys of inode nodes with a good CRC
};

struct VolumeMap {
  uint32_t vol_id = 0;
  std::optional<UbiVtblRecord> record;  // none for internal volumes
  uint8_t vol_type = 0;                 // from the record or the VID headers
  std::vector<std::pair<uint32_t, uint32_t>> lebs;  // (lnum, PEB), by lnum
  uint32_t data_crc_bad = 0;  // static volumes: LEBs whose data CRC fails
  std::optional<UbifsMap> ubifs;
};

struct Jffs2Map {
  Jffs2Walk totals;  // counts and CRC failures summed over all blocks
  uint32_t blocks_with_nodes = 0;
  std::set<uint32_t> inodes;  // of inode nodes with good CRCs
};

struct ImageMap {
  FlashFacts facts;
  std::string format = "unknown";  // "ubi", "jffs2", "erased" or "unknown"
  std::optional<uint32_t> vid_hdr_offset, data_offset, image_seq;
  std::vector<PebEntry> pebs;
  std::vector<VolumeMap> volumes;  // by vol_id, internal volumes last
  std::optional<Jffs2Map> jffs2;
  uint32_t Count(PebUse u) const;
};

// Returns eraseblock `peb`'s in-band bytes (facts.eraseblock_size of them),
// valid until the next call.
using BlockReader = absl::FunctionRef<absl::StatusOr<Bytes>(uint32_t peb)>;

// Maps the device; `is_bad(peb)` blocks are not read. Errors come only from
// `read`.
absl::StatusOr<ImageMap> DescribeImage(const FlashFacts& facts, BlockReader read,
                                       absl::FunctionRef<bool(uint32_t)> is_bad);

nlohmann::ordered_json ImageMapToJson(const ImageMap& map);
// Human text, one line per fact, ending with a newline.
std::string ImageMapToText(const ImageMap& map);

}  // namespace flashfault::decoders
