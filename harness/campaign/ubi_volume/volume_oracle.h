// The UBI volume oracle: what each LEB may hold after a reattach, from the
// ops a volume workload ran and what each returned, and the check of a
// volume read back against it.
//
// UBI's promises, from its documentation (ubi-user.h, the kapi comments):
// every write reaches the flash before the call returns (no cache), so
//   change  returned 0: the new data, exactly (the rest of the LEB erased);
//           failed or cut: the old data or the new, never a mix (the copy
//           carries a data CRC, and the attach keeps the newer good copy);
//   erase   returned 0: empty (UBI waited for the erase); failed: old or empty;
//   unmap   old or empty, either way: UBI keeps the unmap in RAM only, and a
//           reattach before the erase finds the old PEB mapped again;
//   map     returned 0: empty (a newer VID header); failed: old or empty.
// A fresh volume's LEBs are empty (read as 0xFF). A power cut needs no
// special case: the op it interrupted failed, the ops after it failed, and
// the ops before it returned with their data on flash.
// Must not: run ops, attach or detach; the caller decides what is excused.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/campaign/ubi_volume/volume_workload.h"

namespace flashfault::ubi_volume {

// One thing a LEB may hold: `length` bytes of stream `seed`, then 0xFF
// (length 0: empty).
struct LebContent {
  uint64_t length = 0, seed = 0;
  bool operator==(const LebContent&) const = default;
};

// For LEB 0..kMaxLnum, every content the oracle accepts.
struct ExpectedVolume {
  std::vector<std::vector<LebContent>> lebs;
};

// `results[i]` is op i's outcome (0 or an errno); an op with no result (the
// run stopped) counts as failed.
ExpectedVolume ExpectAfter(const VolumeWorkload& w, const std::vector<int>& results);

struct LebViolation {
  uint32_t lnum = 0;
  std::string rule;   // "ubi-leb" (wrong contents) or "ubi-read" (does not read back)
  std::string words;  // "LEB 3 holds none of: 4096 bytes of seed 7; empty (first difference at byte 12)"
};

// Compares one LEB's bytes (the whole usable LEB) with what it may hold.
// Empty when one of the accepted contents matches.
std::string CompareLeb(uint32_t lnum, const std::vector<LebContent>& accepted,
                       const std::vector<uint8_t>& bytes);

// Reads LEBs 0..kMaxLnum of `device` (`leb_size` usable bytes each) and
// checks them. An error only when the device cannot be opened; a LEB that
// cannot be read is a violation ("read of LEB 3 failed: ...").
absl::StatusOr<std::vector<LebViolation>> CheckVolume(const ExpectedVolume& expected,
                                                      const std::string& device, uint64_t leb_size);

}  // namespace flashfault::ubi_volume
