// Fault layer overhead on page reads, against the bare model in one run:
//   fault_read/ref       NandModel::Read of one page (data + OOB), RAM store
//   fault_read/nofault   the same through a FaultLayer with an empty plan
//   fault_read/typical   a FaultLayer with rare read noise (p = 0.001, 2 flips),
//                        a wear-out watch and 8 factory bad blocks
//   fault_read/logged    typical, plus every op written to a JSON Lines log
//                        (to /dev/null: measures formatting and buffering)
// Target (issue 3): nofault within 10% of ref.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <vector>

#include "backends/model/presets.h"
#include "backends/store/ram_store.h"
#include "fault-models/event_sink.h"
#include "fault-models/fault_layer.h"
#include "tests/bench/bench_flash.h"
#include "tests/bench/ratio_reporter.h"

namespace flashfault {
namespace {

const Geometry& Part() {
  static const Geometry g = *FindPreset("slc-2k-64m");
  return g;
}

constexpr uint64_t kPages = 64 * 64;  // 8 MiB of pages, beyond L2 like real use

std::unique_ptr<NandModel> FilledModel() {
  const Geometry& g = Part();
  auto m = std::move(*NandModel::Create(
      g, std::make_unique<RamStore>(uint64_t{g.page_size + g.oob_size} * g.pages_per_block,
                                    g.block_count)));
  const std::vector<uint8_t> data(g.page_size, 0x5A);
  for (uint64_t p = 0; p < kPages; ++p) (void)m->Write({.addr = p * g.page_size}, data, {});
  return m;
}

// Away from the pages read here.
FaultPlan TypicalPlan() { return bench::TypicalPlan(64); }

void Run(benchmark::State& state, FlashDevice& d) {
  const Geometry& g = Part();
  std::vector<uint8_t> data(g.page_size), oob(g.oob_size);
  uint64_t p = 0;
  for (auto _ : state) {
    auto r = d.Read({.addr = (p++ % kPages) * g.page_size}, data, oob);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * (data.size() + oob.size())));
}

void Ref(benchmark::State& state) {
  auto m = FilledModel();
  Run(state, *m);
}

void NoFault(benchmark::State& state) {
  auto d = std::move(*FaultLayer::Create(FilledModel(), FaultPlan{}));
  Run(state, *d);
}

void Typical(benchmark::State& state) {
  auto d = std::move(*FaultLayer::Create(FilledModel(), TypicalPlan()));
  Run(state, *d);
  state.counters["faults"] = static_cast<double>(d->injected("noise"));
}

void Logged(benchmark::State& state) {
  std::FILE* null = std::fopen("/dev/null", "w");
  {
    JsonlEventSink sink(null);
    auto d = std::move(*FaultLayer::Create(FilledModel(), TypicalPlan(),
                                           FaultLayerOptions{.sink = &sink, .sleeper = nullptr}));
    Run(state, *d);
  }
  std::fclose(null);
}

BENCHMARK(Ref)->Name("fault_read/ref");
BENCHMARK(NoFault)->Name("fault_read/nofault");
BENCHMARK(Typical)->Name("fault_read/typical");
BENCHMARK(Logged)->Name("fault_read/logged");

}  // namespace
}  // namespace flashfault

int main(int argc, char** argv) { return flashfault::bench::RunWithRatios(argc, argv); }
