// libFuzzer target: arbitrary bytes as UBI EC and VID headers
// (decoders/ubi_headers.h), at every offset of the input.
//
// Contracts checked (a violation traps): a header decodes exactly when 64
// bytes with its magic are there; its fields are the big-endian bytes where
// the format puts them; kOk exactly when the CRC of the first 60 bytes
// matches; the data CRC check never claims kOk for a data_size past the
// input. ASan+UBSan catch any read outside the span. Deterministic.
#include <cstddef>
#include <cstdint>

#include "common/crc32.h"
#include "decoders/ubi_headers.h"
#include "fuzz/fuzz_check.h"

using namespace flashfault::decoders;
using flashfault::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Bytes all(data, size);
  for (size_t off = 0; off < size; off += 4) {
    const Bytes b = all.subspan(off);
    const bool fits = b.size() >= 64;
    const bool crc_ok = fits && flashfault::Crc32Update(kUbiCrcSeed, b.first(60)) == Be32(b, 60);
    if (std::optional<UbiEcHeader> ec = DecodeUbiEcHeader(b)) {
      Check(fits && Be32(b, 0) == kUbiEcHeaderMagic);
      Check(ec->ec == Be64(b, 8) && ec->data_offset == Be32(b, 20));
      Check((ec->crc == CrcStatus::kOk) == crc_ok);
    } else {
      Check(!fits || Be32(b, 0) != kUbiEcHeaderMagic);
    }
    if (std::optional<UbiVidHeader> vid = DecodeUbiVidHeader(b)) {
      Check(fits && Be32(b, 0) == kUbiVidHeaderMagic);
      Check(vid->vol_id == Be32(b, 8) && vid->lnum == Be32(b, 12) && vid->sqnum == Be64(b, 40));
      Check((vid->crc == CrcStatus::kOk) == crc_ok);
      const Bytes rest = b.subspan(64);
      const CrcStatus d = CheckUbiDataCrc(*vid, rest);
      Check(d != CrcStatus::kOk || vid->data_size <= rest.size());
      UbiInternalVolumeName(vid->vol_id);
    } else {
      Check(!fits || Be32(b, 0) != kUbiVidHeaderMagic);
    }
  }
  return 0;
}
