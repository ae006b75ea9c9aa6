// The decoded device map of an image a results directory holds (the initial
// image `flashfault run` imported for a scenario): which PEB holds which UBI
// volume and LEB, the UBIFS areas, JFFS2 nodes -- what `flashfault image
// info --decode` prints, through the same decoders (decoders/image_map.h).
// Must not: change the image (it is opened read through the model and
// never written) or decode anything but the named file.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "backends/model/nand_model.h"
#include "decoders/image_map.h"

namespace flashfault::report {

// Opens IMAGE (with IMAGE.meta.json beside it) and maps it; errors name the
// file (InvalidArgument / NotFound for a broken or missing image).
absl::StatusOr<decoders::ImageMap> DecodeImageFile(const std::string& image);
// The same for a model already open (`flashfault image info --decode`).
absl::StatusOr<decoders::ImageMap> DecodeModel(NandModel& model);

}  // namespace flashfault::report
