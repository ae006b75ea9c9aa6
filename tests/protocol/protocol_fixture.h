// Test fixture for the MUSE protocol tests: a real NandModel, wrapped by a
// small fault-forcing FlashDevice, served by a MuseSession on one end of a
// socketpair (stream framing) in a server thread; a FakeKernel on the other.
//
// ForcingDevice is a test double only: it forces outcomes (uncorrectable,
// scrub, program/erase failure, power cut) so the server's errno mapping can
// be checked. It must not become a fault layer; that lives in fault-models/.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>

#include "backends/model/nand_model.h"
#include "backends/model/presets.h"
#include "backends/store/ram_store.h"
#include "gtest/gtest.h"
#include "harness/muse/muse_session.h"
#include "harness/muse/transport.h"
#include "tests/protocol/fake_kernel.h"

namespace flashfault::protocol_test {

class ForcingDevice final : public FlashDevice {
 public:
  explicit ForcingDevice(std::unique_ptr<FlashDevice> target) : target_(std::move(target)) {}

  std::atomic<uint32_t> force_failed_steps{0};  // > 0: reads report uncorrectable
  std::atomic<bool> force_scrub{false};         // reads report "scrub"
  std::atomic<bool> fail_program{false};        // writes fail with DataLoss
  std::atomic<bool> fail_erase{false};          // erases fail with DataLoss
  std::atomic<bool> power_cut{false};           // everything fails with Unavailable
  std::atomic<int> syncs{0};
  std::atomic<int> reads{0};
  // The last op handed to Read/Write, to check address decoding.
  std::atomic<uint64_t> last_addr{0};
  std::atomic<uint32_t> last_ooboffs{0};

  const Geometry& geometry() const override { return target_->geometry(); }
  absl::StatusOr<ReadReport> Read(const FlashOp& op, std::span<uint8_t> data,
                                  std::span<uint8_t> oob) override {
    ++reads;
    Record(op);
    if (power_cut) return absl::UnavailableError("power cut (forced)");
    absl::StatusOr<ReadReport> r = target_->Read(op, data, oob);
    if (!r.ok()) return r;
    if (force_failed_steps > 0) r->failed_steps = force_failed_steps;
    if (force_scrub) r->scrub = true;
    return r;
  }
  absl::Status Write(const FlashOp& op, std::span<const uint8_t> data,
                     std::span<const uint8_t> oob) override {
    Record(op);
    if (power_cut) return absl::UnavailableError("power cut (forced)");
    if (fail_program) return absl::DataLossError("program failure (forced)");
    return target_->Write(op, data, oob);
  }
  absl::Status Erase(uint64_t addr, uint64_t len) override {
    if (power_cut) return absl::UnavailableError("power cut (forced)");
    if (fail_erase) return absl::DataLossError("erase failure (forced)");
    return target_->Erase(addr, len);
  }
  absl::StatusOr<bool> IsBad(uint64_t addr) override { return target_->IsBad(addr); }
  absl::Status MarkBad(uint64_t addr) override { return target_->MarkBad(addr); }
  absl::Status Sync() override {
    ++syncs;
    return target_->Sync();
  }

 private:
  void Record(const FlashOp& op) {
    last_addr = op.addr;
    last_ooboffs = op.ooboffs;
  }
  std::unique_ptr<FlashDevice> target_;
};

// A small SLC part (the slc-2k-64m preset cut to 32 blocks = 4 MiB) unless
// the test names a preset.
inline Geometry TestGeometry(const char* preset = "slc-2k-64m", uint32_t blocks = 32) {
  absl::StatusOr<Geometry> g = FindPreset(preset);
  EXPECT_TRUE(g.ok()) << g.status();
  Geometry out = *g;
  if (blocks != 0) out.block_count = blocks;
  return out;
}

inline std::unique_ptr<NandModel> MakeModel(const Geometry& g) {
  auto store = std::make_unique<RamStore>(
      uint64_t{g.pages_per_block} * (g.page_size + g.oob_size), g.block_count);
  absl::StatusOr<std::unique_ptr<NandModel>> m = NandModel::Create(g, std::move(store));
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? std::move(*m) : nullptr;
}

class ProtocolTest : public ::testing::Test {
 protected:
  // Starts a server on `g` with `opts`; `seqpacket` serves through
  // DeviceChannel (one message per read, like /dev/muse) instead of a stream.
  void Start(const Geometry& g, muse::SessionOptions opts = {}, bool seqpacket = false) {
    std::unique_ptr<NandModel> model = MakeModel(g);
    model_ = model.get();
    device_ = std::make_unique<ForcingDevice>(std::move(model));
    absl::StatusOr<std::unique_ptr<muse::MuseSession>> s =
        muse::MuseSession::Create(*device_, std::move(opts));
    ASSERT_TRUE(s.ok()) << s.status();
    session_ = std::move(*s);
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, seqpacket ? SOCK_SEQPACKET : SOCK_STREAM, 0, fds), 0);
    kernel_fd_ = fds[0];
    server_fd_ = fds[1];
    if (seqpacket) {
      channel_ = std::make_unique<muse::DeviceChannel>(server_fd_);
    } else {
      channel_ = std::make_unique<muse::StreamChannel>(server_fd_);
    }
    kernel_ = std::make_unique<FakeKernel>(kernel_fd_, seqpacket);
    server_ = std::thread([this] { run_status_ = session_->Run(*channel_); });
  }
  // Starts and answers INIT (announcing `minor`: 35 negotiates the extensions).
  void StartInit(const Geometry& g, muse::SessionOptions opts = {}, uint32_t minor = 33) {
    Start(g, std::move(opts));
    InitReply init = kernel_->Init(7, minor);
    ASSERT_EQ(init.error, 0);
    ASSERT_EQ(init.key_error, "");
  }
  // Closes the kernel end and waits for the server to finish.
  void Stop() {
    if (kernel_fd_ >= 0) {
      ::shutdown(kernel_fd_, SHUT_RDWR);
      ::close(kernel_fd_);
      kernel_fd_ = -1;
    }
    if (server_.joinable()) server_.join();
    if (server_fd_ >= 0) {
      ::close(server_fd_);
      server_fd_ = -1;
    }
  }
  void TearDown() override {
    Stop();
    if (kernel_) {
      EXPECT_EQ(kernel_->violation(), "");
    }
  }

  NandModel* model_ = nullptr;  // under device_, for AddCellError (real bitflips)
  std::unique_ptr<ForcingDevice> device_;
  std::unique_ptr<muse::MuseSession> session_;
  std::unique_ptr<muse::MessageChannel> channel_;
  std::unique_ptr<FakeKernel> kernel_;
  std::thread server_;
  absl::Status run_status_;
  int kernel_fd_ = -1, server_fd_ = -1;
};

inline std::vector<uint8_t> Pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 8));
  return v;
}

}  // namespace flashfault::protocol_test
