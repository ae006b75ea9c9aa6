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
// Target (the project's performance targets): decoding <= 10% over the layer without it, the
// ratio printed as "% of mix_X/ref" (100% = free, 90.9% = 10% more time).
// On a loaded machine wall times swing by tens of percent; the ops run are
// printed at exit so instruction counts (valgrind --tool=callgrind
// --collect-atstart=no --toggle-collect='*RunMix*', one benchmark per run,
// --benchmark_min_time=1) give a per-op cost that does not. Measured
// (Release -O2, g++-12, session 6), instructions per op with the typical
// plan: 1991 without decoding, 2490 (+25%) decoding and logging meanings
// (node CRCs checked: 64 of them), 2640 (+33%) with an aim as well (node
// CRCs skipped: nothing reads them without a log; they were not the cost).
// The rest is spread over every op's meaning lookup and the aim's own
// trigger, with no single hot spot: above the 10% target (issue 17 notes).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <vector>

#include "backends/model/presets.h"
#include "backends/store/ram_store.h"
#include "common/crc32.h"
#include "decoders/bytes.h"
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

FaultPlan TypicalPlan(bool aimed) {
  FaultPlan plan = bench::TypicalPlan(256);
  if (aimed) {
    FaultSpec idx;
    idx.id = "idx";
    idx.kind = FaultKind::kReadBitflip;
    idx.when.ops = kOpRead;
    MeaningAim a;
    a.ubifs = UbifsAim::kIndex;
    a.volume_id = 9;
    idx.where.meaning = a;
    plan.faults.push_back(idx);
  }
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

void Mix(benchmark::State& state, bool typical, bool decode, bool aimed) {
  FaultLayerOptions options;
  options.decode = decode;
  auto d = std::move(*FaultLayer::Create(FilledModel(), typical ? TypicalPlan(aimed) : FaultPlan{},
                                         std::move(options)));
  // A decoding layer learns the part's contents before its first op: a
  // one-off (a few ms for these 8 MiB), kept out of the per-op figures.
  (void)d->IsBad(0);
  (void)Spare();
  RunMix(state, *d);
}

BENCHMARK_CAPTURE(Mix, nofault_ref, false, false, false)->Name("mix_nofault/ref");
BENCHMARK_CAPTURE(Mix, nofault_decode, false, true, false)->Name("mix_nofault/decode");
BENCHMARK_CAPTURE(Mix, typical_ref, true, false, false)->Name("mix_typical/ref");
BENCHMARK_CAPTURE(Mix, typical_decode, true, true, false)->Name("mix_typical/decode");
BENCHMARK_CAPTURE(Mix, typical_aimed, true, false, true)->Name("mix_typical/aimed");

}  // namespace
}  // namespace flashfault

int main(int argc, char** argv) {
  const int rc = flashfault::bench::RunWithRatios(argc, argv);
  std::fprintf(stderr, "mix ops run: %llu\n", static_cast<unsigned long long>(flashfault::ops_run));
  return rc;
}
