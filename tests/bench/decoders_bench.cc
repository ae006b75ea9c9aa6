// The cost of knowing what a page means, against a bare baseline in one run:
//   decode_page/ref            memcpy of one 2 KiB page
//   decode_page/model_read     NandModel::Read of one page (RAM store): what
//                              the fault layer's no-fault path costs beside it
//   decode_page/classify       FlashMeaning::Classify of one page of a UBIFS
//                              LEB (ino, dent and 4 KiB data nodes, so pages
//                              with headers and pages inside a node), every
//                              node's CRC checked
//   decode_page/observe        the same through Observe (classify + learn)
//   decode_page/classify_jffs2 a JFFS2 eraseblock's pages
// Only same-run ratios mean anything on a shared machine (ratio_reporter.h).
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "backends/model/nand_model.h"
#include "backends/model/presets.h"
#include "backends/store/ram_store.h"
#include "common/crc32.h"
#include "decoders/flash_meaning.h"
#include "tests/bench/bench_flash.h"
#include "tests/bench/ratio_reporter.h"

namespace flashfault {
namespace {

using decoders::Bytes;
using bench::kPage;
using bench::kPagesPerPeb;
using bench::kPeb;
using bench::Put;

// One UBI PEB holding LEB 20 of volume 0 (bench_flash.h).
std::vector<uint8_t> UbiPeb() { return bench::UbiPeb(20, 0); }

// One JFFS2 eraseblock: inode nodes of 1 KiB of data each.
std::vector<uint8_t> Jffs2Block() {
  std::vector<uint8_t> p(kPeb, 0xFF);
  for (size_t off = 0, i = 0; off + 68 + 1024 < kPeb; off += 68 + 1024, ++i) {
    std::fill_n(p.begin() + off, 68 + 1024, 0x22);
    Put(p, off, 0x1985, 2, false);
    Put(p, off + 2, 0xE002, 2, false);
    Put(p, off + 4, 68 + 1024, 4, false);
    Put(p, off + 8, Crc32Update(0, Bytes(p).subspan(off, 8)), 4, false);
    Put(p, off + 48, 1024, 4, false);
    Put(p, off + 60, Crc32Update(0, Bytes(p).subspan(off + 68, 1024)), 4, false);
    Put(p, off + 64, Crc32Update(0, Bytes(p).subspan(off, 60)), 4, false);
  }
  return p;
}

decoders::FlashMeaning Learned(const std::vector<uint8_t>& peb) {
  decoders::FlashMeaning fm({kPage, kPeb, kPage, 4});
  for (uint32_t pg = 0; pg < kPagesPerPeb; ++pg) {
    fm.Observe(1, pg * kPage, Bytes(peb).subspan(pg * kPage, kPage));
  }
  return fm;
}

void BM_Ref(benchmark::State& state) {
  const std::vector<uint8_t> peb = UbiPeb();
  std::vector<uint8_t> out(kPage);
  uint32_t pg = 1;
  for (auto _ : state) {
    std::memcpy(out.data(), peb.data() + pg * kPage, kPage);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    pg = pg + 1 == kPagesPerPeb ? 1 : pg + 1;
  }
  state.SetBytesProcessed(state.iterations() * kPage);
}
BENCHMARK(BM_Ref)->Name("decode_page/ref");

void BM_ModelRead(benchmark::State& state) {
  Geometry g = *FindPreset("slc-2k-64m");
  g.block_count = 4;
  auto m = std::move(*NandModel::Create(
      g, std::make_unique<RamStore>(uint64_t{g.page_size + g.oob_size} * g.pages_per_block, 4)));
  const std::vector<uint8_t> peb = UbiPeb();
  (void)m->Write({.addr = 0}, peb, {});
  std::vector<uint8_t> out(kPage);
  uint32_t pg = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(m->Read({.addr = uint64_t{pg} * kPage}, out, {}));
    pg = pg + 1 == kPagesPerPeb ? 1 : pg + 1;
  }
  state.SetBytesProcessed(state.iterations() * kPage);
}
BENCHMARK(BM_ModelRead)->Name("decode_page/model_read");

template <bool kObserve, bool kJffs2>
void BM_Classify(benchmark::State& state) {
  const std::vector<uint8_t> peb = kJffs2 ? Jffs2Block() : UbiPeb();
  decoders::FlashMeaning fm = Learned(peb);
  uint32_t pg = kJffs2 ? 0 : 1, nodes = 0;
  for (auto _ : state) {
    const Bytes page = Bytes(peb).subspan(pg * kPage, kPage);
    const decoders::PageMeaning m =
        kObserve ? fm.Observe(1, pg * kPage, page) : fm.Classify(1, pg * kPage, page);
    nodes += m.nodes;
    benchmark::DoNotOptimize(m);
    pg = pg + 1 == kPagesPerPeb ? (kJffs2 ? 0 : 1) : pg + 1;
  }
  state.counters["nodes/page"] = static_cast<double>(nodes) / state.iterations();
  state.SetBytesProcessed(state.iterations() * kPage);
}
BENCHMARK(BM_Classify<false, false>)->Name("decode_page/classify");
BENCHMARK(BM_Classify<true, false>)->Name("decode_page/observe");
BENCHMARK(BM_Classify<false, true>)->Name("decode_page/classify_jffs2");

}  // namespace
}  // namespace flashfault

int main(int argc, char** argv) { return flashfault::bench::RunWithRatios(argc, argv); }
