// Shared helpers of the decoders; see bytes.h.
#include "decoders/bytes.h"

#include <algorithm>
#include <array>
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

const char* WalkStopName(WalkStop s) {
  switch (s) {
    case WalkStop::kEnd: return "end";
    case WalkStop::kErased: return "erased";
    case WalkStop::kGarbage: return "garbage";
    case WalkStop::kOverrun: return "overrun";
  }
  return "?";
}

bool AllErasedAfterFirstWord(Bytes b) {
  // Erased space (whole pages and eraseblock tails) is compared in chunks
  // by memcmp, which the C library vectorises.
  static constexpr size_t kChunk = 256;
  static const std::array<uint8_t, kChunk> kOnes = [] {
    std::array<uint8_t, kChunk> a;
    a.fill(0xFF);
    return a;
  }();
  for (size_t i = 0; i < b.size(); i += kChunk) {
    if (std::memcmp(b.data() + i, kOnes.data(), std::min(kChunk, b.size() - i)) != 0) return false;
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
