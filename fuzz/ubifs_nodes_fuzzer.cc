// libFuzzer target: arbitrary bytes as a UBIFS LEB (decoders/ubifs_nodes.h):
// the walk, every node it visits, and the superblock and master decoders.
//
// Contracts checked (a violation traps): every visited node starts inside
// the buffer, 8-byte aligned, after the previous one; the counts add up to
// the nodes visited; the walk stops inside the buffer; a node's name lies
// inside the buffer; kOk CRCs only for nodes wholly inside it; the area
// ranges never pass leb_cnt. ASan+UBSan catch reads outside the span.
#include <cstddef>
#include <cstdint>

#include "decoders/ubifs_nodes.h"
#include "fuzz/fuzz_check.h"

using namespace flashfault::decoders;
using flashfault::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The first byte picks where the walk starts; the rest is the LEB.
  const Bytes b(data + 1, size - 1);
  const size_t start = data[0] * 8u;
  uint32_t visited = 0;
  int64_t prev = -1;
  const UbifsWalk w = WalkUbifsNodes(b, start, [&](const UbifsNode& n) {
    Check(n.offset % 8 == 0 && n.offset < b.size() && static_cast<int64_t>(n.offset) > prev);
    Check(n.offset >= start);
    prev = n.offset;
    Check(n.crc != CrcStatus::kOk || uint64_t{n.offset} + n.len <= b.size());
    if (!n.name.empty()) {
      Check(n.name.data() >= b.data() && n.name.data() + n.name.size() <= b.data() + b.size());
    }
    ++visited;
    return true;
  });
  Check(w.nodes() == visited);
  Check(w.stop_offset <= b.size());
  if (std::optional<UbifsSuperblock> sb = DecodeUbifsSuperblock(b)) {
    uint64_t total = 0;
    for (const UbifsAreaRange& r : UbifsAreas(*sb)) total += r.lebs;
    Check(total == sb->leb_cnt);
  }
  DecodeUbifsMaster(b);
  return 0;
}
