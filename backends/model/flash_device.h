// FlashDevice: the MTD view of a flash part, the interface every layer above
// the model speaks (fault layer, MUSE server, tests).
//
// It mirrors the MTD operations a kernel driver gets (read/write with data
// and/or OOB in PLACE, AUTO or RAW mode, erase, isbad, markbad, sync) using
// absl::Status for errors. Errno values appear only at the kernel edge, via
// StatusToErrno() in the server. Implementations must not know who calls them.
#pragma once

#include <cstdint>
#include <span>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "backends/model/geometry.h"

namespace flashfault {

// How OOB bytes are addressed, and whether ECC applies (MTD_OPS_*).
enum class OobMode {
  kPlace,  // OOB offsets 0..oob_size-1 of each page; ECC corrects in-band data
  kAuto,   // only the layout's free bytes, packed: 0..oob_avail-1 per page
  kRaw,    // PLACE addressing, no ECC correction at all (cells as they are)
};

const char* OobModeName(OobMode mode);

// One MTD operation. `addr` is a byte address on the device. With OOB, the
// operation starts at the page containing `addr` and `ooboffs` inside its OOB
// area; `oob` then runs over the successive pages' OOB areas (oob_size bytes
// each in PLACE/RAW, oob_avail in AUTO). With data, `data` covers in-band
// bytes from `addr`. When both are given, both start at the page of `addr`.
struct FlashOp {
  uint64_t addr = 0;
  OobMode mode = OobMode::kPlace;
  uint32_t ooboffs = 0;
};

// What the ECC engine saw during a read. A read whose data came back but
// could not be corrected is not an error status: `uncorrectable` is set and
// the raw cells are in the buffer (the kernel then returns -EBADMSG).
struct ReadReport {
  uint32_t max_bitflips = 0;        // highest flips seen in one ECC step
  uint64_t corrected_bitflips = 0;  // flips corrected over the whole read
  uint32_t failed_steps = 0;        // ECC steps beyond the strength
  bool uncorrectable() const { return failed_steps > 0; }
  // True when the read crossed the geometry's bitflip threshold: the caller
  // should move the data elsewhere (-EUCLEAN).
  bool scrub = false;

  void Merge(const ReadReport& other);
};

// Error codes used across the layers (absl::StatusCode):
//   InvalidArgument   misaligned or malformed request, NAND rule violation in
//                     strict mode (programming a non-erased page, NOP exceeded,
//                     out-of-order MLC programming)
//   OutOfRange        address or length beyond the device
//   DataLoss          program or erase failure reported by the part (-EIO)
//   Unavailable       the part has no power (power cut)
//   FailedPrecondition operation not supported by this kind of part
class FlashDevice {
 public:
  virtual ~FlashDevice() = default;

  virtual const Geometry& geometry() const = 0;

  // Reads in-band `data` and/or OOB `oob` (either may be empty).
  virtual absl::StatusOr<ReadReport> Read(const FlashOp& op, std::span<uint8_t> data,
                                          std::span<uint8_t> oob) = 0;
  // Programs in-band `data` and/or OOB `oob` (either may be empty).
  virtual absl::Status Write(const FlashOp& op, std::span<const uint8_t> data,
                             std::span<const uint8_t> oob) = 0;
  // Erases [addr, addr+len); both must be eraseblock aligned.
  virtual absl::Status Erase(uint64_t addr, uint64_t len) = 0;
  // True if the eraseblock containing `addr` is bad (marker or table).
  virtual absl::StatusOr<bool> IsBad(uint64_t addr) = 0;
  // Marks the eraseblock containing `addr` bad.
  virtual absl::Status MarkBad(uint64_t addr) = 0;
  // Barrier: everything acknowledged before it is durable when it returns OK.
  virtual absl::Status Sync() = 0;
};

}  // namespace flashfault
