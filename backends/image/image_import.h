// Converting a nanddump or raw data stream into the image layout (every
// page: data then OOB), reading the input strictly in order until EOF.
//
// Reading in order is what makes pipes work (`<(zcat dump.gz)`,
// /dev/stdin): their fstat size is 0, so the size is whatever arrives. The
// checks happen as the bytes arrive: more than the device holds, a nanddump
// ending inside a page, and an empty input are all errors (InvalidArgument
// naming the input and the offset), never an image that is silently erased.
//
// Must not: open, create or rename files (flash_image.cc does, through
// WriteFileAtomically), or buffer more than one eraseblock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/model/geometry.h"

namespace flashfault {

enum class ImageFormat {
  kNanddump,  // every page: page_size data bytes, then oob_size OOB bytes
  kRaw,       // in-band data only; OOB reads back erased
};

// Reads up to `len` bytes into `buf`; 0 means end of input.
using ImportReader = std::function<absl::StatusOr<size_t>(uint8_t* buf, size_t len)>;
// Takes the next `len` bytes of the image.
using ImportWriter = std::function<absl::Status(const uint8_t* data, size_t len)>;

// Writes exactly geometry.block_count eraseblocks of image to `write`: the
// input's pages first, the rest erased (0xFF). `in_name` names the input in
// errors. Raw data whose last page is partial (mkfs.jffs2 without --pad
// writes such files) is padded with 0xFF, and `notice`, when given, says
// so: the caller must tell the user, never pad silently.
// REQUIRES: ValidateGeometry(geometry) is OK.
absl::Status ConvertToImage(const ImportReader& read, absl::string_view in_name,
                            ImageFormat format, const Geometry& geometry,
                            const ImportWriter& write, std::string* notice = nullptr);

}  // namespace flashfault
