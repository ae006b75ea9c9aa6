// libFuzzer target: arbitrary bytes as a UBI layout volume LEB and as
// fastmap data (decoders/ubi_volume_table.h).
//
// Contracts checked (a violation traps): at most 128 records and only whole
// ones; every record in use has reserved_pebs != 0, an index below 128 and
// a name of at most 127 bytes, whatever name_len says; the fastmap
// superblock's block list never exceeds 32; ClassifyFastmap agrees with the
// superblock decoder on the magic. ASan+UBSan catch reads outside the span.
#include <cstddef>
#include <cstdint>

#include "decoders/ubi_volume_table.h"
#include "fuzz/fuzz_check.h"

using namespace flashfault::decoders;
using flashfault::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Bytes b(data, size);
  const UbiVolumeTable t = DecodeUbiVolumeTable(b);
  Check(t.records_seen <= kUbiMaxVolumes && t.records_seen * kUbiVtblRecordSize <= size);
  Check(t.volumes.size() <= t.records_seen && t.bad_crc <= t.records_seen);
  uint32_t last = 0;
  for (size_t i = 0; i < t.volumes.size(); ++i) {
    const UbiVtblRecord& r = t.volumes[i];
    Check(r.in_use() && r.index < kUbiMaxVolumes && r.name.size() <= kUbiVolNameMax);
    Check(i == 0 || r.index > last);
    last = r.index;
  }
  const std::optional<UbiFastmapSb> sb = DecodeUbiFastmapSb(b);
  if (sb) Check(sb->block_loc.size() <= kUbiFmMaxBlocks);
  Check(!sb || ClassifyFastmap(b) == FastmapPart::kSuperblock);
  FastmapPartName(ClassifyFastmap(b));
  return 0;
}
