// MtdWriter: puts a part's contents onto a real MTD (/dev/mtdN, mtdchar),
// for the explore bench's reference: the same crash state on nandsim, so
// the same checks can be timed on both (`flashfault explore --vs-nandsim`).
//
// Every block is erased, then each page the part holds is programmed with
// the data as the part reads it and the layout's free OOB bytes (AUTO mode:
// the MTD computes its own ECC); erased pages stay erased, bad blocks are
// marked. Cell deviations and unstable bits have no nandsim counterpart:
// the bench uses boundary states only.
// Must not: write an MTD whose sizes differ from the part's (refused).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "backends/model/nand_model.h"

namespace flashfault::campaign {

class MtdWriter {
 public:
  // Opens /dev/mtd`index` for writing. InvalidArgument when its size, erase
  // block, page or OOB size differ from `g`'s; NotFound when it cannot open.
  static absl::StatusOr<std::unique_ptr<MtdWriter>> Open(int index, const Geometry& g);
  ~MtdWriter();
  MtdWriter(const MtdWriter&) = delete;
  MtdWriter& operator=(const MtdWriter&) = delete;

  // Makes the MTD hold `part`'s state (see above).
  absl::Status WritePart(NandModel& part);

 private:
  MtdWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace flashfault::campaign
