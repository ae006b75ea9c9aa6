// The device as it is programmed now, mapped by meaning: which PEB holds
// which UBI volume and LEB, where each UBIFS volume's areas are, node counts
// and inodes, or JFFS2's (decoders/image_map.h). For the live map of a
// running server (its control directory's `map` and `map.json`).
//
// Reads the stored cells of every good block directly (no ECC, no read
// counted, no fault or read disturb triggered: looking must not change
// what is looked at). Must not: write anything, or be called while an
// operation is in flight (the caller holds the server's request lock).
#pragma once

#include "absl/status/statusor.h"
#include "backends/model/nand_model.h"
#include "decoders/image_map.h"

namespace flashfault {

absl::StatusOr<decoders::ImageMap> MapStoredCells(NandModel& model);

}  // namespace flashfault
