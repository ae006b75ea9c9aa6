// Flash images on disk; see flash_image.h.
#include "backends/image/flash_image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/model/geometry_json.h"
#include "backends/store/file_store.h"
#include "common/atomic_file.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace flashfault {
namespace {

using nlohmann::json;
constexpr const char* kMetaFormat = "flashfault-image";
constexpr int kMetaVersion = 1;

uint64_t PageStride(const Geometry& g) { return uint64_t{g.page_size} + g.oob_size; }
uint64_t BlockBytes(const Geometry& g) { return PageStride(g) * g.pages_per_block; }

std::string MetaJson(const Geometry& g, const PageStore& store) {
  json erases = json::array();
  json bad = json::array();
  for (uint32_t b = 0; b < g.block_count; ++b) {
    erases.push_back(store.meta(b).erases);
    if (store.meta(b).bad) bad.push_back(b);
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

// Applies the metadata file to `info`; every error names the file and key.
absl::StatusOr<ImageInfo> ParseMeta(const std::string& meta_path) {
  std::ifstream in(meta_path);
  if (!in) return absl::NotFoundError(absl::StrCat(meta_path, ": cannot open image metadata"));
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return MetaError(meta_path, "not a JSON object");
  if (j.value("format", "") != kMetaFormat) {
    return MetaError(meta_path, absl::StrCat("$.format: expected \"", kMetaFormat, "\""));
  }
  if (!j.contains("version") || j["version"] != kMetaVersion) {
    return MetaError(meta_path, absl::StrCat("$.version: expected ", kMetaVersion));
  }
  if (!j.contains("geometry")) return MetaError(meta_path, "$.geometry: missing");
  absl::StatusOr<Geometry> g = GeometryFromJson(j["geometry"]);
  if (!g.ok()) return MetaError(meta_path, absl::StrCat("in $.geometry: ", g.status().message()));
  ImageInfo info{*g, std::vector<BlockMeta>(g->block_count)};
  const json& erases = j["erase_counts"];
  if (!erases.is_array() || erases.size() != g->block_count) {
    return MetaError(meta_path, absl::StrCat("$.erase_counts: expected an array of ",
                                             g->block_count, " counts"));
  }
  for (uint32_t b = 0; b < g->block_count; ++b) {
    if (!erases[b].is_number_unsigned()) {
      return MetaError(meta_path, absl::StrCat("$.erase_counts[", b, "]: expected a count"));
    }
    info.blocks[b].erases = erases[b].get<uint64_t>();
  }
  const json& bad = j["bad_blocks"];
  if (!bad.is_array()) return MetaError(meta_path, "$.bad_blocks: expected an array");
  for (size_t i = 0; i < bad.size(); ++i) {
    if (!bad[i].is_number_unsigned() || bad[i].get<uint64_t>() >= g->block_count) {
      return MetaError(meta_path, absl::StrCat("$.bad_blocks[", i, "]: expected a block below ",
                                               g->block_count));
    }
    info.blocks[bad[i].get<uint32_t>()].bad = true;
  }
  return info;
}

absl::Status WriteMeta(const std::string& image_path, const Geometry& g, const PageStore& store) {
  return WriteFileAtomically(MetaPathFor(image_path), MetaJson(g, store));
}

}  // namespace

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

absl::Status ImportImage(const std::string& in, ImageFormat format, const Geometry& geometry,
                         const std::string& out) {
  FF_RETURN_IF_ERROR(ValidateGeometry(geometry));
  const int fd = ::open(in.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat(in, ": cannot open: ", std::strerror(errno)));
  struct stat st;
  ::fstat(fd, &st);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const uint64_t in_page = format == ImageFormat::kNanddump ? PageStride(geometry) : geometry.page_size;
  const uint64_t capacity = in_page * geometry.total_pages();
  absl::Status s;
  if (size > capacity) {
    s = absl::InvalidArgumentError(absl::StrCat(in, ": ", size, " bytes do not fit the ",
                                                capacity, " bytes of ", geometry.name));
  } else if (format == ImageFormat::kNanddump && size % in_page != 0) {
    s = absl::InvalidArgumentError(absl::StrCat(
        in, ": truncated nanddump: ", size, " bytes is not a whole number of ", in_page,
        "-byte pages (", geometry.page_size, "+", geometry.oob_size, "); the last page starts at offset ",
        size / in_page * in_page));
  }
  if (!s.ok()) {
    ::close(fd);
    return s;
  }
  // Every page of the input becomes a page of the image; the rest stays erased.
  s = WriteFileAtomically(out, [&](int out_fd) -> absl::Status {
    const uint64_t stride = PageStride(geometry);
    const uint64_t in_block = in_page * geometry.pages_per_block;
    std::vector<uint8_t> input(in_block), block(BlockBytes(geometry));
    for (uint32_t b = 0; b < geometry.block_count; ++b) {
      std::memset(input.data(), 0xFF, input.size());
      const uint64_t at = b * in_block;
      const uint64_t want = at < size ? std::min<uint64_t>(in_block, size - at) : 0;
      for (uint64_t got = 0; got < want;) {
        const ssize_t n = ::pread(fd, input.data() + got, want - got, static_cast<off_t>(at + got));
        if (n <= 0) return absl::DataLossError(absl::StrCat(in, ": read failed at offset ", at + got));
        got += static_cast<uint64_t>(n);
      }
      if (in_page == stride) {
        FF_RETURN_IF_ERROR(WriteAll(out_fd, input.data(), input.size()));
        continue;
      }
      std::memset(block.data(), 0xFF, block.size());
      for (uint32_t p = 0; p < geometry.pages_per_block; ++p) {
        std::memcpy(block.data() + p * stride, input.data() + p * in_page, in_page);
      }
      FF_RETURN_IF_ERROR(WriteAll(out_fd, block.data(), block.size()));
    }
    return absl::OkStatus();
  });
  ::close(fd);
  FF_RETURN_IF_ERROR(s);
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

}  // namespace flashfault
