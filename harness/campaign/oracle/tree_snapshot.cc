// Walking a mounted tree into a TreeSnapshot (see tree_snapshot.h). Uses
// *at() calls on directory fds so a path is resolved once per component, and
// reads each file with one fd; the checker runs this once per crash state.
#include "harness/campaign/oracle/tree_snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "harness/campaign/oracle/content.h"

namespace flashfault::oracle {
namespace {

NodeType TypeOf(mode_t m) {
  if (S_ISREG(m)) return NodeType::kFile;
  if (S_ISDIR(m)) return NodeType::kDir;
  if (S_ISLNK(m)) return NodeType::kSymlink;
  return NodeType::kOther;
}

// Lists xattrs of `full` (not following a symlink). Returns 0 or an errno.
int ReadXattrs(const std::string& full, std::map<std::string, std::string>* out) {
  std::vector<char> names(1024);
  ssize_t n;
  while ((n = llistxattr(full.c_str(), names.data(), names.size())) < 0 && errno == ERANGE) {
    names.resize(names.size() * 4);
  }
  if (n < 0) return errno == ENOTSUP ? 0 : errno;
  std::vector<char> value(4096);
  for (ssize_t i = 0; i < n;) {
    const std::string name(names.data() + i);
    i += static_cast<ssize_t>(name.size()) + 1;
    if (absl::StartsWith(name, "security.") || absl::StartsWith(name, "system.")) continue;
    ssize_t v;
    while ((v = lgetxattr(full.c_str(), name.c_str(), value.data(), value.size())) < 0 && errno == ERANGE) {
      value.resize(value.size() * 4);
    }
    if (v < 0) return errno;
    (*out)[name] = std::string(value.data(), static_cast<size_t>(v));
  }
  return 0;
}

int ReadContent(int dirfd, const char* name, uint64_t size_hint, std::string* out) {
  const int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno;
  out->clear();
  out->reserve(size_hint);
  char buf[65536];
  int err = 0;
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errno;
      break;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return err;
}

void WalkDir(int dirfd, const std::string& root, const std::string& prefix, TreeSnapshot* snap,
             int* dir_errno) {
  const int dup_fd = dup(dirfd);
  DIR* d = dup_fd < 0 ? nullptr : fdopendir(dup_fd);
  if (d == nullptr) {
    *dir_errno = errno;
    if (dup_fd >= 0) close(dup_fd);
    return;
  }
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* de = readdir(d)) {
    if (std::strcmp(de->d_name, ".") == 0 || std::strcmp(de->d_name, "..") == 0) continue;
    names.emplace_back(de->d_name);
    errno = 0;
  }
  if (errno != 0) *dir_errno = errno;
  closedir(d);
  for (const std::string& name : names) {
    ObservedEntry e;
    e.path = prefix.empty() ? name : absl::StrCat(prefix, "/", name);
    struct stat st;
    if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      e.read_errno = errno;
      snap->entries[e.path] = std::move(e);
      continue;
    }
    e.type = TypeOf(st.st_mode);
    e.mode = st.st_mode & 07777;
    e.size = static_cast<uint64_t>(st.st_size);
    e.ino = st.st_ino;
    e.nlink = st.st_nlink;
    const std::string full = absl::StrCat(root, "/", e.path);
    if (e.type == NodeType::kSymlink) {
      std::vector<char> buf(static_cast<size_t>(st.st_size) + 2);
      const ssize_t n = readlinkat(dirfd, name.c_str(), buf.data(), buf.size());
      if (n < 0) {
        e.read_errno = errno;
      } else {
        e.target.assign(buf.data(), static_cast<size_t>(n));
      }
    } else if (e.type == NodeType::kFile) {
      e.read_errno = ReadContent(dirfd, name.c_str(), e.size, &e.content);
      e.hash = Hash64(e.content);
    }
    if (e.type != NodeType::kOther) {
      if (int err = ReadXattrs(full, &e.xattrs); err != 0 && e.read_errno == 0) e.read_errno = err;
    }
    const std::string path = e.path;
    const bool dir = e.type == NodeType::kDir;
    snap->entries[path] = std::move(e);
    if (dir) {
      const int sub = openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      int err = 0;
      if (sub < 0) {
        err = errno;
      } else {
        WalkDir(sub, root, path, snap, &err);
        close(sub);
      }
      if (err != 0 && snap->entries[path].read_errno == 0) snap->entries[path].read_errno = err;
    }
  }
}

}  // namespace

absl::StatusOr<TreeSnapshot> WalkTree(const std::string& root) {
  const int fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat(root, ": cannot open: ", std::strerror(errno)));
  TreeSnapshot snap;
  int err = 0;
  WalkDir(fd, root, "", &snap, &err);
  close(fd);
  if (err != 0) {
    return absl::DataLossError(absl::StrCat(root, ": cannot list the root: ", std::strerror(err)));
  }
  return snap;
}

}  // namespace flashfault::oracle
