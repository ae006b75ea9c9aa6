// Where an op lands, for the fault layer (fault_layer.h): the pages and
// blocks it touches, or that it misses the device (then no fault applies and
// the model reports the error). Must not decide or apply faults.
#include <algorithm>

#include "fault-models/fault_layer.h"

namespace flashfault {

OpState FaultLayer::Describe(uint64_t index, uint32_t op) const {
  OpState st;
  st.index = index;
  st.op = op;
  return st;
}

void FaultLayer::PlaceData(OpState& st, uint64_t addr, uint64_t data_len, uint32_t ooboffs,
                           uint64_t oob_len, OobMode mode) const {
  const Geometry& g = geometry();
  const uint64_t size = g.total_size();
  if (addr >= size || data_len > size - addr) return;
  if (!g.is_nand()) {
    // NOR: a "page" is one byte (page_size 1); no OOB.
    if (oob_len != 0 || data_len == 0) return;
    st.first_page = addr;
    st.page_count = data_len;
  } else {
    const uint32_t per_page = mode == OobMode::kAuto ? g.oob_avail() : g.oob_size;
    if (oob_len != 0 && ooboffs >= per_page) return;
    if (st.op == kOpWrite && (addr % g.subpage_size() != 0 || data_len % g.subpage_size() != 0)) {
      return;
    }
    st.first_page = addr / g.page_size;
    const uint64_t data_pages =
        data_len ? (addr % g.page_size + data_len + g.page_size - 1) / g.page_size : 0;
    const uint64_t oob_pages = oob_len ? (ooboffs + oob_len + per_page - 1) / per_page : 0;
    st.page_count = std::max(data_pages, oob_pages);
    if (st.page_count == 0 || st.page_count > g.total_pages() - st.first_page) return;
  }
  st.first_block = static_cast<uint32_t>(st.first_page / g.pages_per_block);
  st.block_count = static_cast<uint32_t>((st.first_page + st.page_count - 1) / g.pages_per_block -
                                         st.first_block + 1);
  st.placed = true;
}

void FaultLayer::PlaceBlocks(OpState& st, uint64_t addr, uint64_t len) const {
  const Geometry& g = geometry();
  const uint64_t bs = g.block_size();
  if (addr % bs != 0 || len % bs != 0 || addr >= g.total_size() || len > g.total_size() - addr) {
    return;
  }
  st.addr = addr;
  st.len = len;
  st.first_block = static_cast<uint32_t>(addr / bs);
  st.block_count = static_cast<uint32_t>(len / bs);
  st.first_page = uint64_t{st.first_block} * g.pages_per_block;
  st.page_count = uint64_t{st.block_count} * g.pages_per_block;
  st.placed = st.block_count != 0;
}

}  // namespace flashfault
