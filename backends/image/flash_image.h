// Flash images on disk: IMAGE (pages as data then OOB, the nanddump layout)
// and IMAGE.meta.json beside it (geometry, erase counts, bad block table).
//
// Opening checks the pair against each other and refuses a truncated image,
// a metadata file that does not parse, or a geometry that does not match,
// with the file and the field in the message. Import and export convert
// from and to nanddump files (data and OOB interleaved page by page, as
// `nanddump --oob` writes and `nandwrite --oob` reads) and raw data images
// (as ubinize, mkfs.ubifs and mkfs.jffs2 write). Every output is written
// through a temporary file and a rename: never half a file.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/image/image_import.h"
#include "backends/model/nand_model.h"

namespace flashfault {


absl::StatusOr<ImageFormat> ParseImageFormat(absl::string_view name);

std::string MetaPathFor(const std::string& image_path);

// Creates an erased image and its metadata for `geometry`.
absl::Status CreateImage(const std::string& path, const Geometry& geometry);

// Opens an image as a model whose Sync() also persists the metadata.
absl::StatusOr<std::unique_ptr<NandModel>> OpenImage(const std::string& path,
                                                     RuleMode rules = RuleMode::kStrict);

// Reads just the metadata (for `image info`).
struct ImageInfo {
  Geometry geometry;
  std::vector<BlockMeta> blocks;
};
absl::StatusOr<ImageInfo> ReadImageInfo(const std::string& path);

// Sets the erase counts of blocks first..last of an image (a part that
// starts worn), in order, later settings over earlier ones; rewrites only
// the metadata, atomically. Errors name the setting and the block range.
struct WearSetting {
  uint64_t first = 0, last = 0;
  uint64_t erases = 0;
};
absl::Status SetImageWear(const std::string& path, std::span<const WearSetting> wear);
// The command-line form of a setting, "FIRST-LAST=ERASES" or "BLOCK=ERASES"
// (`flashfault image wear`), and back.
std::string WearArg(const WearSetting& w);
absl::StatusOr<WearSetting> ParseWearArg(absl::string_view text);
// Parses the text of a metadata file (no I/O, for the fuzzer); errors start
// with "FILE: " and name the JSON path.
absl::StatusOr<ImageInfo> ParseImageMeta(absl::string_view text, const std::string& meta_path);

// Builds a new image at `out` from `in` in the given format. The input is
// read in order until EOF, so it may be a pipe; it may be shorter than the
// device (the rest stays erased), never longer, never empty; a nanddump
// input must hold whole pages with their OOB. `out` must not be `in` (or
// its metadata) nor a directory. Raw data ending inside a page is padded
// with 0xFF and `notice` says so (ConvertToImage).
absl::Status ImportImage(const std::string& in, ImageFormat format, const Geometry& geometry,
                         const std::string& out, std::string* notice = nullptr);

// Reads `in` to EOF as ImportImage would and reports what it would refuse
// (longer than the device, a partial page in a nanddump, empty), writing
// nothing: for checking a scenario's image before anything runs.
absl::Status CheckImportable(const std::string& in, ImageFormat format, const Geometry& geometry);

// Writes the whole device of `model` to `out` in the given format.
absl::Status ExportImage(NandModel& model, ImageFormat format, const std::string& out);

}  // namespace flashfault
