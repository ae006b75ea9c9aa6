// Deterministic content and the file hash (see content.h). Changing either
// function changes every recorded workload's meaning: logs written by an
// older executor would no longer check. Keep them stable.
#include "harness/campaign/oracle/content.h"

#include <cstring>

namespace flashfault::oracle {
namespace {

// A 64-bit finaliser: every input bit affects every output bit. The constants
// are odd multipliers with good avalanche behaviour.
inline uint64_t Mix(uint64_t x) {
  x ^= x >> 31;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 29;
  x *= 0xa0761d6478bd642fULL;
  x ^= x >> 32;
  return x;
}

// Word w (8 bytes) of stream `seed`. Never all-zero bytes in a pattern the
// oracle could mistake for a hole: zero bytes occur only by chance (1/256).
inline uint64_t Word(uint64_t seed, uint64_t w) {
  return Mix(seed * 0x9e3779b97f4a7c15ULL + w + 0x632be59bd9b4e019ULL);
}

}  // namespace

uint8_t DataByte(uint64_t seed, uint64_t index) {
  return static_cast<uint8_t>(Word(seed, index / 8) >> (8 * (index % 8)));
}

void FillData(uint64_t seed, uint64_t index, uint8_t* out, size_t len) {
  size_t done = 0;
  // Head up to a word boundary, then whole words, then the tail.
  while (done < len && (index + done) % 8 != 0) {
    out[done] = DataByte(seed, index + done);
    ++done;
  }
  while (len - done >= 8) {
    const uint64_t w = Word(seed, (index + done) / 8);
    for (int b = 0; b < 8; ++b) out[done + b] = static_cast<uint8_t>(w >> (8 * b));
    done += 8;
  }
  while (done < len) {
    out[done] = DataByte(seed, index + done);
    ++done;
  }
}

uint64_t Hash64(const void* data, size_t len) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t h = Mix(len ^ 0x27d4eb2f165667c5ULL);
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = Mix(h ^ (w * 0x9e3779b97f4a7c15ULL)) + 0x165667b19e3779f9ULL;
  }
  uint64_t tail = 0;
  for (size_t b = 0; i + b < len; ++b) tail |= static_cast<uint64_t>(p[i + b]) << (8 * b);
  return Mix(h ^ tail ^ (len << 56));
}

}  // namespace flashfault::oracle
