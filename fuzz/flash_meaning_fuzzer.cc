// libFuzzer target: a stream of pages into FlashMeaning
// (decoders/flash_meaning.h), each tagged with a PEB and a page number by
// the input, learned from and classified, with erases in between.
//
// Contracts checked (a violation traps): every meaning has a known kind and
// a description; Classify right after Observe of the same bytes gives the
// same kind or, when the page taught a mapping, at least the same headers;
// owners only for PEBs of the device; learned offsets fit the eraseblock;
// without node CRC checks (odd-sized inputs) no node is counted bad.
// ASan+UBSan catch reads outside the spans. Deterministic.
#include <cstddef>
#include <cstdint>

#include "decoders/flash_meaning.h"
#include "fuzz/fuzz_check.h"

namespace {

using namespace flashfault::decoders;
using flashfault::fuzz::Check;

constexpr uint32_t kPage = 512, kPages = 8, kPebs = 6;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FlashMeaning fm({kPage, kPage * kPages, kPage, kPebs});
  const bool check_crcs = size % 2 == 0;  // both modes, without reading the input differently
  fm.set_check_node_crcs(check_crcs);
  // Records: one tag byte (PEB, page, erase bit), a length byte, then up to
  // a page of bytes.
  size_t pos = 0;
  while (pos + 2 <= size) {
    const uint8_t tag = data[pos], len8 = data[pos + 1];
    pos += 2;
    const uint32_t peb = (tag & 7) % (kPebs + 1);  // one past the device too
    const uint32_t page = (tag >> 3) % kPages;
    if (tag & 0x80) {
      fm.Erased(peb);
      continue;
    }
    const size_t len = std::min<size_t>(size - pos, len8 == 0 ? kPage : len8 * 4u);
    const Bytes bytes(data + pos, len);
    pos += len;
    const PageMeaning m = fm.Observe(peb, page * kPage, bytes);
    Check(m.kind <= PageKind::kUnknown);
    Check(!DescribePage(m).empty());
    if (m.kind == PageKind::kUbifs) Check(m.node_crcs_checked == check_crcs);
    if (!check_crcs && m.kind == PageKind::kUbifs) Check(m.bad_crc == 0);
    const PageMeaning again = fm.Classify(peb, page * kPage, bytes);
    Check(again.ec_header == m.ec_header && again.vid_header == m.vid_header);
  }
  for (uint32_t p = 0; p <= kPebs; ++p) Check(!fm.Owner(p) || p < kPebs);
  if (fm.data_offset()) Check(*fm.data_offset() < kPage * kPages);
  return 0;
}
