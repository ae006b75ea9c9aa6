// ControlFs implementation: the libfuse3 low-level handlers over a static
// inode table, and the serving thread. See control_fs.h for the contract.
//
// The tree never changes after Mount(), so inode numbers are table indices
// (root = FUSE_ROOT_ID = 1) and lookups need no reference counting. This
// file must not learn what any node means; that is server_nodes.cc's job.
#define FUSE_USE_VERSION 35
#include "harness/control/control_fs.h"

#include <errno.h>
#include <fuse_lowlevel.h>
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace flashfault::control {

namespace fs = std::filesystem;

// A writer may not make us buffer more than this (the largest thing written
// here is a fault script; 16 MiB is far beyond any sane one).
constexpr size_t kMaxWrite = 16u << 20;
// The tree is static, so the kernel may cache names and attributes; a short
// timeout still keeps `ls -l` honest after a remount on the same path.
constexpr double kCacheSeconds = 1.0;

struct ControlFs::Impl {
  struct Inode {
    std::string name;
    fuse_ino_t parent = FUSE_ROOT_ID;
    int node = -1;  // index into nodes; -1 for a directory
    std::map<std::string, fuse_ino_t> children;
  };
  // One open file: the content snapshot a reader sees, or what a writer wrote.
  struct OpenFile {
    int node = -1;
    std::string content;
    std::string written;
    bool dirty = false;
  };

  std::vector<ControlNode> nodes;
  std::vector<Inode> inodes;  // inodes[ino - 1]
  uid_t owner_uid = 0;
  gid_t owner_gid = 0;
  timespec mounted_at{};
  std::string last_error;  // touched only on the FUSE thread
  // Files opened and not yet released. An unmount can end the session before
  // the kernel's RELEASE of a just-closed file arrives; those are freed here.
  std::map<const OpenFile*, std::unique_ptr<OpenFile>> open_files;

  const Inode* Find(fuse_ino_t ino) const {
    return ino >= 1 && ino <= inodes.size() ? &inodes[ino - 1] : nullptr;
  }
  std::string PathOf(const OpenFile& f) const { return nodes[f.node].path; }

  void Stat(fuse_ino_t ino, struct stat* st) const {
    const Inode& in = inodes[ino - 1];
    std::memset(st, 0, sizeof *st);
    st->st_ino = ino;
    st->st_uid = owner_uid;
    st->st_gid = owner_gid;
    st->st_atim = st->st_mtim = st->st_ctim = mounted_at;
    if (in.node < 0) {
      st->st_mode = S_IFDIR | 0700;
      st->st_nlink = 2;
      return;
    }
    mode_t perm = 0;
    switch (nodes[in.node].access) {
      case ControlNode::Access::kReadOnly: perm = 0400; break;
      case ControlNode::Access::kReadWrite: perm = 0600; break;
      case ControlNode::Access::kWriteOnly: perm = 0200; break;
    }
    st->st_mode = S_IFREG | perm;
    st->st_nlink = 1;
    // Content is generated per open, so no size is known; like procfs the
    // file says 0 and is opened with direct_io, so readers read until EOF.
    st->st_size = 0;
  }

  // Runs a node's write callback on what one open file collected.
  int Commit(OpenFile& f) {
    if (!f.dirty) return 0;
    f.dirty = false;
    absl::Status s = nodes[f.node].write(f.written);
    if (s.ok()) return 0;
    last_error = absl::StrCat(PathOf(f), ": ", s.message(), "\n");
    return EINVAL;
  }
};

namespace {

ControlFs::Impl& ImplOf(fuse_req_t req) {
  return *static_cast<ControlFs::Impl*>(fuse_req_userdata(req));
}

// Every handler starts here: default_permissions already keeps others out
// at the kernel, this keeps them out even if the mount options change.
bool Refused(fuse_req_t req) {
  const fuse_ctx* ctx = fuse_req_ctx(req);
  if (ctx->uid == ImplOf(req).owner_uid) return false;
  fuse_reply_err(req, EACCES);
  return true;
}

using OpenFileKey = const ControlFs::Impl::OpenFile*;

ControlFs::Impl::OpenFile* FileOf(fuse_file_info* fi) {
  return reinterpret_cast<ControlFs::Impl::OpenFile*>(static_cast<uintptr_t>(fi->fh));
}

void OnInit(void*, fuse_conn_info* conn) {
  // O_TRUNC arrives with open() instead of as a separate setattr(size=0).
  if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC) conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
}

void OnLookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  if (Refused(req)) return;
  ControlFs::Impl& impl = ImplOf(req);
  const ControlFs::Impl::Inode* dir = impl.Find(parent);
  if (dir == nullptr || dir->node >= 0) return (void)fuse_reply_err(req, ENOTDIR);
  auto it = dir->children.find(name);
  if (it == dir->children.end()) return (void)fuse_reply_err(req, ENOENT);
  fuse_entry_param e{};
  e.ino = it->second;
  e.attr_timeout = e.entry_timeout = kCacheSeconds;
  impl.Stat(e.ino, &e.attr);
  fuse_reply_entry(req, &e);
}

void OnForget(fuse_req_t req, fuse_ino_t, uint64_t) { fuse_reply_none(req); }

void OnGetattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  if (Refused(req)) return;
  ControlFs::Impl& impl = ImplOf(req);
  if (impl.Find(ino) == nullptr) return (void)fuse_reply_err(req, ENOENT);
  struct stat st;
  impl.Stat(ino, &st);
  fuse_reply_attr(req, &st, kCacheSeconds);
}

// Truncation and time updates are accepted and ignored (a write replaces the
// whole content anyway, and `touch` should not fail); ownership and mode
// are fixed.
void OnSetattr(fuse_req_t req, fuse_ino_t ino, struct stat*, int to_set, fuse_file_info*) {
  if (Refused(req)) return;
  ControlFs::Impl& impl = ImplOf(req);
  const ControlFs::Impl::Inode* in = impl.Find(ino);
  if (in == nullptr) return (void)fuse_reply_err(req, ENOENT);
  if (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
    return (void)fuse_reply_err(req, EPERM);
  }
  if ((to_set & FUSE_SET_ATTR_SIZE) &&
      (in->node < 0 || impl.nodes[in->node].access == ControlNode::Access::kReadOnly)) {
    return (void)fuse_reply_err(req, in->node < 0 ? EISDIR : EACCES);
  }
  struct stat st;
  impl.Stat(ino, &st);
  fuse_reply_attr(req, &st, kCacheSeconds);
}

void OnOpen(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (Refused(req)) return;
  ControlFs::Impl& impl = ImplOf(req);
  const ControlFs::Impl::Inode* in = impl.Find(ino);
  if (in == nullptr) return (void)fuse_reply_err(req, ENOENT);
  if (in->node < 0) return (void)fuse_reply_err(req, EISDIR);
  const ControlNode& node = impl.nodes[in->node];
  const int acc = fi->flags & O_ACCMODE;
  const bool wants_read = acc == O_RDONLY || acc == O_RDWR;
  const bool wants_write = acc == O_WRONLY || acc == O_RDWR;
  if ((wants_read && node.access == ControlNode::Access::kWriteOnly) ||
      (wants_write && node.access == ControlNode::Access::kReadOnly)) {
    return (void)fuse_reply_err(req, EACCES);
  }
  auto file = std::make_unique<ControlFs::Impl::OpenFile>();
  file->node = in->node;
  if (wants_read) {
    absl::StatusOr<std::string> content = node.read();
    if (!content.ok()) {
      impl.last_error = absl::StrCat(node.path, ": ", content.status().message(), "\n");
      return (void)fuse_reply_err(req, EIO);
    }
    file->content = std::move(*content);
  }
  fi->direct_io = 1;  // size 0 in stat; the page cache must not cut reads short
  fi->keep_cache = 0;
  fi->fh = reinterpret_cast<uintptr_t>(file.get());
  if (fuse_reply_open(req, fi) == 0) {  // else the open was interrupted
    const OpenFileKey key = file.get();
    impl.open_files.emplace(key, std::move(file));
  }
}

void OnRead(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  if (Refused(req)) return;
  const std::string& c = FileOf(fi)->content;
  if (off < 0) return (void)fuse_reply_err(req, EINVAL);
  const size_t start = std::min(c.size(), static_cast<size_t>(off));
  fuse_reply_buf(req, c.data() + start, std::min(size, c.size() - start));
}

void OnWrite(fuse_req_t req, fuse_ino_t, const char* buf, size_t size, off_t off,
             fuse_file_info* fi) {
  if (Refused(req)) return;
  ControlFs::Impl& impl = ImplOf(req);
  ControlFs::Impl::OpenFile& f = *FileOf(fi);
  if (off < 0) return (void)fuse_reply_err(req, EINVAL);
  if (impl.nodes[f.node].apply_each_write) {
    f.written.assign(buf, size);
    f.dirty = true;
    const int err = impl.Commit(f);
    return (void)(err != 0 ? fuse_reply_err(req, err) : fuse_reply_write(req, size));
  }
  if (static_cast<uint64_t>(off) + size > kMaxWrite) return (void)fuse_reply_err(req, EFBIG);
  // Writes land at their offset in a buffer that starts empty: the content
  // of one open-write-close replaces the node's state as a whole.
  if (f.written.size() < off + size) f.written.resize(off + size);
  std::memcpy(f.written.data() + off, buf, size);
  f.dirty = true;
  fuse_reply_write(req, size);
}

// close() returns what FLUSH replies, so this is where a write is applied
// and where a refused one becomes the writer's error.
void OnFlush(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  if (Refused(req)) return;
  fuse_reply_err(req, ImplOf(req).Commit(*FileOf(fi)));
}

void OnRelease(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  ControlFs::Impl& impl = ImplOf(req);
  ControlFs::Impl::OpenFile* f = FileOf(fi);
  // No FLUSH came (the kernel may skip it): apply now; nobody sees the error
  // but last_error.
  impl.Commit(*f);
  impl.open_files.erase(f);
  fuse_reply_err(req, 0);
}

void OnOpendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (Refused(req)) return;
  const ControlFs::Impl::Inode* in = ImplOf(req).Find(ino);
  if (in == nullptr) return (void)fuse_reply_err(req, ENOENT);
  if (in->node >= 0) return (void)fuse_reply_err(req, ENOTDIR);
  fuse_reply_open(req, fi);
}

void OnReaddir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info*) {
  if (Refused(req)) return;
  ControlFs::Impl& impl = ImplOf(req);
  const ControlFs::Impl::Inode* dir = impl.Find(ino);
  if (dir == nullptr || dir->node >= 0) return (void)fuse_reply_err(req, ENOTDIR);
  std::vector<std::pair<std::string, fuse_ino_t>> entries = {{".", ino}, {"..", dir->parent}};
  for (const auto& [name, child] : dir->children) entries.emplace_back(name, child);
  std::string buf(size, '\0');
  size_t used = 0;
  // The offset is the index of the next entry, stable because the tree is.
  for (size_t i = static_cast<size_t>(std::max<off_t>(off, 0)); i < entries.size(); ++i) {
    struct stat st;
    impl.Stat(entries[i].second, &st);
    const size_t need = fuse_add_direntry(req, buf.data() + used, size - used,
                                          entries[i].first.c_str(), &st, static_cast<off_t>(i + 1));
    if (need > size - used) break;
    used += need;
  }
  fuse_reply_buf(req, buf.data(), used);
}

constexpr fuse_lowlevel_ops kOps = [] {
  fuse_lowlevel_ops ops{};
  ops.init = OnInit;
  ops.lookup = OnLookup;
  ops.forget = OnForget;
  ops.getattr = OnGetattr;
  ops.setattr = OnSetattr;
  ops.open = OnOpen;
  ops.read = OnRead;
  ops.write = OnWrite;
  ops.flush = OnFlush;
  ops.release = OnRelease;
  ops.opendir = OnOpendir;
  ops.readdir = OnReaddir;
  return ops;
}();

// Checks a node path and splits it into components.
absl::StatusOr<std::vector<std::string>> SplitNodePath(const std::string& path) {
  std::vector<std::string> parts = absl::StrSplit(path, '/');
  for (const std::string& p : parts) {
    if (p.empty() || p == "." || p == "..") {
      return absl::InvalidArgumentError(absl::StrCat("control node path '", path,
                                                     "' is not a clean relative path"));
    }
  }
  return parts;
}

// Detaches a dead FUSE mount at `dir` (its server was killed).
void DetachStaleMount(const std::string& dir) {
  if (::geteuid() == 0) {
    ::umount2(dir.c_str(), MNT_DETACH);
    return;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execlp("fusermount3", "fusermount3", "-u", "-z", "-q", dir.c_str(),
             static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  if (pid > 0) ::waitpid(pid, &status, 0);
}

// Makes `dir` an empty directory to mount on; returns its absolute path.
absl::StatusOr<std::string> PrepareMountPoint(const std::string& dir) {
  // stat() may still answer from the kernel's cache; listing cannot.
  if (DIR* d = ::opendir(dir.c_str())) {
    ::closedir(d);
  } else if (errno == ENOTCONN) {
    DetachStaleMount(dir);
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat("cannot create control directory ", dir, ": ",
                                                   ec.message()));
  }
  if (!fs::is_directory(dir, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(dir, " is not a directory"));
  }
  if (!fs::is_empty(dir, ec) || ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("control directory ", dir, " is not empty; give an empty or new one"));
  }
  return fs::absolute(dir).lexically_normal().string();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ControlFs>> ControlFs::Mount(const std::string& dir,
                                                            std::vector<ControlNode> nodes) {
  auto impl = std::make_unique<Impl>();
  impl->owner_uid = ::geteuid();
  impl->owner_gid = ::getegid();
  ::clock_gettime(CLOCK_REALTIME, &impl->mounted_at);
  Impl* raw = impl.get();
  nodes.push_back({kLastErrorFile, ControlNode::Access::kReadOnly,
                   [raw]() -> absl::StatusOr<std::string> { return raw->last_error; }, nullptr});
  impl->inodes.push_back({"", FUSE_ROOT_ID, -1, {}});
  for (size_t n = 0; n < nodes.size(); ++n) {
    const ControlNode& node = nodes[n];
    if ((node.access != ControlNode::Access::kWriteOnly) != static_cast<bool>(node.read) ||
        (node.access != ControlNode::Access::kReadOnly) != static_cast<bool>(node.write)) {
      return absl::InvalidArgumentError(
          absl::StrCat("control node '", node.path, "': callbacks do not match its access"));
    }
    absl::StatusOr<std::vector<std::string>> parts = SplitNodePath(node.path);
    if (!parts.ok()) return parts.status();
    fuse_ino_t at = FUSE_ROOT_ID;
    for (size_t i = 0; i < parts->size(); ++i) {
      const bool leaf = i + 1 == parts->size();
      auto& children = impl->inodes[at - 1].children;
      auto it = children.find((*parts)[i]);
      if (it != children.end()) {
        if (leaf || impl->inodes[it->second - 1].node >= 0) {
          return absl::InvalidArgumentError(
              absl::StrCat("control node '", node.path, "' clashes with another node"));
        }
        at = it->second;
        continue;
      }
      const fuse_ino_t ino = impl->inodes.size() + 1;
      children.emplace((*parts)[i], ino);
      impl->inodes.push_back({(*parts)[i], at, leaf ? static_cast<int>(n) : -1, {}});
      at = ino;
    }
  }
  impl->nodes = std::move(nodes);

  absl::StatusOr<std::string> mount_point = PrepareMountPoint(dir);
  if (!mount_point.ok()) return mount_point.status();

  std::unique_ptr<ControlFs> cfs(new ControlFs());
  cfs->impl_ = std::move(impl);
  cfs->mount_point_ = *mount_point;
  const char* argv[] = {"flashfault", "-o",
                        "default_permissions,fsname=flashfault,subtype=flashfault-control"};
  fuse_args args = FUSE_ARGS_INIT(3, const_cast<char**>(argv));
  cfs->session_ = fuse_session_new(&args, &kOps, sizeof kOps, cfs->impl_.get());
  // libfuse copies the arguments when it adds to them; the copy is ours.
  fuse_opt_free_args(&args);
  if (cfs->session_ == nullptr) return absl::InternalError("fuse_session_new failed");
  if (fuse_session_mount(cfs->session_, cfs->mount_point_.c_str()) != 0) {
    fuse_session_destroy(cfs->session_);
    cfs->session_ = nullptr;
    return absl::InternalError(absl::StrCat(
        "cannot mount the control filesystem on ", cfs->mount_point_,
        " (is /dev/fuse present and usable? libfuse's message is above)"));
  }
  cfs->stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (cfs->stop_fd_ < 0) {
    absl::Status s = absl::InternalError(absl::StrCat("eventfd: ", std::strerror(errno)));
    fuse_session_unmount(cfs->session_);
    fuse_session_destroy(cfs->session_);
    cfs->session_ = nullptr;
    return s;
  }
  // The serving thread must never take the process's stop signals: serve
  // handles them on the main thread.
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  cfs->thread_ = std::thread([p = cfs.get()] { p->Loop(); });
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return cfs;
}

// fuse_session_loop() would block in read() and could only be woken by an
// unmount; polling with an eventfd lets Stop() end the loop first and then
// unmount, in that order, from the stopping thread.
void ControlFs::Loop() {
  fuse_buf buf{};
  pollfd fds[2] = {{fuse_session_fd(session_), POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  while (!fuse_session_exited(session_)) {
    const int r = ::poll(fds, 2, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || (fds[1].revents & POLLIN)) break;
    const int n = fuse_session_receive_buf(session_, &buf);
    if (n == -EINTR || n == -EAGAIN || n == -ENOENT) continue;  // nothing to do
    if (n <= 0) break;  // -ENODEV: unmounted from outside (umount, fusermount3 -u)
    fuse_session_process_buf(session_, &buf);
  }
  std::free(buf.mem);
}

void ControlFs::Stop() {
  if (session_ == nullptr) return;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(stop_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  // Lazy unmount and close of /dev/fuse: open files get ENOTCONN, nothing hangs.
  fuse_session_unmount(session_);
  fuse_session_destroy(session_);
  session_ = nullptr;
  ::close(stop_fd_);
  stop_fd_ = -1;
}

ControlFs::~ControlFs() { Stop(); }

}  // namespace flashfault::control
