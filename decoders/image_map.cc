// The whole-device map; see image_map.h. Printing is in image_map_print.cc.
#include "decoders/image_map.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "decoders/ubi_headers.h"

namespace flashfault::decoders {
namespace {

// First pass, one block: EC and VID headers, or JFFS2 nodes on bare flash.
void ReadHeaders(Bytes block, PebEntry& e, ImageMap& map, Jffs2Map& jffs2) {
  if (AllErased(block)) {
    e.use = PebUse::kErased;
    return;
  }
  std::optional<UbiEcHeader> ec = DecodeUbiEcHeader(block);
  if (!ec) {
    Jffs2Walk w = WalkJffs2Nodes(block, 0, [&](const Jffs2Node& n) {
      if (n.kind == kJffs2KindInode && n.node_crc == CrcStatus::kOk) jffs2.inodes.insert(n.ino);
      return true;
    });
    if (w.nodes() == 0) return;
    e.use = PebUse::kJffs2;
    ++jffs2.blocks_with_nodes;
    for (int k = 0; k < kJffs2KindCount; ++k) jffs2.totals.counts[k] += w.counts[k];
    jffs2.totals.obsolete += w.obsolete;
    jffs2.totals.bad_hdr_crc += w.bad_hdr_crc;
    jffs2.totals.bad_node_crc += w.bad_node_crc;
    jffs2.totals.bad_data_crc += w.bad_data_crc;
    jffs2.totals.skipped_bytes += w.skipped_bytes;
    return;
  }
  if (ec->crc != CrcStatus::kOk) {
    e.use = PebUse::kCorrupt;
    return;
  }
  e.has_ec = true;
  e.ec = ec->ec;
  // The first EC header with sane offsets sets them for the device.
  if (!map.vid_hdr_offset && ec->vid_hdr_offset >= kUbiEcHeaderSize &&
      uint64_t{ec->vid_hdr_offset} + kUbiVidHeaderSize <= ec->data_offset &&
      ec->data_offset < block.size()) {
    map.vid_hdr_offset = ec->vid_hdr_offset;
    map.data_offset = ec->data_offset;
    map.image_seq = ec->image_seq;
  }
  if (!map.vid_hdr_offset) {
    e.use = PebUse::kCorrupt;
    return;
  }
  const Bytes at = block.subspan(*map.vid_hdr_offset);
  std::optional<UbiVidHeader> vid = DecodeUbiVidHeader(at);
  if (!vid) {
    e.use = AllErased(at.subspan(0, kUbiVidHeaderSize)) ? PebUse::kFree : PebUse::kCorrupt;
    return;
  }
  if (vid->crc != CrcStatus::kOk) {
    e.use = PebUse::kCorrupt;
    return;
  }
  e.use = PebUse::kMapped;
  e.leb = {vid->vol_id, vid->lnum, vid->sqnum, vid->vol_type};
}

// The newest master node of the master area's LEBs.
void NoteMaster(Bytes leb, UbifsMap& u) {
  WalkUbifsNodes(leb, 0, [&](const UbifsNode& n) {
    if (n.node_type != kUbifsMst || n.crc != CrcStatus::kOk) return true;
    std::optional<UbifsMaster> m = DecodeUbifsMaster(leb.subspan(n.offset));
    if (m && (!u.master || m->sqnum > u.master->sqnum)) u.master = m;
    return true;
  });
}

// Walks every mapped LEB of a volume whose LEB 0 holds a UBIFS superblock.
absl::Status DescribeUbifs(const ImageMap& map, BlockReader read, VolumeMap& v) {
  if (v.lebs.empty() || v.lebs.front().first != 0) return absl::OkStatus();
  FF_ASSIGN_OR_RETURN(Bytes sb_block, read(v.lebs.front().second));
  std::optional<UbifsSuperblock> sb = DecodeUbifsSuperblock(sb_block.subspan(*map.data_offset));
  if (!sb || sb->crc != CrcStatus::kOk) return absl::OkStatus();
  UbifsMap& u = v.ubifs.emplace();
  u.sb = *sb;
  for (const auto& [lnum, peb] : v.lebs) {
    const UbifsArea area = UbifsAreaOfLeb(u.sb, lnum);
    // LPT nodes are bit-packed, without the common header: not walked.
    if (area == UbifsArea::kLpt) continue;
    FF_ASSIGN_OR_RETURN(Bytes block, read(peb));
    const Bytes leb = block.subspan(*map.data_offset);
    if (area == UbifsArea::kMaster) NoteMaster(leb, u);
    UbifsWalk w = WalkUbifsNodes(leb, 0, [&](const UbifsNode& n) {
      if (n.node_type == kUbifsIno && n.has_key && n.crc == CrcStatus::kOk) {
        u.inodes.insert(n.key.inum);
      }
      return true;
    });
    for (int t = 0; t < kUbifsNodeTypeCount; ++t) u.counts[t] += w.counts[t];
    u.invalid += w.invalid;
    u.bad_crc += w.bad_crc;
    ++u.lebs_walked;
  }
  return absl::OkStatus();
}

}  // namespace

const char* PebUseName(PebUse u) {
  switch (u) {
    case PebUse::kBad: return "bad";
    case PebUse::kErased: return "erased";
    case PebUse::kFree: return "free";
    case PebUse::kMapped: return "mapped";
    case PebUse::kStale: return "stale";
    case PebUse::kCorrupt: return "corrupt";
    case PebUse::kJffs2: return "jffs2";
    case PebUse::kUnknown: return "unknown";
  }
  return "?";
}

uint32_t ImageMap::Count(PebUse u) const {
  uint32_t n = 0;
  for (const PebEntry& e : pebs) n += e.use == u;
  return n;
}

absl::StatusOr<ImageMap> DescribeImage(const FlashFacts& facts, BlockReader read_block,
                                       absl::FunctionRef<bool(uint32_t)> is_bad) {
  // Every offset below is checked against one block's size: hold the
  // reader to it.
  auto checked = [&](uint32_t peb) -> absl::StatusOr<Bytes> {
    FF_ASSIGN_OR_RETURN(Bytes b, read_block(peb));
    if (b.size() != facts.eraseblock_size) {
      return absl::InternalError(absl::StrCat("eraseblock ", peb, " read back ", b.size(),
                                              " bytes, not ", facts.eraseblock_size));
    }
    return b;
  };
  BlockReader read = checked;
  ImageMap map;
  map.facts = facts;
  map.pebs.resize(facts.eraseblock_count);
  Jffs2Map jffs2;
  // (vol_id, lnum) -> the PEB with the highest sqnum.
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> newest;
  for (uint32_t peb = 0; peb < facts.eraseblock_count; ++peb) {
    PebEntry& e = map.pebs[peb];
    if (is_bad(peb)) {
      e.use = PebUse::kBad;
      continue;
    }
    FF_ASSIGN_OR_RETURN(Bytes block, read(peb));
    ReadHeaders(block, e, map, jffs2);
    if (e.use != PebUse::kMapped) continue;
    auto [it, fresh] = newest.try_emplace({e.leb.vol_id, e.leb.lnum}, peb);
    if (fresh) continue;
    PebEntry& other = map.pebs[it->second];
    if (other.leb.sqnum < e.leb.sqnum) {
      other.use = PebUse::kStale;
      it->second = peb;
    } else {
      e.use = PebUse::kStale;
    }
  }
  const bool ubi = map.vid_hdr_offset.has_value();
  if (ubi) {
    map.format = "ubi";
  } else if (jffs2.blocks_with_nodes > 0) {
    map.format = "jffs2";
    map.jffs2 = std::move(jffs2);
    return map;
  } else {
    map.format = map.Count(PebUse::kErased) + map.Count(PebUse::kBad) == map.pebs.size()
                     ? "erased" : "unknown";
    return map;
  }
  // Volumes: the table's records first (copy 0, else copy 1), then any
  // volume seen only in VID headers (internal ones, or a damaged table).
  std::map<uint32_t, VolumeMap> vols;
  for (uint32_t copy = 0; copy < kUbiLayoutVolumeLebs && vols.empty(); ++copy) {
    auto it = newest.find({kUbiLayoutVolumeId, copy});
    if (it == newest.end()) continue;
    FF_ASSIGN_OR_RETURN(Bytes block, read(it->second));
    for (UbiVtblRecord& r : DecodeUbiVolumeTable(block.subspan(*map.data_offset)).volumes) {
      if (r.crc != CrcStatus::kOk) continue;
      VolumeMap& v = vols[r.index];
      v.vol_id = r.index;
      v.vol_type = r.vol_type;
      v.record = std::move(r);
    }
  }
  for (const auto& [key, peb] : newest) {
    VolumeMap& v = vols[key.first];
    v.vol_id = key.first;
    if (!v.record) v.vol_type = map.pebs[peb].leb.vol_type;
    v.lebs.push_back({key.second, peb});
  }
  for (auto& [id, v] : vols) {
    if (v.vol_type == kUbiVolStatic) {
      for (const auto& [lnum, peb] : v.lebs) {
        // A static LEB's VID header states its data size and CRC.
        FF_ASSIGN_OR_RETURN(Bytes block, read(peb));
        std::optional<UbiVidHeader> vid = DecodeUbiVidHeader(block.subspan(*map.vid_hdr_offset));
        if (vid && CheckUbiDataCrc(*vid, block.subspan(*map.data_offset)) != CrcStatus::kOk) {
          ++v.data_crc_bad;
        }
      }
    } else if (!IsUbiInternalVolume(id)) {
      FF_RETURN_IF_ERROR(DescribeUbifs(map, read, v));
    }
    map.volumes.push_back(std::move(v));
  }
  return map;
}

}  // namespace flashfault::decoders
