// libFuzzer target: arbitrary bytes as a nanddump or raw dump into the image
// import (backends/image/image_import.h), delivered in reads of
// fuzzer-chosen sizes, as a pipe delivers them.
//
// Contracts checked (a violation traps): an accepted input yields exactly
// the device's bytes, its pages first and the rest erased; a refused input
// (empty, too long, a nanddump ending inside a page) is InvalidArgument
// naming the input. The geometry is a small valid part so every run is
// fast. Deterministic: no I/O, no exit.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "backends/image/image_import.h"
#include "backends/model/presets.h"
#include "fuzz/fuzz_check.h"

namespace {

using namespace flashfault;

using flashfault::fuzz::Check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // The first byte picks the format and the read size; the rest is input.
  const ImageFormat format = (data[0] & 1) ? ImageFormat::kRaw : ImageFormat::kNanddump;
  const size_t chunk = 1 + (data[0] >> 1) * 37;
  const uint8_t* in = data + 1;
  const size_t in_size = size - 1;

  Geometry g = *FindPreset("slc-512-64m");
  g.pages_per_block = 4;
  g.block_count = 3;
  Check(ValidateGeometry(g).ok());

  size_t pos = 0;
  const ImportReader read = [&](uint8_t* buf, size_t len) -> absl::StatusOr<size_t> {
    const size_t n = std::min({len, chunk, in_size - pos});
    std::memcpy(buf, in + pos, n);
    pos += n;
    return n;
  };
  std::vector<uint8_t> out;
  const ImportWriter write = [&](const uint8_t* p, size_t len) {
    out.insert(out.end(), p, p + len);
    return absl::OkStatus();
  };
  const absl::Status s = ConvertToImage(read, "in", format, g, write);
  const uint64_t stride = uint64_t{g.page_size} + g.oob_size;
  const uint64_t in_page = format == ImageFormat::kNanddump ? stride : g.page_size;
  if (!s.ok()) {
    Check(s.code() == absl::StatusCode::kInvalidArgument);
    Check(s.message().substr(0, 4) == "in: ");
    Check(in_size == 0 || in_size > in_page * g.total_pages() ||
          (format == ImageFormat::kNanddump && in_size % in_page != 0));
    return 0;
  }
  Check(out.size() == stride * g.total_pages());
  for (uint64_t p = 0; p < g.total_pages(); ++p) {
    for (uint64_t b = 0; b < stride; ++b) {
      const uint64_t src = p * in_page + b;
      const uint8_t want = (b < in_page && src < in_size) ? in[src] : 0xFF;
      Check(out[p * stride + b] == want);
    }
  }
  return 0;
}
