// MeaningTracker implementation; see meaning_tracker.h.
#include "fault-models/meaning_tracker.h"

#include <algorithm>

#include "decoders/bytes.h"

namespace flashfault {
namespace {

using decoders::PageKind;
using decoders::PageMeaning;

decoders::FlashFacts FactsOf(const Geometry& g) {
  return {g.page_size, static_cast<uint32_t>(g.block_size()), g.page_size, g.block_count};
}

// Adds the inode numbers of `page` to the eraseblock's meaning `b`, until
// it holds as many as a meaning keeps.
void MergeInums(PageMeaning& b, const PageMeaning& page) {
  for (int i = 0; i < page.inum_count && b.inum_count < PageMeaning::kMaxInums; ++i) {
    bool have = false;
    for (int k = 0; k < b.inum_count && !have; ++k) have = b.inums[k] == page.inums[i];
    if (!have) b.inums[b.inum_count++] = page.inums[i];
  }
}

}  // namespace

MeaningTracker::MeaningTracker(const Geometry& g, bool check_node_crcs)
    : g_(g), flash_(FactsOf(g)), stride_(uint64_t{g.page_size} + g.oob_size) {
  flash_.set_check_node_crcs(check_node_crcs);
  if (g.is_nand()) blocks_.resize(g.block_count);
}

void MeaningTracker::Forget() {
  const bool check = flash_.check_node_crcs();
  flash_ = decoders::FlashMeaning(FactsOf(g_));
  flash_.set_check_node_crcs(check);
  for (auto& b : blocks_) b = BlockCache{};
  learned_ = false;
}

std::span<const uint8_t> MeaningTracker::StoredPage(NandModel& model, uint64_t page) const {
  const uint32_t block = static_cast<uint32_t>(page / g_.pages_per_block);
  return model.store().Block(block).subspan((page % g_.pages_per_block) * stride_, g_.page_size);
}

void MeaningTracker::Allocate(BlockCache& b) const {
  b.gen = std::make_unique<uint64_t[]>(g_.pages_per_block);  // zeroed: never classified
  b.m = std::make_unique<PageMeaning[]>(g_.pages_per_block);
}

void MeaningTracker::Set(uint64_t page, const PageMeaning& m) {
  EntryRef e = Slot(page);
  e.m = m;
  e.gen = flash_.generation() + 1;
}

const PageMeaning& MeaningTracker::Refresh(NandModel& model, uint64_t page) {
  EntryRef e = Slot(page);
  const uint64_t now = flash_.generation() + 1;
  if (e.gen == kErasedSince) {
    e.m = PageMeaning{};
    e.m.kind = PageKind::kErased;
    e.gen = now;
  } else if (e.gen == kDeferred) {
    ClassifyDeferred(model, page);
  } else if (e.gen != now) {
    const uint32_t ppb = g_.pages_per_block;
    e.m = flash_.Classify(static_cast<uint32_t>(page / ppb), (page % ppb) * g_.page_size,
                          StoredPage(model, page));
    e.gen = now;
  }
  return e.m;
}

void MeaningTracker::ClassifyDeferred(NandModel& model, uint64_t page) {
  const uint32_t ppb = g_.pages_per_block;
  const auto block = static_cast<uint32_t>(page / ppb);
  uint64_t first = page;
  while (first % ppb > 0 && Deferred(first - 1)) --first;
  for (uint64_t p = first; p <= page; ++p) {
    if (!Deferred(p)) continue;  // `page` itself need not be
    flash_.ClassifyInOrder(block, (p % ppb) * g_.page_size, StoredPage(model, p), Fill(p));
    Slot(p).gen = flash_.generation() + 1;
  }
}

void MeaningTracker::LearnAll(NandModel& model) {
  learned_ = true;
  if (!g_.is_nand()) return;  // NOR ops are classified whole, each time
  const uint32_t ppb = g_.pages_per_block;
  for (uint32_t b = 0; b < g_.block_count; ++b) {
    if (model.BlockIsBad(b)) continue;
    for (uint32_t p = 0; p < ppb; ++p) {
      const uint64_t page = uint64_t{b} * ppb + p;
      std::span<const uint8_t> bytes = StoredPage(model, page);
      if (decoders::AllErased(bytes)) continue;  // classified when first asked
      Set(page, flash_.Observe(b, p * g_.page_size, bytes));
    }
  }
}

std::span<const PageMeaning> MeaningTracker::ForWrite(NandModel& model, uint64_t addr,
                                                      std::span<const uint8_t> data,
                                                      uint64_t first_page, uint64_t count,
                                                      std::vector<PageMeaning>& out) {
  const uint64_t ps = g_.page_size;
  const uint32_t ppb = g_.pages_per_block;
  const uint64_t index = first_page % ppb;
  if (blocks_.empty() || count == 0 || addr != first_page * ps || data.size() != count * ps ||
      index + count > ppb) {
    return ForPartialWrite(model, addr, data, first_page, count, out);
  }
  // Whole pages of one block (UBI's and JFFS2's writes): observed into
  // their cache entries, which are the op's meanings. Observe continues
  // from the pages before: classify those deferred first.
  if (index > 0 && Deferred(first_page - 1)) ClassifyDeferred(model, first_page - 1);
  const auto block = static_cast<uint32_t>(first_page / ppb);
  BlockCache& b = blocks_[block];
  if (!b.gen) Allocate(b);
  if (count == 1) {  // the usual program: one page
    flash_.Observe(block, static_cast<uint32_t>(index * ps), data, b.m[index]);
    b.gen[index] = flash_.generation() + 1;
    return {&b.m[index], 1};
  }
  for (uint64_t i = index; i < index + count; ++i) {
    flash_.Observe(block, static_cast<uint32_t>(i * ps), data.subspan((i - index) * ps, ps), b.m[i]);
    b.gen[i] = flash_.generation() + 1;
  }
  return {&b.m[index], count};
}

std::span<const PageMeaning> MeaningTracker::ForPartialWrite(NandModel& model, uint64_t addr,
                                                             std::span<const uint8_t> data,
                                                             uint64_t first_page, uint64_t count,
                                                             std::vector<PageMeaning>& out) {
  out.clear();
  const uint64_t bs = g_.block_size();
  if (!g_.is_nand()) {
    out.push_back(flash_.Observe(static_cast<uint32_t>(addr / bs),
                                 static_cast<uint32_t>(addr % bs), data));
    return out;
  }
  const uint64_t ps = g_.page_size;
  const uint32_t ppb = g_.pages_per_block;
  const uint64_t end = addr + data.size();
  for (uint64_t page = first_page; page < first_page + count; ++page) {
    const uint64_t lo = std::max(addr, page * ps), hi = std::min(end, (page + 1) * ps);
    if (lo >= hi) {  // OOB only: the page keeps its meaning
      out.push_back(Page(model, page));
      continue;
    }
    if (page % ppb > 0 && Deferred(page - 1)) ClassifyDeferred(model, page - 1);
    const auto peb = static_cast<uint32_t>(lo / bs);
    out.push_back(flash_.Observe(peb, static_cast<uint32_t>(lo % bs),
                                 data.subspan(lo - addr, hi - lo)));
    if (hi - lo == ps) {
      Set(page, out.back());
    } else {
      Changed(page, 1);  // a subpage: the whole page is classified when next read
    }
  }
  return out;
}

void MeaningTracker::LearnWrite(NandModel& model, uint64_t addr, std::span<const uint8_t> data,
                                uint64_t first_page, uint64_t count) {
  const uint64_t ps = g_.page_size, bs = g_.block_size();
  if (!g_.is_nand() || addr % ps != 0 || data.size() != count * ps) {
    // NOR (no cache), or subpages (they continue the nodes already there):
    // observed now, as ForWrite does.
    ForWrite(model, addr, data, first_page, count, subpage_out_);
    return;
  }
  for (uint64_t page = first_page; page < first_page + count; ++page) {
    const uint64_t at = page * ps;
    flash_.Learn(static_cast<uint32_t>(at / bs), static_cast<uint32_t>(at % bs),
                 data.subspan(at - addr, ps));
    Slot(page).gen = kDeferred;
  }
}

std::span<const PageMeaning> MeaningTracker::ForReadSpan(NandModel& model, uint64_t addr,
                                                         uint64_t len, uint64_t first_page,
                                                         uint64_t count,
                                                         std::vector<PageMeaning>& out) {
  out.clear();
  if (!g_.is_nand()) {
    const uint64_t bs = g_.block_size();
    const auto block = static_cast<uint32_t>(addr / bs);
    // One NOR read stays inside the device; classify what lies in its first block.
    const uint64_t n = std::min(len, bs - addr % bs);
    out.push_back(flash_.Classify(block, static_cast<uint32_t>(addr % bs),
                                  model.store().Block(block).subspan(addr % bs, n)));
    return out;
  }
  const uint32_t ppb = g_.pages_per_block;
  if (count > 0 && first_page / ppb == (first_page + count - 1) / ppb) {
    // One block: its entries are contiguous; refresh the stale ones in place.
    for (uint64_t page = first_page; page < first_page + count; ++page) Page(model, page);
    return {&blocks_[first_page / ppb].m[first_page % ppb], count};
  }
  for (uint64_t page = first_page; page < first_page + count; ++page) {
    out.push_back(Page(model, page));
  }
  return out;
}

void MeaningTracker::ForBlocks(NandModel& model, uint32_t first_block, uint32_t count,
                               std::vector<PageMeaning>& out) {
  out.clear();
  for (uint32_t b = first_block; b < first_block + count; ++b) {
    if (!g_.is_nand()) {
      out.push_back(flash_.Classify(b, 0, model.store().Block(b).first(g_.block_size())));
      continue;
    }
    const uint32_t ppb = g_.pages_per_block;
    PageMeaning& m = out.emplace_back(Page(model, uint64_t{b} * ppb));
    if (std::optional<decoders::LebRef> owner = flash_.Owner(b)) {
      m.mapped = true;
      m.leb = *owner;
      m.vid_header = true;
    }
    // The node types of the block's other pages, as last classified (a
    // page not classified since it changed is classified now).
    // Every erase asks this of 64 pages or more: sums in registers, the
    // inode list only while it has room.
    bool data_seen = m.kind != PageKind::kEcHeader && m.kind != PageKind::kVidHeader &&
                     m.kind != PageKind::kErased;
    uint32_t nodes = m.nodes, bad_crc = m.bad_crc;
    for (uint32_t p = 1; p < ppb; ++p) {
      const PageMeaning& pm = Page(model, uint64_t{b} * ppb + p);
      if (pm.kind == PageKind::kErased) continue;
      if (!data_seen) {
        m.kind = pm.kind;
        m.area_known = pm.area_known;
        m.area = pm.area;
        data_seen = true;
      }
      m.type_mask |= pm.type_mask;
      if (m.first_type == 0xFF) m.first_type = pm.first_type;
      nodes += pm.nodes;
      bad_crc += pm.bad_crc;
      if (pm.inum_count > 0 && m.inum_count < PageMeaning::kMaxInums) MergeInums(m, pm);
    }
    m.nodes = static_cast<uint16_t>(std::min<uint32_t>(nodes, UINT16_MAX));
    m.bad_crc = static_cast<uint16_t>(std::min<uint32_t>(bad_crc, UINT16_MAX));
  }
}

void MeaningTracker::Changed(uint64_t first_page, uint64_t count) {
  if (!g_.is_nand()) return;
  for (uint64_t page = first_page; page < first_page + count; ++page) {
    // A deferred page stays so: it is classified from the store anyway.
    if (blocks_[page / g_.pages_per_block].gen && !Deferred(page)) Slot(page).gen = 0;
  }
}

void MeaningTracker::Erased(uint32_t block) {
  flash_.Erased(block);
  if (!g_.is_nand()) return;
  // Known without looking: every page is erased now. The entries say so
  // when first asked (Refresh): most are written before they are read.
  BlockCache& b = blocks_[block];
  if (!b.gen) Allocate(b);
  std::fill_n(b.gen.get(), g_.pages_per_block, kErasedSince);
}

}  // namespace flashfault
