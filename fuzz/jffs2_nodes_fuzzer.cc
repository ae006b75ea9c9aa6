// libFuzzer target: arbitrary bytes as a JFFS2 eraseblock
// (decoders/jffs2_nodes.h): the walk and every node it visits.
//
// Contracts checked (a violation traps): every visited node starts inside
// the buffer, 4-byte aligned, after the previous one; counts add up to the
// nodes with a good header CRC; names lie inside the buffer; a node with a
// bad header CRC reports nothing beyond its header; the walk stops inside
// the buffer. ASan+UBSan catch reads outside the span.
#include <cstddef>
#include <cstdint>

#include "decoders/jffs2_nodes.h"
#include "fuzz/fuzz_check.h"

using namespace flashfault::decoders;
using flashfault::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Bytes b(data, size);
  uint32_t good = 0, bad = 0;
  int64_t prev = -1;
  const Jffs2Walk w = WalkJffs2Nodes(b, 0, [&](const Jffs2Node& n) {
    Check(n.offset % 4 == 0 && n.offset < b.size() && static_cast<int64_t>(n.offset) > prev);
    prev = n.offset;
    if (n.hdr_crc != CrcStatus::kOk) {
      Check(n.name.empty() && n.ino == 0 && n.csize == 0);
      ++bad;
    } else {
      ++good;
    }
    if (!n.name.empty()) {
      Check(n.name.data() >= b.data() && n.name.data() + n.name.size() <= b.data() + b.size());
    }
    Jffs2KindName(n.kind);
    return true;
  });
  Check(w.nodes() == good && w.bad_hdr_crc == bad);
  Check(w.stop_offset <= b.size());
  return 0;
}
