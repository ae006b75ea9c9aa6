// Deterministic file content and a fast 64-bit hash for the workload oracle.
//
// A workload's write says (seed, length), never the bytes: byte i of the
// write is DataByte(seed, i), so the executor, the shell helper
// (`flashfault workload data`) and the oracle all produce the same bytes
// without storing them. The hash is for quick equality of whole files; it is
// not cryptographic and must never be used to decide a verdict alone (the
// oracle compares bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include "absl/strings/string_view.h"

namespace flashfault::oracle {

// Byte `index` of the data stream named by `seed`.
uint8_t DataByte(uint64_t seed, uint64_t index);

// Writes bytes [index, index + len) of the stream `seed` into `out`.
void FillData(uint64_t seed, uint64_t index, uint8_t* out, size_t len);

// A 64-bit hash of `data` (word-at-a-time multiply/xor mixing).
uint64_t Hash64(const void* data, size_t len);
inline uint64_t Hash64(absl::string_view s) { return Hash64(s.data(), s.size()); }

}  // namespace flashfault::oracle
