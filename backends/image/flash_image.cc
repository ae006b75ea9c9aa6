// Flash images on disk; see flash_image.h.
#include "backends/image/flash_image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "backends/model/geometry_json.h"
#include "backends/store/file_store.h"
#include "common/atomic_file.h"
#include "common/input_file.h"
#include "common/json_load.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace flashfault {
namespace {

using nlohmann::json;
constexpr const char* kMetaFormat = "flashfault-image";
constexpr int kMetaVersion = 1;

uint64_t PageStride(const Geometry& g) { return uint64_t{g.page_size} + g.oob_size; }
uint64_t BlockBytes(const Geometry& g) { return PageStride(g) * g.pages_per_block; }

template <typename BlockMetaOf>
std::string MetaJson(const Geometry& g, const BlockMetaOf& block_meta) {
  json erases = json::array();
  json bad = json::array();
  for (uint32_t b = 0; b < g.block_count; ++b) {
    erases.push_back(block_meta(b).erases);
    if (block_meta(b).bad) bad.push_back(b);
  }
  nlohmann::ordered_json meta = {{"format", kMetaFormat},
                                 {"version", kMetaVersion},
                                 {"layout", "nanddump: per page, data then OOB"},
                                 {"geometry", GeometryToJson(g)},
                                 {"bad_blocks", bad},
                                 {"erase_counts", erases}};
  return meta.dump(1) + "\n";
}

absl::Status MetaError(const std::string& meta_path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(meta_path, ": ", why));
}

// Reads one metadata document; every error names the file and JSON path.
absl::StatusOr<ImageInfo> MetaFromJson(const json& j, const std::string& meta_path) {
  if (!j.is_object()) return MetaError(meta_path, "$: expected a JSON object");
  // Checked by type before comparing: a number here once threw out of
  // j.value("format", "") and aborted `image info`.
  if (!j.contains("format") || !j["format"].is_string() ||
      j["format"].get_ref<const std::string&>() != kMetaFormat) {
    return MetaError(meta_path, absl::StrCat("$.format: expected \"", kMetaFormat, "\""));
  }
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"] != kMetaVersion) {
    return MetaError(meta_path, absl::StrCat("$.version: expected ", kMetaVersion));
  }
  if (!j.contains("geometry")) return MetaError(meta_path, "$.geometry: missing");
  absl::StatusOr<Geometry> g = GeometryFromJson(j["geometry"]);
  if (!g.ok()) {
    absl::string_view msg = g.status().message();
    if (msg.substr(0, 1) == "$") return MetaError(meta_path, absl::StrCat("$.geometry", msg.substr(1)));
    return MetaError(meta_path, absl::StrCat("$.geometry: ", msg));
  }
  ImageInfo info{*g, std::vector<BlockMeta>(g->block_count)};
  if (!j.contains("erase_counts") || !j["erase_counts"].is_array() ||
      j["erase_counts"].size() != g->block_count) {
    return MetaError(meta_path, absl::StrCat("$.erase_counts: expected an array of ",
                                             g->block_count, " counts"));
  }
  const json& erases = j["erase_counts"];
  for (uint32_t b = 0; b < g->block_count; ++b) {
    if (!erases[b].is_number_unsigned()) {
      return MetaError(meta_path, absl::StrCat("$.erase_counts[", b, "]: expected a count"));
    }
    info.blocks[b].erases = erases[b].get<uint64_t>();
  }
  if (!j.contains("bad_blocks") || !j["bad_blocks"].is_array()) {
    return MetaError(meta_path, "$.bad_blocks: expected an array");
  }
  const json& bad = j["bad_blocks"];
  for (size_t i = 0; i < bad.size(); ++i) {
    if (!bad[i].is_number_unsigned() || bad[i].get<uint64_t>() >= g->block_count) {
      return MetaError(meta_path, absl::StrCat("$.bad_blocks[", i, "]: expected a block below ",
                                               g->block_count));
    }
    info.blocks[bad[i].get<uint32_t>()].bad = true;
  }
  return info;
}

absl::StatusOr<ImageInfo> ParseMeta(const std::string& meta_path) {
  absl::StatusOr<std::string> text = ReadInputFile(meta_path);
  if (!text.ok()) {
    if (text.status().code() != absl::StatusCode::kNotFound) return text.status();
    return absl::NotFoundError(absl::StrCat(meta_path, ": cannot open image metadata"));
  }
  return ParseImageMeta(*text, meta_path);
}

absl::Status WriteMeta(const std::string& image_path, const Geometry& g, const PageStore& store) {
  return WriteFileAtomically(MetaPathFor(image_path),
                             MetaJson(g, [&](uint32_t b) { return store.meta(b); }));
}

}  // namespace

absl::StatusOr<ImageInfo> ParseImageMeta(absl::string_view text, const std::string& meta_path) {
  FF_ASSIGN_OR_RETURN(const json j, ParseJsonText(text, meta_path));
  return MetaFromJson(j, meta_path);
}

absl::StatusOr<ImageFormat> ParseImageFormat(absl::string_view name) {
  if (name == "nanddump") return ImageFormat::kNanddump;
  if (name == "raw") return ImageFormat::kRaw;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown image format '", name, "' (known: nanddump, raw)"));
}

std::string MetaPathFor(const std::string& image_path) { return image_path + ".meta.json"; }

absl::Status CreateImage(const std::string& path, const Geometry& geometry) {
  FF_RETURN_IF_ERROR(ValidateGeometry(geometry));
  FF_RETURN_IF_ERROR(CreateErasedImage(path, BlockBytes(geometry) * geometry.block_count));
  FF_ASSIGN_OR_RETURN(auto store, FileStore::Open(path, BlockBytes(geometry), geometry.block_count));
  absl::Status s = WriteMeta(path, geometry, *store);
  if (!s.ok()) ::unlink(path.c_str());
  return s;
}

absl::StatusOr<ImageInfo> ReadImageInfo(const std::string& path) {
  return ParseMeta(MetaPathFor(path));
}

absl::StatusOr<std::unique_ptr<NandModel>> OpenImage(const std::string& path, RuleMode rules) {
  FF_ASSIGN_OR_RETURN(ImageInfo info, ParseMeta(MetaPathFor(path)));
  FF_ASSIGN_OR_RETURN(std::unique_ptr<FileStore> store,
                      FileStore::Open(path, BlockBytes(info.geometry), info.geometry.block_count));
  for (uint32_t b = 0; b < info.geometry.block_count; ++b) store->mutable_meta(b) = info.blocks[b];
  FileStore* raw_store = store.get();
  const Geometry geometry = info.geometry;
  raw_store->set_sidecar_writer(
      [path, geometry, raw_store] { return WriteMeta(path, geometry, *raw_store); });
  return NandModel::Create(info.geometry, std::move(store), rules);
}

namespace {

// Opens `in` for reading in order and hands `use` a reader over it; a
// directory is refused. The descriptor is closed whatever `use` returns.
absl::Status WithInputReader(const std::string& in,
                             const std::function<absl::Status(const ImportReader&)>& use) {
  const int fd = ::open(in.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat(in, ": cannot open: ", std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(in, ": is a directory, expected a dump file"));
  }
  // Read in order until EOF, never by the fstat size: a pipe reports 0.
  const ImportReader reader = [fd, &in](uint8_t* buf, size_t len) -> absl::StatusOr<size_t> {
    for (;;) {
      const ssize_t n = ::read(fd, buf, len);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) {
        return absl::DataLossError(absl::StrCat(in, ": read failed: ", std::strerror(errno)));
      }
    }
  };
  absl::Status s = use(reader);
  ::close(fd);
  return s;
}

}  // namespace

absl::Status CheckImportable(const std::string& in, ImageFormat format, const Geometry& geometry) {
  FF_RETURN_IF_ERROR(ValidateGeometry(geometry));
  return WithInputReader(in, [&](const ImportReader& reader) {
    return ConvertToImage(reader, in, format, geometry,
                          [](const uint8_t*, size_t) { return absl::OkStatus(); });
  });
}

absl::Status ImportImage(const std::string& in, ImageFormat format, const Geometry& geometry,
                         const std::string& out, std::string* notice) {
  FF_RETURN_IF_ERROR(ValidateGeometry(geometry));
  FF_RETURN_IF_ERROR(CheckOutputPath(out));
  FF_RETURN_IF_ERROR(CheckNotSameFile(in, out));
  FF_RETURN_IF_ERROR(CheckNotSameFile(in, MetaPathFor(out)));
  absl::Status s = WithInputReader(in, [&](const ImportReader& reader) {
    return WriteFileAtomically(out, [&](int out_fd) -> absl::Status {
      return ConvertToImage(
          reader, in, format, geometry,
          [out_fd](const uint8_t* data, size_t len) { return WriteAll(out_fd, data, len); }, notice);
    });
  });
  if (!s.ok()) {
    // WriteFileAtomically puts "OUT: " in front; an input error is about IN.
    const std::string prefix = absl::StrCat(out, ": ", in, ": ");
    if (s.message().substr(0, prefix.size()) == prefix) {
      return absl::Status(s.code(), s.message().substr(out.size() + 2));
    }
    return s;
  }
  FF_ASSIGN_OR_RETURN(auto store, FileStore::Open(out, BlockBytes(geometry), geometry.block_count));
  s = WriteMeta(out, geometry, *store);
  if (!s.ok()) ::unlink(out.c_str());
  return s;
}

absl::Status ExportImage(NandModel& model, ImageFormat format, const std::string& out) {
  const Geometry& g = model.geometry();
  PageStore& store = model.store();
  const uint64_t stride = PageStride(g);
  return WriteFileAtomically(out, [&](int fd) -> absl::Status {
    for (uint32_t b = 0; b < g.block_count; ++b) {
      std::span<const uint8_t> block = store.Block(b);
      if (format == ImageFormat::kNanddump || g.oob_size == 0) {
        FF_RETURN_IF_ERROR(WriteAll(fd, block.data(), block.size()));
        continue;
      }
      for (uint32_t p = 0; p < g.pages_per_block; ++p) {
        FF_RETURN_IF_ERROR(WriteAll(fd, block.data() + p * stride, g.page_size));
      }
    }
    return absl::OkStatus();
  });
}

absl::Status SetImageWear(const std::string& path, std::span<const WearSetting> wear) {
  const std::string meta_path = MetaPathFor(path);
  FF_ASSIGN_OR_RETURN(ImageInfo info, ParseMeta(meta_path));
  for (size_t i = 0; i < wear.size(); ++i) {
    const WearSetting& w = wear[i];
    if (w.first > w.last || w.last >= info.geometry.block_count) {
      return absl::InvalidArgumentError(absl::StrCat(
          "wear setting ", i + 1, ": blocks ", w.first, "-", w.last, " are not in 0-",
          info.geometry.block_count - 1, " (", info.geometry.name, ")"));
    }
    for (uint64_t b = w.first; b <= w.last; ++b) info.blocks[b].erases = w.erases;
  }
  return WriteFileAtomically(meta_path,
                             MetaJson(info.geometry, [&](uint32_t b) { return info.blocks[b]; }));
}

std::string WearArg(const WearSetting& w) {
  return w.first == w.last ? absl::StrCat(w.first, "=", w.erases)
                           : absl::StrCat(w.first, "-", w.last, "=", w.erases);
}

absl::StatusOr<WearSetting> ParseWearArg(absl::string_view text) {
  auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", text, "': expected BLOCK=ERASES or FIRST-LAST=ERASES (for example 0-99=2900)"));
  };
  const size_t eq = text.find('=');
  if (eq == absl::string_view::npos) return bad();
  const absl::string_view blocks = text.substr(0, eq);
  const size_t dash = blocks.find('-');
  WearSetting w;
  if (!absl::SimpleAtoi(blocks.substr(0, dash), &w.first) ||
      !absl::SimpleAtoi(text.substr(eq + 1), &w.erases)) {
    return bad();
  }
  w.last = w.first;
  if (dash != absl::string_view::npos && !absl::SimpleAtoi(blocks.substr(dash + 1), &w.last)) {
    return bad();
  }
  if (w.last < w.first) return bad();
  return w;
}

}  // namespace flashfault
