// DirectReads implementation; see direct_reads.h.
#include "harness/server/direct_reads.h"

#include <sys/ioctl.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace flashfault::server {
namespace {

// The module reads the map concurrently: publish with release stores, read
// its counters with relaxed loads (they are statistics).
template <typename T>
void Publish(T& word, T value) {
  std::atomic_ref<T>(word).store(value, std::memory_order_release);
}
template <typename T>
T Peek(const T& word) {
  return std::atomic_ref<T>(const_cast<T&>(word)).load(std::memory_order_relaxed);
}

}  // namespace

absl::StatusOr<std::unique_ptr<DirectReads>> DirectReads::Create(FlashDevice& device,
                                                                 FaultLayer& layer,
                                                                 bool every_op_decides) {
  const uint64_t words = (uint64_t{layer.geometry().block_count} + 63) / 64;
  const size_t page = 4096;
  const size_t len = (sizeof(muse::DirectMap) + words * 8 + page - 1) / page * page;
  void* mem = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    return absl::InternalError(absl::StrCat("direct reads: map of ", len, " bytes: ",
                                            std::strerror(errno)));
  }
  auto* map = static_cast<muse::DirectMap*>(mem);
  auto direct = std::unique_ptr<DirectReads>(
      new DirectReads(device, layer, every_op_decides, map, len));
  direct->RefreshAll();
  return direct;
}

DirectReads::DirectReads(FlashDevice& device, FaultLayer& layer, bool every_op_decides,
                         muse::DirectMap* map, size_t map_len)
    : device_(device), layer_(layer), model_(layer.model()), every_op_decides_(every_op_decides),
      map_(map), ask_(reinterpret_cast<uint64_t*>(map + 1)), map_len_(map_len) {
  // Safe start: everything asks until RefreshAll() knows better.
  map_->magic = muse::kDirectMapMagic;
  map_->bypass = 1;
  std::fill(ask_, ask_ + (layer.geometry().block_count + 63) / 64, ~uint64_t{0});
}

DirectReads::~DirectReads() {
  // The module may still hold the pages pinned: unmapping only drops ours.
  ::munmap(map_, map_len_);
}

absl::StatusOr<bool> DirectReads::Share(int muse_fd) {
  const int store_fd = model_.store().shared_fd();
  if (store_fd < 0) return false;
  const Geometry& g = model_.geometry();
  muse::DirectSetup setup{};
  setup.store_fd = store_fd;
  setup.page_stride = uint64_t{g.page_size} + g.oob_size;
  setup.map_addr = reinterpret_cast<uintptr_t>(map_);
  setup.map_len = map_len_;
  if (::ioctl(muse_fd, muse::kDevIocDirect, &setup) != 0) {
    if (errno == ENOTTY) return false;
    return absl::InternalError(absl::StrCat("direct reads: MUSE_DEV_IOC_DIRECT: ",
                                            std::strerror(errno)));
  }
  shared_ = true;
  return true;
}

bool DirectReads::WantBypass() const { return every_op_decides_ || layer_.QueriesObserved(); }

void DirectReads::SetBypass(bool on) {
  if ((map_->bypass != 0) != on) Publish<uint32_t>(map_->bypass, on ? 1 : 0);
}

bool DirectReads::BlockAsks(uint32_t block) const {
  return (Peek(ask_[block / 64]) >> (block % 64)) & 1;
}

void DirectReads::MarkBlock(uint32_t block) {
  const bool clean = model_.store().BlockInFile(block) && !model_.BlockIsBad(block) &&
                     !model_.BlockHasCellErrors(block);
  uint64_t& word = ask_[block / 64];
  const uint64_t bit = uint64_t{1} << (block % 64);
  const uint64_t next = clean ? word & ~bit : word | bit;
  if (next != word) Publish(word, next);
}

void DirectReads::RefreshAll() {
  // Raise the flag before any bit can change, lower it after all did.
  const bool bypass = WantBypass();
  if (bypass) SetBypass(true);
  for (uint32_t b = 0; b < model_.geometry().block_count; ++b) MarkBlock(b);
  if (!bypass) SetBypass(false);
}

void DirectReads::AfterOp(uint64_t addr, uint64_t len, uint64_t oob_len) {
  const Geometry& g = model_.geometry();
  const bool bypass = WantBypass();
  if (bypass) SetBypass(true);
  if (addr < g.total_size()) {
    // OOB runs one page per (at least) oob_avail bytes: count generously.
    const uint64_t per_page = std::max<uint64_t>(1, g.oob_avail());
    const uint64_t end = std::min<uint64_t>(
        g.total_size(), addr + std::max<uint64_t>({len, 1, (oob_len + per_page - 1) / per_page *
                                                               g.page_size}));
    for (uint64_t b = addr / g.block_size(); b * g.block_size() < end; ++b) {
      MarkBlock(static_cast<uint32_t>(b));
    }
  }
  if (!bypass) SetBypass(false);
}

DirectReads::Counters DirectReads::counters() const {
  Counters c;
  c.shared = shared_;
  c.bypass = Peek(map_->bypass) != 0;
  for (uint32_t b = 0; b < model_.geometry().block_count; ++b) c.clean_blocks += !BlockAsks(b);
  c.reads = Peek(map_->reads);
  c.read_bytes = Peek(map_->read_bytes);
  c.isbad = Peek(map_->isbad);
  return c;
}

absl::StatusOr<ReadReport> DirectReads::Read(const FlashOp& op, std::span<uint8_t> data,
                                             std::span<uint8_t> oob) {
  absl::StatusOr<ReadReport> r = device_.Read(op, data, oob);
  AfterOp(op.addr, data.size(), oob.size());
  return r;
}

absl::Status DirectReads::Write(const FlashOp& op, std::span<const uint8_t> data,
                                std::span<const uint8_t> oob) {
  absl::Status s = device_.Write(op, data, oob);
  AfterOp(op.addr, data.size(), oob.size());
  return s;
}

absl::Status DirectReads::Erase(uint64_t addr, uint64_t len) {
  absl::Status s = device_.Erase(addr, len);
  AfterOp(addr, len, 0);
  return s;
}

absl::StatusOr<bool> DirectReads::IsBad(uint64_t addr) {
  absl::StatusOr<bool> r = device_.IsBad(addr);
  AfterOp(addr, 1, 0);
  return r;
}

absl::Status DirectReads::MarkBad(uint64_t addr) {
  absl::Status s = device_.MarkBad(addr);
  AfterOp(addr, 1, 0);
  return s;
}

absl::Status DirectReads::Sync() {
  absl::Status s = device_.Sync();
  AfterOp(UINT64_MAX, 0, 0);  // no block; the flag may change (a cut)
  return s;
}

}  // namespace flashfault::server
