// Attach, mount, unmount, detach with syscalls; see fs_steps.h.
#include "harness/campaign/fuzz/fs_steps.h"

#include <fcntl.h>
#include <mtd/ubi-user.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace flashfault::campaign::fuzz {
namespace {

constexpr char kUbiCtrl[] = "/dev/ubi_ctrl";
constexpr int kUbiNum = 0;

absl::Status Errno(const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

bool Mounted(const std::string& mount_point) {
  std::ifstream in("/proc/mounts");
  const std::string needle = absl::StrCat(" ", mount_point, " ");
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

// UBIFS and a bare UBI volume (--fs ubi) both sit on ubi0.
bool OnUbi(const std::string& fs) { return fs == "ubifs" || fs == "ubi"; }

}  // namespace

absl::Status AttachFs(const std::string& fs, int mtd) {
  if (!OnUbi(fs)) return absl::OkStatus();
  const int fd = ::open(kUbiCtrl, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno(absl::StrCat("open ", kUbiCtrl));
  ubi_attach_req req;
  std::memset(&req, 0, sizeof req);
  req.ubi_num = kUbiNum;
  req.mtd_num = mtd;
  const int rc = ::ioctl(fd, UBI_IOCATT, &req);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  if (rc != 0) return Errno(absl::StrCat("UBI attach of mtd", mtd));
  return absl::OkStatus();
}

absl::Status MountFs(const std::string& fs, int mtd, const std::string& mount_point) {
  ::mkdir(mount_point.c_str(), 0755);
  std::string source;
  if (fs == "ubifs") {
    source = absl::StrCat("ubi", kUbiNum, ":", kVolumeName);
  } else if (fs == "jffs2") {
    source = absl::StrCat("mtd", mtd);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("file system '", fs, "': ubifs or jffs2"));
  }
  if (::mount(source.c_str(), mount_point.c_str(), fs.c_str(), 0, nullptr) != 0) {
    return Errno(absl::StrCat("mount ", source, " (", fs, ") on ", mount_point));
  }
  return absl::OkStatus();
}

absl::Status UnmountFs(const std::string& mount_point) {
  if (!Mounted(mount_point)) return absl::OkStatus();
  if (::umount(mount_point.c_str()) == 0) return absl::OkStatus();
  absl::Status s = Errno(absl::StrCat("umount ", mount_point));
  // Never leave the next execution a mount it cannot replace.
  ::umount2(mount_point.c_str(), MNT_DETACH);
  return s;
}

absl::Status DetachFs(const std::string& fs) {
  if (!OnUbi(fs)) return absl::OkStatus();
  if (::access("/dev/ubi0", F_OK) != 0) return absl::OkStatus();
  const int fd = ::open(kUbiCtrl, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno(absl::StrCat("open ", kUbiCtrl));
  int32_t num = kUbiNum;
  const int rc = ::ioctl(fd, UBI_IOCDET, &num);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  if (rc != 0) return Errno("UBI detach of ubi0");
  return absl::OkStatus();
}

}  // namespace flashfault::campaign::fuzz
