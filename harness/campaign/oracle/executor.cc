// Running workload ops with real syscalls (see executor.h). Every op works
// relative to one fd on the mount root (the *at() calls), so a path in a
// workload means the same thing whatever the current directory is.
#include "harness/campaign/oracle/executor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/status_macros.h"
#include "harness/campaign/oracle/content.h"
#include "harness/campaign/oracle/op_log.h"

namespace flashfault::oracle {
namespace {

struct Result {
  int64_t ret = 0;
  int err = 0;
};

Result Sys(long rc) { return rc < 0 ? Result{-1, errno} : Result{rc, 0}; }

class Executor {
 public:
  Executor(int root_fd, std::string root) : root_fd_(root_fd), root_(std::move(root)) {}
  ~Executor() {
    for (auto& [h, fd] : handles_) close(fd);
  }

  Result Run(const Op& op) {
    switch (op.kind) {
      case OpKind::kCreate: {
        const int fd = openat(root_fd_, op.path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, op.mode);
        if (fd < 0) return Sys(-1);
        return Sys(close(fd));
      }
      case OpKind::kOpen: {
        const int fd = openat(root_fd_, op.path.c_str(), O_RDWR | O_CLOEXEC | (op.create ? O_CREAT : 0), op.mode);
        if (fd < 0) return Sys(-1);
        Keep(op.handle, fd);
        return {0, 0};
      }
      case OpKind::kClose: {
        auto it = handles_.find(op.handle);
        if (it == handles_.end()) return {-1, EBADF};
        const int fd = it->second;
        handles_.erase(it);
        return Sys(close(fd));
      }
      case OpKind::kWrite:
      case OpKind::kAppend: return Write(op);
      case OpKind::kTruncate:
        return WithFd(op, O_WRONLY, [&](int fd) { return Sys(ftruncate(fd, static_cast<off_t>(op.size))); });
      case OpKind::kRename:
        return Sys(renameat2(root_fd_, op.from.c_str(), root_fd_, op.to.c_str(), op.noreplace ? RENAME_NOREPLACE : 0));
      case OpKind::kUnlink: return Sys(unlinkat(root_fd_, op.path.c_str(), 0));
      case OpKind::kRmdir: return Sys(unlinkat(root_fd_, op.path.c_str(), AT_REMOVEDIR));
      case OpKind::kLink: return Sys(linkat(root_fd_, op.from.c_str(), root_fd_, op.to.c_str(), 0));
      case OpKind::kMkdir: return Sys(mkdirat(root_fd_, op.path.c_str(), op.mode));
      case OpKind::kSymlink: return Sys(symlinkat(op.target.c_str(), root_fd_, op.path.c_str()));
      case OpKind::kSetxattr:
      case OpKind::kRemovexattr: {
        const bool set = op.kind == OpKind::kSetxattr;
        if (!op.handle.empty()) {
          const int fd = Handle(op.handle);
          if (fd < 0) return {-1, EBADF};
          return Sys(set ? fsetxattr(fd, op.name.c_str(), op.value.data(), op.value.size(), 0)
                         : fremovexattr(fd, op.name.c_str()));
        }
        const std::string full = absl::StrCat(root_, "/", op.path);
        return Sys(set ? lsetxattr(full.c_str(), op.name.c_str(), op.value.data(), op.value.size(), 0)
                       : lremovexattr(full.c_str(), op.name.c_str()));
      }
      case OpKind::kTmpfile: {
        const int fd = openat(root_fd_, op.path.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, op.mode);
        if (fd < 0) return Sys(-1);
        Keep(op.handle, fd);
        return {0, 0};
      }
      case OpKind::kLinkat: {
        const int fd = Handle(op.handle);
        if (fd < 0) return {-1, EBADF};
        // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc/self/fd works without
        // it where /proc is mounted. Try the first, fall back to the second.
        if (linkat(fd, "", root_fd_, op.path.c_str(), AT_EMPTY_PATH) == 0) return {0, 0};
        if (errno != EPERM && errno != ENOENT) return Sys(-1);
        const std::string proc = absl::StrCat("/proc/self/fd/", fd);
        return Sys(linkat(AT_FDCWD, proc.c_str(), root_fd_, op.path.c_str(), AT_SYMLINK_FOLLOW));
      }
      case OpKind::kFsync:
        return WithFd(op, O_RDONLY, [](int fd) { return Sys(fsync(fd)); });
      case OpKind::kFdatasync:
        return WithFd(op, O_RDONLY, [](int fd) { return Sys(fdatasync(fd)); });
      case OpKind::kSync:
        sync();
        return {0, 0};
      case OpKind::kSyncfs: return Sys(syncfs(root_fd_));
    }
    return {-1, ENOSYS};
  }

 private:
  void Keep(const std::string& handle, int fd) {
    if (auto it = handles_.find(handle); it != handles_.end()) close(it->second);
    handles_[handle] = fd;
  }
  int Handle(const std::string& handle) const {
    auto it = handles_.find(handle);
    return it == handles_.end() ? -1 : it->second;
  }

  // Runs `f` on the op's handle, or on the op's path opened with `flags` and
  // closed afterwards (the close is inside the counted window, like the op).
  template <typename F>
  Result WithFd(const Op& op, int flags, F f) {
    if (!op.handle.empty()) {
      const int fd = Handle(op.handle);
      return fd < 0 ? Result{-1, EBADF} : f(fd);
    }
    const int fd = openat(root_fd_, op.path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) return Sys(-1);
    Result r = f(fd);
    if (close(fd) != 0 && r.err == 0) r = Sys(-1);
    return r;
  }

  // Writes all `length` bytes of the op's stream; a short count is logged as
  // the bytes written with the errno that stopped it.
  Result Write(const Op& op) {
    const bool append = op.kind == OpKind::kAppend;
    return WithFd(op, O_WRONLY, [&](int fd) -> Result {
      struct stat st;
      if (append && fstat(fd, &st) != 0) return Sys(-1);
      const uint64_t offset = append ? static_cast<uint64_t>(st.st_size) : op.offset;
      std::vector<uint8_t> buf(std::min<uint64_t>(op.length, 256 * 1024));
      uint64_t done = 0;
      while (done < op.length) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), op.length - done));
        FillData(op.seed, done, buf.data(), n);
        const ssize_t w = pwrite(fd, buf.data(), n, static_cast<off_t>(offset + done));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return {static_cast<int64_t>(done) > 0 ? static_cast<int64_t>(done) : -1, w < 0 ? errno : EIO};
        done += static_cast<uint64_t>(w);
      }
      return {static_cast<int64_t>(done), 0};
    });
  }

  int root_fd_;
  std::string root_;
  std::map<std::string, int> handles_;
};

absl::Status CheckEmptyDir(const std::string& root) {
  DIR* d = opendir(root.c_str());
  if (d == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(root, ": not a directory I can open: ", std::strerror(errno)));
  }
  std::string first;
  while (struct dirent* de = readdir(d)) {
    if (std::strcmp(de->d_name, ".") != 0 && std::strcmp(de->d_name, "..") != 0) {
      first = de->d_name;
      break;
    }
  }
  closedir(d);
  if (!first.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        root, ": not empty (holds \"", first, "\"); the oracle models a workload from an empty root"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<uint64_t> ReadFlashCounter(const std::string& ctl_dir) {
  const std::string path = absl::StrCat(ctl_dir, "/stats.json");
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  std::string text;
  char buf[8192];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) text.append(buf, static_cast<size_t>(n));
  }
  const int err = errno;
  close(fd);
  if (n < 0) return absl::InternalError(absl::StrCat(path, ": read failed: ", std::strerror(err)));
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.contains("faults") || !j["faults"].is_object() ||
      !j["faults"].contains("ops") || !j["faults"]["ops"].is_number_unsigned()) {
    return absl::InternalError(absl::StrCat(path, ": no unsigned number at $.faults.ops"));
  }
  return j["faults"]["ops"].get<uint64_t>();
}

absl::StatusOr<ExecSummary> ExecuteWorkload(const Workload& w, const ExecOptions& options) {
  FF_RETURN_IF_ERROR(CheckEmptyDir(options.root));
  const int root_fd = open(options.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return absl::FailedPreconditionError(absl::StrCat(options.root, ": ", std::strerror(errno)));
  const int log_fd = open(options.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    const int err = errno;
    close(root_fd);
    return absl::InternalError(absl::StrCat(options.log, ": cannot create: ", std::strerror(err)));
  }
  // umask 0: the modes the workload gives are the modes the oracle expects.
  const mode_t old_umask = umask(0);
  ExecSummary summary;
  absl::Status status = [&]() -> absl::Status {
    const std::string header = LogHeaderJson(w).dump() + "\n";
    FF_RETURN_IF_ERROR(WriteAll(log_fd, header.data(), header.size()));
    Executor exec(root_fd, options.root);
    for (size_t i = 0; i < w.ops.size(); ++i) {
      LogRecord r;
      r.index = i;
      r.op = w.ops[i];
      if (!options.ctl_dir.empty()) {
        FF_ASSIGN_OR_RETURN(r.flash_before, ReadFlashCounter(options.ctl_dir));
      }
      const Result res = exec.Run(r.op);
      if (!options.ctl_dir.empty()) {
        FF_ASSIGN_OR_RETURN(r.flash_after, ReadFlashCounter(options.ctl_dir));
      }
      r.ret = res.ret;
      r.err = res.err;
      ++summary.ops;
      if (res.err != 0) ++summary.failed;
      const std::string line = LogRecordJson(r).dump() + "\n";
      FF_RETURN_IF_ERROR(WriteAll(log_fd, line.data(), line.size()));
    }
    return absl::OkStatus();
  }();
  umask(old_umask);
  close(root_fd);
  if (close(log_fd) != 0 && status.ok()) {
    status = absl::InternalError(absl::StrCat(options.log, ": close failed: ", std::strerror(errno)));
  }
  if (!status.ok()) return status;
  return summary;
}

}  // namespace flashfault::oracle
