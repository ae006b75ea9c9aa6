// UBI's two per-eraseblock headers: the erase counter (EC) header at offset
// 0 of every PEB and the volume identifier (VID) header at vid_hdr_offset of
// every mapped PEB. Layouts, magics and the CRC rule are facts of UBI's
// on-flash format (ubi-media.h, format version 1); this code is our own.
//
// For: telling what a page of a UBI device holds (flash_meaning.h) and
// describing images. Must not: trust any field (an offset or a size read
// here is only a claim: callers bound it against the geometry), read
// outside the given span, or know anything of the fault layer or the model.
#pragma once

#include <cstdint>
#include <optional>

#include "decoders/bytes.h"

namespace flashfault::decoders {

inline constexpr uint32_t kUbiEcHeaderMagic = 0x55424923;   // "UBI#"
inline constexpr uint32_t kUbiVidHeaderMagic = 0x55424921;  // "UBI!"
inline constexpr size_t kUbiEcHeaderSize = 64;
inline constexpr size_t kUbiVidHeaderSize = 64;
// Both headers end with a CRC over everything before it. UBI seeds with
// all ones and stores the register as it ends (no final inversion).
inline constexpr uint32_t kUbiCrcSeed = 0xFFFFFFFF;
inline constexpr uint8_t kUbiVersion = 1;

// Volume types (vol_type in the VID header and the volume table).
inline constexpr uint8_t kUbiVolDynamic = 1;
inline constexpr uint8_t kUbiVolStatic = 2;
const char* UbiVolTypeName(uint8_t vol_type);
// Compatibility flags of internal volumes (compat in the VID header).
const char* UbiCompatName(uint8_t compat);

// Internal volume ids sit just below INT32_MAX.
inline constexpr uint32_t kUbiInternalVolStart = 0x7FFFFFFF - 4096;
inline constexpr uint32_t kUbiLayoutVolumeId = kUbiInternalVolStart;
inline constexpr uint32_t kUbiFastmapSbVolumeId = kUbiInternalVolStart + 1;
inline constexpr uint32_t kUbiFastmapDataVolumeId = kUbiInternalVolStart + 2;
inline constexpr uint32_t kUbiLayoutVolumeLebs = 2;

struct UbiEcHeader {
  uint8_t version = 0;
  uint64_t ec = 0;
  uint32_t vid_hdr_offset = 0;
  uint32_t data_offset = 0;
  uint32_t image_seq = 0;
  uint32_t hdr_crc = 0;
  CrcStatus crc = CrcStatus::kTruncated;
};

struct UbiVidHeader {
  uint8_t version = 0;
  uint8_t vol_type = 0;
  uint8_t copy_flag = 0;
  uint8_t compat = 0;
  uint32_t vol_id = 0;
  uint32_t lnum = 0;
  uint32_t data_size = 0;  // static volumes and copies: bytes of data in this LEB
  uint32_t used_ebs = 0;   // static volumes: LEBs the volume's data fills
  uint32_t data_pad = 0;
  uint32_t data_crc = 0;   // static volumes and copies: CRC of data_size bytes
  uint64_t sqnum = 0;
  uint32_t hdr_crc = 0;
  CrcStatus crc = CrcStatus::kTruncated;
};

// Whether `b` starts with the magic (and is long enough to hold it).
bool HasUbiEcMagic(Bytes b);
bool HasUbiVidMagic(Bytes b);

// The header at the start of `b`, or nullopt when `b` is shorter than a
// header or the magic is not there. A header whose CRC is bad is still
// returned, with crc == kBad, so the caller can say "corrupted EC header".
std::optional<UbiEcHeader> DecodeUbiEcHeader(Bytes b);
std::optional<UbiVidHeader> DecodeUbiVidHeader(Bytes b);

// The data CRC a VID header claims (static volumes, or copy_flag set):
// over the first data_size bytes of `leb_data`. kTruncated when data_size
// runs past the span (a lying header included).
CrcStatus CheckUbiDataCrc(const UbiVidHeader& vid, Bytes leb_data);

bool IsUbiInternalVolume(uint32_t vol_id);
// "layout", "fastmap-sb", "fastmap-data" or nullptr for a user volume.
const char* UbiInternalVolumeName(uint32_t vol_id);

}  // namespace flashfault::decoders
