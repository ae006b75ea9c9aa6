// Benchmark: 2 KiB page read round trips over a socketpair, through the real
// MuseSession + NandModel (slc-2k-128m), against a bare echo server that
// answers the same requests with a canned reply of the same size over the
// same StreamChannel, in one run. Prints the ratio (target >= 50%).
//
//   build-muse/tests/protocol/muse_roundtrip_bench
//
// The client side is identical for both servers, so the ratio isolates what
// the session and the model cost per request. It must not measure anything
// else (no setup inside the timed loop).
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "backends/model/nand_model.h"
#include "backends/model/presets.h"
#include "backends/store/ram_store.h"
#include "benchmark/benchmark.h"
#include "harness/muse/muse_abi.h"
#include "harness/muse/muse_session.h"
#include "harness/muse/transport.h"

namespace flashfault::muse {
namespace {

constexpr uint32_t kPage = 2048;
constexpr uint64_t kPagesRead = 4096;  // spread over 64 eraseblocks

double g_rate[2];  // requests per second: [0] session, [1] echo

std::vector<uint8_t> Request(uint32_t opcode, uint64_t unique, const void* args, size_t n,
                             const std::vector<uint8_t>& data = {}) {
  InHeader h{static_cast<uint32_t>(sizeof(InHeader) + n + data.size()), opcode, unique, 1,
             0, 0, 0, 0};
  std::vector<uint8_t> m(sizeof(h) + n);
  std::memcpy(m.data(), &h, sizeof(h));
  std::memcpy(m.data() + sizeof(h), args, n);
  m.insert(m.end(), data.begin(), data.end());
  return m;
}

// Sends `m` and reads one reply; returns the reply's error.
int32_t RoundTrip(int fd, const std::vector<uint8_t>& m, StreamChannel& rx,
                  std::vector<uint8_t>& buf) {
  if (::write(fd, m.data(), m.size()) != static_cast<ssize_t>(m.size())) return -9999;
  absl::StatusOr<size_t> n = rx.Read(buf);
  if (!n.ok()) return -9999;
  OutHeader h;
  std::memcpy(&h, buf.data(), sizeof(h));
  return h.error;
}

void RunClient(benchmark::State& state, int fd, int slot) {
  StreamChannel rx(fd);
  std::vector<uint8_t> buf(1 << 20);
  // Program half the pages we read so ECC checking has real data.
  InitIn init{7, 33};
  if (RoundTrip(fd, Request(kOpInit, 2, &init, sizeof(init)), rx, buf) != 0) {
    state.SkipWithError("INIT failed");
    return;
  }
  std::vector<uint8_t> page(kPage);
  for (uint64_t p = 0; p < kPagesRead; p += 2) {
    for (uint32_t i = 0; i < kPage; ++i) page[i] = static_cast<uint8_t>(p * 31 + i);
    WriteIn w{p * kPage, kPage, kIoInband, 0};
    RoundTrip(fd, Request(kOpWrite, 4, &w, sizeof(w), page), rx, buf);
  }
  std::vector<std::vector<uint8_t>> reqs;
  for (uint64_t p = 0; p < kPagesRead; ++p) {
    ReadIn r{(p * 769 % kPagesRead) * kPage, kPage, kIoInband, 0};  // scattered
    reqs.push_back(Request(kOpRead, 6 + 2 * p, &r, sizeof(r)));
  }
  uint64_t i = 0, errors = 0;
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (RoundTrip(fd, reqs[i++ % kPagesRead], rx, buf) != 0) ++errors;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  g_rate[slot] = static_cast<double>(state.iterations()) / secs;
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * kPage);
  if (errors != 0) state.SkipWithError("a read failed");
}

void BM_SessionPageRead(benchmark::State& state) {
  Geometry g = *FindPreset("slc-2k-128m");
  auto model = *NandModel::Create(
      g, std::make_unique<RamStore>(uint64_t{g.pages_per_block} * (g.page_size + g.oob_size),
                                    g.block_count));
  auto session = *MuseSession::Create(*model, {});
  int fds[2];
  ::socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
  std::thread server([&] {
    StreamChannel ch(fds[1]);
    (void)session->Run(ch);
  });
  RunClient(state, fds[0], 0);
  ::shutdown(fds[0], SHUT_RDWR);
  server.join();
  ::close(fds[0]);
  ::close(fds[1]);
}
BENCHMARK(BM_SessionPageRead)->UseRealTime()->MinTime(2.0);

// The reference: same framing, same reply size, no decoding, no model.
void BM_EchoPageRead(benchmark::State& state) {
  int fds[2];
  ::socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
  std::thread server([&] {
    StreamChannel ch(fds[1]);
    std::vector<uint8_t> in(1 << 20);
    std::vector<uint8_t> reply(sizeof(OutHeader) + sizeof(ReadOut) + kPage, 0x5A);
    for (;;) {
      absl::StatusOr<size_t> n = ch.Read(in);
      if (!n.ok()) break;
      OutHeader h{static_cast<uint32_t>(reply.size()), 0, 0};
      std::memcpy(&h.unique, in.data() + 8, 8);
      std::memcpy(reply.data(), &h, sizeof(h));
      iovec iov = {reply.data(), reply.size()};
      if (!ch.Write({&iov, 1}).ok()) break;
    }
  });
  RunClient(state, fds[0], 1);
  ::shutdown(fds[0], SHUT_RDWR);
  server.join();
  ::close(fds[0]);
  ::close(fds[1]);
}
BENCHMARK(BM_EchoPageRead)->UseRealTime()->MinTime(2.0);

}  // namespace
}  // namespace flashfault::muse

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  using flashfault::muse::g_rate;
  if (g_rate[0] > 0 && g_rate[1] > 0) {
    std::printf("session %.0f req/s, echo %.0f req/s: session/echo = %.1f%% (target >= 50%%)\n",
                g_rate[0], g_rate[1], 100.0 * g_rate[0] / g_rate[1]);
  }
  return 0;
}
