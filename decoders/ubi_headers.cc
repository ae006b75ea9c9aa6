// UBI EC and VID headers; see ubi_headers.h. Offsets below are those of the
// packed big-endian on-flash structures.
#include "decoders/ubi_headers.h"

namespace flashfault::decoders {
namespace {

// The CRC covers the header but its own last four bytes.
constexpr size_t kHeaderCrcSpan = 60;

}  // namespace

const char* UbiVolTypeName(uint8_t vol_type) {
  switch (vol_type) {
    case kUbiVolDynamic: return "dynamic";
    case kUbiVolStatic: return "static";
  }
  return "invalid";
}

const char* UbiCompatName(uint8_t compat) {
  switch (compat) {
    case 0: return "none";
    case 1: return "delete";
    case 2: return "ro";
    case 4: return "preserve";
    case 5: return "reject";
  }
  return "invalid";
}

bool HasUbiEcMagic(Bytes b) { return Fits(b, 0, 4) && Be32(b, 0) == kUbiEcHeaderMagic; }
bool HasUbiVidMagic(Bytes b) { return Fits(b, 0, 4) && Be32(b, 0) == kUbiVidHeaderMagic; }

std::optional<UbiEcHeader> DecodeUbiEcHeader(Bytes b) {
  if (!Fits(b, 0, kUbiEcHeaderSize) || !HasUbiEcMagic(b)) return std::nullopt;
  UbiEcHeader h;
  h.version = b[4];
  h.ec = Be64(b, 8);
  h.vid_hdr_offset = Be32(b, 16);
  h.data_offset = Be32(b, 20);
  h.image_seq = Be32(b, 24);
  h.hdr_crc = Be32(b, kHeaderCrcSpan);
  h.crc = CheckCrc(b, 0, kHeaderCrcSpan, kUbiCrcSeed, h.hdr_crc);
  return h;
}

std::optional<UbiVidHeader> DecodeUbiVidHeader(Bytes b) {
  if (!Fits(b, 0, kUbiVidHeaderSize) || !HasUbiVidMagic(b)) return std::nullopt;
  UbiVidHeader h;
  h.version = b[4];
  h.vol_type = b[5];
  h.copy_flag = b[6];
  h.compat = b[7];
  h.vol_id = Be32(b, 8);
  h.lnum = Be32(b, 12);
  h.data_size = Be32(b, 20);
  h.used_ebs = Be32(b, 24);
  h.data_pad = Be32(b, 28);
  h.data_crc = Be32(b, 32);
  h.sqnum = Be64(b, 40);
  h.hdr_crc = Be32(b, kHeaderCrcSpan);
  h.crc = CheckCrc(b, 0, kHeaderCrcSpan, kUbiCrcSeed, h.hdr_crc);
  return h;
}

CrcStatus CheckUbiDataCrc(const UbiVidHeader& vid, Bytes leb_data) {
  return CheckCrc(leb_data, 0, vid.data_size, kUbiCrcSeed, vid.data_crc);
}

bool IsUbiInternalVolume(uint32_t vol_id) {
  return vol_id >= kUbiInternalVolStart && vol_id <= 0x7FFFFFFF;
}

const char* UbiInternalVolumeName(uint32_t vol_id) {
  switch (vol_id) {
    case kUbiLayoutVolumeId: return "layout";
    case kUbiFastmapSbVolumeId: return "fastmap-sb";
    case kUbiFastmapDataVolumeId: return "fastmap-data";
  }
  return IsUbiInternalVolume(vol_id) ? "internal" : nullptr;
}

}  // namespace flashfault::decoders
