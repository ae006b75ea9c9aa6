// Server: one MUSE server, built the same way by `flashfault serve`, the
// tests and the campaigns. It owns the served stack (ServedDevice: fault
// layer, model, store, event log, direct reads), the MuseSession over it,
// the optional control directory, and the transport: /dev/muse, an
// inherited stream fd, or a unix socket it accepts one connection on.
//
//   Server::Create   builds the stack and the session and mounts the
//                    control directory (so a user can look while it waits)
//   Server::Run      connects the transport, shares the store with the
//                    module for direct reads, serves until the peer ends the
//                    connection or RequestStop(), then syncs
//
// It reports progress as lines on `log` (stderr in the CLI; null for
// silence) and never exits the process or installs signal handlers:
// RequestStop() is async-signal-safe, so the owner's handler may call it.
#pragma once

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "harness/control/control_fs.h"
#include "harness/muse/muse_session.h"
#include "harness/server/serve_target.h"
#include "harness/server/served_device.h"

namespace flashfault::server {

struct ServerOptions {
  ServedDeviceOptions device;  // direct_reads is decided by Create (see below)
  // The transport: exactly one of them is used.
  enum class Transport { kMuseDevice, kFd, kSocket };
  Transport transport = Transport::kMuseDevice;
  std::string muse_device = "/dev/muse";  // kMuseDevice
  int fd = -1;                            // kFd: an inherited, open stream fd
  std::string socket_path;                // kSocket: listen, accept one connection
  // Let the module serve clean reads from the shared store (kMuseDevice
  // only: a stream peer cannot read our memory).
  bool direct_reads = true;
  muse::SessionOptions session;  // name, partitions, max_io, verbose; on_init is the server's
  std::string control_dir;       // mount the control filesystem here; empty = none
  std::FILE* log = stderr;       // progress lines, prefixed "flashfault serve: "
};

class Server {
 public:
  // Errors: InvalidArgument / NotFound / OutOfRange for the user's input
  // (flags, files, the control directory), anything else is internal.
  static absl::StatusOr<std::unique_ptr<Server>> Create(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serves until the connection ends or RequestStop(). OK when the session
  // ended cleanly after INIT, or a stop came first; InvalidArgument for a
  // bad --fd; other codes when the transport or the session failed (the
  // message says which). Prints the final counters either way.
  // REQUIRES: called once.
  absl::Status Run();

  // Async-signal-safe: the request in hand is finished, then Run returns.
  void RequestStop();
  bool stop_requested() const;

  ServedDevice& device() { return *served_; }
  const muse::SessionStats& session_stats() const { return session_->stats(); }
  // Where the transport is ("/dev/muse", "fd 3", a socket path).
  const std::string& where() const { return where_; }

 private:
  explicit Server(ServerOptions options);
  absl::Status MountControl();
  // The connected channel's fd (-1 when a stop came first), opened per
  // options_.transport. Sets owns_conn_.
  absl::StatusOr<int> Connect();
  void Log(const char* format, ...) __attribute__((format(printf, 2, 3)));
  void PrintSummary();

  ServerOptions options_;
  std::string where_;
  int stop_pipe_[2] = {-1, -1};
  std::unique_ptr<ServedDevice> served_;
  std::unique_ptr<muse::MuseSession> session_;
  // The control filesystem reads state on its own thread; request_mutex_ is
  // held by the session for each request (LockingChannel) and by the
  // control target for each look, so every look falls between two requests.
  std::mutex request_mutex_;
  std::unique_ptr<ServeControlTarget> control_target_;
  std::unique_ptr<control::ControlFs> control_fs_;
  int conn_ = -1;
  bool owns_conn_ = false;
  bool ran_ = false;
};

}  // namespace flashfault::server
