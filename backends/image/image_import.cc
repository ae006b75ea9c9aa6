// See image_import.h.
#include "backends/image/image_import.h"

#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace flashfault {
namespace {

// Fills `buf` from the reader; returns the bytes read (short only at EOF).
absl::StatusOr<size_t> ReadFull(const ImportReader& read, uint8_t* buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    FF_ASSIGN_OR_RETURN(const size_t n, read(buf + got, len - got));
    if (n == 0) break;
    if (n > len - got) return absl::InternalError("reader returned more than asked");
    got += n;
  }
  return got;
}

}  // namespace

absl::Status ConvertToImage(const ImportReader& read, absl::string_view in_name,
                            ImageFormat format, const Geometry& geometry,
                            const ImportWriter& write, std::string* notice) {
  const uint64_t stride = uint64_t{geometry.page_size} + geometry.oob_size;
  const uint64_t in_page = format == ImageFormat::kNanddump ? stride : geometry.page_size;
  const uint64_t capacity = in_page * geometry.total_pages();
  const uint64_t in_block = in_page * geometry.pages_per_block;
  std::vector<uint8_t> input(in_block), block(stride * geometry.pages_per_block);
  uint64_t total = 0;
  bool eof = false;
  for (uint32_t b = 0; b < geometry.block_count; ++b) {
    std::memset(input.data(), 0xFF, input.size());
    size_t got = 0;
    if (!eof) {
      FF_ASSIGN_OR_RETURN(got, ReadFull(read, input.data(), input.size()));
      eof = got < input.size();
      total += got;
    }
    if (eof && format == ImageFormat::kNanddump && total % in_page != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          in_name, ": truncated nanddump: ", total, " bytes is not a whole number of ", in_page,
          "-byte pages (", geometry.page_size, "+", geometry.oob_size,
          "); the last page starts at offset ", total / in_page * in_page));
    }
    if (eof && format == ImageFormat::kRaw && total % in_page != 0 && notice != nullptr &&
        notice->empty()) {
      *notice = absl::StrCat(in_name, ": ", total, " bytes is not a whole number of ", in_page,
                             "-byte pages: the last page (from offset ", total / in_page * in_page,
                             ") was padded with 0xFF");
    }
    if (eof && total == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          in_name, ": empty input, nothing to import (an erased image is `image create`)"));
    }
    if (in_page == stride) {
      FF_RETURN_IF_ERROR(write(input.data(), input.size()));
      continue;
    }
    std::memset(block.data(), 0xFF, block.size());
    for (uint32_t p = 0; p < geometry.pages_per_block; ++p) {
      std::memcpy(block.data() + p * stride, input.data() + p * in_page, in_page);
    }
    FF_RETURN_IF_ERROR(write(block.data(), block.size()));
  }
  if (!eof) {
    // The device is full; one more byte means the input does not fit.
    uint8_t extra = 0;
    FF_ASSIGN_OR_RETURN(const size_t n, ReadFull(read, &extra, 1));
    if (n != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          in_name, ": more than the ", capacity, " bytes of ", geometry.name,
          " (", format == ImageFormat::kNanddump ? "nanddump" : "raw", " format)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace flashfault
