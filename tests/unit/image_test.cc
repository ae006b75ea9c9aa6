// Images on disk: persistence across reopen, refusal of bad files, and
// byte-for-byte round trips of files made by Debian's real mtd-utils.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "backends/image/flash_image.h"
#include "backends/model/presets.h"

namespace flashfault {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class ImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ff-image-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  static std::vector<uint8_t> ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  static void WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                static_cast<std::streamsize>(bytes.size()));
  }
  // Runs an mtd-utils command line; skips nothing: the tools are a dependency.
  static void Run(const std::string& cmd) {
    const std::string line = "PATH=\"$PATH:/usr/sbin:/sbin\" " + cmd + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(line.c_str()), 0) << cmd;
  }

  // Imports `file` raw, exports it raw, and checks the export starts with the
  // file's bytes and is erased after them.
  void CheckRawRoundTrip(const std::string& file, const char* preset) {
    const Geometry g = *FindPreset(preset);
    ASSERT_TRUE(ImportImage(file, ImageFormat::kRaw, g, Path("dev.img")).ok());
    auto model = OpenImage(Path("dev.img"));
    ASSERT_TRUE(model.ok()) << model.status();
    ASSERT_TRUE(ExportImage(**model, ImageFormat::kRaw, Path("out.bin")).ok());
    const std::vector<uint8_t> in = ReadFile(file), out = ReadFile(Path("out.bin"));
    ASSERT_EQ(out.size(), g.total_size());
    ASSERT_GT(in.size(), 0u);
    EXPECT_TRUE(std::equal(in.begin(), in.end(), out.begin())) << file;
    EXPECT_TRUE(std::all_of(out.begin() + static_cast<long>(in.size()), out.end(),
                            [](uint8_t b) { return b == 0xFF; }));
    // The same bytes through the MTD view, as the kernel would read them.
    std::vector<uint8_t> via_mtd(in.size());
    ASSERT_TRUE((*model)->Read({.addr = 0}, via_mtd, {}).ok());
    EXPECT_EQ(via_mtd, in);
  }

  fs::path dir_;
};

TEST_F(ImageTest, WritesSurviveReopenAfterSync) {
  const Geometry g = *FindPreset("slc-2k-64m");
  ASSERT_TRUE(CreateImage(Path("a.img"), g).ok());
  {
    auto m = OpenImage(Path("a.img"));
    ASSERT_TRUE(m.ok()) << m.status();
    ASSERT_TRUE((*m)->Erase(g.block_size() * 2, g.block_size()).ok());
    ASSERT_TRUE((*m)->Write({.addr = g.block_size() * 2}, std::vector<uint8_t>(2048, 0x5A), {}).ok());
    ASSERT_TRUE((*m)->MarkBad(g.block_size() * 9).ok());
    ASSERT_TRUE((*m)->Sync().ok());
  }
  auto m = OpenImage(Path("a.img"));
  ASSERT_TRUE(m.ok()) << m.status();
  std::vector<uint8_t> page(2048);
  ASSERT_TRUE((*m)->Read({.addr = g.block_size() * 2}, page, {}).ok());
  EXPECT_EQ(page, std::vector<uint8_t>(2048, 0x5A));
  EXPECT_EQ((*m)->block_counters(2).erases, 1u);
  EXPECT_EQ((*m)->block_counters(9).erases, 1u);  // markbad erases first
  EXPECT_EQ((*m)->bad_block_table(), std::vector<uint32_t>{9});
}

TEST_F(ImageTest, RefusesTruncatedOrMismatchedImages) {
  const Geometry g = *FindPreset("slc-2k-64m");
  ASSERT_TRUE(CreateImage(Path("a.img"), g).ok());
  fs::resize_file(Path("a.img"), 4096);
  auto m = OpenImage(Path("a.img"));
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr("truncated"));
  EXPECT_THAT(m.status().message(), HasSubstr("a.img"));

  ASSERT_TRUE(CreateImage(Path("b.img"), g).ok());
  WriteFile(Path("b.img.meta.json"), {'{', '}'});
  m = OpenImage(Path("b.img"));
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr("b.img.meta.json: $.format"));

  m = OpenImage(Path("missing.img"));
  EXPECT_EQ(m.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ImageTest, NanddumpRoundTripKeepsDataAndOob) {
  const Geometry g = *FindPreset("slc-2k-64m");
  std::vector<uint8_t> dump((2048 + 64) * 64 * 3);
  std::mt19937 rng(7);
  for (auto& b : dump) b = static_cast<uint8_t>(rng());
  dump[2048] = 0xFF;  // block 0: good marker
  dump[2048 + 1] = 0xFF;
  WriteFile(Path("dump.bin"), dump);
  ASSERT_TRUE(ImportImage(Path("dump.bin"), ImageFormat::kNanddump, g, Path("d.img")).ok());
  auto m = OpenImage(Path("d.img"));
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(ExportImage(**m, ImageFormat::kNanddump, Path("back.bin")).ok());
  const std::vector<uint8_t> back = ReadFile(Path("back.bin"));
  ASSERT_EQ(back.size(), g.total_pages() * (2048 + 64));
  EXPECT_TRUE(std::equal(dump.begin(), dump.end(), back.begin()));
  // Random OOB bytes put non-0xFF markers on blocks 1 and 2: factory bad.
  EXPECT_FALSE(*(*m)->IsBad(0));
  EXPECT_EQ(*(*m)->IsBad(g.block_size()), dump[64 * 2112 + 2048] != 0xFF || dump[64 * 2112 + 2049] != 0xFF);
}

TEST_F(ImageTest, TruncatedNanddumpNamesTheOffset) {
  WriteFile(Path("short.bin"), std::vector<uint8_t>(2112 * 3 + 100, 0));
  absl::Status s = ImportImage(Path("short.bin"), ImageFormat::kNanddump,
                               *FindPreset("slc-2k-64m"), Path("x.img"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("truncated nanddump"));
  EXPECT_THAT(s.message(), HasSubstr("offset 6336"));
  EXPECT_FALSE(fs::exists(Path("x.img")));  // nothing half-written
}

TEST_F(ImageTest, RawDataEndingInsideAPageIsPaddedAndSaysSo) {
  const Geometry g = *FindPreset("slc-2k-64m");
  WriteFile(Path("part.bin"), std::vector<uint8_t>(2048 * 2 + 904, 0x00));
  std::string notice;
  ASSERT_TRUE(ImportImage(Path("part.bin"), ImageFormat::kRaw, g, Path("p.img"), &notice).ok());
  EXPECT_THAT(notice, HasSubstr("5000 bytes is not a whole number of 2048-byte pages"));
  EXPECT_THAT(notice, HasSubstr("from offset 4096) was padded with 0xFF"));
  auto m = OpenImage(Path("p.img"));
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(ExportImage(**m, ImageFormat::kRaw, Path("p.out")).ok());
  const std::vector<uint8_t> back = ReadFile(Path("p.out"));
  EXPECT_EQ(back[4999], 0x00);
  EXPECT_EQ(back[5000], 0xFF);  // the padding
  notice.clear();
  WriteFile(Path("whole.bin"), std::vector<uint8_t>(2048 * 3, 0x00));
  ASSERT_TRUE(ImportImage(Path("whole.bin"), ImageFormat::kRaw, g, Path("w.img"), &notice).ok());
  EXPECT_EQ(notice, "");
}

TEST_F(ImageTest, WearSettingsSetEraseCountsInOrderAndRefuseBadBlocks) {
  const Geometry g = *FindPreset("slc-2k-64m");
  ASSERT_TRUE(CreateImage(Path("w.img"), g).ok());
  const std::vector<WearSetting> wear = {*ParseWearArg("0-511=100"), *ParseWearArg("3=2900")};
  EXPECT_EQ(WearArg(wear[0]), "0-511=100");
  EXPECT_EQ(WearArg(wear[1]), "3=2900");
  ASSERT_TRUE(SetImageWear(Path("w.img"), wear).ok());
  absl::StatusOr<ImageInfo> info = ReadImageInfo(Path("w.img"));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->blocks[0].erases, 100u);
  EXPECT_EQ(info->blocks[3].erases, 2900u);  // the later setting wins
  auto m = OpenImage(Path("w.img"));          // the model counts from them
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->block_counters(3).erases, 2900u);
  const WearSetting past{.first = 500, .last = 512, .erases = 1};
  EXPECT_THAT(SetImageWear(Path("w.img"), {&past, 1}).message(),
              HasSubstr("blocks 500-512 are not in 0-511"));
  for (const char* bad : {"7", "a=1", "5-3=1", "1-=2", "=3"}) {
    EXPECT_FALSE(ParseWearArg(bad).ok()) << bad;
  }
}

TEST_F(ImageTest, UbinizeImageRoundTrips) {
  WriteFile(Path("vol.bin"), std::vector<uint8_t>(300000, 0x42));
  std::ofstream(Path("ubi.cfg")) << "[vol]\nmode=ubi\nimage=" << Path("vol.bin")
                                 << "\nvol_id=0\nvol_type=dynamic\nvol_name=data\n";
  Run("ubinize -o " + Path("ubi.img") + " -p 128KiB -m 2048 -s 512 " + Path("ubi.cfg"));
  CheckRawRoundTrip(Path("ubi.img"), "slc-2k-64m");
}

TEST_F(ImageTest, MkfsUbifsImageRoundTrips) {
  fs::create_directories(dir_ / "root" / "etc");
  std::ofstream(dir_ / "root" / "etc" / "hello") << "hello from flashfault\n";
  Run("mkfs.ubifs -r " + (dir_ / "root").string() + " -m 2048 -e 126976 -c 400 -o " +
      Path("fs.ubifs"));
  CheckRawRoundTrip(Path("fs.ubifs"), "slc-2k-64m");
}

TEST_F(ImageTest, MkfsJffs2ImagesRoundTripOnNandAndNor) {
  fs::create_directories(dir_ / "root");
  std::ofstream(dir_ / "root" / "file") << std::string(10000, 'j');
  Run("mkfs.jffs2 -n -e 128KiB -s 2048 -r " + (dir_ / "root").string() + " -o " + Path("nand.jffs2"));
  CheckRawRoundTrip(Path("nand.jffs2"), "slc-2k-64m");
  Run("mkfs.jffs2 -e 64KiB -r " + (dir_ / "root").string() + " -o " + Path("nor.jffs2"));
  CheckRawRoundTrip(Path("nor.jffs2"), "nor-64k-16m");
}

}  // namespace
}  // namespace flashfault
