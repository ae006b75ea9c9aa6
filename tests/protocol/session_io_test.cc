// Protocol conformance, the happy paths: INIT as the kernel checks it, and
// every MUSE opcode through a real NandModel, seen from a fake kernel that
// was written from docs/muse-protocol.md. These tests must not reach into the server:
// everything they check travels over the socket.
#include <cerrno>

#include "tests/protocol/protocol_fixture.h"

namespace flashfault::protocol_test {
namespace {

using abi::kInband;
using abi::kOobAuto;
using abi::kOobPlace;
using abi::kRaw;

TEST_F(ProtocolTest, InitReplyDescribesTheGeometry) {
  Geometry g = TestGeometry();
  Start(g);
  InitReply r = kernel_->Init(7, 33);  // v3 announces 7.33
  ASSERT_EQ(r.error, 0);
  EXPECT_EQ(r.major, 7u);
  EXPECT_EQ(r.minor, 34u);  // at least 34, whatever the kernel sent
  EXPECT_GE(r.total_len, 32u);
  EXPECT_LE(r.total_len, 32u + 4096u);
  EXPECT_EQ(r.key_error, "");
  ASSERT_FALSE(r.key_block.empty());
  EXPECT_EQ(r.key_block.back(), 0);
  EXPECT_EQ(r.keys["NAME"], g.name);
  EXPECT_EQ(r.Number("TYPE"), 4u);
  EXPECT_EQ(r.Number("FLAGS"), 1024u);
  EXPECT_EQ(r.Number("SIZE"), g.total_size());
  EXPECT_EQ(r.Number("WRITESIZE"), 2048u);
  EXPECT_EQ(r.Number("ERASESIZE"), 131072u);
  EXPECT_EQ(r.Number("OOBSIZE"), 64u);
  EXPECT_EQ(r.Number("OOBAVAIL"), g.oob_avail());
  EXPECT_EQ(r.Number("SUBPAGESHIFT"), g.subpage_shift);
  EXPECT_EQ(r.keys.count("PARTSCMDLINE"), 0u);
  uint64_t wbs = r.Number("WRITEBUFSIZE").value_or(0);
  if (wbs == 0) wbs = 2048;
  EXPECT_EQ(wbs & (wbs - 1), 0u) << "UBI wants a power of two";
  EXPECT_GE(r.max_read, wbs);
  EXPECT_GE(r.max_write, wbs);
  EXPECT_GE(r.max_read, 4096u);
  // Whole eraseblocks move in one request.
  EXPECT_GE(r.max_read, g.block_size());
  EXPECT_GE(r.max_write, g.block_size());
  // SIZE is a multiple of WRITESIZE and ERASESIZE; OOBAVAIL <= OOBSIZE < WRITESIZE.
  EXPECT_EQ(*r.Number("SIZE") % *r.Number("ERASESIZE"), 0u);
  EXPECT_LE(*r.Number("OOBAVAIL"), *r.Number("OOBSIZE"));
}

TEST_F(ProtocolTest, InitAnswers34ToNewerKernelsAndCarriesPartitions) {
  muse::SessionOptions o;
  o.name = "ff0";
  o.parts = "1M(boot),-(ubi)";
  Start(TestGeometry(), o);
  InitReply r = kernel_->Init(7, 36);
  ASSERT_EQ(r.error, 0);
  EXPECT_EQ(r.minor, 34u);
  EXPECT_EQ(r.keys["NAME"], "ff0");
  EXPECT_EQ(r.keys["PARTSCMDLINE"], "1M(boot),-(ubi)");
}

TEST_F(ProtocolTest, InitOfNorAndMlcParts) {
  Start(TestGeometry("nor-64k-16m", 0));
  InitReply r = kernel_->Init();
  ASSERT_EQ(r.error, 0);
  EXPECT_EQ(r.Number("TYPE"), 3u);
  EXPECT_EQ(r.Number("FLAGS"), 0x400u + 0x800u);
  EXPECT_EQ(r.Number("WRITESIZE"), 1u);
  EXPECT_EQ(r.Number("OOBSIZE").value_or(0), 0u);
  // NOR programs any byte range.
  EXPECT_EQ(kernel_->Write(3, {0x12, 0x34, 0x56}, kInband).soft_error, 0);
  EXPECT_EQ(kernel_->Read(3, 3, kInband).data, (std::vector<uint8_t>{0x12, 0x34, 0x56}));
  Stop();
  Start(TestGeometry("mlc-4k-1g", 8));
  r = kernel_->Init();
  ASSERT_EQ(r.error, 0);
  EXPECT_EQ(r.Number("TYPE"), 4u) << "MLC is advertised as NAND for 6.1's UBI/JFFS2";
}

TEST_F(ProtocolTest, InitWithWrongMajorIsAnError) {
  Start(TestGeometry());
  EXPECT_LT(kernel_->Init(6, 33).error, 0);
  EXPECT_EQ(kernel_->Init(7, 33).error, 0);
}

TEST_F(ProtocolTest, RequestsBeforeInitFail) {
  Start(TestGeometry());
  EXPECT_EQ(kernel_->Read(0, 2048, kInband).error, -EIO);
  EXPECT_EQ(kernel_->Init().error, 0);
  EXPECT_EQ(kernel_->Read(0, 2048, kInband).error, 0);
}

TEST_F(ProtocolTest, InbandReadAfterWriteAndErasedReadsFF) {
  StartInit(TestGeometry());
  std::vector<uint8_t> page = Pattern(2048, 1);
  IoReply w = kernel_->Write(5 * 2048, page, kInband);
  ASSERT_EQ(w.error, 0);
  EXPECT_EQ(w.len, 2048u);
  EXPECT_EQ(w.soft_error, 0);
  IoReply r = kernel_->Read(5 * 2048, 2048, kInband);
  ASSERT_EQ(r.error, 0);
  EXPECT_EQ(r.len, 2048u);
  EXPECT_EQ(r.soft_error, 0);
  EXPECT_EQ(r.data, page);
  // Unaligned reads are the kernel's right.
  r = kernel_->Read(5 * 2048 + 3, 10, kInband);
  EXPECT_EQ(r.data, std::vector<uint8_t>(page.begin() + 3, page.begin() + 13));
  // Raw in-band read (flags 9) sees the same cells.
  r = kernel_->Read(5 * 2048, 2048, kInband | kRaw);
  EXPECT_EQ(r.data, page);
  r = kernel_->Read(6 * 2048, 2048, kInband);
  EXPECT_EQ(r.data, std::vector<uint8_t>(2048, 0xFF));
}

TEST_F(ProtocolTest, ProgrammingAndsIntoTheCells) {
  StartInit(TestGeometry());
  // SLC with NOP 4: a second program of the page is allowed and ANDs.
  ASSERT_EQ(kernel_->Write(0, std::vector<uint8_t>(2048, 0xF0), kInband).error, 0);
  ASSERT_EQ(kernel_->Write(0, std::vector<uint8_t>(2048, 0x3C), kInband).error, 0);
  EXPECT_EQ(kernel_->Read(0, 2048, kInband).data, std::vector<uint8_t>(2048, 0x30));
}

TEST_F(ProtocolTest, WholeEraseblockInOneRequestAndErase) {
  Geometry g = TestGeometry();
  StartInit(g);
  const uint64_t bs = g.block_size();
  std::vector<uint8_t> block = Pattern(bs, 9);
  ASSERT_EQ(kernel_->Write(2 * bs, block, kInband).soft_error, 0);
  EXPECT_EQ(kernel_->Read(2 * bs, bs, kInband).data, block);
  ASSERT_EQ(kernel_->Write(2 * bs + 2048 * 3, std::vector<uint8_t>(10, 0), kOobPlace).error, 0);
  EXPECT_EQ(kernel_->Erase(2 * bs, bs), 0);
  EXPECT_EQ(kernel_->Read(2 * bs, bs, kInband).data, std::vector<uint8_t>(bs, 0xFF));
  EXPECT_EQ(kernel_->Read(2 * bs + 2048 * 3, 64, kOobPlace | kRaw).data,
            std::vector<uint8_t>(64, 0xFF));
  // Several blocks at once.
  EXPECT_EQ(kernel_->Erase(0, 4 * bs), 0);
}

TEST_F(ProtocolTest, OobInEachMode) {
  Geometry g = TestGeometry();
  StartInit(g);
  const uint32_t avail = g.oob_avail();
  const OobRegion free0 = g.oob_layout.free.at(0);
  ASSERT_GE(free0.length, 8u);
  // AUTO: offsets 0..OOBAVAIL-1; addr = page address + offset.
  const uint64_t page3 = 3 * 2048;
  std::vector<uint8_t> a = Pattern(avail, 3);
  ASSERT_EQ(kernel_->Write(page3, a, kOobAuto).soft_error, 0);
  EXPECT_EQ(kernel_->Read(page3, avail, kOobAuto).data, a);
  EXPECT_EQ(kernel_->Read(page3 + 4, 6, kOobAuto).data,
            std::vector<uint8_t>(a.begin() + 4, a.begin() + 10));
  // The same bytes in PLACE/RAW addressing sit in the first free region.
  IoReply place = kernel_->Read(page3, 64, kOobPlace);
  IoReply raw = kernel_->Read(page3, 64, kOobPlace | kRaw);
  ASSERT_EQ(place.data.size(), 64u);
  EXPECT_EQ(std::vector<uint8_t>(place.data.begin() + free0.offset,
                                 place.data.begin() + free0.offset + 8),
            std::vector<uint8_t>(a.begin(), a.begin() + 8));
  EXPECT_EQ(raw.data, place.data);
  EXPECT_EQ(raw.soft_error, 0);
  // PLACE at an offset, then RAW write at another, both read back raw.
  const uint64_t page7 = 7 * 2048;
  ASSERT_EQ(kernel_->Write(page7 + free0.offset, {0x11, 0x22, 0x33}, kOobPlace).error, 0);
  ASSERT_EQ(kernel_->Write(page7 + free0.offset + 3, {0x44}, kOobPlace | kRaw).error, 0);
  EXPECT_EQ(kernel_->Read(page7 + free0.offset, 4, kOobPlace | kRaw).data,
            (std::vector<uint8_t>{0x11, 0x22, 0x33, 0x44}));
  // The in-band data of those pages is untouched.
  EXPECT_EQ(kernel_->Read(page7, 2048, kInband).data, std::vector<uint8_t>(2048, 0xFF));
}

TEST_F(ProtocolTest, MultiPageOobRunsOverConsecutivePages) {
  Geometry g = TestGeometry();
  StartInit(g);
  const uint32_t avail = g.oob_avail();
  std::vector<uint8_t> a = Pattern(avail * 3 - 5, 4);  // pages 10..12, starting at offset 5
  ASSERT_EQ(kernel_->Write(10 * 2048 + 5, a, kOobAuto).soft_error, 0);
  IoReply p11 = kernel_->Read(11 * 2048, avail, kOobAuto);
  EXPECT_EQ(p11.data, std::vector<uint8_t>(a.begin() + (avail - 5), a.begin() + (2 * avail - 5)));
  EXPECT_EQ(device_->last_addr.load(), 11u * 2048);
  EXPECT_EQ(device_->last_ooboffs.load(), 0u);
  EXPECT_EQ(kernel_->Read(10 * 2048 + 5, a.size(), kOobAuto).data, a);
}

TEST_F(ProtocolTest, IsBadAndMarkBad) {
  Geometry g = TestGeometry();
  StartInit(g);
  const uint64_t bs = g.block_size();
  EXPECT_EQ(kernel_->IsBad(3 * bs), std::make_pair(0, 0u));
  EXPECT_EQ(kernel_->MarkBad(3 * bs + 4096), 0);  // any address inside the block
  EXPECT_EQ(kernel_->IsBad(3 * bs + 100), std::make_pair(0, 1u));
  EXPECT_EQ(kernel_->IsBad(4 * bs), std::make_pair(0, 0u));
  EXPECT_EQ(kernel_->IsBad(2 * bs + bs - 1), std::make_pair(0, 0u));
}

TEST_F(ProtocolTest, SyncReachesTheDevice) {
  StartInit(TestGeometry());
  int before = device_->syncs;
  EXPECT_EQ(kernel_->Sync(), 0);
  EXPECT_EQ(device_->syncs, before + 1);
}

TEST_F(ProtocolTest, ServesOverOneMessagePerReadLikeTheDevice) {
  // SOCK_SEQPACKET keeps message boundaries like /dev/muse: DeviceChannel.
  Start(TestGeometry(), {}, /*seqpacket=*/true);
  ASSERT_EQ(kernel_->Init().error, 0);
  std::vector<uint8_t> page = Pattern(2048, 77);
  ASSERT_EQ(kernel_->Write(0, page, kInband).error, 0);
  EXPECT_EQ(kernel_->Read(0, 2048, kInband).data, page);
}

TEST_F(ProtocolTest, ClosingTheKernelEndSyncsAndEndsCleanly) {
  StartInit(TestGeometry());
  int before = device_->syncs;
  Stop();
  EXPECT_TRUE(run_status_.ok()) << run_status_;
  EXPECT_EQ(device_->syncs, before + 1);
}

}  // namespace
}  // namespace flashfault::protocol_test
