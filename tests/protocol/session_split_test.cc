// Protocol conformance for split operations: the fake kernel splits an MTD
// operation longer than max_read/max_write exactly as docs/muse-protocol.md says (each
// next addr = previous addr + bytes moved, page boundaries ignored; for OOB
// that makes later addrs meaningless as page + offset), and the result must
// equal the unsplit operation. The server runs with a small max_io here.
#include <cerrno>

#include "tests/protocol/protocol_fixture.h"

namespace flashfault::protocol_test {
namespace {

using abi::kInband;
using abi::kOobAuto;
using abi::kOobPlace;
using abi::kRaw;

class SplitTest : public ProtocolTest {
 protected:
  void SetUp() override {
    muse::SessionOptions o;
    o.max_io = 4096;
    StartInit(TestGeometry(), o);
    ASSERT_EQ(kernel_->max_read(), 4096u);
    ASSERT_EQ(kernel_->max_write(), 4096u);
  }
  // One MTD read of `len` bytes, split like the kernel does.
  std::vector<uint8_t> SplitRead(uint64_t addr, uint64_t len, uint32_t flags) {
    std::vector<uint8_t> out;
    uint64_t done = 0;
    while (done < len) {
      uint64_t n = std::min<uint64_t>(len - done, kernel_->max_read());
      IoReply r = kernel_->Read(addr + done, n, flags);
      EXPECT_EQ(r.error, 0);
      EXPECT_EQ(r.len, n);
      if (r.error != 0 || r.len != n) break;
      out.insert(out.end(), r.data.begin(), r.data.end());
      done += n;
    }
    return out;
  }
  void SplitWrite(uint64_t addr, const std::vector<uint8_t>& data, uint32_t flags) {
    uint64_t done = 0;
    while (done < data.size()) {
      uint64_t n = std::min<uint64_t>(data.size() - done, kernel_->max_write());
      IoReply r = kernel_->Write(
          addr + done, std::vector<uint8_t>(data.begin() + done, data.begin() + done + n), flags);
      ASSERT_EQ(r.error, 0);
      ASSERT_EQ(r.soft_error, 0);
      ASSERT_EQ(r.len, n);
      done += n;
    }
  }
};

TEST_F(SplitTest, InbandSplitReadAndWrite) {
  Geometry g = TestGeometry();
  std::vector<uint8_t> data = Pattern(g.block_size(), 21);  // 32 requests of 4 KiB
  SplitWrite(g.block_size(), data, kInband);
  EXPECT_EQ(SplitRead(g.block_size(), data.size(), kInband), data);
  // A read that is not a multiple of max_read ends with a short request.
  EXPECT_EQ(SplitRead(g.block_size() + 100, 9000, kInband),
            std::vector<uint8_t>(data.begin() + 100, data.begin() + 9100));
  EXPECT_EQ(kernel_->Read(0, 4097, kInband).error, -EINVAL) << "len above max_read accepted";
}

TEST_F(SplitTest, SplitAutoOobLandsOnTheRightPages) {
  Geometry g = TestGeometry();
  const uint32_t avail = g.oob_avail();
  const uint64_t first_page = 70;
  const uint32_t offset = 5;
  // 200 pages of AUTO OOB from offset 5: 6795 bytes, split 4096 + 2699.
  std::vector<uint8_t> oob = Pattern(200 * avail - offset, 31);
  SplitWrite(first_page * 2048 + offset, oob, kOobAuto);
  EXPECT_EQ(session_->stats().oob_continuations, 1u);
  // Read each page back unsplit: the continuation must have resumed in the
  // right page at the right offset.
  for (uint64_t p = 0; p < 200; p += 37) {
    IoReply r = kernel_->Read((first_page + p) * 2048, avail, kOobAuto);
    ASSERT_EQ(r.error, 0);
    size_t begin = p == 0 ? 0 : p * avail - offset;
    size_t n = p == 0 ? avail - offset : avail;
    std::vector<uint8_t> want(oob.begin() + begin, oob.begin() + begin + n);
    std::vector<uint8_t> got(r.data.begin() + (p == 0 ? offset : 0), r.data.end());
    EXPECT_EQ(got, want) << "page " << first_page + p;
  }
  EXPECT_EQ(SplitRead(first_page * 2048 + offset, oob.size(), kOobAuto), oob);
}

TEST_F(SplitTest, SplitPlaceAndRawOob) {
  const uint64_t first_page = 300;
  std::vector<uint8_t> oob(150 * 64, 0xFF);
  for (size_t i = 0; i < oob.size(); i += 64) oob[i + 40] = static_cast<uint8_t>(i / 64);
  SplitWrite(first_page * 2048, oob, kOobPlace | kRaw);
  IoReply r = kernel_->Read((first_page + 100) * 2048 + 40, 1, kOobPlace | kRaw);
  EXPECT_EQ(r.data, std::vector<uint8_t>{100});
  EXPECT_EQ(SplitRead(first_page * 2048, oob.size(), kOobPlace | kRaw), oob);
}

TEST_F(SplitTest, FreshOobRequestAfterAShortOneIsNotAContinuation) {
  // A short (unsplit) request never arms a continuation: the next request is
  // decoded as page + offset even when its addr equals addr + len.
  const uint64_t page = 40;
  std::vector<uint8_t> a = {1, 2, 3, 4};
  ASSERT_EQ(kernel_->Write(page * 2048, a, kOobPlace | kRaw).error, 0);
  ASSERT_EQ(kernel_->Write(page * 2048 + 4, a, kOobPlace | kRaw).error, 0);
  IoReply r = kernel_->Read(page * 2048, 8, kOobPlace | kRaw);
  EXPECT_EQ(r.data, (std::vector<uint8_t>{1, 2, 3, 4, 1, 2, 3, 4}));
  EXPECT_EQ(session_->stats().oob_continuations, 0u);
}

}  // namespace
}  // namespace flashfault::protocol_test
