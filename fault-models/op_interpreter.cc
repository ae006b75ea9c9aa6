// Op decoding and execution; see op_interpreter.h. The decoding layout below
// is what every saved fuzz corpus input means: extend it at the end of the
// tables, never reorder.
#include "fault-models/op_interpreter.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "fault-models/fault_spec.h"

namespace flashfault {
namespace {

// Cumulative weights out of 100, in OpCode order: reads and writes dominate
// as in a file system's life; power-on follows cuts often enough to matter.
constexpr uint8_t kCumulative[] = {34, 64, 76, 81, 83, 87, 95, 100};

// The op code of each pick 0..99 under kCumulative, looked up rather than
// searched (the search's compares are not free under coverage).
constexpr std::array<OpCode, 100> kCodeOfPick = [] {
  std::array<OpCode, 100> t{};
  int code = 0;
  for (int pick = 0; pick < 100; ++pick) {
    while (pick >= kCumulative[code]) ++code;
    t[pick] = static_cast<OpCode>(code);
  }
  return t;
}();

// Bytes per page a read or write may carry up to (2 pages, to cross a page).
constexpr uint32_t kMaxPages = 2;

}  // namespace

// The device ops keep OpMask's order, so op code c is OpMask bit 1 << c and
// its name is OpName's (fault_spec.cc holds the one table of op names).
constexpr uint32_t OpMaskOf(OpCode code) { return 1u << static_cast<unsigned>(code); }
static_assert(OpMaskOf(OpCode::kRead) == kOpRead && OpMaskOf(OpCode::kWrite) == kOpWrite &&
              OpMaskOf(OpCode::kErase) == kOpErase && OpMaskOf(OpCode::kIsBad) == kOpIsBad &&
              OpMaskOf(OpCode::kMarkBad) == kOpMarkBad && OpMaskOf(OpCode::kSync) == kOpSync);

const char* OpCodeName(OpCode code) {
  switch (code) {
    // The control steps are not device ops, so OpMask does not name them.
    case OpCode::kPowerOn: return "power_on";
    case OpCode::kClock: return "clock";
    case OpCode::kRead:
    case OpCode::kWrite:
    case OpCode::kErase:
    case OpCode::kIsBad:
    case OpCode::kMarkBad:
    case OpCode::kSync: break;
  }
  return OpName(OpMaskOf(code));
}

std::optional<InterpOp> DecodeOp(ByteReader& r, const Geometry& g) {
  if (r.empty()) return std::nullopt;
  InterpOp op;
  op.code = kCodeOfPick[r.IntegralInRange<uint8_t>(0, 99)];
  const uint32_t block = r.IntegralInRange<uint32_t>(0, g.block_count - 1);
  switch (op.code) {
    case OpCode::kRead:
    case OpCode::kWrite: {
      const uint32_t page = r.IntegralInRange<uint32_t>(0, g.pages_per_block - 1);
      op.addr = g.block_size() * block + uint64_t{g.page_size} * page;
      op.mode = static_cast<OobMode>(r.IntegralInRange<uint8_t>(0, 2));
      // What the op carries: 0 data, 1 data+OOB, 2 OOB only, 3 odd sizes.
      const uint8_t shape = r.IntegralInRange<uint8_t>(0, 15);
      const uint32_t per_page = op.mode == OobMode::kAuto ? g.oob_avail() : g.oob_size;
      const uint32_t pages = 1 + (r.IntegralInRange<uint8_t>(0, 7) == 0 ? 1 : 0);
      if (shape < 9 || !g.is_nand()) {
        op.len = uint64_t{g.page_size} * pages;
      } else if (shape < 12) {
        op.len = uint64_t{g.page_size} * pages;
        op.oob_len = per_page * pages;
      } else if (shape < 14) {
        op.oob_len = r.IntegralInRange<uint32_t>(1, std::max<uint32_t>(per_page, 1));
        op.ooboffs = r.IntegralInRange<uint32_t>(0, per_page - op.oob_len);
      } else {
        // Unaligned, possibly off the end: the error paths must hold too.
        op.addr += r.IntegralInRange<uint32_t>(0, g.page_size - 1);
        op.len = r.IntegralInRange<uint32_t>(0, g.page_size * kMaxPages);
        op.oob_len = r.IntegralInRange<uint32_t>(0, per_page + 1);
      }
      if (g.page_size == 1) op.len = std::min<uint64_t>(op.len, 64);  // NOR: bytes
      if (op.code == OpCode::kWrite) op.fill = r.Integral<uint32_t>();
      break;
    }
    case OpCode::kErase:
      op.addr = g.block_size() * block;
      op.len = g.block_size();
      if (r.IntegralInRange<uint8_t>(0, 31) == 0) op.len = g.block_size() * 2;
      if (r.IntegralInRange<uint8_t>(0, 63) == 0) op.addr += g.page_size;  // misaligned
      break;
    case OpCode::kIsBad:
    case OpCode::kMarkBad:
      op.addr = g.block_size() * block;
      break;
    case OpCode::kSync:
    case OpCode::kPowerOn:
      break;
    case OpCode::kClock:
      op.us = uint64_t{r.Integral<uint16_t>()} * 60'000'000;  // up to ~45 days in minutes
      break;
  }
  return op;
}

void FillPattern(uint32_t fill, std::span<uint8_t> out) {
  // splitmix64 stream, 8 bytes per step; fill 0 gives all-zero bytes, the
  // pattern that programs every cell.
  uint64_t x = fill;
  size_t i = 0;
  auto next = [&x] {
    uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  if (fill == 0) {
    std::fill(out.begin(), out.end(), 0);
    return;
  }
  for (; i + 8 <= out.size(); i += 8) {
    // One 8-byte store per step (little-endian order on every host): this
    // runs for every byte a fuzzer input writes.
    uint64_t v = next();
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
    std::memcpy(out.data() + i, &v, 8);
  }
  if (i < out.size()) {
    const uint64_t v = next();
    for (int k = 0; i < out.size(); ++i, ++k) out[i] = static_cast<uint8_t>(v >> (8 * k));
  }
}

std::string OpToJson(const InterpOp& op) {
  std::string s = absl::StrCat("{\"op\":\"", OpCodeName(op.code), "\"");
  switch (op.code) {
    case OpCode::kRead:
    case OpCode::kWrite:
      absl::StrAppend(&s, ",\"addr\":", op.addr, ",\"len\":", op.len, ",\"oob\":", op.oob_len,
                      ",\"ooboffs\":", op.ooboffs, ",\"mode\":\"", OobModeName(op.mode), "\"");
      if (op.code == OpCode::kWrite) absl::StrAppend(&s, ",\"fill\":", op.fill);
      break;
    case OpCode::kErase: absl::StrAppend(&s, ",\"addr\":", op.addr, ",\"len\":", op.len); break;
    case OpCode::kIsBad:
    case OpCode::kMarkBad: absl::StrAppend(&s, ",\"addr\":", op.addr); break;
    case OpCode::kClock: absl::StrAppend(&s, ",\"us\":", op.us); break;
    default: break;
  }
  s.push_back('}');
  return s;
}

OpInterpreter::OpInterpreter(FlashDevice& device, Hooks hooks)
    : device_(device), hooks_(std::move(hooks)) {
  const Geometry& g = device.geometry();
  data_.resize(size_t{g.page_size} * kMaxPages + g.page_size);
  oob_.resize(size_t{g.oob_size} * kMaxPages + 2);
}

OpOutcome OpInterpreter::Run(const InterpOp& op) {
  OpOutcome out;
  data_len_ = oob_len_ = 0;
  switch (op.code) {
    case OpCode::kRead:
    case OpCode::kWrite: {
      data_len_ = std::min<size_t>(op.len, data_.size());
      oob_len_ = std::min<size_t>(op.oob_len, oob_.size());
      const FlashOp fop{.addr = op.addr, .mode = op.mode, .ooboffs = op.ooboffs};
      if (op.code == OpCode::kRead) {
        absl::StatusOr<ReadReport> r = device_.Read(fop, std::span(data_.data(), data_len_),
                                                    std::span(oob_.data(), oob_len_));
        out.code = r.status().code();
        if (r.ok()) out.report = *r;
      } else {
        FillPattern(op.fill, std::span(data_.data(), data_len_));
        FillPattern(op.fill ^ 0x5A5A5A5Au, std::span(oob_.data(), oob_len_));
        out.code = device_
                       .Write(fop, std::span<const uint8_t>(data_.data(), data_len_),
                              std::span<const uint8_t>(oob_.data(), oob_len_))
                       .code();
      }
      break;
    }
    case OpCode::kErase: out.code = device_.Erase(op.addr, op.len).code(); break;
    case OpCode::kIsBad: {
      absl::StatusOr<bool> r = device_.IsBad(op.addr);
      out.code = r.status().code();
      out.bad = r.ok() && *r;
      break;
    }
    case OpCode::kMarkBad: out.code = device_.MarkBad(op.addr).code(); break;
    case OpCode::kSync: out.code = device_.Sync().code(); break;
    case OpCode::kPowerOn:
      if (hooks_.power_on) hooks_.power_on();
      break;
    case OpCode::kClock:
      if (hooks_.advance_clock) hooks_.advance_clock(op.us);
      break;
  }
  return out;
}

}  // namespace flashfault
