// Shared helpers of the decoders; see bytes.h.
#include "decoders/bytes.h"

#include <cstring>

#include "absl/strings/str_format.h"
#include "common/crc32.h"

namespace flashfault::decoders {

const char* CrcStatusName(CrcStatus s) {
  switch (s) {
    case CrcStatus::kOk: return "ok";
    case CrcStatus::kBad: return "bad";
    case CrcStatus::kTruncated: return "truncated";
    case CrcStatus::kUnchecked: return "unchecked";
  }
  return "?";
}

CrcStatus CheckCrc(Bytes b, size_t off, size_t len, uint32_t seed, uint32_t stored) {
  if (!Fits(b, off, len)) return CrcStatus::kTruncated;
  return Crc32Update(seed, b.subspan(off, len)) == stored ? CrcStatus::kOk : CrcStatus::kBad;
}

const char* WalkStopName(WalkStop s) {
  switch (s) {
    case WalkStop::kEnd: return "end";
    case WalkStop::kErased: return "erased";
    case WalkStop::kGarbage: return "garbage";
    case WalkStop::kOverrun: return "overrun";
  }
  return "?";
}

bool AllErased(Bytes b) {
  // Word-wise compare: erased-space checks run over whole eraseblock tails.
  size_t i = 0;
  for (; i + 8 <= b.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, b.data() + i, 8);
    if (w != ~uint64_t{0}) return false;
  }
  for (; i < b.size(); ++i) {
    if (b[i] != 0xFF) return false;
  }
  return true;
}

std::string PrintableName(Bytes b, size_t max) {
  std::string out;
  for (size_t i = 0; i < b.size() && i < max; ++i) {
    const uint8_t c = b[i];
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    }
  }
  return out;
}

}  // namespace flashfault::decoders
