// CRC-32 by folding with carry-less multiplication (PCLMULQDQ): 16 bytes
// of message cost two multiplications and a few xors instead of sixteen
// table lookups, which is most of what checking a UBIFS node's CRC costs.
//
// The arithmetic, in the reflected bit order of this CRC (bit i of a
// little-endian 128-bit load is the coefficient of x^(127-i)): an
// accumulator A = H*x^64 + L stands for the message so far, such that the
// CRC of the message is TableUpdate(0, A's 16 bytes) (the table computes
// M*x^32 mod P), or of any B = A (mod P): the end folds A into 64 bits B
// and puts those through the table. Moving A past the next 16 bytes N means
//   A' = A*x^128 + N = H*x^192 + L*x^128 + N  (mod P),
// and x^192, x^128 may be replaced by their remainders mod P, so each
// half is multiplied by a 33-bit constant and the sum stays in 128 bits.
// The seed is xored into the first four bytes (a CRC is linear).
// The constants are computed at compile time from P; nothing is a magic
// number. Must not: run on a CPU without PCLMULQDQ (the caller asks
// CanFold()), or read outside `data`.
#include "common/crc32_detail.h"
#include "common/crc32_tables.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace flashfault::crc32_detail {
namespace {

// P(x) = x^32 + ... + 1, the IEEE 802.3 polynomial in normal bit order.
constexpr uint64_t kPoly = 0x104C11DB7;

// x^e mod P, normal order (bit d = coefficient of x^d), degree < 32.
constexpr uint64_t XPowMod(unsigned e) {
  uint64_t r = 1;
  for (unsigned i = 0; i < e; ++i) {
    r <<= 1;
    if (r & (uint64_t{1} << 32)) r ^= kPoly;
  }
  return r;
}

// The multiplier standing for x^e in a fold of `width`-bit pieces (bit i
// of a piece: x^(width-1-i)): K = x * (x^(e-1) mod P) (degrees 1..32, so it
// fits) with bit j the coefficient of x^(width-j), so that a product lands
// with bit k at x^(2*width-1-k): the order of the wider value it feeds.
constexpr uint64_t FoldConstant(unsigned e, unsigned width) {
  const uint64_t k = XPowMod(e - 1) << 1;
  uint64_t q = 0;
  for (unsigned d = 1; d <= 32; ++d) {
    if (k >> d & 1) q |= uint64_t{1} << (width - d);
  }
  return q;
}

// Moving past 128 bits: the first half of A is 64 + 128 bits away from the
// end, the second 128.
constexpr uint64_t kFoldHigh = FoldConstant(192, 64), kFoldLow = FoldConstant(128, 64);
// Folding A into 64 bits B = A mod P: its first 32 bits stand 96 bits from
// A's end, the next 32 bits 64; the last 64 stay as they are.
constexpr uint64_t kTo64First = FoldConstant(96, 32), kTo64Second = FoldConstant(64, 32);

}  // namespace

#if defined(__x86_64__)

const bool can_fold = [] {
  __builtin_cpu_init();  // this runs among static initialisers
  return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
}();

// A' = A*x^128 + N: `k` holds the multipliers for x^192 (low) and x^128 (high).
[[gnu::target("pclmul,sse2"), gnu::always_inline]] inline __m128i Fold16(__m128i a, __m128i k,
                                                                        const uint8_t* next) {
  const __m128i high = _mm_clmulepi64_si128(a, k, 0x00);  // H * x^192
  const __m128i low = _mm_clmulepi64_si128(a, k, 0x11);   // L * x^128
  return _mm_xor_si128(_mm_xor_si128(high, low),
                       _mm_loadu_si128(reinterpret_cast<const __m128i*>(next)));
}

[[gnu::target("pclmul,sse2")]] uint32_t FoldUpdate(uint32_t crc, std::span<const uint8_t> data) {
  const uint8_t* p = data.data();
  size_t n = data.size();
  const __m128i k = _mm_set_epi64x(static_cast<long long>(kFoldLow),
                                   static_cast<long long>(kFoldHigh));
  __m128i a = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)),
                            _mm_cvtsi32_si128(static_cast<int>(crc)));
  p += 16;
  n -= 16;
  for (; n >= 32; p += 32, n -= 32) a = Fold16(Fold16(a, k, p), k, p + 16);  // half the loops
  if (n >= 16) {
    a = Fold16(a, k, p);
    p += 16;
    n -= 16;
  }
  // A -> B of 64 bits, B = A mod P, whose 8 bytes the table finishes.
  const auto h = static_cast<uint64_t>(_mm_cvtsi128_si64(a));
  const auto l = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(a, a)));
  const __m128i halves = _mm_set_epi64x(static_cast<long long>(h >> 32),
                                        static_cast<long long>(h & 0xFFFFFFFF));
  const __m128i k64 = _mm_set_epi64x(static_cast<long long>(kTo64Second),
                                     static_cast<long long>(kTo64First));
  const __m128i b = _mm_xor_si128(_mm_clmulepi64_si128(halves, k64, 0x00),
                                  _mm_clmulepi64_si128(halves, k64, 0x11));
  // B's 8 bytes (x86 is little-endian, as the load was), then the tail.
  const uint64_t b64 = static_cast<uint64_t>(_mm_cvtsi128_si64(b)) ^ l;
  return StepTail(Step8(0, b64), p, n);
}

#else

const bool can_fold = false;
uint32_t FoldUpdate(uint32_t crc, std::span<const uint8_t> data) { return TableUpdate(crc, data); }

#endif

}  // namespace flashfault::crc32_detail
