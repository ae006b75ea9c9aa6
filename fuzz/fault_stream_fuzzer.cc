// fault_stream_fuzzer: the fault layer over the NAND model, with faults
// chosen by the byte-stream source and ops decoded by the shared op
// interpreter, on a small part (2048+64, 8 pages per block, 16 blocks: 256 KiB of data), at
// most kMaxOps ops per input; the .options file caps inputs at 1 KiB.
//
// Reproducing a finding: `fault_stream_fuzzer CRASH_FILE` runs that one
// input (libFuzzer runs file arguments once and stops). The target keeps one
// fault layer for the whole run but resets it before every input
// (FaultLayer::Reset, which leaves nothing of the previous input: see
// ResetLayerActsAsAFreshOne in tests/unit/fault_stream_test.cc), so an input
// fails the same way alone or after others, and prints the plan (PlanToJson)
// and the ops (OpToJson) before the trap.
//
// Input: bytes 0-1 (little endian) give the fault stream's length L (mod
// what is left); the last L bytes are the fault stream, the bytes between are
// the op stream. Both are read through ByteReader like FuzzedDataProvider.
// A finding converts to a reproducer: the decided plan (PlanToJson of the
// source's plan) plus the ops (OpToJson), printed before the trap.
//
// Checked after every op:
//   - ECC contract: a non-raw read that returns OK with no failed ECC step
//     gives exactly the programmed bytes (the AND of every write since the
//     erase), whatever faults struck;
//   - raw reads never report bitflips or ECC failures;
//   - an erased page reads back 0xFF raw unless a stuck-bit fault lives in
//     its block or a fault struck that very read;
//   - power: an op fails Unavailable exactly when the power was off before
//     it or a power cut struck it; after power-on every op is served again.
// Deterministic, no file I/O, never exits; a broken invariant traps.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "backends/model/presets.h"
#include "backends/store/ram_store.h"
#include "fault-models/op_interpreter.h"
#include "fault-models/script/fault_script.h"
#include "fault-models/stream/byte_stream_source.h"

namespace flashfault {
namespace {

// Ops per input: enough for erase/program/cut/power-on/read chains, few
// enough that one input stays near 50 us under ASan and coverage.
constexpr size_t kMaxOps = 64;

const Geometry& TestGeometry() {
  static const Geometry g = [] {
    Geometry g = *FindPreset("slc-2k-64m");
    g.name = "slc-2k-fuzz16x8";
    g.pages_per_block = 8;
    g.block_count = 16;
    return g;
  }();
  return g;
}

// Remembers the faults of the op in flight (kind and block).
class FaultNotes final : public EventSink {
 public:
  struct Note {
    FaultKind kind;
    int64_t block;
    bool cut;
  };
  void OnStart(const RunInfo&) override {}
  void OnOp(const OpRecord&) override {}
  void OnFault(const FaultRecord& f) override {
    // A power-cut family also reports the wobble of cells it tore earlier
    // ("unstable", on reads) and the paired page it damaged: only the other
    // effects mean "the power went with this op".
    const bool cut = f.kind == FaultKind::kPowerCut && f.effect != "unstable" &&
                     f.effect != "paired_page";
    notes.push_back({f.kind, f.block, cut});
  }
  std::vector<Note> notes;
};

// The checker's own byte loops are not the code under test: keeping them out
// of coverage saves a trace call per byte and keeps libFuzzer's features to
// the model and the fault layer. noinline: once inlined into an instrumented
// caller, a loop is instrumented with it.
#define FF_NO_COVERAGE __attribute__((no_sanitize("coverage"), noinline))

FF_NO_COVERAGE void AndInto(uint8_t* dst, const uint8_t* src, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] &= src[i];
}

FF_NO_COVERAGE bool AllErased(const uint8_t* p, size_t n) {
  uint64_t acc = ~uint64_t{0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    acc &= w;
  }
  for (; i < n; ++i) acc &= uint64_t{p[i]} | ~uint64_t{0xFF};
  return acc == ~uint64_t{0};
}

[[noreturn]] void Fail(const char* what, const ByteStreamSource& source,
                       const std::vector<InterpOp>& ops) {
  std::fprintf(stderr, "fault_stream_fuzzer: %s\nplan: %s\nops:\n", what,
               PlanToJson(source.plan()).dump().c_str());
  for (const InterpOp& op : ops) std::fprintf(stderr, "  %s\n", OpToJson(op).c_str());
  __builtin_trap();
}

// What the test knows of each page's programmed data bytes. Kept with the
// layer and reset per input, so its page buffers are allocated once.
struct Shadow {
  std::vector<uint8_t> programmed;          // per page: programmed since a known erase
  std::vector<std::vector<uint8_t>> bytes;  // per page: the AND of its writes, if programmed
  std::vector<bool> unknown;                // per page: contents undefined (failed program...)
  std::vector<bool> stuck_block;

  explicit Shadow(const Geometry& g)
      : programmed(g.total_pages()), bytes(g.total_pages()), unknown(g.total_pages()),
        stuck_block(g.block_count) {}

  void Reset() {
    std::fill(programmed.begin(), programmed.end(), 0);
    std::fill(unknown.begin(), unknown.end(), false);
    std::fill(stuck_block.begin(), stuck_block.end(), false);
  }
  // The page's programmed bytes, or null for an erased page.
  const uint8_t* Programmed(uint64_t page) const {
    return programmed[page] ? bytes[page].data() : nullptr;
  }
  // The page's bytes for one more write (0xFF first if it was erased).
  uint8_t* Program(const Geometry& g, uint64_t page) {
    if (!programmed[page]) bytes[page].assign(g.page_size, 0xFF);
    programmed[page] = 1;
    return bytes[page].data();
  }
  void EraseBlock(const Geometry& g, uint64_t block, bool known) {
    for (uint64_t p = block * g.pages_per_block; p < (block + 1) * g.pages_per_block; ++p) {
      programmed[p] = 0;
      unknown[p] = !known;
    }
  }
};

// The layer every input runs on, with the sink that notes its faults.
// Building a model and a layer per input cost more than many inputs' ops:
// the store's block buffers, the families' scratch and the allocator's
// trips to the kernel. Reset() gives each input a part as fresh as a new one.
struct Rig {
  FaultNotes notes;
  std::unique_ptr<FaultLayer> layer;
  Shadow shadow{TestGeometry()};
  std::vector<InterpOp> ops;
};

Rig& TheRig() {
  static Rig* const rig = [] {
    const Geometry& g = TestGeometry();
    auto* r = new Rig;
    auto store = std::make_unique<RamStore>(
        uint64_t{g.page_size + g.oob_size} * g.pages_per_block, g.block_count);
    auto model = NandModel::Create(g, std::move(store));
    if (!model.ok()) __builtin_trap();
    auto layer = FaultLayer::Create(
        std::move(*model), FaultPlan{},
        FaultLayerOptions{.sink = &r->notes, .sleeper = [](uint64_t) {}});
    if (!layer.ok()) __builtin_trap();
    r->layer = std::move(*layer);
    return r;
  }();
  return *rig;
}

void Check(const uint8_t* data, size_t size) {
  const Geometry& g = TestGeometry();
  if (size < 2) return;
  const size_t rest = size - 2;
  const size_t fault_len = (data[0] | (size_t{data[1]} << 8)) % (rest + 1);
  const std::span<const uint8_t> op_bytes(data + 2, rest - fault_len);
  const std::span<const uint8_t> fault_bytes(data + 2 + rest - fault_len, fault_len);

  Rig& rig = TheRig();
  if (!rig.layer->Reset(FaultPlan{}).ok()) __builtin_trap();
  FaultNotes& notes = rig.notes;
  notes.notes.clear();
  FaultLayer& l = *rig.layer;
  ByteStreamSource source(fault_bytes, /*seed=*/fault_len, g);
  StreamFaultDevice dev(l, source);
  OpInterpreter interp(dev, {.power_on = [&] { l.PowerOn(); },
                             .advance_clock = [&](uint64_t us) { l.AdvanceClock(us); }});
  Shadow& shadow = rig.shadow;
  shadow.Reset();
  std::vector<InterpOp>& ops = rig.ops;
  ops.clear();
  ByteReader reader(op_bytes);

  while (ops.size() < kMaxOps) {
    std::optional<InterpOp> op = DecodeOp(reader, g);
    if (!op) break;
    ops.push_back(*op);
    notes.notes.clear();
    const bool powered = l.powered();
    const uint64_t before = l.op_count();
    const OpOutcome out = interp.Run(*op);
    const bool device_op = op->code != OpCode::kPowerOn && op->code != OpCode::kClock;
    if (l.op_count() != before + (device_op ? 1 : 0)) Fail("op count", source, ops);
    if (!device_op) {
      if (op->code == OpCode::kPowerOn && !l.powered()) {
        Fail("power_on left power off", source, ops);
      }
      continue;
    }
    bool cut = false;
    for (const auto& n : notes.notes) {
      cut |= n.cut;
      if (n.kind == FaultKind::kStuckBit && n.block >= 0) shadow.stuck_block[n.block] = true;
    }
    const bool unavailable = out.code == absl::StatusCode::kUnavailable;
    if (unavailable != (!powered || cut)) {
      std::fprintf(stderr, "op %zu: status %d, powered before %d, cut %d\n", ops.size() - 1,
                   static_cast<int>(out.code), powered, cut);
      Fail("power state and Unavailable disagree", source, ops);
    }

    const bool data_op = op->code == OpCode::kRead || op->code == OpCode::kWrite;
    const bool aligned = data_op && op->addr % g.page_size == 0 && op->len % g.page_size == 0 &&
                         op->addr + op->len <= g.total_size();
    const uint64_t first_page = op->addr / g.page_size;
    if (op->code == OpCode::kWrite && aligned) {
      for (uint64_t k = 0; k < op->len / g.page_size; ++k) {
        const uint64_t page = first_page + k;
        if (out.code == absl::StatusCode::kOk) {
          AndInto(shadow.Program(g, page), interp.data().data() + k * g.page_size, g.page_size);
        } else if (out.code != absl::StatusCode::kInvalidArgument &&
                   out.code != absl::StatusCode::kOutOfRange) {
          shadow.unknown[page] = true;  // failed or torn program: contents undefined
        }
      }
    } else if (op->code == OpCode::kWrite && out.code != absl::StatusCode::kInvalidArgument &&
               out.code != absl::StatusCode::kOutOfRange && op->addr < g.total_size()) {
      // Unaligned writes are refused in strict mode; anything else: give up
      // on the pages it may have touched.
      for (uint64_t k = 0; k <= (op->len + g.page_size - 1) / g.page_size; ++k) {
        if (first_page + k < g.total_pages()) shadow.unknown[first_page + k] = true;
      }
    } else if (op->code == OpCode::kErase && op->addr % g.block_size() == 0 &&
               op->addr + op->len <= g.total_size()) {
      if (out.code == absl::StatusCode::kOk || (out.code != absl::StatusCode::kInvalidArgument &&
                                                out.code != absl::StatusCode::kOutOfRange)) {
        for (uint64_t b = op->addr / g.block_size(); b < (op->addr + op->len) / g.block_size();
             ++b) {
          shadow.EraseBlock(g, b, out.code == absl::StatusCode::kOk);
        }
      }
    } else if (op->code == OpCode::kMarkBad && op->addr < g.total_size() &&
               out.code != absl::StatusCode::kInvalidArgument) {
      shadow.EraseBlock(g, op->addr / g.block_size(), /*known=*/false);
    } else if (op->code == OpCode::kRead && aligned && out.code == absl::StatusCode::kOk) {
      const bool raw = op->mode == OobMode::kRaw;
      if (raw && (out.report.corrected_bitflips != 0 || out.report.failed_steps != 0)) {
        Fail("raw read reported ECC activity", source, ops);
      }
      for (uint64_t k = 0; k < op->len / g.page_size; ++k) {
        const uint64_t page = first_page + k;
        if (shadow.unknown[page]) continue;
        const uint8_t* got = interp.data().data() + k * g.page_size;
        const uint8_t* want = shadow.Programmed(page);
        if (!raw && out.report.failed_steps == 0) {
          if (want != nullptr) {
            if (std::memcmp(got, want, g.page_size) != 0) {
              Fail("corrected read differs from the programmed bytes", source, ops);
            }
          } else if (!AllErased(got, g.page_size)) {
            Fail("corrected read of an erased page is not 0xFF", source, ops);
          }
        } else if (raw && want == nullptr && notes.notes.empty() &&
                   !shadow.stuck_block[page / g.pages_per_block]) {
          if (!AllErased(got, g.page_size)) {
            Fail("raw read of an erased page is not 0xFF", source, ops);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace flashfault

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  flashfault::Check(data, size);
  return 0;
}
