// Every example fault script under corpora/scripts/ does what its
// description says (issue 21, item 10): each test loads the example as a
// user's --script would and drives the fault layer with the operations its
// description talks about, then checks the promise (which op fires, what
// the cells hold, what the next ops see). The aimed examples are checked in
// meaning_aim_test.cc on UBI, UBIFS and JFFS2 structures; kCheckedElsewhere
// lists them, and a test fails when an example is checked nowhere.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "decoders/bytes.h"
#include "decoders/ubifs_nodes.h"
#include "tests/unit/example_scripts.h"
#include "tests/unit/fault_test_util.h"
#include "tests/unit/flash_image_builder.h"
#include "tests/unit/model_fixture.h"

namespace flashfault {
namespace {

using ::testing::Each;
using testing::Bytes;
using testing::ExamplePath;
using testing::ExampleScript;
using testing::PageRead;
using testing::RecordingSink;

// The examples meaning_aim_test.cc checks (it loads them by name).
const std::set<std::string> kCheckedElsewhere = {
    "ubifs-master-powercut.json", "ubifs-index-uncorrectable.json",
    "ubifs-lpt-uncorrectable.json", "ubi-fastmap-anchor-erase-fail.json",
    "ubi-wl-copy-stuck-vid.json", "jffs2-torn-dirent.json"};

// The example's geometry and plan behind a fault layer, with its log.
struct Example {
  explicit Example(const std::string& name, bool install = true) : script(ExampleScript(name)) {
    FaultLayerOptions o{.sink = &sink, .sleeper = [this](uint64_t us) { slept_us += us; }};
    FaultPlan plan = script.plan;
    if (!install) plan.faults.clear();  // installed later with Install()
    auto layer = FaultLayer::Create(testing::MakeModel(script.geometry), plan, std::move(o));
    EXPECT_TRUE(layer.ok()) << layer.status();
    if (layer.ok()) d = std::move(*layer);
  }
  absl::Status Install() { return d->ReplacePlan(script.plan); }

  const Geometry& g() const { return script.geometry; }
  uint64_t Page(uint64_t block, uint64_t page) const { return block * g().pages_per_block + page; }
  absl::Status Program(uint64_t page, uint8_t value) { return testing::WritePage(*d, page, value); }
  PageRead Read(uint64_t page) { return testing::ReadPage(*d, page); }
  PageRead Raw(uint64_t page) { return testing::ReadPage(*d, page, OobMode::kRaw); }
  absl::Status Erase(uint64_t block) {
    return d->Erase(block * g().block_size(), g().block_size());
  }
  uint64_t Fires(const std::string& id) const {
    for (const FaultStats& s : d->stats()) {
      if (s.id == id) return s.fires;
    }
    ADD_FAILURE() << "no fault " << id;
    return 0;
  }
  std::set<uint64_t> BadBlocks() {
    std::set<uint64_t> bad;
    for (uint64_t b = 0; b < g().block_count; ++b) {
      if (*d->IsBad(b * g().block_size())) bad.insert(b);
    }
    return bad;
  }
  void Wear(uint32_t block, uint64_t erases) { d->model().store().mutable_meta(block).erases = erases; }

  FaultScript script;
  RecordingSink sink;
  uint64_t slept_us = 0;
  std::unique_ptr<FaultLayer> d;
};

TEST(ExampleScripts, EveryExampleIsChecked) {
  // The examples this file checks: one TEST each, named after the file.
  const std::set<std::string> here = {
      "charge_loss.json", "erase_fail.json", "factory_bad.json", "field_mutation.json",
      "grown_bad.json", "latency.json", "mlc-end-of-life.json", "power_cut.json",
      "program_fail.json", "read_bitflip.json", "read_disturb.json", "retention.json",
      "silent_corruption.json", "stuck_bit.json", "ubi-volume-update-powercut.json",
      "weak-block-batch.json", "wear_out.json"};
  std::set<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(ExamplePath(""))) {
    if (e.path().extension() == ".json") files.insert(e.path().filename().string());
  }
  for (const std::string& f : files) {
    EXPECT_TRUE(here.count(f) + kCheckedElsewhere.count(f) == 1) << f << " is checked nowhere";
  }
  for (const std::string& f : here) EXPECT_TRUE(files.count(f)) << f << " is gone";
}

// "on the 2nd read of block 17, 3 bits of its pages lose charge and stay
// flipped until the block is erased."
TEST(ExampleScripts, ChargeLoss) {
  Example e("charge_loss.json");
  const uint64_t page = e.Page(17, 0);
  ASSERT_TRUE(e.Program(page, 0x00).ok());
  EXPECT_EQ(e.Read(page).report.corrected_bitflips, 0u);
  EXPECT_EQ(e.Read(page).report.corrected_bitflips, 3u);  // the 2nd read
  EXPECT_EQ(e.Read(page).report.corrected_bitflips, 3u);  // and they stay
  EXPECT_EQ(e.Fires("weak-block"), 1u);
  ASSERT_TRUE(e.Erase(17).ok());
  ASSERT_TRUE(e.Program(page, 0x00).ok());
  EXPECT_EQ(e.Read(page).report.corrected_bitflips, 0u);
}

// "Erases of block 300 fail twice with the block left partly erased, then succeed."
TEST(ExampleScripts, EraseFail) {
  Example e("erase_fail.json");
  EXPECT_TRUE(e.Erase(299).ok());
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(IsInjectedFault(e.Erase(300))) << "erase " << i;
  EXPECT_TRUE(e.Erase(300).ok());
  ASSERT_EQ(e.sink.faults.size(), 2u);
  EXPECT_EQ(e.sink.faults[0].effect, "partial");
}

// "blocks 3 and 517 marked bad in OOB, plus 8 more chosen from the seed in the upper half."
TEST(ExampleScripts, FactoryBad) {
  Example e("factory_bad.json");
  const std::set<uint64_t> bad = e.BadBlocks();
  EXPECT_EQ(bad.size(), 10u);
  EXPECT_TRUE(bad.count(3) && bad.count(517));
  EXPECT_GE(*std::next(bad.begin()), 512u);  // all but block 3 in the upper half
}

// "the size field of inode 65's inode node is set to 2^47 as it is written,
// and the node's CRC recomputed."
TEST(ExampleScripts, FieldMutation) {
  using namespace test_images;
  Example e("field_mutation.json");
  const Buf other = UbiPeb(0, 21, 12, Nodes({UbifsNode(0, 160, 19, 64)}));
  const Buf mine = UbiPeb(0, 20, 13, Nodes({UbifsNode(0, 160, 20, 65)}));
  for (const auto& [peb, bytes] : {std::pair{6u, &other}, std::pair{7u, &mine}}) {
    ASSERT_TRUE(e.d->Write({.addr = uint64_t{peb} * kPeb}, std::span(*bytes).first(2 * kPage), {})
                    .ok());
  }
  for (uint32_t peb : {6u, 7u}) {
    const std::vector<uint8_t> got = e.Read(e.Page(peb, 1)).data;
    std::optional<decoders::UbifsNode> n = decoders::DecodeUbifsNode(got, 0);
    ASSERT_TRUE(n);
    EXPECT_EQ(n->crc, decoders::CrcStatus::kOk) << "PEB " << peb;
    EXPECT_EQ(decoders::Le64(got, 48), peb == 7 ? uint64_t{1} << 47 : 0x1111111111111111u);
  }
  EXPECT_EQ(e.Fires("huge-size"), 1u);
}

// "each program or erase has a 1-in-1000 chance to turn its block bad, at most 4 blocks."
TEST(ExampleScripts, GrownBad) {
  Example e("grown_bad.json");
  std::set<uint32_t> failed;
  for (int round = 0; round < 20; ++round) {
    for (uint32_t b = 0; b < 1000; ++b) {
      if (!e.Erase(b).ok()) failed.insert(b);
    }
  }
  EXPECT_EQ(e.Fires("grown-bad"), 4u);
  EXPECT_EQ(failed.size(), 4u);
  for (uint32_t b : failed) {  // bad for good: programs fail too
    EXPECT_TRUE(IsInjectedFault(e.Program(e.Page(b, 0), 0x00))) << "block " << b;
  }
}

// "every erase takes 20 ms longer."
TEST(ExampleScripts, Latency) {
  Example e("latency.json");
  ASSERT_TRUE(e.d->Write({.addr = 0}, Bytes(256, 0x00), {}).ok());
  EXPECT_EQ(e.slept_us, 0u);
  ASSERT_TRUE(e.Erase(0).ok());
  ASSERT_TRUE(e.Erase(1).ok());
  EXPECT_EQ(e.slept_us, 40000u);
}

// "worn blocks fail, data leaks with time, reads are noisy, and blocks keep going bad."
TEST(ExampleScripts, MlcEndOfLife) {
  Example e("mlc-end-of-life.json");
  EXPECT_EQ(e.BadBlocks().size(), 20u);
  // Noisy reads in 'ubi' (from block 8), 3 in 10; the boot page loses
  // charge on its 100th read.
  const uint64_t ubi_page = e.Page(100, 0), boot_page = e.Page(0, 0);
  ASSERT_TRUE(e.Program(ubi_page, 0x00).ok());
  ASSERT_TRUE(e.Program(boot_page, 0x00).ok());
  for (int i = 0; i < 300; ++i) e.Read(ubi_page);
  EXPECT_GT(e.Fires("noise"), 60u);
  EXPECT_LT(e.Fires("noise"), 120u);
  for (int i = 0; i < 99; ++i) EXPECT_EQ(e.Read(boot_page).report.corrected_bitflips, 0u);
  EXPECT_EQ(e.Read(boot_page).report.corrected_bitflips, 20u);
  // Leaks only after a day of virtual time.
  e.Read(ubi_page);
  EXPECT_EQ(e.Fires("leak"), 0u);
  e.d->AdvanceClock(3 * 86400000000ull);
  e.Read(ubi_page);
  EXPECT_EQ(e.Fires("leak"), 1u);
  // A young block of 'ubi' survives 300 cycles; one past 2700 erases does not.
  auto cycles_fail = [&](uint32_t block) {
    for (int i = 0; i < 300; ++i) {
      if (!e.Erase(block).ok() || !e.Program(e.Page(block, 0), 0x00).ok()) return true;
    }
    return false;
  };
  EXPECT_FALSE(cycles_fail(200));
  e.Wear(201, 2900);
  EXPECT_TRUE(cycles_fail(201));
}

// "Power fails at device operation 1500 with 30% of the op's bits done; torn
// cells stay unstable."
TEST(ExampleScripts, PowerCut) {
  Example e("power_cut.json");
  ASSERT_TRUE(e.Program(0, 0x00).ok());  // op 0
  for (int op = 1; op < 1500; ++op) ASSERT_TRUE(e.Read(0).status.ok()) << op;
  EXPECT_EQ(e.Program(1, 0x00).code(), absl::StatusCode::kUnavailable);  // op 1500
  EXPECT_EQ(e.Read(0).status.code(), absl::StatusCode::kUnavailable);  // no power
  e.d->PowerOn();
  std::set<std::vector<uint8_t>> seen;
  for (int i = 0; i < 8; ++i) {
    const PageRead r = e.Read(1);
    EXPECT_TRUE(r.report.uncorrectable());  // 70% of the bits to clear are still 1
    seen.insert(r.data);
  }
  EXPECT_GT(seen.size(), 1u);  // unstable: each read differs
}

// "The 5th program into blocks 100-199 reports a status failure and leaves
// the page partly programmed."
TEST(ExampleScripts, ProgramFail) {
  Example e("program_fail.json");
  ASSERT_TRUE(e.Program(e.Page(50, 0), 0x00).ok());  // outside: not counted
  for (uint64_t p = 0; p < 4; ++p) ASSERT_TRUE(e.Program(e.Page(100 + p, 0), 0x00).ok());
  const absl::Status fifth = e.Program(e.Page(150, 0), 0x00);
  EXPECT_EQ(fifth.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(IsInjectedFault(fifth));
  const std::vector<uint8_t> raw = e.Raw(e.Page(150, 0)).data;
  EXPECT_NE(std::vector<uint8_t>(raw.begin(), raw.begin() + 2048), Bytes(2048, 0x00));
  EXPECT_NE(std::vector<uint8_t>(raw.begin(), raw.begin() + 2048), Bytes(2048, 0xFF));
  EXPECT_TRUE(e.Program(e.Page(150, 1), 0x00).ok());  // once
}

// "one in ten reads of the UBI headers in page 0 returns 2 flipped bits; a
// re-read may be clean."
TEST(ExampleScripts, ReadBitflip) {
  Example e("read_bitflip.json");
  for (uint32_t b = 0; b < 10; ++b) {
    ASSERT_TRUE(e.Program(e.Page(b, 0), 0x00).ok());
    ASSERT_TRUE(e.Program(e.Page(b, 1), 0x00).ok());
  }
  for (int i = 0; i < 1000; ++i) {
    // At most 2 (a flip in an OOB byte outside the ECC's reach is not counted).
    EXPECT_LE(e.Read(e.Page(i % 10, 0)).report.corrected_bitflips, 2u);
    EXPECT_EQ(e.Read(e.Page(i % 10, 1)).report.corrected_bitflips, 0u);
  }
  EXPECT_GT(e.Fires("read-noise"), 60u);
  EXPECT_LT(e.Fires("read-noise"), 140u);
  for (const RecordingSink::Fault& f : e.sink.faults) {
    EXPECT_EQ(f.page, 0);
    EXPECT_EQ(f.bits.size(), 2u);
  }
}

// "Read disturb in the first 64 blocks: each read disturbs cells in the
// other pages of its block until erase."
TEST(ExampleScripts, ReadDisturb) {
  Example e("read_disturb.json");
  auto disturbed = [&](uint64_t page) {
    const ReadReport r = e.Read(page).report;
    return r.corrected_bitflips > 0 || r.uncorrectable();
  };
  for (uint32_t b : {5u, 70u}) {
    for (int i = 0; i < 1000; ++i) e.Read(e.Page(b, 0));
  }
  EXPECT_FALSE(disturbed(e.Page(5, 0)));  // the page read itself
  EXPECT_TRUE(disturbed(e.Page(5, 1)));
  EXPECT_FALSE(disturbed(e.Page(70, 1)));  // outside blocks 0-63
  ASSERT_TRUE(e.Erase(5).ok());
  EXPECT_FALSE(disturbed(e.Page(5, 1)));
}

// "after one virtual hour, cells start to leak (half a cell per page per hour)."
TEST(ExampleScripts, Retention) {
  Example e("retention.json");
  const uint64_t page = e.Page(10, 0);
  ASSERT_TRUE(e.Program(page, 0x00).ok());
  e.d->AdvanceClock(1800000000);  // half an hour
  EXPECT_EQ(e.Read(page).report.corrected_bitflips, 0u);
  e.d->AdvanceClock(19 * 1800000000ull);  // ten hours in all: about 5 cells
  const uint64_t leaked = e.Read(page).report.corrected_bitflips;
  EXPECT_GE(leaked, 1u);
  EXPECT_LE(leaked, 12u);
}

// "6 errors in one 512-byte step of BCH-4, and the read of a UBIFS index node
// comes back 'corrected' with wrong data, with the odds of a real BCH-4
// decoder (about 1 in 24; otherwise the read fails as uncorrectable)."
TEST(ExampleScripts, SilentCorruption) {
  using namespace test_images;
  Example e("silent_corruption.json");
  const Buf peb = UbiPeb(0, 21, 14, Nodes({UbifsNode(9, 128, 30)}));
  const Buf ino = UbiPeb(0, 22, 15, Nodes({UbifsNode(0, 160, 31, 70)}));
  ASSERT_TRUE(e.d->Write({.addr = 8 * kPeb}, std::span(peb).first(2 * kPage), {}).ok());
  ASSERT_TRUE(e.d->Write({.addr = 9 * kPeb}, std::span(ino).first(2 * kPage), {}).ok());
  const std::vector<uint8_t> want(peb.begin() + kPage, peb.begin() + 2 * kPage);
  int silent = 0, detected = 0;
  for (int i = 0; i < 40; ++i) {
    const PageRead r = e.Read(e.Page(8, 1));
    const bool wrong = std::vector<uint8_t>(r.data.begin(), r.data.begin() + kPage) != want;
    silent += wrong && !r.report.uncorrectable();
    detected += r.report.uncorrectable();
    EXPECT_EQ(e.Read(e.Page(9, 1)).report.corrected_bitflips, 0u);  // not an index node
  }
  EXPECT_EQ(silent + detected, 20);  // max_fires
  EXPECT_GE(silent, 0);
  EXPECT_GT(detected, 15);  // about 1 in 24 gets through
}

// "A cell stuck at 0 in the data area of block 40 page 5, byte 100 bit 3: it
// survives erase and program."
TEST(ExampleScripts, StuckBit) {
  Example e("stuck_bit.json");
  const uint64_t page = e.Page(40, 5);
  EXPECT_EQ(e.Raw(page).data[100], 0xF7);
  ASSERT_TRUE(e.Program(page, 0xFF).ok());
  EXPECT_EQ(e.Raw(page).data[100], 0xF7);
  ASSERT_TRUE(e.Erase(40).ok());
  EXPECT_EQ(e.Raw(page).data[100], 0xF7);
  EXPECT_EQ(e.Raw(page).data[101], 0xFF);
}

// "the 40th page programmed inside the UBI partition after the script is
// installed is torn halfway, its cells unstable, the pages after it in the
// same request never written ... a script given at server start would count
// ubiformat's thousands of EC-header programs."
TEST(ExampleScripts, UbiVolumeUpdatePowerCut) {
  // ubiformat writes an EC header on page 0 of each PEB of 'ubi' (2040 of
  // them; 60 here, to keep the test's memory small).
  {
    Example early("ubi-volume-update-powercut.json");
    for (uint32_t b = 8; b < 68; ++b) (void)early.Program(early.Page(b, 0), 0x00);
    ASSERT_FALSE(early.sink.faults.empty());
    EXPECT_EQ(early.sink.faults.front().block, 8 + 39);  // installed at start: inside ubiformat
  }
  Example e("ubi-volume-update-powercut.json", /*install=*/false);
  const Geometry& g = e.g();
  for (uint32_t b = 8; b < 68; ++b) ASSERT_TRUE(e.Program(e.Page(b, 0), 0x00).ok());
  ASSERT_TRUE(e.Install().ok());
  // The update: per PEB a VID header page, then the data in 16 KiB
  // requests. Pages programmed since the install: PEB 20 its VID header and
  // 7 requests (1-29), PEB 21 one (30-34), PEB 22 its VID header (35), a
  // 12 KiB request (36-38), then a request of pages 5-8 whose 2nd page is
  // the 40th.
  auto write = [&](uint32_t peb, uint32_t page, uint32_t pages) {
    return e.d->Write({.addr = e.Page(peb, page) * g.page_size}, Bytes(pages * g.page_size, 0x5A),
                      {});
  };
  for (const auto& [peb, requests] : {std::pair{20u, 7u}, std::pair{21u, 1u}}) {
    ASSERT_TRUE(e.Program(e.Page(peb, 1), 0x00).ok());
    for (uint32_t r = 0; r < requests; ++r) ASSERT_TRUE(write(peb, 2 + 4 * r, 4).ok());
  }
  ASSERT_TRUE(e.Program(e.Page(22, 1), 0x00).ok());
  ASSERT_TRUE(write(22, 2, 3).ok());
  EXPECT_TRUE(e.sink.faults.empty());
  EXPECT_EQ(write(22, 5, 4).code(), absl::StatusCode::kUnavailable);
  ASSERT_EQ(e.Fires("cut-mid-update"), 1u);
  auto cut = std::find_if(e.sink.faults.begin(), e.sink.faults.end(),
                          [](const RecordingSink::Fault& f) { return f.effect == "torn_program"; });
  ASSERT_NE(cut, e.sink.faults.end());
  EXPECT_EQ(cut->block, 22);
  EXPECT_EQ(cut->page, 6);
  e.d->PowerOn();
  EXPECT_THAT(e.Raw(e.Page(22, 5)).data, ::testing::Not(Each(0xFF)));  // before the cut
  for (uint32_t p : {7u, 8u}) EXPECT_THAT(e.Raw(e.Page(22, p)).data, Each(0xFF)) << p;
  std::set<std::vector<uint8_t>> seen;
  for (int i = 0; i < 6; ++i) seen.insert(e.Read(e.Page(22, 6)).data);
  EXPECT_GT(seen.size(), 1u);  // unstable
}

// "a few blocks of the lot lose charge early and one develops a stuck bit"
// (12 shipped bad; a cell of rootfs block 300's OOB bytes 2-7 stuck at 0).
TEST(ExampleScripts, WeakBlockBatch) {
  Example e("weak-block-batch.json");
  EXPECT_EQ(e.BadBlocks().size(), 12u);
  // rootfs starts at 8 MiB: block 64 of 128 KiB blocks.
  const std::vector<uint8_t> raw = e.Raw(e.Page(64 + 300, 0)).data;
  int stuck = 0;
  for (size_t i = 2050; i <= 2055; ++i) stuck += (raw[i] & 1) == 0;
  EXPECT_EQ(stuck, 1);
  EXPECT_EQ(raw[2048 + 1], 0xFF);
}

// "past 2000 erases, a block's program and erase fail now and then."
TEST(ExampleScripts, WearOut) {
  Example e("wear_out.json");
  auto failures = [&](uint32_t block) {
    int n = 0;
    for (int i = 0; i < 400; ++i) {
      n += !e.Erase(block).ok();
      n += !e.Program(e.Page(block, 0), 0x00).ok();
    }
    return n;
  };
  e.Wear(10, 1500);
  EXPECT_EQ(failures(10), 0);  // still young after 400 more erases
  e.Wear(11, 3000);
  EXPECT_GT(failures(11), 0);
}

}  // namespace
}  // namespace flashfault
