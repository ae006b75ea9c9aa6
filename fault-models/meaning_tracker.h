// MeaningTracker: what every page of the part means, kept up to date by
// the fault layer from the ops it sees, so faults can be aimed by meaning
// and the event log can say what each op touched.
//
// It owns a decoders::FlashMeaning (the incremental classifier) and a cache
// of one PageMeaning per page: a whole-page write is observed once (learn,
// classify, cache), or, when nobody reads its meaning, learned from and
// classified on first demand (LearnWrite); a read looks its pages up and classifies from the store
// only the pages nobody classified since they last changed, or since the
// classifier learned something that changes meanings (its generation). An
// imported image (or a state a caller wrote into the model) is learned by
// walking the store once (LearnAll) before the next op.
// NOR parts have byte-sized "pages": there the meaning of an op is that of
// its whole byte range, classified each time (no cache).
// Must not: change the model, decide faults, or read anything but the
// programmed bytes of the store (what the cells hold apart from deviations).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "backends/model/nand_model.h"
#include "decoders/flash_meaning.h"

namespace flashfault {

class MeaningTracker {
 public:
  // `check_node_crcs`: whether the meanings carry UBIFS node CRC checks
  // (FlashMeaning::set_check_node_crcs). The layer asks for them only when
  // it logs the meanings: aims and field mutations never read them.
  MeaningTracker(const Geometry& g, bool check_node_crcs);

  const decoders::FlashMeaning& flash() const { return flash_; }
  // Forget everything (the model was wiped or is about to be overwritten):
  // the next op first learns the whole store again.
  void Forget();
  bool learned() const { return learned_; }
  // Observes every programmed page of every good block, block by block in
  // page order, as if each had just been written. Cost: one pass over the
  // store (erased pages are a word compare each).
  void LearnAll(NandModel& model);

  // The meanings of a write's pages before it reaches the model: each
  // page's slice of `data` (in-band bytes at device byte `addr`) observed,
  // one entry per page of [first_page, first_page + count). Whole pages of
  // one block are classified straight into the cache and the span is its
  // entries (as ForRead's); otherwise copies in `out`. NOR: one entry.
  std::span<const decoders::PageMeaning> ForWrite(NandModel& model, uint64_t addr,
                                                  std::span<const uint8_t> data,
                                                  uint64_t first_page, uint64_t count,
                                                  std::vector<decoders::PageMeaning>& out);
  // A write whose meaning nobody asks for now: it teaches what it teaches
  // (UBI headers, the volume table, superblocks), and its whole pages are
  // classified only when first asked for, from the store, in page order (so
  // a node running on into the next page is known there). Aims on reads
  // alone pay for no write's classification, and none for pages never read.
  void LearnWrite(NandModel& model, uint64_t addr, std::span<const uint8_t> data,
                  uint64_t first_page, uint64_t count);
  // The meanings of pages as programmed now (reads), one per page: the
  // cache's own entries when the pages lie in one block (no copy; valid
  // until the tracker next changes), else copies in `out`.
  // NOR: one entry for the byte range [addr, addr + len), in `out`.
  std::span<const decoders::PageMeaning> ForRead(NandModel& model, uint64_t addr, uint64_t len,
                                                 uint64_t first_page, uint64_t count,
                                                 std::vector<decoders::PageMeaning>& out) {
    // A NAND page read, most ops of all, is one lookup.
    if (count == 1 && !blocks_.empty()) [[likely]] return {&Page(model, first_page), 1};
    return ForReadSpan(model, addr, len, first_page, count, out);
  }
  // One meaning per eraseblock (erase, isbad, markbad): the PEB's header
  // page, with the LEB it maps, its area, and the node types and inodes of
  // every page that holds anything.
  void ForBlocks(NandModel& model, uint32_t first_block, uint32_t count,
                 std::vector<decoders::PageMeaning>& out);

  // After the op: the write failed (nothing or not all of it programmed),
  // or pages changed outside a write (torn, restored): classify them again
  // when next asked. The block was erased: it holds nothing.
  void Changed(uint64_t first_page, uint64_t count);
  void Erased(uint32_t block);

 private:
  // Per block: each page's meaning and the classifier generation it was
  // classified at (+1; 0: never or changed since; kDeferred: written by
  // LearnWrite, not classified yet; kErasedSince: erased, its entry not
  // written yet), apart so a block's meanings are one span.
  struct BlockCache {
    std::unique_ptr<uint64_t[]> gen;
    std::unique_ptr<decoders::PageMeaning[]> m;
  };
  struct EntryRef {
    uint64_t& gen;
    decoders::PageMeaning& m;
  };
  static constexpr uint64_t kDeferred = UINT64_MAX;
  static constexpr uint64_t kErasedSince = UINT64_MAX - 1;
  // ForWrite's other cases: NOR, subpages, OOB-only pages, several blocks.
  std::span<const decoders::PageMeaning> ForPartialWrite(NandModel& model, uint64_t addr,
                                                         std::span<const uint8_t> data,
                                                         uint64_t first_page, uint64_t count,
                                                         std::vector<decoders::PageMeaning>& out);
  std::span<const decoders::PageMeaning> ForReadSpan(NandModel& model, uint64_t addr,
                                                     uint64_t len, uint64_t first_page,
                                                     uint64_t count,
                                                     std::vector<decoders::PageMeaning>& out);
  // The page's meaning, classified from the store if stale. Every read and
  // erase asks: the fresh entry is found inline, the rest out of line.
  const decoders::PageMeaning& Page(NandModel& model, uint64_t page) {
    const BlockCache& b = blocks_[page / g_.pages_per_block];
    const uint64_t i = page % g_.pages_per_block;
    if (b.gen && b.gen[i] == flash_.generation() + 1) [[likely]] return b.m[i];
    return Refresh(model, page);
  }
  const decoders::PageMeaning& Refresh(NandModel& model, uint64_t page);
  // The cache entry of a whole page being written, for Observe to fill.
  decoders::PageMeaning& Fill(uint64_t page) { return Slot(page).m; }
  // Classifies, in page order, the deferred pages of `page`'s block that
  // run up to it (`page` included when it is deferred itself).
  void ClassifyDeferred(NandModel& model, uint64_t page);
  bool Deferred(uint64_t page) const {
    const BlockCache& b = blocks_[page / g_.pages_per_block];
    return b.gen && b.gen[page % g_.pages_per_block] == kDeferred;
  }
  // Every lookup goes through here: inline, the allocation out of line.
  EntryRef Slot(uint64_t page) {
    BlockCache& b = blocks_[page / g_.pages_per_block];
    if (!b.gen) [[unlikely]] Allocate(b);
    const uint64_t i = page % g_.pages_per_block;
    return {b.gen[i], b.m[i]};
  }
  void Allocate(BlockCache& b) const;
  void Set(uint64_t page, const decoders::PageMeaning& m);
  std::span<const uint8_t> StoredPage(NandModel& model, uint64_t page) const;

  const Geometry& g_;
  decoders::FlashMeaning flash_;
  bool learned_ = false;
  uint64_t stride_;  // store bytes per page (data + OOB)
  // Per block, allocated when one of its pages is first classified.
  std::vector<BlockCache> blocks_;
  std::vector<decoders::PageMeaning> subpage_out_;  // LearnWrite's unread meanings
};

}  // namespace flashfault
