// Bounded reads of big- and little-endian integers from byte spans, and the
// CRC verdict every decoder reports.
//
// Why: every decoder in this folder reads untrusted flash contents. All of
// them go through Fits() before any read, so "never read out of bounds"
// is checked in one place instead of in each format's arithmetic.
// Must not: read without a prior Fits() by the caller (the readers assert
// nothing, to stay cheap on the page-classification path).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include "common/crc32.h"

namespace flashfault::decoders {

using Bytes = std::span<const uint8_t>;

// Whether [off, off+len) lies inside `b`, written so that no sum can wrap.
inline bool Fits(Bytes b, size_t off, size_t len) {
  return off <= b.size() && len <= b.size() - off;
}

// Loads of on-flash integers: one unaligned load each (every classified
// page reads a few dozen), swapped when the host's order is not the
// field's. Callers check Fits first; nothing here checks bounds.
template <typename T, std::endian kOrder>
inline T LoadAs(Bytes b, size_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof v);
  if constexpr (std::endian::native != kOrder) {
    if constexpr (sizeof v == 2) v = __builtin_bswap16(v);
    if constexpr (sizeof v == 4) v = __builtin_bswap32(v);
    if constexpr (sizeof v == 8) v = __builtin_bswap64(v);
  }
  return v;
}
inline uint16_t Be16(Bytes b, size_t off) { return LoadAs<uint16_t, std::endian::big>(b, off); }
inline uint32_t Be32(Bytes b, size_t off) { return LoadAs<uint32_t, std::endian::big>(b, off); }
inline uint64_t Be64(Bytes b, size_t off) { return LoadAs<uint64_t, std::endian::big>(b, off); }
inline uint16_t Le16(Bytes b, size_t off) { return LoadAs<uint16_t, std::endian::little>(b, off); }
inline uint32_t Le32(Bytes b, size_t off) { return LoadAs<uint32_t, std::endian::little>(b, off); }
inline uint64_t Le64(Bytes b, size_t off) { return LoadAs<uint64_t, std::endian::little>(b, off); }

enum class CrcStatus : uint8_t {
  kOk,         // matches
  kBad,        // does not match: corrupted, torn, or not this structure
  kTruncated,  // the bytes it covers run past the buffer: not checked
  kUnchecked,  // the caller did not ask for it (FlashMeaning without node CRCs)
};
const char* CrcStatusName(CrcStatus s);

// CRC of b[off, off+len) from `seed`, compared with `stored`; kTruncated
// when the range does not fit.
inline CrcStatus CheckCrc(Bytes b, size_t off, size_t len, uint32_t seed, uint32_t stored) {
  if (!Fits(b, off, len)) return CrcStatus::kTruncated;
  return Crc32Update(seed, b.subspan(off, len)) == stored ? CrcStatus::kOk : CrcStatus::kBad;
}

// Why a walk over the nodes of a buffer stopped (UBIFS and JFFS2 alike).
enum class WalkStop : uint8_t {
  kEnd,        // the buffer ended exactly on a node boundary
  kErased,     // 0xFF where the next node would start, and to the end
  kGarbage,    // neither a node, padding nor erased space
  kOverrun,    // the last node (or padding) runs past the buffer
};
const char* WalkStopName(WalkStop s);

// Where and why a walk ended; the UBIFS and JFFS2 walks report this part
// alike.
struct WalkEnd {
  WalkStop stop = WalkStop::kEnd;
  size_t stop_offset = 0;  // where the walk stopped in the buffer
  size_t next_offset = 0;  // kOverrun: where the next node would start (0: unknown,
                           // the header itself was cut)

  // Records the stop (at most at the buffer's end) and returns `self`.
  template <typename Walk>
  static Walk& Finish(Walk& self, WalkStop s, size_t at, size_t size) {
    self.stop = s;
    self.stop_offset = at < size ? at : size;
    return self;
  }
  // Moves `off` to `next` (a node's aligned end) when that lies inside a
  // buffer of `size` bytes; otherwise notes it as next_offset and returns
  // false, for the caller to stop with kOverrun.
  bool Step(uint64_t next, size_t size, size_t& off) {
    if (next > size) {
      next_offset = next > SIZE_MAX ? SIZE_MAX : static_cast<size_t>(next);
      return false;
    }
    off = static_cast<size_t>(next);
    return true;
  }
};

// True when every byte is 0xFF (erased flash), also for an empty span.
// Written data rarely starts with a word of ones: that word decides most
// calls, inline; erased space is compared out of line.
bool AllErasedAfterFirstWord(Bytes b);
inline bool AllErased(Bytes b) {
  if (b.size() >= 8 && LoadAs<uint64_t, std::endian::native>(b, 0) != ~uint64_t{0}) return false;
  return AllErasedAfterFirstWord(b);
}

// Printable form of an on-flash name: at most `max` bytes, anything outside
// printable ASCII shown as \xNN, so a hostile name cannot mess up a terminal.
std::string PrintableName(Bytes b, size_t max = 255);

}  // namespace flashfault::decoders
