// libFuzzer target: arbitrary MUSE request streams into a MuseSession
// serving a small NandModel, over an in-memory channel.
//
// The input is a request stream as the kernel would write it: each message
// takes the length its header's first u32 claims, clamped to what is left
// (so truncated and lying headers happen naturally); seeds are real streams
// (corpora/fuzz/muse_session/). Besides the sanitizers, every reply is held
// to the kernel's rules (size == len, error in -511..0, error replies 16
// bytes, unique echoed, at most one reply per request), and a violation
// traps. Deterministic: a fresh model and session per input; no I/O, no exit.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include "backends/model/nand_model.h"
#include "backends/model/presets.h"
#include "backends/store/ram_store.h"
#include "fuzz/fuzz_check.h"
#include "harness/muse/muse_abi.h"
#include "harness/muse/muse_session.h"
#include "harness/muse/transport.h"

namespace {

using namespace flashfault;
using namespace flashfault::muse;

constexpr size_t kMaxMessages = 256;

using flashfault::fuzz::Check;

// The kernel's view of one reply to a request with `unique` and `opcode`.
void CheckReply(const std::vector<uint8_t>& reply, uint64_t unique, uint32_t opcode,
                uint32_t max_io, bool ext) {
  Check(reply.size() >= sizeof(OutHeader));
  OutHeader h;
  std::memcpy(&h, reply.data(), sizeof(h));
  Check(h.len == reply.size());
  Check(h.unique == unique);
  Check(h.error <= 0 && h.error >= -kMaxErrno);
  if (h.error != 0) {
    Check(reply.size() == sizeof(OutHeader));
    return;
  }
  const size_t body = reply.size() - sizeof(OutHeader);
  switch (opcode) {
    case kOpInit: Check(body >= sizeof(InitOut) && body <= sizeof(InitOut) + kMaxKeyBlock); break;
    case kOpWrite: Check(body == sizeof(WriteOut)); break;
    case kOpIsBad: Check(body == sizeof(IsBadOut)); break;
    case kOpErase: case kOpMarkBad: case kOpSync: Check(body == 0); break;
    case kOpRead: {
      if (ext) {  // negotiated extensions: ReadOutExt, data, then OOB
        Check(body >= sizeof(ReadOutExt));
        ReadOutExt out;
        std::memcpy(&out, reply.data() + sizeof(OutHeader), sizeof(out));
        Check(out.len + out.oob_len == body - sizeof(ReadOutExt) && body <= sizeof(out) + max_io);
        const int32_t soft = static_cast<int32_t>(out.soft_error);
        Check(soft <= 0 && soft >= -kMaxErrno);
        break;
      }
      Check(body >= sizeof(ReadOut));
      ReadOut out;
      std::memcpy(&out, reply.data() + sizeof(OutHeader), sizeof(out));
      Check(out.len == body - sizeof(ReadOut) && out.len <= max_io);
      const int32_t soft = static_cast<int32_t>(out.soft_error);
      Check(soft <= 0 && soft >= -kMaxErrno);
      break;
    }
    default: Check(false);  // only the MUSE opcodes can succeed
  }
}

const Geometry& FuzzGeometry() {
  static const Geometry g = [] {
    Geometry out = *FindPreset("slc-2k-64m");
    out.block_count = 8;  // 1 MiB: cheap to create per input
    return out;
  }();
  return g;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Geometry& g = FuzzGeometry();
  auto model = NandModel::Create(
      g, std::make_unique<RamStore>(uint64_t{g.pages_per_block} * (g.page_size + g.oob_size),
                                    g.block_count));
  Check(model.ok());
  SessionOptions opts;
  opts.max_io = 8192;  // small, so split OOB continuations get exercised
  auto session = MuseSession::Create(**model, opts);
  Check(session.ok());
  MemoryChannel channel;
  std::span<const uint8_t> in(data, size);
  for (size_t n = 0; n < kMaxMessages && !in.empty(); ++n) {
    uint32_t claimed = 0;
    std::memcpy(&claimed, in.data(), std::min<size_t>(4, in.size()));
    size_t take = std::clamp<size_t>(claimed, 1, in.size());
    std::span<const uint8_t> msg = in.first(take);
    in = in.subspan(take);
    Check((*session)->HandleMessage(msg, channel).ok());
    std::vector<std::vector<uint8_t>>& replies = channel.replies();
    Check(replies.size() <= 1);
    if (msg.size() < sizeof(OutHeader)) {
      Check(replies.empty());  // nothing to answer to
    } else {
      InHeader h{};
      std::memcpy(&h, msg.data(), std::min(msg.size(), sizeof(h)));
      Check(replies.size() == 1);
      CheckReply(replies[0], h.unique, h.opcode, (*session)->max_io(),
                 (*session)->extensions());
    }
    replies.clear();
  }
  return 0;
}
