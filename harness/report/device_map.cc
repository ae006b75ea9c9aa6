// Decoding an image file for the report; see device_map.h.
#include "harness/report/device_map.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/image/flash_image.h"
#include "common/status_macros.h"

namespace flashfault::report {

absl::StatusOr<decoders::ImageMap> DecodeModel(NandModel& model) {
  const Geometry& g = model.geometry();
  const decoders::FlashFacts facts{g.page_size, static_cast<uint32_t>(g.block_size()), g.page_size,
                                   g.block_count};
  std::vector<uint8_t> block(g.block_size());
  // Every good block read back through the model, ECC applied, as the kernel reads it.
  return decoders::DescribeImage(
      facts,
      [&](uint32_t peb) -> absl::StatusOr<decoders::Bytes> {
        absl::StatusOr<ReadReport> r = model.Read(FlashOp{.addr = peb * g.block_size()}, block, {});
        if (!r.ok()) return r.status();
        return decoders::Bytes(block);
      },
      [&](uint32_t peb) { return model.BlockIsBad(peb); });
}

absl::StatusOr<decoders::ImageMap> DecodeImageFile(const std::string& image) {
  absl::StatusOr<std::unique_ptr<NandModel>> opened = OpenImage(image);
  if (!opened.ok()) {
    return absl::Status(opened.status().code(), absl::StrCat(image, ": ", opened.status().message()));
  }
  return DecodeModel(**opened);
}

}  // namespace flashfault::report
