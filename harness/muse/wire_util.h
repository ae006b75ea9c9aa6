// Two helpers shared by the MuseSession sources (not part of the ABI): read
// a struct from unaligned wire bytes, and name a byte range for writev().
// Internal to harness/muse/; nothing outside the session should include it.
#pragma once

#include <sys/uio.h>

#include <cstring>
#include <span>

namespace flashfault::muse::wire {

// The caller has checked that `bytes` holds at least sizeof(T).
template <typename T>
T Decode(std::span<const uint8_t> bytes) {
  T v;
  std::memcpy(&v, bytes.data(), sizeof(T));  // the wire gives no alignment promise
  return v;
}

inline iovec Piece(const void* p, size_t n) { return iovec{const_cast<void*>(p), n}; }

}  // namespace flashfault::muse::wire
