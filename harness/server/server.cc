// Server: transport, control directory and session lifetime; see server.h.
// Must not: exit, install signal handlers, or decide protocol questions
// (harness/muse/ does).
#include "harness/server/server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdarg>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "harness/control/server_nodes.h"
#include "harness/server/locking_channel.h"
#include "harness/muse/transport.h"

namespace flashfault::server {
namespace {

std::string GeometrySummary(const Geometry& g) {
  char line[160];
  std::snprintf(line, sizeof line, "%s %u+%u, %u pages/block, %u blocks, %llu MiB",
                CellTypeName(g.cell), g.page_size, g.oob_size, g.pages_per_block, g.block_count,
                static_cast<unsigned long long>(g.total_size() >> 20));
  return line;
}

bool Readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

}  // namespace

Server::Server(ServerOptions options) : options_(std::move(options)) {}

Server::~Server() {
  if (control_fs_) control_fs_->Stop();
  if (owns_conn_ && conn_ >= 0) ::close(conn_);
  for (int fd : stop_pipe_) {
    if (fd >= 0) ::close(fd);
  }
}

void Server::Log(const char* format, ...) {
  if (options_.log == nullptr) return;
  std::va_list args;
  va_start(args, format);
  std::vfprintf(options_.log, format, args);
  va_end(args);
}

absl::StatusOr<std::unique_ptr<Server>> Server::Create(ServerOptions options) {
  using Transport = ServerOptions::Transport;
  // Only the kernel module can read the store directly.
  options.device.direct_reads =
      options.direct_reads && options.transport == Transport::kMuseDevice;
  std::unique_ptr<Server> s(new Server(std::move(options)));
  const ServerOptions& o = s->options_;
  if (::pipe2(s->stop_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
    return absl::InternalError(absl::StrCat("cannot create the stop pipe: ", std::strerror(errno)));
  }
  s->where_ = o.transport == Transport::kFd       ? absl::StrCat("fd ", o.fd)
              : o.transport == Transport::kSocket ? o.socket_path
                                                  : o.muse_device;
  FF_ASSIGN_OR_RETURN(s->served_, OpenServedDevice(o.device));
  const FaultLayer& layer = *s->served_->layer;
  s->Log("flashfault serve: %zu fault(s)%s%s, seed %llu%s%s\n", layer.stats().size(),
         o.device.script.empty() ? "" : " from ", o.device.script.c_str(),
         static_cast<unsigned long long>(layer.seed()),
         o.device.events.empty() ? "" : ", events to ", o.device.events.c_str());

  muse::SessionOptions session = o.session;
  const Geometry& g = layer.geometry();
  Server* self = s.get();
  session.on_init = [self, mtd_name = session.name.empty() ? g.name : session.name,
                     summary = GeometrySummary(g)] {
    self->Log("serving %s (%s) on %s\n", mtd_name.c_str(), summary.c_str(), self->where_.c_str());
  };
  absl::StatusOr<std::unique_ptr<muse::MuseSession>> created =
      muse::MuseSession::Create(s->served_->device(), std::move(session));
  // A session refused at creation is always the user's options (name, parts).
  if (!created.ok()) return absl::InvalidArgumentError(created.status().message());
  s->session_ = std::move(*created);
  FF_RETURN_IF_ERROR(s->MountControl());
  return s;
}

absl::Status Server::MountControl() {
  if (options_.control_dir.empty()) return absl::OkStatus();
  control_target_ =
      std::make_unique<ServeControlTarget>(*served_, request_mutex_, session_->stats());
  absl::StatusOr<std::unique_ptr<control::ControlFs>> mounted = control::ControlFs::Mount(
      options_.control_dir, control::BuildServerNodes(*control_target_, options_.control_dir));
  if (!mounted.ok()) {
    return absl::Status(mounted.status().code(),
                        absl::StrCat("--control: ", mounted.status().message()));
  }
  control_fs_ = std::move(*mounted);
  Log("flashfault serve: control directory on %s\n", control_fs_->mount_point().c_str());
  return absl::OkStatus();
}

void Server::RequestStop() {
  const char c = 1;
  // Async-signal-safe; a full pipe already holds a wake-up, so ignore errors.
  [[maybe_unused]] ssize_t n = ::write(stop_pipe_[1], &c, 1);
}

bool Server::stop_requested() const { return Readable(stop_pipe_[0]); }

// Listens on the socket and accepts one connection; -1 when a stop arrives
// first.
static absl::StatusOr<int> AcceptOne(const std::string& path, int wake_fd, std::FILE* log) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InternalError(absl::StrCat("socket path too long: ", path));
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int ls = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (ls < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());  // stale
  if (::bind(ls, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(ls, 1) != 0) {
    const int err = errno;
    ::close(ls);
    return absl::InternalError(absl::StrCat("cannot listen on ", path, ": ", std::strerror(err)));
  }
  if (log != nullptr) std::fprintf(log, "flashfault serve: waiting for a connection on %s\n", path.c_str());
  pollfd fds[2] = {{ls, POLLIN, 0}, {wake_fd, POLLIN, 0}};
  int conn = -1;
  int err = 0;
  for (;;) {
    const int r = ::poll(fds, 2, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || (fds[1].revents & POLLIN)) break;
    conn = ::accept4(ls, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn >= 0) break;
    if (errno != EINTR && errno != EAGAIN) {
      err = errno;
      break;
    }
  }
  ::close(ls);
  ::unlink(path.c_str());
  if (err != 0) return absl::InternalError(absl::StrCat("accept on ", path, ": ", std::strerror(err)));
  return conn;
}

absl::StatusOr<int> Server::Connect() {
  using Transport = ServerOptions::Transport;
  switch (options_.transport) {
    case Transport::kFd:
      if (options_.fd < 0 || ::fcntl(options_.fd, F_GETFD) < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("--fd ", options_.fd, " is not an open file descriptor"));
      }
      return options_.fd;
    case Transport::kSocket: {
      FF_ASSIGN_OR_RETURN(const int conn,
                          AcceptOne(options_.socket_path, stop_pipe_[0], options_.log));
      owns_conn_ = conn >= 0;
      return conn;
    }
    case Transport::kMuseDevice:
      break;
  }
  const int conn = ::open(options_.muse_device.c_str(), O_RDWR | O_CLOEXEC);
  if (conn < 0) {
    const int err = errno;
    return absl::UnavailableError(absl::StrCat(
        "cannot open ", options_.muse_device, ": ", std::strerror(err),
        err == ENOENT                   ? " (is muse.ko loaded? it is not auto-loaded)"
        : err == EPERM || err == EACCES ? " (needs root / CAP_SYS_ADMIN)"
                                        : ""));
  }
  owns_conn_ = true;
  if (served_->direct) {
    absl::StatusOr<bool> shared = served_->direct->Share(conn);
    if (!shared.ok()) return absl::InternalError(shared.status().ToString());
    Log("flashfault serve: direct reads %s\n",
        *shared ? "on: the module serves clean reads from the shared store"
                : "off: this kernel's /dev/muse has none");
  }
  return conn;
}

absl::Status Server::Run() {
  if (ran_) return absl::FailedPreconditionError("Server::Run called twice");
  ran_ = true;
  absl::StatusOr<int> conn = Connect();
  if (!conn.ok()) return conn.status();
  conn_ = *conn;
  if (conn_ < 0) return absl::OkStatus();  // stopped while waiting for a peer
  std::unique_ptr<muse::MessageChannel> channel;
  if (options_.transport == ServerOptions::Transport::kMuseDevice) {
    channel = std::make_unique<muse::DeviceChannel>(conn_, stop_pipe_[0]);
  } else {
    channel = std::make_unique<muse::StreamChannel>(conn_, stop_pipe_[0]);
  }
  LockingChannel locked_channel(*channel, request_mutex_);
  absl::Status st = session_->Run(locked_channel);
  // The session's final sync goes through the fault layer; when an injected
  // power cut refuses it, what the cells hold is still ours to persist.
  if (!st.ok() && IsInjectedFault(st)) st = served_->layer->model().Sync();
  // Unlock before unmounting: the control thread may be waiting for it.
  locked_channel.Release();
  if (control_fs_) control_fs_->Stop();
  if (owns_conn_) {
    ::close(conn_);
    owns_conn_ = false;
  }
  PrintSummary();
  if (!st.ok()) return absl::Status(st.code(), st.ToString());
  if (!session_->initialized() && !stop_requested()) {
    return absl::UnavailableError("the connection ended before INIT was answered");
  }
  return absl::OkStatus();
}

void Server::PrintSummary() {
  const muse::SessionStats& stats = session_->stats();
  Log("flashfault serve: %s after %llu requests (%llu error replies, %llu soft errors, "
      "%llu malformed)\n",
      stop_requested() ? "stopped" : "connection ended",
      static_cast<unsigned long long>(stats.requests),
      static_cast<unsigned long long>(stats.errors),
      static_cast<unsigned long long>(stats.soft_errors),
      static_cast<unsigned long long>(stats.malformed));
  if (served_->direct && served_->direct->counters().shared) {
    const DirectReads::Counters d = served_->direct->counters();
    Log("flashfault serve: the module served %llu reads (%llu bytes) and %llu isbad directly\n",
        static_cast<unsigned long long>(d.reads), static_cast<unsigned long long>(d.read_bytes),
        static_cast<unsigned long long>(d.isbad));
  }
}

}  // namespace flashfault::server
