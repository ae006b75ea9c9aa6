// Protocol conformance of the negotiated extensions ("flashfault extensions
// v1", kmod/README.md): negotiation by the INIT minor, combined data+OOB
// requests in each mode, read_out_ext with real bitflip counts (made with
// NandModel::AddCellError), split combined operations, malformed combined
// requests. Everything is checked over the socket through the fake kernel.
#include <cerrno>

#include "tests/protocol/protocol_fixture.h"

namespace flashfault::protocol_test {
namespace {

using abi::kCombinedAuto;
using abi::kCombinedPlace;
using abi::kCombinedRaw;
using abi::kInband;
using abi::kOobAuto;
using abi::kOobPlace;

constexpr uint32_t kPage = 2048, kOob = 64;

uint32_t Threshold(const Geometry& g) {
  return g.bitflip_threshold != 0 ? g.bitflip_threshold : (g.ecc_strength * 3 + 3) / 4;
}

class ExtTest : public ProtocolTest {
 protected:
  void SetUp() override { g_ = TestGeometry(); }
  void StartExt(muse::SessionOptions opts = {}) {
    StartInit(g_, std::move(opts), 35);
    ASSERT_TRUE(kernel_->extensions());
  }
  Geometry g_;
};

TEST_F(ExtTest, V3KernelsGetNoExtensionKeysAndPlainReadOut) {
  for (uint32_t minor : {33u, 34u}) {
    Start(g_);
    InitReply r = kernel_->Init(7, minor);
    ASSERT_EQ(r.error, 0);
    EXPECT_EQ(r.minor, 34u);
    for (const char* key : {"FFEXT", "ECCSTRENGTH", "ECCSTEP", "BITFLIPTHRESHOLD"}) {
      EXPECT_EQ(r.keys.count(key), 0u) << key << " offered to minor " << minor;
    }
    EXPECT_FALSE(kernel_->extensions());
    ASSERT_EQ(kernel_->Write(0, Pattern(kPage, 1), kInband).error, 0);
    IoReply rd = kernel_->Read(0, kPage, kInband);
    EXPECT_EQ(rd.body_size, 16u + kPage) << "v3 read_out is 16 bytes";
    EXPECT_EQ(rd.data, Pattern(kPage, 1));
    // A combined request is just unknown flags to a v3 session.
    EXPECT_EQ(kernel_->ReadCombined(0, kPage, kCombinedPlace, 0, kOob).error, -EINVAL);
    Stop();
  }
}

TEST_F(ExtTest, V3InitReplyIsTheSameFor33And34AndAPrefixOfTheExtendedOne) {
  std::vector<uint8_t> blocks[3];
  const uint32_t minors[3] = {33, 34, 35};
  for (int i = 0; i < 3; ++i) {
    Start(g_);
    InitReply r = kernel_->Init(7, minors[i]);
    ASSERT_EQ(r.error, 0);
    blocks[i] = r.key_block;
    Stop();
  }
  EXPECT_EQ(blocks[0], blocks[1]);
  ASSERT_GT(blocks[2].size(), blocks[0].size());
  EXPECT_TRUE(std::equal(blocks[0].begin(), blocks[0].end(), blocks[2].begin()));
}

TEST_F(ExtTest, Minor35GetsTheGeometrysEccKeys) {
  Start(g_);
  InitReply r = kernel_->Init(7, 35);
  ASSERT_EQ(r.error, 0);
  ASSERT_EQ(r.key_error, "");
  EXPECT_EQ(r.minor, 34u);
  EXPECT_EQ(r.keys["FFEXT"], "1");
  EXPECT_EQ(r.Number("ECCSTRENGTH"), g_.ecc_strength);
  EXPECT_EQ(r.Number("ECCSTEP"), g_.ecc_step);
  EXPECT_EQ(r.Number("BITFLIPTHRESHOLD"), Threshold(g_));
  EXPECT_GT(*r.Number("ECCSTRENGTH"), 0u);
  EXPECT_TRUE(kernel_->extensions());
  // Every read reply is read_out_ext now, plain in-band reads included.
  IoReply rd = kernel_->Read(0, kPage, kInband);
  ASSERT_EQ(rd.error, 0);
  EXPECT_EQ(rd.body_size, 24u + kPage);
  EXPECT_TRUE(rd.oob.empty());
  EXPECT_EQ(rd.max_bitflips, 0u);
}

TEST_F(ExtTest, CombinedPlaceRoundTripMatchesSeparateReads) {
  StartExt();
  std::vector<uint8_t> data = Pattern(2 * kPage, 3), oob = Pattern(2 * kOob, 9);
  oob[0] = oob[1] = 0xFF;  // keep the bad block marker clean
  IoReply w = kernel_->WriteCombined(kPage * 64, data, oob, kCombinedPlace, 0);
  ASSERT_EQ(w.error, 0);
  EXPECT_EQ(w.len, data.size());
  EXPECT_EQ(w.soft_error, 0);
  IoReply r = kernel_->ReadCombined(kPage * 64, data.size(), kCombinedPlace, 0, oob.size());
  ASSERT_EQ(r.error, 0);
  EXPECT_EQ(r.len, data.size());
  EXPECT_EQ(r.data, data);
  EXPECT_EQ(r.oob, oob);
  EXPECT_EQ(r.body_size, 24u + data.size() + oob.size());
  // The same bytes through v3-style requests.
  EXPECT_EQ(kernel_->Read(kPage * 64, data.size(), kInband).data, data);
  EXPECT_EQ(kernel_->Read(kPage * 64, oob.size(), kOobPlace).data, oob);
  // An OOB offset in the first page, OOB ending inside the second page.
  IoReply part = kernel_->ReadCombined(kPage * 64, data.size(), kCombinedPlace, 10, 70);
  ASSERT_EQ(part.error, 0);
  EXPECT_EQ(part.oob, std::vector<uint8_t>(oob.begin() + 10, oob.begin() + 80));
}

TEST_F(ExtTest, CombinedAutoUsesTheFreeBytesWithAnOffset) {
  StartExt();
  const uint32_t avail = g_.oob_avail();
  ASSERT_GT(avail, 4u);
  std::vector<uint8_t> data = Pattern(2 * kPage, 4), oob = Pattern(2 * avail - 4, 11);
  ASSERT_EQ(kernel_->WriteCombined(0, data, oob, kCombinedAuto, 4).error, 0);
  IoReply r = kernel_->ReadCombined(0, data.size(), kCombinedAuto, 4, oob.size());
  ASSERT_EQ(r.error, 0);
  EXPECT_EQ(r.data, data);
  EXPECT_EQ(r.oob, oob);
  // AUTO OOB-only (v3 encoding) sees the same free bytes at offset 4.
  EXPECT_EQ(kernel_->Read(4, oob.size(), kOobAuto).data, oob);
  // The factory marker bytes stayed erased: AUTO never touches them.
  std::vector<uint8_t> place = kernel_->Read(0, 2, kOobPlace).data;
  EXPECT_EQ(place, (std::vector<uint8_t>{0xFF, 0xFF}));
}

TEST_F(ExtTest, CombinedRawShowsCellsAndCountsNothing) {
  StartExt();
  std::vector<uint8_t> data = Pattern(kPage, 5), oob(kOob, 0xFF);
  oob[40] = 0x12;
  ASSERT_EQ(kernel_->WriteCombined(kPage, data, oob, kCombinedRaw, 0).error, 0);
  model_->AddCellError(1, 3);  // byte 0, bit 3 of page 1
  IoReply raw = kernel_->ReadCombined(kPage, kPage, kCombinedRaw, 0, kOob);
  ASSERT_EQ(raw.error, 0);
  EXPECT_EQ(raw.data[0], data[0] ^ 0x08) << "raw shows the flipped cell";
  EXPECT_EQ(raw.oob, oob);
  EXPECT_EQ(raw.max_bitflips, 0u);
  EXPECT_EQ(raw.corrected_bitflips, 0u);
  EXPECT_EQ(raw.soft_error, 0);
  IoReply ecc = kernel_->ReadCombined(kPage, kPage, kCombinedPlace, 0, kOob);
  ASSERT_EQ(ecc.error, 0);
  EXPECT_EQ(ecc.data, data) << "ECC corrects it";
  EXPECT_EQ(ecc.max_bitflips, 1u);
  EXPECT_EQ(ecc.corrected_bitflips, 1u);
}

TEST_F(ExtTest, ReadOutExtCountsRealBitflips) {
  StartExt();
  const uint32_t step_bits = g_.ecc_step * 8;
  ASSERT_EQ(kernel_->Write(0, Pattern(kPage, 6), kInband).error, 0);
  model_->AddCellError(0, 10);
  model_->AddCellError(0, 20);
  model_->AddCellError(0, step_bits + 5);
  IoReply r = kernel_->Read(0, kPage, kInband);
  ASSERT_EQ(r.error, 0);
  EXPECT_EQ(r.data, Pattern(kPage, 6));
  EXPECT_EQ(r.max_bitflips, 2u);
  EXPECT_EQ(r.corrected_bitflips, 3u);
  EXPECT_EQ(r.soft_error, 0) << "below the threshold: clean for the kernel";
  // Up to the strength: still corrected, soft_error 0, the kernel derives -EUCLEAN.
  for (uint32_t b = 30; b < 30 + g_.ecc_strength - 2; ++b) model_->AddCellError(0, b);
  r = kernel_->Read(0, kPage, kInband);
  EXPECT_EQ(r.max_bitflips, g_.ecc_strength);
  EXPECT_GE(r.max_bitflips, Threshold(g_));
  EXPECT_EQ(r.corrected_bitflips, g_.ecc_strength + 1);
  EXPECT_EQ(r.soft_error, 0);
  EXPECT_EQ(r.data, Pattern(kPage, 6));
  // Beyond the strength: -EBADMSG, data returned anyway.
  model_->AddCellError(0, 100);
  r = kernel_->Read(0, kPage, kInband);
  EXPECT_EQ(r.soft_error, -EBADMSG);
  EXPECT_EQ(r.len, kPage);
  // ECC works per page: a read of the second step alone still decodes (and
  // fails) the whole page, as on a NAND controller.
  r = kernel_->Read(g_.ecc_step, g_.ecc_step, kInband);
  EXPECT_EQ(r.soft_error, -EBADMSG);
}

TEST_F(ExtTest, ForcedScrubWithoutFlipsIsEuclean) {
  StartExt();
  device_->force_scrub = true;
  IoReply r = kernel_->Read(0, kPage, kInband);
  EXPECT_EQ(r.soft_error, -EUCLEAN);
  EXPECT_EQ(r.max_bitflips, 0u);
  r = kernel_->ReadCombined(0, kPage, kCombinedRaw, 0, kOob);
  EXPECT_EQ(r.soft_error, 0) << "raw reads report nothing";
  device_->force_scrub = false;
  device_->force_failed_steps = 1;
  EXPECT_EQ(kernel_->ReadCombined(0, kPage, kCombinedPlace, 0, kOob).soft_error, -EBADMSG);
}

TEST_F(ExtTest, SplitCombinedOperationMovesEveryByte) {
  muse::SessionOptions o;
  o.max_io = 8192;  // three pages and their OOB per request
  StartExt(o);
  const uint32_t per_req = 8192 / (kPage + kOob);
  ASSERT_EQ(per_req, 3u);
  const uint32_t pages = 7, offs = 6;
  std::vector<uint8_t> data = Pattern(pages * kPage, 21), oob = Pattern(pages * kOob - offs, 23);
  const uint64_t base = kPage * 128;
  // As the kernel splits: whole pages, their OOB, ooboffs on the first request only.
  uint64_t d = 0, ob = 0;
  for (uint32_t first = 0; first < pages; first += per_req) {
    const uint32_t n = std::min(per_req, pages - first);
    const uint32_t off = first == 0 ? offs : 0;
    std::vector<uint8_t> dpart(data.begin() + d, data.begin() + d + n * kPage);
    std::vector<uint8_t> opart(oob.begin() + ob, oob.begin() + ob + n * kOob - off);
    IoReply w = kernel_->WriteCombined(base + d, dpart, opart, kCombinedPlace, off);
    ASSERT_EQ(w.error, 0) << "request at page " << first;
    d += dpart.size();
    ob += opart.size();
  }
  ASSERT_EQ(d, data.size());
  ASSERT_EQ(ob, oob.size());
  std::vector<uint8_t> got_d, got_o;
  d = ob = 0;
  for (uint32_t first = 0; first < pages; first += per_req) {
    const uint32_t n = std::min(per_req, pages - first);
    const uint32_t off = first == 0 ? offs : 0;
    IoReply r = kernel_->ReadCombined(base + d, n * kPage, kCombinedPlace, off, n * kOob - off);
    ASSERT_EQ(r.error, 0);
    got_d.insert(got_d.end(), r.data.begin(), r.data.end());
    got_o.insert(got_o.end(), r.oob.begin(), r.oob.end());
    d += n * kPage;
  }
  EXPECT_EQ(got_d, data);
  EXPECT_EQ(got_o, oob);
  // Whole-page OOB through the v3 OOB-only path agrees (offset 6 of the first page).
  EXPECT_EQ(kernel_->Read(base + offs, oob.size(), kOobPlace).data, oob);
  // One request more than max_io (4 pages + OOB) is refused.
  EXPECT_EQ(kernel_->ReadCombined(base, 4 * kPage, kCombinedPlace, 0, 4 * kOob).error, -EINVAL);
}

TEST_F(ExtTest, MalformedCombinedRequestsAreEinval) {
  StartExt();
  const uint32_t avail = g_.oob_avail();
  std::vector<uint8_t> page = Pattern(kPage, 1);
  // OOB beyond the pages of the data.
  EXPECT_EQ(kernel_->ReadCombined(0, kPage, kCombinedPlace, 0, kOob + 1).error, -EINVAL);
  EXPECT_EQ(kernel_->ReadCombined(0, kPage, kCombinedPlace, 8, kOob - 7).error, -EINVAL);
  EXPECT_EQ(kernel_->ReadCombined(0, kPage, kCombinedAuto, 0, avail + 1).error, -EINVAL);
  EXPECT_EQ(kernel_->WriteCombined(0, page, std::vector<uint8_t>(kOob + 1, 0xFF), kCombinedPlace, 0)
                .error,
            -EINVAL);
  // ooboffs beyond the OOB area.
  EXPECT_EQ(kernel_->ReadCombined(0, kPage, kCombinedPlace, kOob, 0).error, -EINVAL);
  EXPECT_EQ(kernel_->ReadCombined(0, kPage, kCombinedAuto, avail, 0).error, -EINVAL);
  // Payload length differs from len + ooblen (both ways).
  std::vector<uint8_t> oob(32, 0xFF);
  EXPECT_EQ(kernel_->WriteCombined(0, page, oob, kCombinedPlace, 0, 64).error, -EINVAL);
  EXPECT_EQ(kernel_->WriteCombined(0, page, oob, kCombinedPlace, 0, 16).error, -EINVAL);
  // Misaligned, empty, beyond the device, unknown mode.
  EXPECT_EQ(kernel_->ReadCombined(512, kPage, kCombinedPlace, 0, 8).error, -EINVAL);
  EXPECT_EQ(kernel_->ReadCombined(0, 0, kCombinedPlace, 0, 8).error, -EINVAL);
  EXPECT_EQ(kernel_->ReadCombined(g_.total_size(), kPage, kCombinedPlace, 0, 8).error, -EINVAL);
  EXPECT_EQ(kernel_->ReadCombined(0, kPage, kInband | kOobAuto | kOobPlace, 0, 8).error, -EINVAL);
  // v3-encoded requests must leave the extension fields zero.
  EXPECT_EQ(kernel_->ReadFields(0, kPage, kInband, 8).error, -EINVAL);
  EXPECT_EQ(kernel_->ReadFields(0, kPage, kInband | 4u << 16, 0).error, -EINVAL);
  EXPECT_EQ(kernel_->WriteFields(0, kPage, kInband, 8, page).error, -EINVAL);
  // Nothing reached the cells: page 0 is still erased.
  EXPECT_EQ(kernel_->Read(0, kPage, kInband).data, std::vector<uint8_t>(kPage, 0xFF));
  // And the session still serves a well-formed combined request.
  EXPECT_EQ(kernel_->WriteCombined(0, page, std::vector<uint8_t>(kOob, 0xFF), kCombinedPlace, 0)
                .error,
            0);
}

TEST_F(ExtTest, NorHasNoCombinedOpsButExtendedReadReplies) {
  g_ = TestGeometry("nor-64k-16m", 0);
  StartExt();
  ASSERT_EQ(kernel_->Write(5, {1, 2, 3}, kInband).error, 0);
  IoReply r = kernel_->Read(5, 3, kInband);
  EXPECT_EQ(r.body_size, 24u + 3);
  EXPECT_EQ(r.data, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(kernel_->ReadCombined(0, 1, kCombinedPlace, 0, 0).error, -EOPNOTSUPP);
}

}  // namespace
}  // namespace flashfault::protocol_test
