// ByteReader: takes decisions out of a byte string the way LLVM's
// FuzzedDataProvider does (integers from the end, bytes from the front), so a
// libFuzzer input reads the same whether or not clang is around. Written here
// on purpose: LLVM's header is not included, so this builds with g++ too.
//
// Exhausted input yields zeros and empty byte runs, never an error, so every
// decision has a defined outcome for every input. Cheap enough for the
// fuzzer's hot loop: no allocation except in ConsumeBytes.
// It must not keep a copy of the input: the caller keeps it alive.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <type_traits>
#include <vector>

namespace flashfault {

class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  explicit ByteReader(std::span<const uint8_t> bytes) : ByteReader(bytes.data(), bytes.size()) {}

  size_t remaining() const { return size_; }
  bool empty() const { return size_ == 0; }

  // A value in [min, max] from up to sizeof(T) bytes taken off the end (as
  // FuzzedDataProvider: the last byte is the least significant).
  template <typename T>
  T IntegralInRange(T min, T max) {
    static_assert(std::is_integral_v<T> && sizeof(T) <= 8);
    const uint64_t range = static_cast<uint64_t>(max) - static_cast<uint64_t>(min);
    uint64_t result = 0;
    // As many bytes as the range has (FuzzedDataProvider's loop stops when
    // range >> offset is 0), fewer if the input runs out.
    const size_t wanted = (static_cast<size_t>(std::bit_width(range)) + 7) / 8;
    for (size_t n = wanted < size_ ? wanted : size_; n != 0; --n) {
      --size_;
      result = (result << 8) | data_[size_];
    }
    if (range != ~uint64_t{0}) result = result % (range + 1);
    return static_cast<T>(static_cast<uint64_t>(min) + result);
  }

  template <typename T>
  T Integral() {
    return IntegralInRange<T>(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
  }

  bool Bool() { return (Integral<uint8_t>() & 1) != 0; }

  // A probability in [0, 1] from 4 bytes off the end.
  double Probability() {
    return static_cast<double>(Integral<uint32_t>()) / static_cast<double>(UINT32_MAX);
  }

  // One of `n` choices (0 when n == 0).
  size_t Pick(size_t n) { return n == 0 ? 0 : IntegralInRange<size_t>(0, n - 1); }

  // Up to `n` bytes from the front (fewer when the input runs out).
  std::span<const uint8_t> Bytes(size_t n) {
    if (n > size_) n = size_;
    std::span<const uint8_t> out(data_, n);
    data_ += n;
    size_ -= n;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
};

}  // namespace flashfault
