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
#include "tests/bench/ratio_reporter.h"

namespace flashfault {
namespace {

using decoders::Bytes;
constexpr uint32_t kPage = 2048, kPagesPerPeb = 64, kPeb = kPage * kPagesPerPeb;

void Put(std::vector<uint8_t>& b, size_t off, uint64_t v, int n, bool big) {
  for (int i = 0; i < n; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * (big ? n - 1 - i : i)));
}

// One UBI PEB: EC and VID headers on page 0, then a UBIFS LEB of nodes.
std::vector<uint8_t> UbiPeb() {
  std::vector<uint8_t> p(kPeb, 0xFF);
  auto header = [&](size_t at, uint32_t magic, std::initializer_list<std::pair<int, uint32_t>> f) {
    std::fill_n(p.begin() + at, 64, 0);
    Put(p, at, magic, 4, true);
    p[at + 4] = 1;
    for (auto [off, v] : f) Put(p, at + off, v, 4, true);
    Put(p, at + 60, Crc32Update(0xFFFFFFFF, Bytes(p).subspan(at, 60)), 4, true);
  };
  header(0, 0x55424923, {{16, 512}, {20, kPage}});
  header(512, 0x55424921, {{8, 0}, {12, 20}});
  p[512 + 5] = 1;
  Put(p, 512 + 60, Crc32Update(0xFFFFFFFF, Bytes(p).subspan(512, 60)), 4, true);
  size_t off = kPage;
  for (uint32_t i = 0; off + 4200 < kPeb; ++i) {
    const uint32_t type = i % 3, len = type == 0 ? 160 : type == 2 ? 64 : 48 + 4096;
    std::fill_n(p.begin() + off, len, 0x11);
    Put(p, off, 0x06101831, 4, false);
    Put(p, off + 8, i, 8, false);
    Put(p, off + 16, len, 4, false);
    p[off + 20] = static_cast<uint8_t>(type);
    Put(p, off + 24, 64 + i, 4, false);
    Put(p, off + 4, Crc32Update(0xFFFFFFFF, Bytes(p).subspan(off + 8, len - 8)), 4, false);
    off = (off + len + 7) & ~size_t{7};
  }
  return p;
}

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
