// UBI volume table and fastmap recognition; see ubi_volume_table.h.
#include "decoders/ubi_volume_table.h"

#include <algorithm>

#include "decoders/ubi_headers.h"

namespace flashfault::decoders {
namespace {

// Record layout: reserved_pebs, alignment, data_pad (be32 each), vol_type,
// upd_marker, name_len (be16), name[128], flags, padding[23], crc (be32).
constexpr size_t kNameOffset = 16;
constexpr size_t kFlagsOffset = kNameOffset + kUbiVolNameMax + 1;
constexpr size_t kRecordCrcSpan = kUbiVtblRecordSize - 4;
// ubi_fm_sb: magic, version, 3 pad, data_crc, used_blocks, block_loc[32],
// block_ec[32], sqnum, 32 pad.
constexpr size_t kFmSbBlockLoc = 16;
constexpr size_t kFmSbSqnum = kFmSbBlockLoc + 2 * 4 * kUbiFmMaxBlocks;
constexpr size_t kFmSbSize = kFmSbSqnum + 8 + 32;

}  // namespace

std::optional<UbiVtblRecord> DecodeUbiVtblRecord(Bytes b, uint32_t index) {
  if (!Fits(b, 0, kUbiVtblRecordSize)) return std::nullopt;
  UbiVtblRecord r;
  r.index = index;
  r.reserved_pebs = Be32(b, 0);
  r.alignment = Be32(b, 4);
  r.data_pad = Be32(b, 8);
  r.vol_type = b[12];
  r.upd_marker = b[13];
  r.name_len = Be16(b, 14);
  // name_len is a claim: the name field holds at most 127 bytes and a NUL.
  const size_t n = std::min<size_t>(r.name_len, kUbiVolNameMax);
  r.name.assign(reinterpret_cast<const char*>(b.data() + kNameOffset), n);
  r.flags = b[kFlagsOffset];
  r.crc_stored = Be32(b, kRecordCrcSpan);
  r.crc = CheckCrc(b, 0, kRecordCrcSpan, kUbiCrcSeed, r.crc_stored);
  return r;
}

UbiVolumeTable DecodeUbiVolumeTable(Bytes leb_data) {
  UbiVolumeTable t;
  for (uint32_t i = 0; i < kUbiMaxVolumes; ++i) {
    const size_t off = size_t{i} * kUbiVtblRecordSize;
    if (!Fits(leb_data, off, kUbiVtblRecordSize)) break;
    std::optional<UbiVtblRecord> r = DecodeUbiVtblRecord(leb_data.subspan(off), i);
    ++t.records_seen;
    if (r->crc != CrcStatus::kOk) ++t.bad_crc;
    if (r->in_use()) t.volumes.push_back(std::move(*r));
  }
  return t;
}

std::optional<UbiFastmapSb> DecodeUbiFastmapSb(Bytes b) {
  if (!Fits(b, 0, kFmSbSize) || Be32(b, 0) != kUbiFmSbMagic) return std::nullopt;
  UbiFastmapSb sb;
  sb.version = b[4];
  sb.data_crc = Be32(b, 8);
  sb.used_blocks = Be32(b, 12);
  const uint32_t n = std::min(sb.used_blocks, kUbiFmMaxBlocks);
  for (uint32_t i = 0; i < n; ++i) sb.block_loc.push_back(Be32(b, kFmSbBlockLoc + 4 * i));
  sb.sqnum = Be64(b, kFmSbSqnum);
  return sb;
}

const char* FastmapPartName(FastmapPart p) {
  switch (p) {
    case FastmapPart::kNone: return "none";
    case FastmapPart::kSuperblock: return "superblock";
    case FastmapPart::kHeader: return "header";
    case FastmapPart::kPool: return "pool";
    case FastmapPart::kVolume: return "volume";
    case FastmapPart::kEba: return "eba";
  }
  return "?";
}

FastmapPart ClassifyFastmap(Bytes b) {
  if (!Fits(b, 0, 4)) return FastmapPart::kNone;
  switch (Be32(b, 0)) {
    case kUbiFmSbMagic: return FastmapPart::kSuperblock;
    case kUbiFmHdrMagic: return FastmapPart::kHeader;
    case kUbiFmPoolMagic: return FastmapPart::kPool;
    case kUbiFmVhdrMagic: return FastmapPart::kVolume;
    case kUbiFmEbaMagic: return FastmapPart::kEba;
  }
  return FastmapPart::kNone;
}

}  // namespace flashfault::decoders
