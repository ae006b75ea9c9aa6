// Synthetic flash contents and fault plans the benchmarks share, so two
// benchmarks that compare figures measure the same thing.
// Must not: depend on anything but the model, decoders' CRC and fault specs.
#pragma once

#include <cstdint>
#include <vector>

#include "common/crc32.h"
#include "decoders/bytes.h"
#include "fault-models/fault_spec.h"

namespace flashfault::bench {

inline constexpr uint32_t kPage = 2048, kPagesPerPeb = 64, kPeb = kPage * kPagesPerPeb;

inline void Put(std::vector<uint8_t>& b, size_t off, uint64_t v, int n, bool big) {
  for (int i = 0; i < n; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * (big ? n - 1 - i : i)));
}

// A UBI PEB of slc-2k: EC header at 0 (VID at 512, data at 2048), VID header
// for volume 0 LEB `lnum`, then UBIFS ino, dent and 4 KiB data nodes (so
// pages with node headers and pages inside a node), every CRC valid.
inline std::vector<uint8_t> UbiPeb(uint32_t lnum, uint64_t sqnum) {
  using decoders::Bytes;
  std::vector<uint8_t> p(kPeb, 0xFF);
  auto header = [&](size_t at, uint32_t magic) {
    std::fill_n(p.begin() + at, 64, 0);
    Put(p, at, magic, 4, true);
    p[at + 4] = 1;
  };
  auto seal = [&](size_t at) {
    Put(p, at + 60, Crc32Update(0xFFFFFFFF, Bytes(p).subspan(at, 60)), 4, true);
  };
  header(0, 0x55424923);
  Put(p, 16, 512, 4, true);
  Put(p, 20, kPage, 4, true);
  seal(0);
  header(512, 0x55424921);
  p[512 + 5] = 1;  // dynamic
  Put(p, 512 + 12, lnum, 4, true);
  Put(p, 512 + 40, sqnum, 8, true);
  seal(512);
  size_t off = kPage;
  for (uint32_t i = 0; off + 4200 < kPeb; ++i) {
    const uint32_t type = i % 3, len = type == 0 ? 160 : type == 2 ? 64 : 48 + 4096;
    std::fill_n(p.begin() + off, len, 0x11);
    Put(p, off, 0x06101831, 4, false);
    Put(p, off + 8, sqnum + i, 8, false);
    Put(p, off + 16, len, 4, false);
    p[off + 20] = static_cast<uint8_t>(type);
    Put(p, off + 24, 64 + i, 4, false);
    Put(p, off + 4, Crc32Update(0xFFFFFFFF, Bytes(p).subspan(off + 8, len - 8)), 4, false);
    off = (off + len + 7) & ~size_t{7};
  }
  return p;
}

// The typical plan: rare read noise, a wear-out watch, 8 factory bad blocks
// in blocks `bad_from`..511 (away from the blocks a benchmark uses).
inline FaultPlan TypicalPlan(uint32_t bad_from) {
  FaultPlan plan;
  plan.seed = 2024;
  FaultSpec noise;
  noise.id = "noise";
  noise.kind = FaultKind::kReadBitflip;
  noise.when.probability = 0.001;
  noise.flips = 2;
  FaultSpec wear;
  wear.id = "wear";
  wear.kind = FaultKind::kWearOut;
  wear.rate = 0.01;
  FaultSpec bad;
  bad.id = "factory";
  bad.kind = FaultKind::kFactoryBad;
  bad.count = 8;
  bad.where.blocks = Range{bad_from, 511};
  plan.faults = {noise, wear, bad};
  return plan;
}

}  // namespace flashfault::bench
