// Protocol conformance for errors: soft errors and header errors as the
// kernel expects them (forced through ForcingDevice), and malformed input,
// which must get an error reply or end the session, never a crash or hang.
#include <cerrno>
#include <cstring>

#include "tests/protocol/protocol_fixture.h"

namespace flashfault::protocol_test {
namespace {

using abi::kInband;
using abi::kOobAuto;
using abi::kOobPlace;
using abi::kRaw;

TEST_F(ProtocolTest, UncorrectableReadIsEbadmsgWithFullData) {
  StartInit(TestGeometry());
  std::vector<uint8_t> page = Pattern(2048, 5);
  ASSERT_EQ(kernel_->Write(0, page, kInband).error, 0);
  device_->force_failed_steps = 1;
  IoReply r = kernel_->Read(0, 2048, kInband);
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.soft_error, -EBADMSG);
  EXPECT_EQ(r.len, 2048u);
  EXPECT_EQ(r.data, page);
  // Raw reads report no soft errors.
  EXPECT_EQ(kernel_->Read(0, 2048, kInband | kRaw).soft_error, 0);
  EXPECT_EQ(kernel_->Read(0, 64, kOobPlace | kRaw).soft_error, 0);
  EXPECT_EQ(kernel_->Read(0, 16, kOobAuto).soft_error, -EBADMSG);
  // Uncorrectable wins over scrub.
  device_->force_scrub = true;
  EXPECT_EQ(kernel_->Read(0, 2048, kInband).soft_error, -EBADMSG);
}

TEST_F(ProtocolTest, ScrubIsEuclean) {
  StartInit(TestGeometry());
  device_->force_scrub = true;
  IoReply r = kernel_->Read(4096, 2048, kInband);
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.soft_error, -EUCLEAN);
  EXPECT_EQ(r.data, std::vector<uint8_t>(2048, 0xFF));
}

TEST_F(ProtocolTest, ProgramFailureIsAWriteSoftError) {
  StartInit(TestGeometry());
  device_->fail_program = true;
  IoReply w = kernel_->Write(0, Pattern(2048, 1), kInband);
  EXPECT_EQ(w.error, 0);
  EXPECT_EQ(w.soft_error, -EIO);
  w = kernel_->Write(0, {1, 2}, kOobPlace);
  EXPECT_EQ(w.soft_error, -EIO);
}

TEST_F(ProtocolTest, EraseFailureIsAHeaderEio) {
  Geometry g = TestGeometry();
  StartInit(g);
  device_->fail_erase = true;
  EXPECT_EQ(kernel_->Erase(0, g.block_size()), -EIO);
}

TEST_F(ProtocolTest, PowerCutIsEio) {
  Geometry g = TestGeometry();
  StartInit(g);
  device_->power_cut = true;
  EXPECT_EQ(kernel_->Read(0, 2048, kInband).error, -EIO);
  EXPECT_EQ(kernel_->Write(0, Pattern(2048, 1), kInband).error, -EIO);
  EXPECT_EQ(kernel_->Erase(0, g.block_size()), -EIO);
}

TEST_F(ProtocolTest, MisalignedWritesAndErasesAreEinval) {
  Geometry g = TestGeometry();
  StartInit(g);
  EXPECT_EQ(kernel_->Write(100, Pattern(2048, 1), kInband).error, -EINVAL);
  EXPECT_EQ(kernel_->Write(0, Pattern(100, 1), kInband).error, -EINVAL);
  EXPECT_EQ(kernel_->Erase(2048, g.block_size()), -EINVAL);
  EXPECT_EQ(kernel_->Erase(0, g.block_size() + 2048), -EINVAL);
  EXPECT_EQ(kernel_->Erase(0, 0), -EINVAL);
  // Nothing was programmed by the refused write.
  EXPECT_EQ(kernel_->Read(0, 2048, kInband).data, std::vector<uint8_t>(2048, 0xFF));
}

TEST_F(ProtocolTest, OutOfRangeIsEinval) {
  Geometry g = TestGeometry();
  StartInit(g);
  const uint64_t end = g.total_size();
  EXPECT_EQ(kernel_->Read(end - 1024, 2048, kInband).error, -EINVAL);
  EXPECT_EQ(kernel_->Read(end, 1, kInband).error, -EINVAL);
  EXPECT_EQ(kernel_->Read(~uint64_t{0} - 10, 100, kInband).error, -EINVAL);  // wraps
  EXPECT_EQ(kernel_->Write(end, Pattern(2048, 1), kInband).error, -EINVAL);
  EXPECT_EQ(kernel_->Erase(end, g.block_size()), -EINVAL);
  EXPECT_EQ(kernel_->Erase(g.block_size(), ~uint64_t{0} - g.block_size() + 1), -EINVAL);
  EXPECT_EQ(kernel_->IsBad(end).first, -EINVAL);
  EXPECT_EQ(kernel_->MarkBad(end + 5), -EINVAL);
  // OOB: an offset past the OOB area, or a run past the last page.
  EXPECT_EQ(kernel_->Read(2048 + 64, 1, kOobPlace).error, -EINVAL);
  EXPECT_EQ(kernel_->Read(2048 + g.oob_avail(), 1, kOobAuto).error, -EINVAL);
  EXPECT_EQ(kernel_->Read(end - 2048, 65, kOobPlace).error, -EINVAL);
  EXPECT_EQ(kernel_->Read(end - 2048, 64, kOobPlace).error, 0);
  // Unknown I/O flags.
  EXPECT_EQ(kernel_->Read(0, 16, 3).error, -EINVAL);
  EXPECT_EQ(kernel_->Write(0, {1}, 16).error, -EINVAL);
}

TEST_F(ProtocolTest, UnknownOpcodesAndInterrupts) {
  StartInit(TestGeometry());
  for (uint32_t op : {1u, 15u, 8199u, 8191u, 0xFFFFFFFFu}) {
    std::optional<RawReply> r = kernel_->Call(op, {0, 0, 0, 0, 0, 0, 0, 0});
    ASSERT_TRUE(r.has_value()) << op;
    EXPECT_EQ(r->error, -ENOSYS) << op;
  }
  // FUSE_INTERRUPT: header unique is the target's with bit 0 set.
  std::vector<uint8_t> args;
  FakeKernel::PutU64(args, 2);
  ASSERT_TRUE(kernel_->SendBytes(kernel_->Encode(abi::kInterrupt, 3, args)));
  std::optional<RawReply> r = kernel_->Receive();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->unique, 3u);
  EXPECT_TRUE(r->error == -ENOSYS || r->error == -EAGAIN);
  EXPECT_EQ(kernel_->Read(0, 16, kInband).error, 0);  // still serving
}

TEST_F(ProtocolTest, ShortArgumentsAndLengthMismatches) {
  StartInit(TestGeometry());
  // READ with 8 of its 24 argument bytes.
  std::optional<RawReply> r = kernel_->Call(abi::kRead, {0, 0, 0, 0, 0, 0, 0, 0});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->error, -EINVAL);
  // WRITE whose write_in.len says more than the data that follows.
  std::vector<uint8_t> args;
  FakeKernel::PutU64(args, 0);
  FakeKernel::PutU64(args, 4096);
  FakeKernel::PutU32(args, abi::kInband);
  FakeKernel::PutU32(args, 0);
  r = kernel_->Call(abi::kWrite, args, std::vector<uint8_t>(2048, 0));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->error, -EINVAL);
  // READ asking for more than max_read: refused, nothing allocated.
  EXPECT_EQ(kernel_->Read(0, uint64_t{1} << 40, kInband).error, -EINVAL);
  // A 20-byte message: a short header that still has a unique.
  std::vector<uint8_t> m = kernel_->Encode(abi::kSync, 77, {});
  m.resize(20);
  m[0] = 20;
  ASSERT_TRUE(kernel_->SendBytes(m));
  r = kernel_->Receive();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->unique, 77u);
  EXPECT_EQ(r->error, -EINVAL);
  EXPECT_EQ(kernel_->Sync(), 0);
}

TEST_F(ProtocolTest, HugeFrameLengthEndsTheSessionWithoutAllocating) {
  StartInit(TestGeometry());
  std::vector<uint8_t> m = kernel_->Encode(abi::kSync, 9, {});
  m[0] = m[1] = m[2] = 0xFF;
  m[3] = 0x7F;
  ASSERT_TRUE(kernel_->SendBytes(m));
  EXPECT_FALSE(kernel_->Receive(2000).has_value());
  server_.join();
  EXPECT_TRUE(absl::IsDataLoss(run_status_)) << run_status_;
}

TEST_F(ProtocolTest, TinyFrameLengthEndsTheSession) {
  StartInit(TestGeometry());
  ASSERT_TRUE(kernel_->SendBytes({8, 0, 0, 0, 1, 2, 3, 4}));
  EXPECT_FALSE(kernel_->Receive(2000).has_value());
  server_.join();
  EXPECT_TRUE(absl::IsDataLoss(run_status_)) << run_status_;
}

// Without a stream, a datagram's header may disagree with its size.
TEST(SessionDirectTest, HeaderLengthMismatchAndTinyMessages) {
  Geometry g = TestGeometry();
  ForcingDevice dev(MakeModel(g));
  auto s = muse::MuseSession::Create(dev, {});
  ASSERT_TRUE(s.ok());
  muse::MemoryChannel ch;
  FakeKernel enc(-1);
  std::vector<uint8_t> init_args;
  FakeKernel::PutU32(init_args, 7);
  FakeKernel::PutU32(init_args, 33);
  std::vector<uint8_t> init = enc.Encode(abi::kInit, 2, init_args);
  ASSERT_TRUE((*s)->HandleMessage(init, ch).ok());
  std::vector<uint8_t> m = enc.Encode(abi::kSync, 4, {});
  m[0] = 100;  // claims 100 bytes, has 40
  ASSERT_TRUE((*s)->HandleMessage(m, ch).ok());
  ASSERT_TRUE((*s)->HandleMessage(std::vector<uint8_t>(5, 0), ch).ok());  // dropped
  ASSERT_EQ(ch.replies().size(), 2u);
  std::vector<uint8_t>& reply = ch.replies()[1];
  ASSERT_EQ(reply.size(), 16u);
  EXPECT_EQ(static_cast<int32_t>(FakeKernel::GetU32(reply, 4)), -EINVAL);
  EXPECT_EQ(FakeKernel::GetU64(reply, 8), 4u);
  EXPECT_EQ((*s)->stats().malformed, 2u);
}

TEST(SessionDirectTest, OptionsThatCannotBeEncodedAreRefused) {
  Geometry g = TestGeometry();
  ForcingDevice dev(MakeModel(g));
  muse::SessionOptions o;
  o.name = " spaced ";
  EXPECT_FALSE(muse::MuseSession::Create(dev, o).ok());
  o.name = "ok";
  o.parts = std::string(5000, 'x');
  EXPECT_FALSE(muse::MuseSession::Create(dev, o).ok());
  o.parts = "";
  o.max_io = 1000;  // below 4096
  EXPECT_FALSE(muse::MuseSession::Create(dev, o).ok());
}

TEST(StatusToErrnoTest, OneMapping) {
  EXPECT_EQ(muse::StatusToErrno(absl::OkStatus()), 0);
  EXPECT_EQ(muse::StatusToErrno(absl::InvalidArgumentError("")), EINVAL);
  EXPECT_EQ(muse::StatusToErrno(absl::OutOfRangeError("")), EINVAL);
  EXPECT_EQ(muse::StatusToErrno(absl::DataLossError("")), EIO);
  EXPECT_EQ(muse::StatusToErrno(absl::UnavailableError("")), EIO);
  ReadReport bad;
  bad.failed_steps = 2;
  EXPECT_EQ(muse::StatusToErrno(muse::EccStatus(bad)), EBADMSG);
  ReadReport scrub;
  scrub.scrub = true;
  EXPECT_EQ(muse::StatusToErrno(muse::EccStatus(scrub)), EUCLEAN);
  EXPECT_EQ(muse::StatusToErrno(muse::EccStatus(ReadReport{})), 0);
  for (int c = 1; c <= 16; ++c) {
    int e = muse::StatusToErrno(absl::Status(static_cast<absl::StatusCode>(c), "x"));
    EXPECT_GT(e, 0);
    EXPECT_LE(e, 511);
  }
}

}  // namespace
}  // namespace flashfault::protocol_test
