// What decoding costs inside the fault layer (issue 17), side by side in one
// run, on an op mix like UBIFS on UBI gives the part: per 4 ops, 3 page
// reads spread over 64 UBI PEBs full of UBIFS nodes and 1 page program
// into the PEB being filled (its page 0 with EC and VID headers, then
// node pages), that PEB erased once full and the next one started.
//   mix_nofault/ref     FaultLayer with an empty plan (no sink): the bare layer
//   mix_nofault/decode  the same with FaultLayerOptions::decode
//   mix_typical/ref     the typical plan (rare read noise, wear-out watch,
//                       factory bad blocks), as fault_layer_bench has it
//   mix_typical/decode  the same, decoding
//   mix_typical/aimed   the typical plan plus a fault aimed by meaning that
//                       never fires (UBIFS index nodes of volume 9): every
//                       read matched against an aim, decoding on by itself
//   aim/ref             the typical plan plus the same read fault without
//                       its aim, counting every read and never firing
//                       (nth_match beyond the run): what the fault costs
//                       on a layer that does not decode
//   aim/decode          the aimed plan again, beside it: the difference is
//                       what decoding costs a plan that aims, and nothing else
//   log/ref             the typical plan writing its JSON Lines event log
//                       (to /dev/null): the run whose log a person reads
//   log/decode          the same log with every op's meaning in it (decode:
//                       the only use of "the meaning of every op")
// Target (the project's performance targets): decoding <= 10% over the layer without it, the
// ratio printed as "% of mix_X/ref" (100% = free, 90.9% = 10% more time).
// On this shared machine wall times swing by tens of percent between runs
// of the same binary; the ops run are printed at exit so instruction counts
// give a per-op cost that does not (tests/bench/meaning_cost.sh prints each
// pair that way, beside its reference): valgrind --tool=callgrind
// --collect-atstart=no --toggle-collect='*RunMix*', one benchmark per run,
// --benchmark_min_time=3 (shorter runs add a fixed cost of a few percent),
// Collected divided by "mix ops run". Measured (Release -O2, g++-12,
// session 10), instructions per op, without decoding -> with:
//   mix_typical   1949 -> 2129  +9.2%  (session 9: 2096 -> 2649, +26%)
//   aim           2139 -> 2292  +7.2%  (session 9: +10.3%)
//   mix_nofault   1215 -> 1700  +40%: an empty plan takes the layer's fast
//                 path, which skips placing ops; decoding needs them placed
//                 (the slow path), and a decoding layer has a log to feed,
//                 which takes the slow path anyway
//   log           3560 -> 5654  +59%: the meanings' text in every line
//                 ("m", about 130 bytes) costs ten times their decoding
// Where a written page's ~550 instructions go: its node CRCs (folded by
// carry-less multiplication, ~100), the node walk (~80), and the rest
// spread thin over carries, headers and the meaning's fields.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <vector>

#include "backends/model/presets.h"
#include "backends/store/ram_store.h"
#include "common/crc32.h"
#include "decoders/bytes.h"
#include "fault-models/event_sink.h"
#include "fault-models/fault_layer.h"
#include "tests/bench/bench_flash.h"
#include "tests/bench/ratio_reporter.h"

namespace flashfault {
namespace {

using decoders::Bytes;
using bench::kPage;
using bench::kPeb;
using bench::UbiPeb;
constexpr uint32_t kPpb = bench::kPagesPerPeb;
constexpr uint32_t kFilled = 64;  // PEBs read from
constexpr uint32_t kSpare = 16;   // PEBs rewritten in turn

const Geometry& Part() {
  static const Geometry g = *FindPreset("slc-2k-64m");
  return g;
}

std::unique_ptr<NandModel> FilledModel() {
  const Geometry& g = Part();
  auto m = std::move(*NandModel::Create(
      g, std::make_unique<RamStore>(uint64_t{g.page_size + g.oob_size} * g.pages_per_block,
                                    g.block_count)));
  for (uint32_t b = 0; b < kFilled; ++b) (void)m->Write({.addr = uint64_t{b} * kPeb}, UbiPeb(b, b * 1000), {});
  return m;
}

enum class Extra { kNone, kAimed, kUnaimed };

FaultPlan TypicalPlan(Extra extra) {
  FaultPlan plan = bench::TypicalPlan(256);
  if (extra == Extra::kNone) return plan;
  FaultSpec idx;
  idx.id = "idx";
  idx.kind = FaultKind::kReadBitflip;
  idx.when.ops = kOpRead;
  if (extra == Extra::kAimed) {
    MeaningAim a;
    a.ubifs = UbifsAim::kIndex;
    a.volume_id = 9;
    idx.where.meaning = a;
  } else {
    idx.when.nth_match = uint64_t{1} << 62;
  }
  plan.faults.push_back(idx);
  return plan;
}

// What the spare PEBs are rewritten with, built once outside the timed loop.
const std::vector<std::vector<uint8_t>>& Spare() {
  static const std::vector<std::vector<uint8_t>> spare = [] {
    std::vector<std::vector<uint8_t>> v;
    for (uint32_t i = 0; i < kSpare; ++i) v.push_back(UbiPeb(100 + i, 500000 + i));
    return v;
  }();
  return spare;
}

uint64_t ops_run = 0;  // over every run of every benchmark, for instruction counts

// Not inlined: instruction counts toggle on it (see the top).
[[gnu::noinline]] void RunMix(benchmark::State& state, FaultLayer& d) {
  std::vector<uint8_t> data(kPage), oob(Part().oob_size);
  const std::vector<std::vector<uint8_t>>& spare = Spare();
  uint32_t filling = 0, next_page = 0;
  uint64_t read_page = 0, ops = 0;
  for (auto _ : state) {
    if (ops++ % 4 != 3) {
      read_page = (read_page + 977) % (uint64_t{kFilled} * kPpb);  // a stride over the PEBs
      benchmark::DoNotOptimize(d.Read({.addr = read_page * kPage}, data, oob));
      continue;
    }
    const uint32_t block = kFilled + filling;
    if (next_page == kPpb) {
      (void)d.Erase(uint64_t{block} * kPeb, kPeb);
      filling = (filling + 1) % kSpare;
      next_page = 0;
      continue;
    }
    const std::vector<uint8_t>& content = spare[filling];
    (void)d.Write({.addr = uint64_t{kFilled + filling} * kPeb + uint64_t{next_page} * kPage},
                  Bytes(content).subspan(uint64_t{next_page} * kPage, kPage), {});
    ++next_page;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  ops_run += state.iterations();
}

void Mix(benchmark::State& state, bool typical, bool decode, Extra extra, bool log = false) {
  FaultLayerOptions options;
  options.decode = decode;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> null(log ? std::fopen("/dev/null", "w") : nullptr,
                                                        std::fclose);
  std::unique_ptr<JsonlEventSink> sink;
  if (null) {
    sink = std::make_unique<JsonlEventSink>(null.get());
    options.sink = sink.get();
  }
  auto d = std::move(*FaultLayer::Create(FilledModel(), typical ? TypicalPlan(extra) : FaultPlan{},
                                         std::move(options)));
  // A decoding layer learns the part's contents before its first op: a
  // one-off (a few ms for these 8 MiB), kept out of the per-op figures.
  (void)d->IsBad(0);
  (void)Spare();
  RunMix(state, *d);
}

BENCHMARK_CAPTURE(Mix, nofault_ref, false, false, Extra::kNone)->Name("mix_nofault/ref");
BENCHMARK_CAPTURE(Mix, nofault_decode, false, true, Extra::kNone)->Name("mix_nofault/decode");
BENCHMARK_CAPTURE(Mix, typical_ref, true, false, Extra::kNone)->Name("mix_typical/ref");
BENCHMARK_CAPTURE(Mix, typical_decode, true, true, Extra::kNone)->Name("mix_typical/decode");
BENCHMARK_CAPTURE(Mix, typical_aimed, true, false, Extra::kAimed)->Name("mix_typical/aimed");
BENCHMARK_CAPTURE(Mix, aim_ref, true, false, Extra::kUnaimed)->Name("aim/ref");
BENCHMARK_CAPTURE(Mix, aim_decode, true, false, Extra::kAimed)->Name("aim/decode");
BENCHMARK_CAPTURE(Mix, log_ref, true, false, Extra::kNone, true)->Name("log/ref");
BENCHMARK_CAPTURE(Mix, log_decode, true, true, Extra::kNone, true)->Name("log/decode");

}  // namespace
}  // namespace flashfault

int main(int argc, char** argv) {
  const int rc = flashfault::bench::RunWithRatios(argc, argv);
  std::fprintf(stderr, "mix ops run: %llu\n", static_cast<unsigned long long>(flashfault::ops_run));
  return rc;
}
