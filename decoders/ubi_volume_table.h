// The contents of UBI's internal volumes: the volume table records that the
// layout volume holds (two LEBs, each a full copy), and the fastmap's
// superblock and data, recognised well enough to classify a page.
//
// For: learning which volumes a device has (flash_meaning.h) and printing
// them. Must not: trust name_len, reserved_pebs or used_blocks beyond the
// bounds stated here, read outside the span, or build anything from the
// fastmap beyond its superblock fields (the kernel is the judge of that).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "decoders/bytes.h"

namespace flashfault::decoders {

inline constexpr size_t kUbiVtblRecordSize = 172;
inline constexpr uint32_t kUbiMaxVolumes = 128;
inline constexpr uint32_t kUbiVolNameMax = 127;
inline constexpr uint8_t kUbiVtblAutoresize = 0x01;
inline constexpr uint8_t kUbiVtblSkipCrcCheck = 0x02;

// One record of the volume table. Index i describes volume id i.
struct UbiVtblRecord {
  uint32_t index = 0;
  uint32_t reserved_pebs = 0;
  uint32_t alignment = 0;
  uint32_t data_pad = 0;
  uint8_t vol_type = 0;
  uint8_t upd_marker = 0;
  uint16_t name_len = 0;    // as stored; the name below is cut at kUbiVolNameMax
  std::string name;         // raw bytes, at most kUbiVolNameMax of them
  uint8_t flags = 0;
  uint32_t crc_stored = 0;
  CrcStatus crc = CrcStatus::kTruncated;

  // An unused slot has no reserved PEBs (UBI leaves it zeroed).
  bool in_use() const { return reserved_pebs != 0; }
};

// Record number `index` from its 172 bytes at the start of `b`.
std::optional<UbiVtblRecord> DecodeUbiVtblRecord(Bytes b, uint32_t index);

struct UbiVolumeTable {
  std::vector<UbiVtblRecord> volumes;  // records in use, in index order
  uint32_t records_seen = 0;           // whole records in the span (<= 128)
  uint32_t bad_crc = 0;                // records whose CRC did not match
};

// Every whole record in a layout-volume LEB's data (at most 128).
UbiVolumeTable DecodeUbiVolumeTable(Bytes leb_data);

// Fastmap magics (the superblock starts the anchor PEB's data; the header
// starts the fastmap data proper, followed by pools and volume records).
inline constexpr uint32_t kUbiFmSbMagic = 0x7B11D69F;
inline constexpr uint32_t kUbiFmHdrMagic = 0xD4B82EF7;
inline constexpr uint32_t kUbiFmVhdrMagic = 0xFA370ED1;
inline constexpr uint32_t kUbiFmPoolMagic = 0x67AF4D08;
inline constexpr uint32_t kUbiFmEbaMagic = 0xF0C040A8;
inline constexpr uint32_t kUbiFmMaxBlocks = 32;

struct UbiFastmapSb {
  uint8_t version = 0;
  uint32_t data_crc = 0;
  uint32_t used_blocks = 0;  // as stored; block_loc holds at most 32
  std::vector<uint32_t> block_loc;
  uint64_t sqnum = 0;
};
std::optional<UbiFastmapSb> DecodeUbiFastmapSb(Bytes b);

enum class FastmapPart : uint8_t { kNone, kSuperblock, kHeader, kPool, kVolume, kEba };
const char* FastmapPartName(FastmapPart p);
// What fastmap structure starts `b`, by its magic.
FastmapPart ClassifyFastmap(Bytes b);

}  // namespace flashfault::decoders
