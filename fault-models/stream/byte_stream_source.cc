// Byte-stream fault decisions; see byte_stream_source.h. The byte layout of
// one decision (all integers off the end of the stream):
//   selector (1 byte): below 0xC0 no fault (so random streams stay mostly
//     clean and a zero tail means "done"); 0xC0-0xEF (and 0xF0-0xFF on an op
//     that is no placed read, write or erase of a NAND part): a fault pinned
//     to this op, its kind (selector - 0xC0) mod the kinds allowed for the op;
//   0xF0-0xFF: a fault aimed by meaning (meaning_aim.h): kind (selector -
//     0xF0) mod the op's aimed kinds (kAimed*Kinds: with silent corruption
//     and field mutation), then 1 byte: the aim (kAims), 1 byte: the
//     trigger (even: the n-th match, n = 1 + byte / 2 % 4; odd: then 4
//     bytes of probability); it counts from this op (after_op), fires once
//     on an op of this op's kind whose pages hold what the aim names;
//   then the kind's parameters, in the order read below.
// Changing this layout changes what every saved corpus input means: append
// new kinds at the end of the per-op tables instead of reordering them.
#include "fault-models/stream/byte_stream_source.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "fault-models/node_fields.h"

namespace flashfault {
namespace {

constexpr uint8_t kFaultSelector = 0xC0;
constexpr uint8_t kAimSelector = 0xF0;

MeaningAim Ubi(UbiAim a) { MeaningAim m; m.ubi = a; return m; }
MeaningAim Ubifs(UbifsAim a) { MeaningAim m; m.ubifs = a; return m; }
MeaningAim Jffs2(Jffs2Aim a) { MeaningAim m; m.jffs2 = a; return m; }
MeaningAim CopiedVid() { MeaningAim m = Ubi(UbiAim::kVid); m.copy = true; return m; }

// What a stream may aim at. Append only: the index is part of the layout.
const MeaningAim kAims[] = {
    Ubi(UbiAim::kEc),           Ubi(UbiAim::kVid),          CopiedVid(),
    Ubi(UbiAim::kVtbl),         Ubi(UbiAim::kFastmapAnchor), Ubi(UbiAim::kData),
    Ubifs(UbifsAim::kSb),       Ubifs(UbifsAim::kMaster),   Ubifs(UbifsAim::kLog),
    Ubifs(UbifsAim::kLpt),      Ubifs(UbifsAim::kOrphan),   Ubifs(UbifsAim::kIndex),
    Ubifs(UbifsAim::kInode),    Ubifs(UbifsAim::kData),     Ubifs(UbifsAim::kDent),
    Jffs2(Jffs2Aim::kDirent),   Jffs2(Jffs2Aim::kInode),    Jffs2(Jffs2Aim::kCleanmarker),
};

// Kinds that make sense pinned to one op, per op kind (OpMask bit order).
constexpr FaultKind kReadKinds[] = {FaultKind::kReadBitflip, FaultKind::kChargeLoss,
                                    FaultKind::kPowerCut, FaultKind::kStuckBit};
constexpr FaultKind kWriteKinds[] = {FaultKind::kProgramFail, FaultKind::kPowerCut,
                                     FaultKind::kStuckBit};
constexpr FaultKind kEraseKinds[] = {FaultKind::kEraseFail, FaultKind::kPowerCut,
                                     FaultKind::kStuckBit};
constexpr FaultKind kOtherKinds[] = {FaultKind::kPowerCut};

// Aimed decisions may also pick the kinds only meaning makes useful.
constexpr FaultKind kAimedReadKinds[] = {FaultKind::kReadBitflip,      FaultKind::kChargeLoss,
                                         FaultKind::kPowerCut,         FaultKind::kStuckBit,
                                         FaultKind::kSilentCorruption, FaultKind::kFieldMutation};
constexpr FaultKind kAimedWriteKinds[] = {FaultKind::kProgramFail, FaultKind::kPowerCut,
                                          FaultKind::kStuckBit, FaultKind::kFieldMutation};

// Fields a stream may set (node_fields.h); append only.
constexpr const char* kStreamFields[] = {
    "ubi.ec.ec",          "ubi.vid.lnum",       "ubi.vid.vol_id",   "ubi.vid.sqnum",
    "ubi.vid.data_size",  "ubifs.ino.size",     "ubifs.ino.nlink",  "ubifs.dent.inum",
    "ubifs.data.size",    "ubifs.mst.root_lnum", "ubifs.idx.child_cnt", "ubifs.sb.leb_cnt",
    "jffs2.dirent.ino",   "jffs2.inode.isize",  "jffs2.inode.csize"};

std::span<const FaultKind> AimedKindsFor(uint32_t op) {
  switch (op) {
    case kOpRead: return kAimedReadKinds;
    case kOpWrite: return kAimedWriteKinds;
    default: return kEraseKinds;
  }
}

std::span<const FaultKind> KindsFor(uint32_t op) {
  switch (op) {
    case kOpRead: return kReadKinds;
    case kOpWrite: return kWriteKinds;
    case kOpErase: return kEraseKinds;
    default: return kOtherKinds;
  }
}

// A window of bytes (data then OOB) inside a page, up to 1 KiB wide.
Range ByteWindowOf(ByteReader& r, uint64_t page_bytes) {
  const uint64_t first = r.IntegralInRange<uint64_t>(0, page_bytes - 1);
  const uint64_t span = r.IntegralInRange<uint64_t>(0, 1023);
  return Range{first, std::min(first + span, page_bytes - 1)};
}

}  // namespace

OpView ViewData(const Geometry& g, uint32_t op, uint64_t addr, uint64_t data_len,
                uint64_t oob_len) {
  OpView v;
  v.op = op;
  if (!g.is_nand() || addr >= g.total_size() || (data_len == 0 && oob_len == 0)) return v;
  const uint64_t page = addr / g.page_size;
  v.block = static_cast<uint32_t>(page / g.pages_per_block);
  v.page = static_cast<uint32_t>(page % g.pages_per_block);
  v.placed = true;
  return v;
}

OpView ViewBlock(const Geometry& g, uint32_t op, uint64_t addr) {
  OpView v;
  v.op = op;
  if (addr >= g.total_size()) return v;
  v.block = static_cast<uint32_t>(addr / g.block_size());
  v.placed = true;
  return v;
}

OpView ViewSync() { return OpView{.op = kOpSync, .placed = false, .block = 0, .page = 0}; }

ByteStreamSource::ByteStreamSource(std::span<const uint8_t> stream, uint64_t seed,
                                   const Geometry& g)
    : reader_(stream), g_(g) {
  plan_.seed = seed;
  // Specs are moved in as decided: grow the plan rarely. A decision takes
  // at least 2 bytes of stream; past 64 (a fuzzer input's ops) it grows.
  plan_.faults.reserve(std::min<size_t>(stream.size() / 2, 64));
}

Range ByteStreamSource::ByteWindow() {
  return ByteWindowOf(reader_, uint64_t{g_.page_size} + g_.oob_size);
}

const FaultSpec* ByteStreamSource::Decide(uint64_t index, const OpView& op) {
  if (reader_.empty()) return nullptr;
  const uint8_t selector = reader_.Integral<uint8_t>();
  if (selector < kFaultSelector) return nullptr;
  // Faults need a place on a NAND part (NOR pages are bytes; keep it simple
  // and exact: only power cuts there, and on unplaced ops).
  std::span<const FaultKind> kinds = KindsFor(op.op);
  if (!op.placed || !g_.is_nand()) kinds = kOtherKinds;
  const bool aimed = selector >= kAimSelector && op.placed && g_.is_nand() &&
                     (op.op == kOpRead || op.op == kOpWrite || op.op == kOpErase);
  FaultSpec s;
  s.when.ops = op.op;
  s.when.max_fires = 1;
  bool paged = false;
  if (aimed) {
    kinds = AimedKindsFor(op.op);
    s.kind = kinds[(selector - kAimSelector) % kinds.size()];
    s.id = absl::StrCat("op", index, "-aim-", FaultKindName(s.kind));
    s.where.meaning = kAims[reader_.Pick(std::size(kAims))];
    s.when.after_op = index;
    const uint8_t trigger = reader_.Integral<uint8_t>();
    if (trigger % 2 == 0) {
      s.when.nth_match = 1 + trigger / 2 % 4;
    } else {
      s.when.probability = reader_.Probability();
    }
  } else {
    s.kind = kinds[(selector - kFaultSelector) % kinds.size()];
    s.id = absl::StrCat("op", index, "-", FaultKindName(s.kind));
    s.when.at_op = index;
    if (op.placed) s.where.blocks = Range{op.block, op.block};
    paged = op.placed && (op.op == kOpRead || op.op == kOpWrite);
    if (paged) s.where.pages = Range{op.page, op.page};
  }

  switch (s.kind) {
    case FaultKind::kReadBitflip:
    case FaultKind::kChargeLoss:
      // Up to 3x the ECC strength so that both corrected and uncorrectable
      // reads come out of the same decision.
      s.flips = reader_.IntegralInRange<uint32_t>(1, std::max<uint32_t>(3 * g_.ecc_strength, 2));
      s.where.bytes = ByteWindow();
      break;
    case FaultKind::kStuckBit:
      s.flips = reader_.IntegralInRange<uint32_t>(1, 8);
      s.stuck_value = reader_.Bool() ? 1 : 0;
      if (!paged && !aimed) {
        const uint32_t page = reader_.IntegralInRange<uint32_t>(0, g_.pages_per_block - 1);
        s.where.pages = Range{page, page};
      }
      s.where.bytes = ByteWindow();
      break;
    case FaultKind::kProgramFail:
      // torn_fraction only means something (and scripts only accept it)
      // for a partial result; the bytes are read either way so the layout
      // does not depend on the effect.
      s.program_effect = static_cast<ProgramFailEffect>(reader_.Pick(3));
      if (const double f = reader_.Probability(); s.program_effect == ProgramFailEffect::kPartial) {
        s.torn_fraction = f;
      }
      break;
    case FaultKind::kEraseFail:
      s.erase_effect = static_cast<EraseFailEffect>(reader_.Pick(2));
      if (const double f = reader_.Probability(); s.erase_effect == EraseFailEffect::kPartial) {
        s.torn_fraction = f;
      }
      break;
    case FaultKind::kPowerCut:
      s.torn_fraction = reader_.Probability();
      s.unstable = reader_.Bool();
      break;
    case FaultKind::kSilentCorruption: {
      // Beyond the strength, inside one step of the data (a part without
      // ECC refuses the fault: AddFault fails and the decision is dropped).
      const uint32_t t = g_.ecc_strength;
      s.flips = reader_.IntegralInRange<uint32_t>(t + 1, 2 * t + 2);
      s.flips = std::min<uint32_t>(s.flips, std::max<uint32_t>(g_.ecc_step * 8, 1));
      s.silent_effect = static_cast<SilentEffect>(reader_.Pick(2));
      s.real_odds = reader_.Bool();
      const uint64_t first = reader_.IntegralInRange<uint64_t>(0, g_.page_size - 1);
      s.where.bytes = Range{first, g_.page_size - 1};
      break;
    }
    case FaultKind::kFieldMutation: {
      s.field = kStreamFields[reader_.Pick(std::size(kStreamFields))];
      const uint64_t v = reader_.Integral<uint64_t>();
      s.value = v;
      s.mask = reader_.Bool() ? UINT64_MAX : reader_.Integral<uint64_t>();
      s.fix_crc = reader_.Bool();
      // Only bits that fit the field (node_fields.h sizes: 1 to 8 bytes).
      if (std::optional<NodeField> f = FindNodeField(s.field); f && f->size < 8) {
        s.value &= (uint64_t{1} << (8 * f->size)) - 1;
      }
      break;
    }
    default:
      return nullptr;  // not in any table above
  }
  if (s.where.bytes) {
    // A window near the page's end may hold fewer cells than drawn flips.
    const uint64_t cells = (s.where.bytes->last - s.where.bytes->first + 1) * 8;
    s.flips = static_cast<uint32_t>(std::min<uint64_t>(s.flips, cells));
  }
  plan_.faults.push_back(std::move(s));
  return &plan_.faults.back();
}

// ---- StreamFaultDevice ----

void StreamFaultDevice::Consult(const OpView& view) {
  if (!consulting_.load(std::memory_order_relaxed)) return;
  const FaultSpec* spec = source_.Decide(layer_.op_count(), view);
  if (spec != nullptr && !layer_.AddFault(*spec).ok()) source_.DropLast();
}

absl::StatusOr<ReadReport> StreamFaultDevice::Read(const FlashOp& op, std::span<uint8_t> data,
                                                   std::span<uint8_t> oob) {
  Consult(ViewData(geometry(), kOpRead, op.addr, data.size(), oob.size()));
  return layer_.Read(op, data, oob);
}

absl::Status StreamFaultDevice::Write(const FlashOp& op, std::span<const uint8_t> data,
                                      std::span<const uint8_t> oob) {
  Consult(ViewData(geometry(), kOpWrite, op.addr, data.size(), oob.size()));
  return layer_.Write(op, data, oob);
}

absl::Status StreamFaultDevice::Erase(uint64_t addr, uint64_t len) {
  Consult(ViewBlock(geometry(), kOpErase, addr));
  return layer_.Erase(addr, len);
}

absl::StatusOr<bool> StreamFaultDevice::IsBad(uint64_t addr) {
  Consult(ViewBlock(geometry(), kOpIsBad, addr));
  return layer_.IsBad(addr);
}

absl::Status StreamFaultDevice::MarkBad(uint64_t addr) {
  Consult(ViewBlock(geometry(), kOpMarkBad, addr));
  return layer_.MarkBad(addr);
}

absl::Status StreamFaultDevice::Sync() {
  Consult(ViewSync());
  return layer_.Sync();
}

}  // namespace flashfault
