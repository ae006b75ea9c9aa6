// The decoders on images that Debian's tools make at test time: a known
// directory tree through mkfs.ubifs and ubinize (one dynamic UBIFS volume,
// one static volume) and through mkfs.jffs2 (both byte orders, with and
// without sumtool's summary), imported into flashfault images with the
// built `flashfault image import`, decoded with `image info --decode
// --json`, and compared with what the tools were asked to write. Then the
// same bytes with a CRC broken in a UBIFS node, a VID header and static
// data, and FlashMeaning fed the raw image page by page.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "decoders/flash_meaning.h"
#include "decoders/ubifs_nodes.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace flashfault::decoders {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr uint32_t kPage = 2048, kPeb = 128 * 1024, kLeb = kPeb - 2048;
constexpr size_t kBlob = 300000;

int Shell(const std::string& cmd, std::string* out = nullptr) {
  std::FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  if (out != nullptr) *out = text;
  return WEXITSTATUS(pclose(p));
}

void WriteFile(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Deterministic filler that does not compress away.
std::string Pseudo(size_t n, uint32_t seed) {
  std::string s(n, 0);
  for (char& c : s) {
    seed = seed * 1103515245 + 12345;
    c = static_cast<char>(seed >> 16);
  }
  return s;
}

class DecodersImageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (const char* tool : {"/usr/sbin/mkfs.ubifs", "/usr/sbin/ubinize", "/usr/sbin/mkfs.jffs2"}) {
      if (!fs::exists(tool)) GTEST_SKIP() << tool << " missing (Debian package mtd-utils)";
    }
  }

  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ff-decoders-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    // The tree: 6 entries below the root, 3 regular files holding
    // 1 + ceil(10000/4096) + 1 = 5 blocks of 4 KiB, and a symlink.
    const fs::path root = dir_ / "root";
    fs::create_directories(root / "dir" / "sub");
    WriteFile(root / "a.txt", "hello\n");
    WriteFile(root / "dir" / "b.bin", Pseudo(10000, 1));
    WriteFile(root / "dir" / "sub" / "c", "x\n");
    fs::create_symlink("a.txt", root / "link");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string P(const std::string& name) const { return (dir_ / name).string(); }

  // mkfs.ubifs + ubinize: vol 0 "rootfs" dynamic 8 MiB, vol 3 "blob" static.
  std::string MakeUbi() {
    std::string out;
    EXPECT_EQ(Shell(absl::StrCat("/usr/sbin/mkfs.ubifs -r ", P("root"), " -m 2048 -e ", kLeb,
                               " -c 100 -x none -o ", P("fs.ubifs")), &out), 0) << out;
    WriteFile(dir_ / "blob.bin", Pseudo(kBlob, 2));
    WriteFile(dir_ / "ubi.ini", absl::StrCat(
        "[rootfs]\nmode=ubi\nimage=", P("fs.ubifs"), "\nvol_id=0\nvol_type=dynamic\n"
        "vol_name=rootfs\nvol_size=8MiB\n[blob]\nmode=ubi\nimage=", P("blob.bin"),
        "\nvol_id=3\nvol_type=static\nvol_name=blob\n"));
    EXPECT_EQ(Shell(absl::StrCat("/usr/sbin/ubinize -o ", P("ubi.img"),
                               " -m 2048 -p 128KiB -s 512 ", P("ubi.ini")), &out), 0) << out;
    return P("ubi.img");
  }

  // `image import` of raw bytes, then `image info --decode --json`.
  json Decode(const std::string& raw) {
    const std::string img = P("nand.img");
    fs::remove(img);
    fs::remove(img + ".meta.json");
    std::string out;
    EXPECT_EQ(Shell(absl::StrCat(FF_FLASHFAULT_BIN, " image import --preset slc-2k-64m --format raw ",
                               raw, " ", img), &out), 0) << out;
    EXPECT_EQ(Shell(absl::StrCat(FF_FLASHFAULT_BIN, " image info --decode --json ", img), &out), 0)
        << out;
    json j = json::parse(out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << out;
    return j.is_discarded() ? json() : j["decoded"];
  }

  static const json* Volume(const json& d, uint32_t id) {
    for (const json& v : d["volumes"]) {
      if (v["vol_id"] == id) return &v;
    }
    return nullptr;
  }

  fs::path dir_;
};

TEST_F(DecodersImageTest, UbiVolumesLebsAndUbifsAsAskedFor) {
  const std::string ubi = MakeUbi();
  const json d = Decode(ubi);
  ASSERT_EQ(d["format"], "ubi");
  EXPECT_EQ(d["vid_hdr_offset"], 512);
  EXPECT_EQ(d["data_offset"], 2048);
  const json* root = Volume(d, 0);
  const json* blob = Volume(d, 3);
  ASSERT_TRUE(root && blob) << d.dump(1);
  EXPECT_EQ((*root)["name"], "rootfs");
  EXPECT_EQ((*root)["vol_type"], "dynamic");
  EXPECT_EQ((*root)["reserved_pebs"], (8u << 20) / kLeb + ((8u << 20) % kLeb != 0));
  const size_t fs_lebs = (fs::file_size(P("fs.ubifs")) + kLeb - 1) / kLeb;
  EXPECT_EQ((*root)["lebs"].size(), fs_lebs);
  EXPECT_EQ((*blob)["name"], "blob");
  EXPECT_EQ((*blob)["vol_type"], "static");
  EXPECT_EQ((*blob)["reserved_pebs"], (kBlob + kLeb - 1) / kLeb);
  EXPECT_EQ((*blob)["lebs"].size(), (kBlob + kLeb - 1) / kLeb);
  EXPECT_EQ((*blob)["data_crc_bad"], 0);
  const json* layout = Volume(d, kUbiLayoutVolumeId);
  ASSERT_TRUE(layout);
  EXPECT_EQ((*layout)["lebs"].size(), 2u);
  EXPECT_EQ(d["peb_counts"]["mapped"], fs_lebs + 3 + 2);
  EXPECT_EQ(d["peb_counts"]["corrupt"], 0);
  // UBIFS: what mkfs.ubifs was asked for, and the tree's nodes.
  const json& u = (*root)["ubifs"];
  ASSERT_TRUE(u.is_object()) << root->dump(1);
  EXPECT_EQ(u["leb_size"], kLeb);
  EXPECT_EQ(u["max_leb_cnt"], 100);
  EXPECT_EQ(u["min_io_size"], kPage);
  EXPECT_EQ(u["areas"]["superblock"]["first_leb"], 0);
  EXPECT_EQ(u["areas"]["master"]["first_leb"], 1);
  EXPECT_EQ(u["areas"]["master"]["lebs"], 2);
  EXPECT_EQ(u["areas"]["log"]["first_leb"], 3);
  uint64_t area_lebs = 0;
  for (const auto& [name, a] : u["areas"].items()) area_lebs += a["lebs"].get<uint64_t>();
  EXPECT_EQ(area_lebs, u["leb_cnt"].get<uint64_t>());
  EXPECT_EQ(u["nodes"]["sb"], 1);
  EXPECT_EQ(u["nodes"]["mst"], 2);
  EXPECT_EQ(u["nodes"]["ino"], 7);
  EXPECT_EQ(u["nodes"]["dent"], 6);
  EXPECT_EQ(u["nodes"]["data"], 5);
  EXPECT_GE(u["nodes"]["idx"], 1);
  EXPECT_EQ(u["bad_crc"], 0);
  // mkfs.ubifs numbers the root 1 and the 6 others after UBIFS_FIRST_INO
  // (64), and the master node says so.
  EXPECT_EQ(u["inodes"], json({1, 65, 66, 67, 68, 69, 70}));
  EXPECT_EQ(u["master"]["highest_inum"], 70);
  // The master's LEB count sits at byte 164 of the 512-byte node and agrees
  // with the superblock's.
  EXPECT_EQ(u["master"]["leb_cnt"], u["leb_cnt"]);
}

// Byte offset in the raw UBI image of LEB `lnum` of `vol`, from the map.
size_t LebOffset(const json& d, uint32_t vol, uint32_t lnum) {
  for (const json& v : d["volumes"]) {
    if (v["vol_id"] != vol) continue;
    for (const json& l : v["lebs"]) {
      if (l["lnum"] == lnum) return l["peb"].get<size_t>() * kPeb;
    }
  }
  ADD_FAILURE() << "no LEB " << lnum << " of volume " << vol;
  return 0;
}

TEST_F(DecodersImageTest, BrokenCrcsAreCountedNotBelieved) {
  const std::string ubi = MakeUbi();
  const json d = Decode(ubi);
  std::string raw = ReadFile(ubi);
  // The first inode node of the main area's first LEB.
  const uint32_t main = d["volumes"][0]["ubifs"]["areas"]["main"]["first_leb"];
  const size_t leb = LebOffset(d, 0, main) + 2048;
  std::optional<uint32_t> ino;
  WalkUbifsNodes(Bytes(reinterpret_cast<const uint8_t*>(raw.data()) + leb, kLeb), 0,
                 [&](const UbifsNode& n) {
                   if (n.node_type == kUbifsIno) ino = n.offset;
                   return !ino;
                 });
  ASSERT_TRUE(ino) << "no inode node in LEB " << main;
  raw[leb + *ino + 48] ^= 0x01;                // inside it (creat_sqnum): its CRC fails
  raw[LebOffset(d, 3, 1) + 512 + 9] ^= 0x01;   // blob LEB 1's VID header
  raw[LebOffset(d, 3, 0) + 2048 + 100] ^= 0x01;  // blob LEB 0's data
  WriteFile(dir_ / "broken.img", raw);
  const json b = Decode(P("broken.img"));
  const json& u = (*Volume(b, 0))["ubifs"];
  EXPECT_EQ(u["bad_crc"], 1);
  EXPECT_EQ(u["nodes"]["ino"], 7);  // still counted, by its header
  EXPECT_EQ(u["inodes"].size(), 6u) << u["inodes"].dump();
  EXPECT_EQ(b["peb_counts"]["corrupt"], 1);
  EXPECT_EQ((*Volume(b, 3))["lebs"].size(), 2u);
  EXPECT_EQ((*Volume(b, 3))["data_crc_bad"], 1);
}

TEST_F(DecodersImageTest, FlashMeaningLearnsFromTheWriteStream) {
  const std::string raw = ReadFile(MakeUbi());
  const size_t pebs = raw.size() / kPeb;
  FlashMeaning fm({kPage, kPeb, kPage, static_cast<uint32_t>(pebs)});
  std::vector<PageMeaning> seen;
  for (size_t off = 0; off < raw.size(); off += kPage) {
    const Bytes page(reinterpret_cast<const uint8_t*>(raw.data()) + off, kPage);
    seen.push_back(fm.Observe(static_cast<uint32_t>(off / kPeb),
                              static_cast<uint32_t>(off % kPeb), page));
  }
  EXPECT_EQ(fm.vid_hdr_offset(), 512u);
  EXPECT_EQ(fm.data_offset(), 2048u);
  ASSERT_EQ(fm.volumes().size(), 2u);
  EXPECT_EQ(fm.volumes().at(0).name, "rootfs");
  EXPECT_EQ(fm.volumes().at(3).name, "blob");
  EXPECT_EQ(fm.volumes().at(3).vol_type, kUbiVolStatic);
  ASSERT_NE(fm.Superblock(0), nullptr);
  EXPECT_EQ(fm.Superblock(0)->leb_size, kLeb);
  std::map<PageKind, int> kinds;
  std::set<uint32_t> master_lebs;
  for (const PageMeaning& m : seen) {
    ++kinds[m.kind];
    if (m.kind == PageKind::kUbifs && (m.type_mask >> kUbifsMst & 1)) master_lebs.insert(m.leb.lnum);
  }
  const size_t mapped = (fs::file_size(P("fs.ubifs")) + kLeb - 1) / kLeb + 3 + 2;
  EXPECT_EQ(kinds[PageKind::kVidHeader], static_cast<int>(mapped));
  EXPECT_EQ(kinds[PageKind::kUnknown], 0);
  EXPECT_GT(kinds[PageKind::kLayoutVolume], 0);
  EXPECT_GT(kinds[PageKind::kUbiData], 0);  // the static blob
  EXPECT_EQ(master_lebs, std::set<uint32_t>({1, 2}));
  // Asked again without learning, backwards (as reads may come), every
  // page means what it meant when written.
  for (size_t i = seen.size(); i-- > 0;) {
    const size_t off = i * kPage;
    const Bytes page(reinterpret_cast<const uint8_t*>(raw.data()) + off, kPage);
    const PageMeaning m =
        fm.Classify(static_cast<uint32_t>(off / kPeb), static_cast<uint32_t>(off % kPeb), page);
    EXPECT_EQ(DescribePage(m), DescribePage(seen[i])) << "page " << i;
    // Every field, not just those a description shows (Observe answers
    // most pages by a shorter path than Classify's).
    EXPECT_TRUE(m == seen[i]) << "page " << i << ": " << DescribePage(m);
  }
}

TEST_F(DecodersImageTest, Jffs2NodesInodesBothOrdersAndSummary) {
  // A 7th entry of 200000 bytes: the image fills more than one eraseblock,
  // and sumtool writes summaries only for blocks it completes.
  constexpr size_t kBig = 200000;
  WriteFile(dir_ / "root" / "dir" / "big", Pseudo(kBig, 3));
  for (const char* order : {"-l", "-b"}) {
    std::string out;
    ASSERT_EQ(Shell(absl::StrCat("/usr/sbin/mkfs.jffs2 ", order, " -r ", P("root"),
                               " -e 128KiB -p -o ", P("fs.jffs2")), &out), 0) << out;
    std::vector<std::string> inputs = {P("fs.jffs2")};
    if (fs::exists("/usr/sbin/sumtool")) {
      ASSERT_EQ(Shell(absl::StrCat("/usr/sbin/sumtool ", order, " -e 128KiB -p -i ", P("fs.jffs2"),
                                 " -o ", P("sum.jffs2")), &out), 0) << out;
      inputs.push_back(P("sum.jffs2"));
    }
    for (const std::string& in : inputs) {
      SCOPED_TRACE(absl::StrCat(order, " ", in));
      const json d = Decode(in);
      ASSERT_EQ(d["format"], "jffs2") << d.dump(1);
      const json& j = d["jffs2"];
      // One dirent per entry; inode nodes: one per directory, link and
      // small file, one per 4 KiB page of the two larger files, and one
      // more where mkfs.jffs2 splits the page that would cross the single
      // eraseblock boundary (it falls inside the big file).
      EXPECT_EQ(j["nodes"]["dirent"], 7);
      EXPECT_EQ(j["blocks_with_nodes"], 2);
      EXPECT_EQ(j["nodes"]["inode"], 5 + (10000 + 4095) / 4096 + (kBig + 4095) / 4096 + 1);
      EXPECT_EQ(j["nodes"]["cleanmarker"], j["blocks_with_nodes"]);
      if (in == P("sum.jffs2")) {
        EXPECT_GE(j["nodes"]["summary"], 1);
      } else {
        EXPECT_EQ(j["nodes"]["summary"], 0);
      }
      EXPECT_EQ(j["bad_hdr_crc"], 0);
      EXPECT_EQ(j["bad_node_crc"], 0);
      EXPECT_EQ(j["bad_data_crc"], 0);
      EXPECT_EQ(j["inodes"], json({2, 3, 4, 5, 6, 7, 8}));
    }
  }
}

TEST_F(DecodersImageTest, HostileImagesDecodeWithoutCrashing) {
  // Truncated: the UBI image cut mid-PEB; garbage: pseudo-random bytes.
  std::string raw = ReadFile(MakeUbi());
  WriteFile(dir_ / "cut.img", raw.substr(0, kPeb * 3 + 777));
  EXPECT_EQ(Decode(P("cut.img"))["format"], "ubi");
  WriteFile(dir_ / "noise.img", Pseudo(kPeb * 4, 9));
  EXPECT_EQ(Decode(P("noise.img"))["format"], "unknown");
  // The text form names the volumes.
  std::string out;
  ASSERT_EQ(Shell(absl::StrCat(FF_FLASHFAULT_BIN, " image import --preset slc-2k-64m --format raw ",
                             P("ubi.img"), " ", P("t.img")), &out), 0) << out;
  ASSERT_EQ(Shell(absl::StrCat(FF_FLASHFAULT_BIN, " image info --decode ", P("t.img")), &out), 0);
  EXPECT_NE(out.find("volume 0 \"rootfs\" dynamic"), std::string::npos) << out;
  EXPECT_NE(out.find("volume 3 \"blob\" static"), std::string::npos) << out;
  EXPECT_NE(out.find("inodes: 1 65 66 67 68 69 70"), std::string::npos) << out;
  // Bad input keeps its exit code 2.
  EXPECT_EQ(Shell(absl::StrCat(FF_FLASHFAULT_BIN, " image info --decode ", P("missing.img")), &out), 2);
}

}  // namespace
}  // namespace flashfault::decoders
