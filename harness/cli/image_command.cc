// `flashfault image create|info|import|export`: images and their metadata.
#include <cstdio>
#include <string>
#include <vector>

#include "backends/image/flash_image.h"
#include "backends/model/geometry_json.h"
#include "common/input_file.h"
#include "decoders/image_map.h"
#include "harness/cli/arg_parser.h"
#include "harness/cli/command.h"
#include "harness/report/device_map.h"

namespace flashfault::cli {
namespace {

int Fail(const char* sub, const absl::Status& s) {
  std::fprintf(stderr, "flashfault image %s: %s\n", sub, std::string(s.message()).c_str());
  // Bad input (a missing, malformed or mismatched file) is the user's to fix.
  const bool input = s.code() == absl::StatusCode::kInvalidArgument ||
                     s.code() == absl::StatusCode::kNotFound ||
                     s.code() == absl::StatusCode::kOutOfRange;
  return input ? kExitUsage : kExitFailure;
}

int Create(std::span<char* const> args) {
  std::string preset, geometry_file;
  std::vector<std::string> out;
  ArgParser p("flashfault image create (--preset NAME | --geometry FILE) IMAGE",
              "Create an erased image and its metadata file (IMAGE.meta.json).",
              "  flashfault image create --preset slc-2k-128m nand.img");
  p.AddString("preset", "NAME", "a built-in geometry (see `geometry list`)", &preset);
  p.AddString("geometry", "FILE", "a geometry JSON file", &geometry_file);
  p.SetPositional("IMAGE", 1, 1, &out);
  if (int rc = HandleParseResult(p, p.Parse(args), "image create"); rc >= 0) return rc;
  absl::StatusOr<Geometry> g = ResolveGeometry(preset, geometry_file);
  if (!g.ok()) return Fail("create", g.status());
  if (absl::Status s = CreateImage(out[0], *g); !s.ok()) return Fail("create", s);
  std::printf("created %s (%s, %llu bytes with OOB)\n", out[0].c_str(), g->name.c_str(),
              static_cast<unsigned long long>(g->total_pages() * (g->page_size + g->oob_size)));
  return kExitOk;
}

int Wear(std::span<char* const> args) {
  std::vector<std::string> pos;
  ArgParser p("flashfault image wear IMAGE BLOCKS=ERASES...",
              "Set the erase counts of an image's blocks: a part that starts worn. BLOCKS is a "
              "block or FIRST-LAST; later settings override earlier ones. Only IMAGE.meta.json "
              "is rewritten (atomically). The fault layer's wear (wear_out, grown_bad and "
              "retention thresholds) counts from these; UBI's own erase counters live in its EC "
              "headers and are not touched.",
              "  flashfault image wear nand.img 0-1023=2900 0-99=3050");
  p.SetPositional("IMAGE BLOCKS=ERASES...", 2, 4096, &pos);
  if (int rc = HandleParseResult(p, p.Parse(args), "image wear"); rc >= 0) return rc;
  std::vector<WearSetting> wear;
  for (size_t i = 1; i < pos.size(); ++i) {
    absl::StatusOr<WearSetting> w = ParseWearArg(pos[i]);
    if (!w.ok()) return Fail("wear", w.status());
    wear.push_back(*w);
  }
  if (absl::Status s = SetImageWear(pos[0], wear); !s.ok()) return Fail("wear", s);
  std::printf("%s: %zu wear setting(s) applied\n", pos[0].c_str(), wear.size());
  return kExitOk;
}

int Info(std::span<char* const> args) {
  bool json = false, decode = false;
  std::vector<std::string> in;
  ArgParser p("flashfault image info [--json] [--decode] IMAGE",
              "Print an image's geometry, bad blocks and wear; with --decode also what the\n"
              "flash holds: UBI volumes and which PEB holds which LEB, UBIFS areas, node\n"
              "counts and inode numbers, or JFFS2 nodes.",
              "  flashfault image info nand.img\n  flashfault image info --json nand.img | jq .\n"
              "  flashfault image info --decode nand.img");
  p.AddBool("json", "print JSON", &json);
  p.AddBool("decode", "decode the on-flash UBI, UBIFS or JFFS2 structures", &decode);
  p.SetPositional("IMAGE", 1, 1, &in);
  if (int rc = HandleParseResult(p, p.Parse(args), "image info"); rc >= 0) return rc;
  absl::StatusOr<ImageInfo> info = ReadImageInfo(in[0]);
  if (!info.ok()) return Fail("info", info.status());
  // Opening checks the image against its metadata (size, geometry).
  absl::StatusOr<std::unique_ptr<NandModel>> model = OpenImage(in[0]);
  if (!model.ok()) return Fail("info", model.status());
  uint64_t total = 0, max = 0;
  std::vector<uint32_t> bad;
  for (uint32_t b = 0; b < info->blocks.size(); ++b) {
    total += info->blocks[b].erases;
    max = std::max(max, info->blocks[b].erases);
    if ((*model)->IsBad(uint64_t{b} * info->geometry.block_size()).value_or(false)) bad.push_back(b);
  }
  const Geometry& g = info->geometry;
  std::optional<decoders::ImageMap> decoded;
  if (decode) {
    absl::StatusOr<decoders::ImageMap> m = report::DecodeModel(**model);
    if (!m.ok()) return Fail("info", m.status());
    decoded = std::move(*m);
  }
  if (json) {
    nlohmann::ordered_json j = {{"image", in[0]},
                                {"geometry", GeometryToJson(g)},
                                {"bad_blocks", bad},
                                {"erases_total", total},
                                {"erases_max", max}};
    if (decoded) j["decoded"] = decoders::ImageMapToJson(*decoded);
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  std::printf("image:      %s\n", in[0].c_str());
  std::printf("geometry:   %s (%s, %u+%u bytes, %u pages/block, %u blocks, %llu MiB)\n",
              g.name.c_str(), CellTypeName(g.cell), g.page_size, g.oob_size, g.pages_per_block,
              g.block_count, static_cast<unsigned long long>(g.total_size() >> 20));
  std::printf("ecc:        %u bits per %u bytes\n", g.ecc_strength, g.ecc_step);
  std::printf("bad blocks: %zu", bad.size());
  for (uint32_t b : bad) std::printf(" %u", b);
  std::printf("\nerases:     %llu in all, %llu at most on one block\n",
              static_cast<unsigned long long>(total), static_cast<unsigned long long>(max));
  if (decoded) std::fputs(decoders::ImageMapToText(*decoded).c_str(), stdout);
  return kExitOk;
}

int Import(std::span<char* const> args) {
  std::string preset, geometry_file, format = "nanddump";
  std::vector<std::string> files;
  ArgParser p("flashfault image import (--preset NAME | --geometry FILE) [--format F] IN IMAGE",
              "Build an image from a nanddump (data+OOB per page, `nanddump --oob`) or a raw\n"
              "data file (ubinize, mkfs.ubifs, mkfs.jffs2 output). A shorter input leaves the\n"
              "rest of the device erased.",
              "  flashfault image import --preset slc-2k-128m dump.bin board.img\n"
              "  flashfault image import --preset slc-2k-128m --format raw ubi.img nand.img");
  p.AddString("preset", "NAME", "the part's geometry", &preset);
  p.AddString("geometry", "FILE", "a geometry JSON file", &geometry_file);
  p.AddString("format", "F", "nanddump (default) or raw", &format);
  p.SetPositional("IN IMAGE", 2, 2, &files);
  if (int rc = HandleParseResult(p, p.Parse(args), "image import"); rc >= 0) return rc;
  absl::StatusOr<ImageFormat> f = ParseImageFormat(format);
  if (!f.ok()) return Fail("import", f.status());
  absl::StatusOr<Geometry> g = ResolveGeometry(preset, geometry_file);
  if (!g.ok()) return Fail("import", g.status());
  std::string notice;
  if (absl::Status s = ImportImage(files[0], *f, *g, files[1], &notice); !s.ok()) {
    return Fail("import", s);
  }
  if (!notice.empty()) std::fprintf(stderr, "flashfault image import: note: %s\n", notice.c_str());
  std::printf("imported %s into %s (%s)\n", files[0].c_str(), files[1].c_str(), g->name.c_str());
  return kExitOk;
}

int Export(std::span<char* const> args) {
  std::string format = "nanddump";
  std::vector<std::string> files;
  ArgParser p("flashfault image export [--format F] IMAGE OUT",
              "Write the whole device as a nanddump file (data+OOB per page) or raw data.",
              "  flashfault image export nand.img dump.bin\n"
              "  flashfault image export --format raw nand.img data.bin");
  p.AddString("format", "F", "nanddump (default) or raw", &format);
  p.SetPositional("IMAGE OUT", 2, 2, &files);
  if (int rc = HandleParseResult(p, p.Parse(args), "image export"); rc >= 0) return rc;
  absl::StatusOr<ImageFormat> f = ParseImageFormat(format);
  if (!f.ok()) return Fail("export", f.status());
  // The output must be neither the image (mapped while we read it) nor its
  // metadata.
  for (const std::string& own : {files[0], MetaPathFor(files[0])}) {
    if (absl::Status s = CheckNotSameFile(own, files[1]); !s.ok()) return Fail("export", s);
  }
  if (absl::Status s = CheckOutputPath(files[1]); !s.ok()) return Fail("export", s);
  absl::StatusOr<std::unique_ptr<NandModel>> model = OpenImage(files[0]);
  if (!model.ok()) return Fail("export", model.status());
  if (absl::Status s = ExportImage(**model, *f, files[1]); !s.ok()) return Fail("export", s);
  std::printf("exported %s to %s\n", files[0].c_str(), files[1].c_str());
  return kExitOk;
}

void PrintUsage(std::FILE* out) {
  std::fputs(
      "usage: flashfault image create|info|import|export ...\n\n"
      "  create   an erased image for a geometry\n"
      "  info     geometry, bad blocks and wear of an image\n"
      "  import   an image from a nanddump or raw data file\n"
      "  export   an image to a nanddump or raw data file\n"
      "  wear     set the erase counts of blocks (a part that starts worn)\n\n"
      "Run 'flashfault image SUBCOMMAND --help' for options.\n",
      out);
}

}  // namespace

int RunImage(std::span<char* const> args) {
  if (args.size() < 2) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  const std::string_view sub = args[1];
  std::span<char* const> rest = args.subspan(1);
  if (sub == "create") return Create(rest);
  if (sub == "info") return Info(rest);
  if (sub == "import") return Import(rest);
  if (sub == "export") return Export(rest);
  if (sub == "wear") return Wear(rest);
  if (sub == "--help" || sub == "-h") {
    PrintUsage(stdout);
    return kExitOk;
  }
  std::fprintf(stderr, "flashfault image: unknown subcommand '%s'\n\n", args[1]);
  PrintUsage(stderr);
  return kExitUsage;
}

}  // namespace flashfault::cli
