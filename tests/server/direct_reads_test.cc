// DirectReads, with the test playing the module: the map's bypass flag and
// ask bits follow the device through ops, fault plans and power commands,
// and what a clean block's bits allow the module to read from the store
// file is exactly what the model answers.
#include "harness/server/direct_reads.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

#include "gtest/gtest.h"
#include "harness/server/serve_target.h"
#include "harness/server/served_device.h"

namespace flashfault::server {
namespace {

constexpr uint64_t kPage = 2048, kStride = 2048 + 64, kBlock = 64 * kPage;

ServedDeviceOptions Options(bool direct_reads, std::string events = "") {
  ServedDeviceOptions o;
  o.preset = "slc-2k-64m";
  o.events = std::move(events);
  o.direct_reads = direct_reads;
  return o;
}

class DirectReadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto served = OpenServedDevice(Options(true));
    ASSERT_TRUE(served.ok()) << served.status();
    served_ = std::move(*served);
    ASSERT_NE(served_->direct, nullptr);
    target_ = std::make_unique<ServeControlTarget>(*served_, mutex_, session_stats_);
  }
  DirectReads& direct() { return *served_->direct; }
  FlashDevice& dev() { return served_->device(); }
  absl::Status Program(uint64_t page, uint8_t v) {
    std::vector<uint8_t> data(kPage, v);
    return dev().Write({.addr = page * kPage}, data, {});
  }
  // The module's view: bytes of `page` straight from the store file.
  std::vector<uint8_t> FromStore(uint64_t page) {
    std::vector<uint8_t> out(kPage);
    const int fd = served_->layer->model().store().shared_fd();
    EXPECT_EQ(::pread(fd, out.data(), kPage, static_cast<off_t>(page * kStride)),
              static_cast<ssize_t>(kPage));
    return out;
  }

  std::unique_ptr<ServedDevice> served_;
  std::mutex mutex_;
  muse::SessionStats session_stats_;
  std::unique_ptr<ServeControlTarget> target_;
};

TEST_F(DirectReadsTest, WrittenGoodBlocksAreCleanAndReadTheSameFromTheStore) {
  EXPECT_EQ(direct().map().magic, muse::kDirectMapMagic);
  EXPECT_EQ(direct().map().bypass, 0u);   // no faults: clean reads may bypass
  EXPECT_TRUE(direct().BlockAsks(2));     // never written: not in the file
  ASSERT_TRUE(Program(2 * 64 + 5, 0x5A).ok());
  EXPECT_FALSE(direct().BlockAsks(2));
  EXPECT_TRUE(direct().BlockAsks(3));
  std::vector<uint8_t> model(kPage);
  ASSERT_TRUE(dev().Read({.addr = (2 * 64 + 5) * kPage}, model, {}).ok());
  EXPECT_EQ(FromStore(2 * 64 + 5), model);
  EXPECT_EQ(FromStore(2 * 64 + 6), std::vector<uint8_t>(kPage, 0xFF));
  ASSERT_TRUE(dev().Erase(2 * kBlock, kBlock).ok());
  EXPECT_FALSE(direct().BlockAsks(2));    // erased in the file: still clean
  EXPECT_EQ(FromStore(2 * 64 + 5), std::vector<uint8_t>(kPage, 0xFF));
  EXPECT_EQ(direct().counters().clean_blocks, 1u);
}

TEST_F(DirectReadsTest, BadBlocksAlwaysAsk) {
  ASSERT_TRUE(Program(4 * 64, 0x00).ok());
  EXPECT_FALSE(direct().BlockAsks(4));
  ASSERT_TRUE(dev().MarkBad(4 * kBlock).ok());
  EXPECT_TRUE(direct().BlockAsks(4));     // isbad must say 1: the server answers
  // A plan with factory bad blocks marks them at once.
  ASSERT_TRUE(Program(9 * 64, 0x00).ok());
  ASSERT_TRUE(target_->ReplaceScript(R"({"faults": [{"id": "fb", "kind": "factory_bad",
      "block_list": [9]}]})").ok());
  EXPECT_TRUE(direct().BlockAsks(9));
  EXPECT_EQ(direct().map().bypass, 0u);   // bad blocks need no read hook
}

TEST_F(DirectReadsTest, TornCellsMakeTheirBlockAskUntilErased) {
  ASSERT_TRUE(target_->ReplaceScript(R"({"faults": [{"id": "pf", "kind": "program_fail",
      "where": {"blocks": 6}, "when": {"ops": ["write"], "max_fires": 1},
      "program_effect": "partial", "torn_fraction": 0.5}]})").ok());
  EXPECT_EQ(direct().map().bypass, 0u);   // program failures ignore reads
  EXPECT_FALSE(Program(6 * 64, 0x00).ok());
  EXPECT_TRUE(direct().BlockAsks(6));     // the torn cells deviate: ECC must see them
  ASSERT_TRUE(dev().Erase(6 * kBlock, kBlock).ok());
  EXPECT_FALSE(direct().BlockAsks(6));
}

TEST_F(DirectReadsTest, BypassWhileQueriesAreObserved) {
  ASSERT_TRUE(target_->PowerCut().ok());
  EXPECT_EQ(direct().map().bypass, 1u);   // reads must fail with the power off
  ASSERT_TRUE(target_->PowerOn().ok());
  EXPECT_EQ(direct().map().bypass, 0u);
  ASSERT_TRUE(target_->ReplaceScript(R"({"faults": [{"id": "noise",
      "kind": "read_bitflip", "when": {"probability": 0.01}}]})").ok());
  EXPECT_EQ(direct().map().bypass, 1u);
  ASSERT_TRUE(target_->ReplaceScript(R"({"faults": []})").ok());
  EXPECT_EQ(direct().map().bypass, 0u);
  // A power cut injected by a write raises the flag before the write returns.
  ASSERT_TRUE(target_->ReplaceScript(R"({"faults": [{"id": "cut", "kind": "power_cut",
      "when": {"ops": ["write"], "nth_match": 1}}]})").ok());
  EXPECT_EQ(direct().map().bypass, 0u);
  EXPECT_FALSE(Program(0, 0x00).ok());
  EXPECT_EQ(direct().map().bypass, 1u);
}

TEST(DirectReadsSetupTest, EventLogOrFaultStreamKeepTheFlagUp) {
  const std::string log = ::testing::TempDir() + "/direct_reads_events.jsonl";
  auto logged = OpenServedDevice(Options(true, log));
  ASSERT_TRUE(logged.ok()) << logged.status();
  EXPECT_EQ((*logged)->direct->map().bypass, 1u);  // every op must be logged
  // A fault stream decides before every op, reads included.
  const std::string stream = ::testing::TempDir() + "/direct_reads_stream.bin";
  std::FILE* f = std::fopen(stream.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fputs("some fuzzer bytes", f);
  std::fclose(f);
  ServedDeviceOptions streamed = Options(true);
  streamed.fault_stream = stream;
  auto fuzzed = OpenServedDevice(streamed);
  ASSERT_TRUE(fuzzed.ok()) << fuzzed.status();
  EXPECT_EQ((*fuzzed)->direct->map().bypass, 1u);
  EXPECT_EQ(&(*fuzzed)->device(), (*fuzzed)->direct.get());  // still tracks blocks
  auto plain = OpenServedDevice(Options(false));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ((*plain)->direct, nullptr);
  EXPECT_LT((*plain)->layer->model().store().shared_fd(), 0);  // RAM store, not shared
}

TEST(DirectReadsSetupTest, ShareFallsBackWhenTheKernelHasNoDirectReads) {
  auto served = OpenServedDevice(Options(true));
  ASSERT_TRUE(served.ok());
  const int not_muse = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  ASSERT_GE(not_muse, 0);
  absl::StatusOr<bool> shared = (*served)->direct->Share(not_muse);  // ENOTTY
  ::close(not_muse);
  ASSERT_TRUE(shared.ok()) << shared.status();
  EXPECT_FALSE(*shared);
  EXPECT_FALSE((*served)->direct->counters().shared);
}

}  // namespace
}  // namespace flashfault::server
