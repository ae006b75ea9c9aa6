// Shared pieces of the fault families: targeting, reporting and the cell
// helpers (picking cells, snapshots, tearing). See fault_family.h.
#include "fault-models/fault_family.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace flashfault {

bool FaultFamily::Aimed(const FaultEnv& env, const OpState& op, uint64_t device_page) const {
  if (!spec_.where.meaning) return true;
  const decoders::FlashMeaning* flash = env.flash_meaning();
  if (flash == nullptr || op.meanings.empty()) return false;
  size_t i = 0;  // NOR: one meaning for the whole op
  if (env.geometry().is_nand()) {
    const uint64_t ppb = env.geometry().pages_per_block;
    i = op.op == kOpRead || op.op == kOpWrite ? device_page - op.first_page
                                              : device_page / ppb - op.first_block;
  }
  return i < op.meanings.size() && AimMatches(*spec_.where.meaning, op.meanings[i], *flash);
}

// An aimed fault: the first page (block ops: block) of the op inside
// `where` whose meaning matches.
std::optional<Target> FaultFamily::FindAimedTarget(const FaultEnv& env, const OpState& op) const {
  const Geometry& g = env.geometry();
  if ((op.op == kOpRead || op.op == kOpWrite) && !g.is_nand()) {
    // NOR "pages" are bytes: the op's one meaning decides, where places.
    if (!Aimed(env, op, op.first_page)) return std::nullopt;
    const uint32_t ppb = g.pages_per_block;
    std::optional<uint64_t> page = trigger_.FirstPage(op.first_page, op.page_count, ppb);
    if (!page) return std::nullopt;
    const auto block = static_cast<uint32_t>(*page / ppb);
    return Target{.block = block, .page = static_cast<int64_t>(*page - uint64_t{block} * ppb),
                  .device_page = *page};
  }
  return FirstUnit(env, op, AnyTarget);
}

std::optional<Target> FaultFamily::FirstUnit(const FaultEnv& env, const OpState& op,
                                             absl::FunctionRef<bool(const Target&)> take) const {
  const uint32_t ppb = env.geometry().pages_per_block;
  if (op.op == kOpRead || op.op == kOpWrite) {
    for (uint64_t page = op.first_page; page < op.first_page + op.page_count; ++page) {
      const auto block = static_cast<uint32_t>(page / ppb);
      const auto in_block = static_cast<uint32_t>(page % ppb);
      if (!trigger_.MatchesBlock(block) || !trigger_.MatchesPage(in_block)) continue;
      if (!Aimed(env, op, page)) continue;
      const Target t{.block = block, .page = in_block, .device_page = page};
      if (take(t)) return t;
    }
    return std::nullopt;
  }
  for (uint32_t b = op.first_block; b < op.first_block + op.block_count; ++b) {
    if (!trigger_.MatchesBlock(b) || !Aimed(env, op, uint64_t{b} * ppb)) continue;
    const Target t{.block = b, .page = -1, .device_page = uint64_t{b} * ppb};
    if (take(t)) return t;
  }
  return std::nullopt;
}

Where FaultFamily::CellWindow(const FaultEnv& env, const Target& t) const {
  Where w = spec_.where;
  if (!w.meaning || !w.meaning->ubi || w.bytes || t.page < 0) return w;
  const Geometry& g = env.geometry();
  std::optional<uint64_t> at;  // byte of the header in its PEB
  if (*w.meaning->ubi == UbiAim::kEc) at = 0;
  if (*w.meaning->ubi == UbiAim::kVid && env.flash_meaning() != nullptr) {
    at = env.flash_meaning()->vid_hdr_offset();
  }
  if (at && *at / g.page_size == static_cast<uint64_t>(t.page)) {
    const uint64_t first = *at % g.page_size;
    w.bytes = Range{first, std::min<uint64_t>(first + 63, g.page_size - 1)};
  }
  return w;
}

std::optional<Target> FaultFamily::FindTarget(const FaultEnv& env, const OpState& op) const {
  if (!op.placed) return std::nullopt;
  const uint32_t ppb = env.geometry().pages_per_block;
  Target t;
  if (op.op == kOpSync) {
    if (!trigger_.Unplaced() || spec_.where.meaning) return std::nullopt;
    t.placed = false;
    return t;
  }
  if (spec_.where.meaning) return FindAimedTarget(env, op);
  if (op.op == kOpRead || op.op == kOpWrite) {
    std::optional<uint64_t> page = trigger_.FirstPage(op.first_page, op.page_count, ppb);
    if (!page) return std::nullopt;
    // One division: the op's first block is known, and most ops stay in it.
    t.block = *page < (uint64_t{op.first_block} + 1) * ppb ? op.first_block
                                                            : static_cast<uint32_t>(*page / ppb);
    t.page = static_cast<int64_t>(*page - uint64_t{t.block} * ppb);
    t.device_page = *page;
    return t;
  }
  // Block-wide ops: where.pages does not narrow them (an erase touches every page).
  std::optional<uint32_t> block = trigger_.FirstBlock(op.first_block, op.block_count);
  if (!block) return std::nullopt;
  t.block = *block;
  t.device_page = uint64_t{*block} * ppb;
  return t;
}

TriggerInput FaultFamily::Input(FaultEnv& env, const OpState& op, const Target& t) const {
  return TriggerInput{.op_index = op.index,
                      .op = op.op,
                      .block_erases = t.placed ? env.erases(t.block) : 0,
                      .now_us = env.now_us()};
}

std::optional<Target> FaultFamily::Strike(FaultEnv& env, const OpState& op) {
  if (!trigger_.MatchesOp(op.op)) return std::nullopt;
  return Decide(env, op);
}

std::optional<Target> FaultFamily::Decide(FaultEnv& env, const OpState& op,
                                          absl::FunctionRef<bool(const Target&)> eligible) {
  if (spec_.when.per == MatchUnit::kPage && op.placed && op.op != kOpSync) {
    return DecidePerPage(env, op, eligible);
  }
  std::optional<Target> t = FindTarget(env, op);
  if (!t || !eligible(*t) || !trigger_.Evaluate(Input(env, op, *t))) return std::nullopt;
  return t;
}

std::optional<Target> FaultFamily::DecidePerPage(FaultEnv& env, const OpState& op,
                                                 absl::FunctionRef<bool(const Target&)> eligible) {
  // Validation keeps per page to NAND: a NOR op's "pages" are its bytes.
  return FirstUnit(env, op, [&](const Target& t) {
    return eligible(t) && trigger_.Evaluate(Input(env, op, t));
  });
}

void FaultFamily::Inject(FaultEnv& env, int64_t op_index, const Target& t, absl::string_view effect,
                         std::span<const uint32_t> bits) {
  Record(env, op_index, t, effect, firing_, bits, {});
}

void FaultFamily::InjectCells(FaultEnv& env, int64_t op_index, const Target& t,
                              absl::string_view effect, std::span<const uint64_t> mask) {
  Record(env, op_index, t, effect, firing_, {}, mask);
}

void FaultFamily::InjectAftermath(FaultEnv& env, int64_t op_index, const Target& t,
                                  absl::string_view effect, uint64_t fire,
                                  std::span<const uint64_t> mask) {
  Record(env, op_index, t, effect, fire, {}, mask);
}

void FaultFamily::Record(FaultEnv& env, int64_t op_index, const Target& t,
                         absl::string_view effect, uint64_t fire,
                         std::span<const uint32_t> bits, std::span<const uint64_t> mask) {
  ++injected_;
  env.Emit(FaultRecord{.op_index = op_index,
                       .id = spec_.id,
                       .kind = spec_.kind,
                       .block = t.placed ? int64_t{t.block} : -1,
                       .page = t.page,
                       .effect = effect,
                       .bits = bits,
                       .bit_mask = mask,
                       .draw = trigger_.rng().draws(),
                       .fire = fire});
}

namespace {

uint64_t Stride(const Geometry& g) { return uint64_t{g.page_size} + g.oob_size; }

}  // namespace

std::span<const uint8_t> RawPage(FaultEnv& env, uint64_t device_page) {
  const Geometry& g = env.geometry();
  const uint32_t block = static_cast<uint32_t>(device_page / g.pages_per_block);
  return env.model().store().Block(block).subspan((device_page % g.pages_per_block) * Stride(g),
                                                  Stride(g));
}

std::span<uint8_t> MutableRawPage(FaultEnv& env, uint64_t device_page) {
  const Geometry& g = env.geometry();
  const uint32_t block = static_cast<uint32_t>(device_page / g.pages_per_block);
  return env.model().store().MutableBlock(block).subspan(
      (device_page % g.pages_per_block) * Stride(g), Stride(g));
}

namespace {

// Whether any of `bytes` differs from `v` (0x00 or 0xFF), 8 bytes per step:
// a window can be 1 KiB, and a compare per byte is not free under coverage.
bool AnyByteOtherThan(std::span<const uint8_t> bytes, uint8_t v) {
  const uint64_t all = v == 0xFF ? ~uint64_t{0} : 0;
  uint64_t diff = 0;
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) diff |= CellWordAt(bytes.data() + i) ^ all;
  for (; i < bytes.size(); ++i) diff |= bytes[i] ^ v;
  return diff != 0;
}

}  // namespace

std::vector<uint32_t> PickCells(FaultEnv& env, Rng& rng, const Where& where, uint64_t device_page,
                                uint32_t n, CellFilter filter) {
  const uint64_t stride = Stride(env.geometry());
  const uint64_t b0 = where.bytes ? where.bytes->first : 0;
  const uint64_t b1 = where.bytes ? where.bytes->last : stride - 1;
  const uint64_t i0 = where.bits ? where.bits->first : 0;
  const uint64_t i1 = where.bits ? where.bits->last : 7;
  const uint64_t region = (b1 - b0 + 1) * (i1 - i0 + 1);
  std::span<const uint8_t> raw = RawPage(env, device_page);
  const NandModel& model = env.model();
  std::vector<uint32_t> picked;
  // A page without a single eligible byte (an erased page has no charge to
  // lose) is common and cheap to spot before sampling.
  const uint8_t none = filter == CellFilter::kProgrammed ? 0xFF : 0x00;
  if (filter != CellFilter::kAny && !AnyByteOtherThan(raw.subspan(b0, b1 - b0 + 1), none)) {
    return picked;
  }
  // Rejection sampling with a bounded number of tries: a region with few
  // eligible cells gives fewer flips rather than an endless loop.
  const uint64_t tries = std::min(uint64_t{n} * 32 + 64, region * 4 + 64);
  for (uint64_t k = 0; k < tries && picked.size() < n && picked.size() < region; ++k) {
    const uint64_t r = rng.Below(region);
    const uint64_t byte = b0 + r / (i1 - i0 + 1);
    const uint32_t bit = static_cast<uint32_t>(byte * 8 + i0 + r % (i1 - i0 + 1));
    const bool one = (raw[byte] >> (bit % 8)) & 1;
    if (filter == CellFilter::kProgrammed && one) continue;
    if (filter == CellFilter::kErased && !one) continue;
    if (model.HasCellError(device_page, bit)) continue;
    if (std::find(picked.begin(), picked.end(), bit) != picked.end()) continue;
    picked.push_back(bit);
  }
  std::sort(picked.begin(), picked.end());
  return picked;
}

uint64_t CellWord(std::span<const uint8_t> bytes, uint64_t at) {
  if (at >= bytes.size()) return 0;
  const uint64_t n = std::min<uint64_t>(8, bytes.size() - at);
  if (n == 8 && std::endian::native == std::endian::little) {
    uint64_t w;
    std::memcpy(&w, bytes.data() + at, 8);
    return w;
  }
  uint64_t w = 0;
  for (uint64_t k = 0; k < n; ++k) w |= uint64_t{bytes[at + k]} << (8 * k);
  return w;
}

PageSnapshot Snapshot(FaultEnv& env, uint64_t first_page, uint64_t count) {
  PageSnapshot s{.first_page = first_page, .count = count, .bytes = {}, .errors = {}};
  const uint64_t stride = Stride(env.geometry());
  s.bytes.resize(count * stride);
  s.errors.resize(count);
  for (uint64_t i = 0; i < count; ++i) {
    std::span<const uint8_t> raw = RawPage(env, first_page + i);
    std::memcpy(s.bytes.data() + i * stride, raw.data(), stride);
    env.model().CellErrorMask(first_page + i, s.errors[i]);
  }
  return s;
}

namespace {

// Cells [64w, 64w+64) that lie inside a page of `stride` bytes.
uint64_t ValidCells(uint64_t stride, uint64_t w) {
  const uint64_t left = stride - w * 8;  // bytes from word w to the page's end
  return left >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * left)) - 1;
}

}  // namespace

std::vector<std::vector<uint64_t>> TearProgram(FaultEnv& env, Rng& rng, const PageSnapshot& before,
                                               double done_fraction) {
  const Geometry& g = env.geometry();
  const uint64_t stride = Stride(g);
  const size_t words = MaskWords(stride * 8);
  const size_t whole = stride / 8;  // words wholly inside the page
  const MaskOdds torn_odds(1.0 - done_fraction);
  std::vector<std::vector<uint64_t>> torn(before.count, std::vector<uint64_t>(words, 0));
  for (uint64_t i = 0; i < before.count; ++i) {
    const uint64_t page = before.first_page + i;
    std::span<uint8_t> now = MutableRawPage(env, page);
    const std::span<const uint8_t> old(before.bytes.data() + i * stride, stride);
    uint64_t* t = torn[i].data();
    // 64 cells per step; one ChanceMask per word the program changed.
    for (size_t w = 0; w < whole; ++w) {
      const uint64_t cleared = CellWordAt(old.data() + w * 8) & ~CellWordAt(now.data() + w * 8);
      if (cleared != 0) t[w] = rng.ChanceMask(torn_odds, cleared);
    }
    for (size_t w = whole; w < words; ++w) {
      // Bits past the page's end are 0 in `old`, so never "cleared".
      const uint64_t cleared = CellWord(old, w * 8) & ~CellWord(now, w * 8);
      if (cleared != 0) t[w] = rng.ChanceMask(torn_odds, cleared);
    }
    if (g.is_nand()) {
      // The codeword says 0 but the cell never got its charge: a deviation
      // the ECC engine sees, exactly like an incomplete program.
      env.model().AddCellErrorMask(page, torn[i]);
    } else {
      // NOR has no ECC: the cell is the truth. Torn cells read 0 now, so
      // inverting them sets them back to 1.
      XorCells(now, torn[i], 0, stride * 8);
    }
  }
  return torn;
}

std::pair<int64_t, std::vector<uint64_t>> TearErase(FaultEnv& env, Rng& rng, uint32_t block,
                                                    const PageSnapshot& before,
                                                    double done_fraction) {
  const Geometry& g = env.geometry();
  const uint64_t stride = Stride(g);
  const uint32_t ppb = g.pages_per_block;
  const uint32_t erased =
      std::min<uint32_t>(ppb, static_cast<uint32_t>(std::lround(done_fraction * ppb)));
  const uint64_t base = uint64_t{block} * ppb;
  std::pair<int64_t, std::vector<uint64_t>> half{-1, {}};
  for (uint32_t p = erased; p < ppb; ++p) {
    const uint64_t i = base + p - before.first_page;
    std::span<uint8_t> raw = MutableRawPage(env, base + p);
    std::memcpy(raw.data(), before.bytes.data() + i * stride, stride);
    const std::vector<uint64_t>& errors = before.errors[i];
    if (!errors.empty()) env.model().AddCellErrorMask(base + p, errors);
    if (p != erased || !g.is_nand()) continue;
    // The page where the erase stopped: half of its charged cells let go
    // (those that deviated already stay as they were).
    half.first = p;
    const size_t words = MaskWords(stride * 8);
    const MaskOdds even(0.5);
    half.second.assign(words, 0);
    for (size_t w = 0; w < words; ++w) {
      const uint64_t cells =
          w < stride / 8 ? CellWordAt(raw.data() + w * 8) : CellWord(raw, w * 8);
      uint64_t charged = ~cells & ValidCells(stride, w);
      if (!errors.empty()) charged &= ~errors[w];
      if (charged != 0) half.second[w] = rng.ChanceMask(even, charged);
    }
    env.model().AddCellErrorMask(base + p, half.second);
  }
  if (erased < ppb) env.PagesChanged(base + erased, ppb - erased);
  return half;
}

absl::Status ForwardWritePages(FaultEnv& env, const OpState& op, uint64_t pages) {
  if (pages == 0) return absl::OkStatus();
  if (pages >= op.page_count) return env.ForwardWrite(op);
  const Geometry& g = env.geometry();
  OpState prefix = op;
  // The data ends with page `pages - 1`; a first page may start mid-page.
  const uint64_t data_end = pages * g.page_size - op.flash_op.addr % g.page_size;
  prefix.write_data = op.write_data.first(std::min<uint64_t>(op.write_data.size(), data_end));
  // OOB bytes fill each page's OOB area in turn, from ooboffs in the first.
  const uint64_t per_page = env.model().OobPerPage(op.flash_op.mode);
  const uint64_t oob_end = pages * per_page - std::min<uint64_t>(op.flash_op.ooboffs, per_page);
  prefix.write_oob = op.write_oob.first(std::min<uint64_t>(op.write_oob.size(), oob_end));
  prefix.page_count = pages;
  return env.ForwardWrite(prefix);
}

absl::Status InjectedError(absl::StatusCode code, const FaultSpec& spec, absl::string_view what) {
  absl::Status s(code,
                 absl::StrCat(what, " [injected: ", FaultKindName(spec.kind), " '", spec.id, "']"));
  s.SetPayload(kInjectedPayload, absl::Cord(spec.id));
  return s;
}

absl::Status ParamError(const FaultSpec& spec, absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("faults[", spec.id, "].", field, ": ", why));
}

absl::Status RequireNand(const FaultSpec& spec, const Geometry& g) {
  if (g.is_nand()) return absl::OkStatus();
  return ParamError(spec, "kind",
                    absl::StrCat(FaultKindName(spec.kind), " acts on NAND cells and ECC; '", g.name,
                                 "' is a NOR part"));
}

absl::Status RequireFlipsOnNand(const FaultSpec& spec, const Geometry& g) {
  if (spec.flips == 0) return ParamError(spec, "flips", "must be at least 1");
  return RequireNand(spec, g);
}

absl::Status RequireTornFraction(const FaultSpec& spec) {
  if (!(spec.torn_fraction >= 0.0 && spec.torn_fraction <= 1.0)) {
    return ParamError(spec, "torn_fraction", "must be in [0, 1]");
  }
  return absl::OkStatus();
}

uint32_t DrawCount(Rng& rng, double mean) {
  if (!(mean > 0.0)) return 0;
  const double whole = std::floor(mean);
  const double capped = std::min(whole, 1e6);  // far beyond any page's bits
  return static_cast<uint32_t>(capped) + (rng.Chance(mean - whole) ? 1 : 0);
}

}  // namespace flashfault
