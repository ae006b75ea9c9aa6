// The UBI volume workload's syscalls; see volume_executor.h.
#include "harness/campaign/ubi_volume/volume_executor.h"

#include <fcntl.h>
#include <mtd/ubi-user.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "harness/campaign/oracle/content.h"

namespace flashfault::ubi_volume {
namespace {

int Errno() { return errno != 0 ? errno : EIO; }

// ubi-user.h: dtype is ignored since 2012; "3" (unknown) suits every kernel.
constexpr int8_t kDtypeUnknown = 3;

// UBI_IOCEBCH, then the data in one write; 0 or an errno.
int Change(int fd, const VolumeOp& op) {
  ubi_leb_change_req req;
  std::memset(&req, 0, sizeof req);
  req.lnum = static_cast<int32_t>(op.lnum);
  req.bytes = static_cast<int32_t>(op.length);
  req.dtype = kDtypeUnknown;
  if (::ioctl(fd, UBI_IOCEBCH, &req) != 0) return Errno();
  if (op.length == 0) return 0;  // UBI changed the LEB in the ioctl itself
  std::vector<uint8_t> data(op.length);
  oracle::FillData(op.seed, 0, data.data(), data.size());
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? Errno() : EIO;
    done += static_cast<size_t>(n);
  }
  return 0;
}

// UBI's background thread erases, scrubs and wear-levels whenever it likes;
// left alone it would interleave with the next op's flash ops differently on
// every run, and a fault aimed at the Nth flash op would land elsewhere on a
// replay. UBI_IOCEBER of a LEB no workload maps unmaps nothing and then runs
// every pending work in this task (ubi_wl_flush), so the flash sees the same
// sequence each time (and KCOV, following this task, sees the work).
void FlushUbiWork(int fd) {
  int32_t never_mapped = kMaxLnum + 1;
  (void)::ioctl(fd, UBI_IOCEBER, &never_mapped);
}

int RunOp(int fd, const VolumeOp& op) {
  int32_t lnum = static_cast<int32_t>(op.lnum);
  int rc = 0;
  switch (op.kind) {
    case VolumeOpKind::kChange: return Change(fd, op);
    case VolumeOpKind::kErase: rc = ::ioctl(fd, UBI_IOCEBER, &lnum); break;
    case VolumeOpKind::kUnmap: rc = ::ioctl(fd, UBI_IOCEBUNMAP, &lnum); break;
    case VolumeOpKind::kMap: {
      ubi_map_req req;
      std::memset(&req, 0, sizeof req);
      req.lnum = lnum;
      req.dtype = kDtypeUnknown;
      rc = ::ioctl(fd, UBI_IOCEBMAP, &req);
      break;
    }
  }
  return rc == 0 ? 0 : Errno();
}

}  // namespace

size_t VolumeRun::failed() const {
  size_t n = 0;
  for (int r : results) n += r != 0 ? 1 : 0;
  return n;
}

absl::StatusOr<VolumeRun> ExecuteVolumeWorkload(const VolumeWorkload& w, const std::string& device) {
  int fd = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("open ", device, ": ", std::strerror(errno)));
  VolumeRun run;
  FlushUbiWork(fd);  // what the attach queued
  for (const VolumeOp& op : w.ops) {
    const int rc = RunOp(fd, op);
    run.results.push_back(rc);
    if (rc != 0 && op.kind == VolumeOpKind::kChange) {
      // A change that failed half-way leaves UBI waiting for the rest of
      // its data on this descriptor; closing it cancels the change.
      ::close(fd);
      fd = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
      if (fd < 0) {  // the volume went away under faults: the rest fail too
        while (run.results.size() < w.ops.size()) run.results.push_back(Errno());
        return run;
      }
    }
    FlushUbiWork(fd);
  }
  ::close(fd);
  return run;
}

absl::StatusOr<uint64_t> UsableLebSize(const std::string& volume_sysfs) {
  const std::string file = volume_sysfs + "/usable_eb_size";
  std::ifstream in(file);
  std::string text;
  uint64_t n = 0;
  if (!std::getline(in, text) || !absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &n) || n == 0) {
    return absl::UnavailableError(absl::StrCat("cannot read the usable LEB size from ", file));
  }
  return n;
}

}  // namespace flashfault::ubi_volume
