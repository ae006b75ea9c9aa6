// Model speed against memcpy of the same bytes, in one run:
//   page_read/ref       memcpy of one page (data + OOB) out of a store-sized array
//   page_program/ref    memcpy of one page into a store-sized array
//   page_read/ram       NandModel::Read of one page with ECC checking, RAM store
//   page_read/file      the same on the mmap'ed image file store
//   page_program/...    NandModel::Write (AND into cells, NOP and order rules)
//   block_erase/...     NandModel::Erase of one block vs memset of its bytes
// Targets: read >= 80% of memcpy, program >= 50%.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <vector>

#include "backends/image/flash_image.h"
#include "backends/model/presets.h"
#include "backends/store/ram_store.h"
#include "tests/bench/ratio_reporter.h"

namespace flashfault {
namespace {

const Geometry& Part() {
  static const Geometry g = *FindPreset("slc-2k-64m");
  return g;
}

std::unique_ptr<NandModel> RamModel() {
  const Geometry& g = Part();
  return std::move(*NandModel::Create(
      g, std::make_unique<RamStore>(uint64_t{g.page_size + g.oob_size} * g.pages_per_block,
                                    g.block_count)));
}

std::unique_ptr<NandModel> FileModel() {
  static const std::string path =
      (std::filesystem::temp_directory_path() / ("ff-bench-" + std::to_string(::getpid()) + ".img"))
          .string();
  if (!std::filesystem::exists(path)) (void)CreateImage(path, Part());
  auto m = OpenImage(path);
  std::filesystem::remove(path);  // the mapping keeps the file alive
  std::filesystem::remove(MetaPathFor(path));
  return std::move(*m);
}

std::unique_ptr<NandModel> Make(bool file) { return file ? FileModel() : RamModel(); }

constexpr uint64_t kPages = 64 * 64;  // 4096 pages: 8 MiB, beyond L2 like real use

void CopyRef(benchmark::State& state) {
  const uint64_t stride = Part().page_size + Part().oob_size;
  std::vector<uint8_t> src(stride * kPages, 0x5A), dst(Part().page_size + Part().oob_size);
  uint64_t p = 0;
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data() + (p++ % kPages) * stride, dst.size());
    benchmark::DoNotOptimize(dst.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * dst.size()));
}

// The reference of a program: memcpy of a page into a store-sized array,
// page after page, as a program writes into the store (a read copies out of
// it, see CopyRef).
void CopyIntoRef(benchmark::State& state) {
  const uint64_t stride = Part().page_size + Part().oob_size;
  std::vector<uint8_t> src(stride, 0x5A), dst(stride * kPages);
  uint64_t p = 0;
  for (auto _ : state) {
    std::memcpy(dst.data() + (p++ % kPages) * stride, src.data(), src.size());
    benchmark::DoNotOptimize(dst.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * src.size()));
}

void PageRead(benchmark::State& state, bool file) {
  auto m = Make(file);
  std::vector<uint8_t> data(Part().page_size), oob(Part().oob_size);
  for (uint64_t p = 0; p < kPages; ++p) {
    (void)m->Write({.addr = p * Part().page_size}, std::vector<uint8_t>(Part().page_size, 0x5A), {});
  }
  uint64_t p = 0;
  for (auto _ : state) {
    auto r = m->Read({.addr = (p++ % kPages) * Part().page_size}, data, oob);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * (data.size() + oob.size())));
}

void PageProgram(benchmark::State& state, bool file) {
  auto m = Make(file);
  std::vector<uint8_t> data(Part().page_size, 0x3C), oob(Part().oob_size, 0xF0);
  uint64_t p = 0;
  for (auto _ : state) {
    if (p == kPages) {
      state.PauseTiming();
      (void)m->Erase(0, kPages / Part().pages_per_block * Part().block_size());
      p = 0;
      state.ResumeTiming();
    }
    auto s = m->Write({.addr = (p++) * Part().page_size}, data, oob);
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * (data.size() + oob.size())));
}

void EraseRef(benchmark::State& state) {
  const uint64_t block = uint64_t{Part().page_size + Part().oob_size} * Part().pages_per_block;
  std::vector<uint8_t> bytes(block * 16);
  uint64_t b = 0;
  for (auto _ : state) {
    std::memset(bytes.data() + (b++ % 16) * block, 0xFF, block);
    benchmark::DoNotOptimize(bytes.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * block));
}

void BlockErase(benchmark::State& state, bool file) {
  auto m = Make(file);
  const uint64_t block = uint64_t{Part().page_size + Part().oob_size} * Part().pages_per_block;
  std::vector<uint8_t> page(Part().page_size, 0);
  uint64_t b = 0;
  for (auto _ : state) {
    const uint64_t addr = (b++ % 16) * Part().block_size();
    state.PauseTiming();
    (void)m->Write({.addr = addr}, page, {});  // so the RAM store has a block to drop
    state.ResumeTiming();
    auto s = m->Erase(addr, Part().block_size());
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * block));
}

BENCHMARK(CopyRef)->Name("page_read/ref");
BENCHMARK_CAPTURE(PageRead, ram, false)->Name("page_read/ram");
BENCHMARK_CAPTURE(PageRead, file, true)->Name("page_read/file");
BENCHMARK(CopyIntoRef)->Name("page_program/ref");
BENCHMARK_CAPTURE(PageProgram, ram, false)->Name("page_program/ram");
BENCHMARK_CAPTURE(PageProgram, file, true)->Name("page_program/file");
BENCHMARK(EraseRef)->Name("block_erase/ref");
BENCHMARK_CAPTURE(BlockErase, ram, false)->Name("block_erase/ram");
BENCHMARK_CAPTURE(BlockErase, file, true)->Name("block_erase/file");

}  // namespace
}  // namespace flashfault

int main(int argc, char** argv) { return flashfault::bench::RunWithRatios(argc, argv); }
