// Writing a part onto a real MTD; see mtd_writer.h.
#include "harness/campaign/explore/mtd_writer.h"

#include <fcntl.h>
#include <mtd/mtd-user.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace flashfault::campaign {
namespace {

bool Erased(const std::vector<uint8_t>& bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0xFF; });
}

}  // namespace

absl::StatusOr<std::unique_ptr<MtdWriter>> MtdWriter::Open(int index, const Geometry& g) {
  const std::string path = absl::StrCat("/dev/mtd", index);
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  mtd_info_user info{};
  if (::ioctl(fd, MEMGETINFO, &info) != 0) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": MEMGETINFO: ", std::strerror(errno)));
  }
  if (uint64_t{info.size} != g.total_size() || info.erasesize != g.block_size() ||
      info.writesize != g.page_size || info.oobsize != g.oob_size) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(
        path, " is ", info.size, " bytes in ", info.erasesize, "-byte blocks of ", info.writesize,
        "+", info.oobsize, "-byte pages; the part is ", g.total_size(), " bytes in ",
        g.block_size(), "-byte blocks of ", g.page_size, "+", g.oob_size, "-byte pages"));
  }
  return std::unique_ptr<MtdWriter>(new MtdWriter(fd, path));
}

MtdWriter::~MtdWriter() { ::close(fd_); }

absl::Status MtdWriter::WritePart(NandModel& part) {
  const Geometry& g = part.geometry();
  std::vector<uint8_t> data(g.page_size), oob(part.OobPerPage(OobMode::kAuto));
  for (uint32_t b = 0; b < g.block_count; ++b) {
    const uint64_t base = uint64_t{b} * g.block_size();
    loff_t at = static_cast<loff_t>(base);
    if (part.BlockIsBad(b)) {
      if (::ioctl(fd_, MEMSETBADBLOCK, &at) != 0) {
        return absl::InternalError(absl::StrCat(path_, ": marking block ", b, " bad: ", std::strerror(errno)));
      }
      continue;
    }
    if (::ioctl(fd_, MEMGETBADBLOCK, &at) > 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(path_, ": block ", b, " is bad there but good in the part"));
    }
    erase_info_user erase{static_cast<uint32_t>(base), static_cast<uint32_t>(g.block_size())};
    if (::ioctl(fd_, MEMERASE, &erase) != 0) {
      return absl::InternalError(absl::StrCat(path_, ": erasing block ", b, ": ", std::strerror(errno)));
    }
    for (uint32_t p = 0; p < g.pages_per_block; ++p) {
      const uint64_t addr = base + uint64_t{p} * g.page_size;
      absl::StatusOr<ReadReport> r = part.Read({.addr = addr, .mode = OobMode::kAuto}, data, oob);
      if (!r.ok()) return r.status();
      if (Erased(data) && Erased(oob)) continue;
      mtd_write_req req{};
      req.start = addr;
      req.len = data.size();
      req.ooblen = oob.size();
      req.usr_data = reinterpret_cast<uintptr_t>(data.data());
      req.usr_oob = reinterpret_cast<uintptr_t>(oob.data());
      req.mode = MTD_OPS_AUTO_OOB;
      if (::ioctl(fd_, MEMWRITE, &req) != 0) {
        return absl::InternalError(
            absl::StrCat(path_, ": writing page at ", addr, ": ", std::strerror(errno)));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace flashfault::campaign
