// `flashfault serve`: the MUSE server. Serves an emulated flash part (a
// NandModel on RAM) to the kernel through /dev/muse, or over an inherited
// stream fd or a unix socket (stream framing), until the kernel aborts the
// connection, the peer closes, or SIGINT/SIGTERM arrive (the request in hand
// is finished, the device synced, exit 0).
//
// This file only wires flags, transports and signals to MuseSession; protocol
// decisions live in harness/muse/. It must not call exit().
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "backends/model/geometry_json.h"
#include "harness/cli/arg_parser.h"
#include "harness/cli/command.h"
#include "harness/control/served_device.h"
#include "harness/control/control_fs.h"
#include "harness/control/locking_channel.h"
#include "harness/control/serve_target.h"
#include "harness/control/server_nodes.h"
#include "harness/muse/muse_session.h"
#include "harness/muse/transport.h"

namespace flashfault::cli {
namespace {

int g_wake_write_fd = -1;  // the signal handler's only state

void OnStopSignal(int) {
  const char c = 1;
  // Async-signal-safe; a full pipe already holds a wake-up, so ignore errors.
  [[maybe_unused]] ssize_t n = ::write(g_wake_write_fd, &c, 1);
}

// Installs SIGINT/SIGTERM handlers that poke a pipe, and ignores SIGPIPE (a
// vanished peer must be an error status, not a death). Restores on scope exit.
class StopSignals {
 public:
  StopSignals() {
    if (::pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0) return;
    g_wake_write_fd = pipe_[1];
    struct sigaction sa {};
    sa.sa_handler = OnStopSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: a blocking read returns EINTR
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ign, &old_pipe_);
    installed_ = true;
  }
  ~StopSignals() {
    if (!installed_) return;
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
    ::sigaction(SIGPIPE, &old_pipe_, nullptr);
    g_wake_write_fd = -1;
    ::close(pipe_[0]);
    ::close(pipe_[1]);
  }
  bool ok() const { return installed_; }
  int wake_fd() const { return pipe_[0]; }
  bool stop_requested() const {
    pollfd p{pipe_[0], POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }

 private:
  int pipe_[2] = {-1, -1};
  bool installed_ = false;
  struct sigaction old_int_ {}, old_term_ {}, old_pipe_ {};
};

std::string GeometrySummary(const Geometry& g) {
  char line[160];
  std::snprintf(line, sizeof line, "%s %u+%u, %u pages/block, %u blocks, %llu MiB",
                CellTypeName(g.cell), g.page_size, g.oob_size, g.pages_per_block, g.block_count,
                static_cast<unsigned long long>(g.total_size() >> 20));
  return line;
}

// Listens on a unix socket and accepts one connection; -1 on failure or
// when a stop signal arrives first (message printed).
int AcceptOne(const std::string& path, int wake_fd) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) {
    std::fprintf(stderr, "flashfault serve: socket path too long: %s\n", path.c_str());
    return -1;
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int ls = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (ls < 0) return -1;
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());  // stale
  if (::bind(ls, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(ls, 1) != 0) {
    std::fprintf(stderr, "flashfault serve: cannot listen on %s: %s\n", path.c_str(),
                 std::strerror(errno));
    ::close(ls);
    return -1;
  }
  std::fprintf(stderr, "flashfault serve: waiting for a connection on %s\n", path.c_str());
  pollfd fds[2] = {{ls, POLLIN, 0}, {wake_fd, POLLIN, 0}};
  int conn = -1;
  for (;;) {
    int r = ::poll(fds, 2, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || (fds[1].revents & POLLIN)) break;
    conn = ::accept4(ls, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn >= 0 || (errno != EINTR && errno != EAGAIN)) break;
  }
  ::close(ls);
  ::unlink(path.c_str());
  return conn;
}

}  // namespace

int RunServe(std::span<char* const> args_in) {
  // The shared parser knows only long flags; -v is the one short alias.
  std::vector<char*> args(args_in.begin(), args_in.end());
  static char verbose_flag[] = "--verbose";
  for (char*& a : args) {
    if (std::strcmp(a, "-v") == 0) a = verbose_flag;
  }
  std::string preset, geometry_file, image, device = "/dev/muse", socket_path, name, parts;
  std::string control_dir, script, events, seed_text, fault_stream, export_script;
  uint64_t fd = UINT64_MAX, max_io = 0;
  bool verbose = false, no_direct_reads = false;
  ArgParser parser(
      "flashfault serve (--preset NAME | --geometry FILE | --image FILE)"
      " [--device PATH | --fd N | --socket PATH]"
      " [--script FILE] [--seed N] [--events FILE]"
      " [--name MTDNAME] [--parts CMDLINE] [--control DIR] [-v]",
      "Serve an emulated flash part to the kernel as an MTD over the MUSE protocol. By default\n"
      "opens /dev/muse (load muse.ko first; needs CAP_SYS_ADMIN) and serves until the kernel\n"
      "ends the connection or SIGINT/SIGTERM arrives (then it finishes the request in hand,\n"
      "syncs and exits 0). --fd and --socket serve the same protocol over a byte stream,\n"
      "each message delimited by the length in its header. With --image the flash lives in\n"
      "an image file (see 'flashfault image create'): every write acknowledged before a\n"
      "SYNC, and everything at exit, survives a restart. --control DIR mounts a control\n"
      "directory (FUSE, owner only) with live state and commands; see 'flashfault ctl'.\n"
      "--script injects the faults of a JSON fault script (see 'flashfault script check');\n"
      "--events logs every operation and injected fault as JSON Lines.",
      "  sudo flashfault serve --preset slc-2k-128m --name ff0 --parts '1M(boot),-(ubi)'\n"
      "  sudo flashfault serve --image nand.img\n"
      "  flashfault serve --preset slc-2k-64m --socket /tmp/ff.sock -v\n"
      "  flashfault serve --preset slc-2k-64m --socket /tmp/ff.sock --control /tmp/ff-ctl");
  parser.AddString("preset", "NAME", "geometry preset (see 'flashfault geometry list')", &preset);
  parser.AddString("geometry", "FILE", "geometry JSON file instead of a preset", &geometry_file);
  parser.AddString("image", "FILE", "serve a persistent image file (geometry from its metadata)",
                   &image);
  parser.AddString("device", "PATH", "MUSE device node (default /dev/muse)", &device);
  parser.AddUint("fd", "N", "serve an inherited stream fd instead of the device", &fd);
  parser.AddString("socket", "PATH", "listen on a unix socket, serve one connection", &socket_path);
  parser.AddString("name", "MTDNAME", "MTD name (default: the geometry's name)", &name);
  parser.AddString("parts", "CMDLINE", "partitions, cmdlinepart syntax without 'mtd-id:'", &parts);
  parser.AddUint("max-io", "BYTES", "max_read/max_write to offer (default: automatic)", &max_io);
  parser.AddString("script", "FILE", "JSON fault script to inject (checked against the geometry)",
                   &script);
  parser.AddString("seed", "N", "seed of every random fault decision (default: the script's)",
                   &seed_text);
  parser.AddString("events", "FILE", "write the event log (JSON Lines) to FILE", &events);
  parser.AddString("fault-stream", "FILE",
                   "let a byte stream (e.g. a fuzzer input) decide faults op by op", &fault_stream);
  parser.AddString("export-script", "FILE",
                   "at exit, write the stream's decisions as an equivalent fault script",
                   &export_script);
  parser.AddString("control", "DIR",
                   "mount the control filesystem on DIR (created if missing, must be empty)",
                   &control_dir);
  parser.AddBool("no-direct-reads",
                 "send every read to the server, even clean ones the module could serve "
                 "from the shared store",
                 &no_direct_reads);
  parser.AddBool("verbose", "log every request on stderr (also -v)", &verbose);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "serve"); rc >= 0) return rc;

  if (fd != UINT64_MAX && !socket_path.empty()) {
    std::fprintf(stderr, "flashfault serve: --fd and --socket exclude each other\n");
    return kExitUsage;
  }
  control::ServedDeviceOptions device_options{.preset = preset, .geometry_file = geometry_file,
      .image = image, .script = script, .events = events, .seed = std::nullopt,
      .fault_stream = fault_stream, .export_script = export_script,
      // Only the kernel module can read the store directly.
      .direct_reads = fd == UINT64_MAX && socket_path.empty() && !no_direct_reads};
  if (!seed_text.empty()) {
    uint64_t seed = 0;
    if (!absl::SimpleAtoi(seed_text, &seed)) {
      std::fprintf(stderr, "flashfault serve: --seed: expected an unsigned number, got '%s'\n",
                   seed_text.c_str());
      return kExitUsage;
    }
    device_options.seed = seed;
  }
  absl::StatusOr<std::unique_ptr<control::ServedDevice>> served =
      control::OpenServedDevice(device_options);
  if (!served.ok()) {
    std::fprintf(stderr, "flashfault serve: %s\n", std::string(served.status().message()).c_str());
    const absl::StatusCode code = served.status().code();
    return code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kNotFound ||
                   code == absl::StatusCode::kOutOfRange
               ? kExitUsage
               : kExitFailure;
  }
  FaultLayer& layer = *(*served)->layer;
  const Geometry* g = &layer.geometry();
  const std::vector<FaultStats> faults = layer.stats();
  std::fprintf(stderr, "flashfault serve: %zu fault(s)%s%s, seed %llu%s%s\n", faults.size(),
               script.empty() ? "" : " from ", script.c_str(),
               static_cast<unsigned long long>(layer.seed()),
               events.empty() ? "" : ", events to ", events.c_str());

  std::string where = fd != UINT64_MAX       ? "fd " + std::to_string(fd)
                      : !socket_path.empty() ? socket_path
                                             : device;
  muse::SessionOptions opts;
  opts.name = name;
  opts.parts = parts;
  opts.max_io = static_cast<uint32_t>(std::min<uint64_t>(max_io, UINT32_MAX));
  opts.verbose = verbose;
  const std::string mtd_name = name.empty() ? g->name : name;
  const std::string summary = GeometrySummary(*g);
  opts.on_init = [&] {
    std::fprintf(stderr, "serving %s (%s) on %s\n", mtd_name.c_str(), summary.c_str(),
                 where.c_str());
  };
  absl::StatusOr<std::unique_ptr<muse::MuseSession>> session =
      muse::MuseSession::Create((*served)->device(), std::move(opts));
  if (!session.ok()) {
    std::fprintf(stderr, "flashfault serve: %s\n",
                 std::string(session.status().message()).c_str());
    return kExitUsage;
  }

  StopSignals signals;
  if (!signals.ok()) {
    std::fprintf(stderr, "flashfault serve: cannot set up signal handling\n");
    return kExitFailure;
  }

  // The control filesystem reads state on its own thread; request_mutex is
  // held by the session for each request (LockingChannel) and by the
  // control target for each look, so every look falls between two requests.
  // Mounted before the transport, so a user can look while we wait.
  std::mutex request_mutex;
  std::unique_ptr<control::ServeControlTarget> control_target;
  std::unique_ptr<control::ControlFs> control_fs;
  if (!control_dir.empty()) {
    control_target = std::make_unique<control::ServeControlTarget>(**served, request_mutex,
                                                                   (*session)->stats());
    absl::StatusOr<std::unique_ptr<control::ControlFs>> mounted = control::ControlFs::Mount(
        control_dir, control::BuildServerNodes(*control_target, control_dir));
    if (!mounted.ok()) {
      std::fprintf(stderr, "flashfault serve: --control: %s\n",
                   std::string(mounted.status().message()).c_str());
      return absl::IsInvalidArgument(mounted.status()) ? kExitUsage : kExitFailure;
    }
    control_fs = std::move(*mounted);
    std::fprintf(stderr, "flashfault serve: control directory on %s\n",
                 control_fs->mount_point().c_str());
  }

  int conn = -1;
  bool owns_conn = false;
  std::unique_ptr<muse::MessageChannel> channel;
  if (fd != UINT64_MAX) {
    conn = static_cast<int>(fd);
    if (fd > INT32_MAX || ::fcntl(conn, F_GETFD) < 0) {
      std::fprintf(stderr, "flashfault serve: --fd %llu is not an open file descriptor\n",
                   static_cast<unsigned long long>(fd));
      return kExitUsage;
    }
    channel = std::make_unique<muse::StreamChannel>(conn, signals.wake_fd());
  } else if (!socket_path.empty()) {
    conn = AcceptOne(socket_path, signals.wake_fd());
    if (conn < 0) return signals.stop_requested() ? kExitOk : kExitFailure;
    owns_conn = true;
    channel = std::make_unique<muse::StreamChannel>(conn, signals.wake_fd());
  } else {
    conn = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
    if (conn < 0) {
      int err = errno;
      std::fprintf(stderr, "flashfault serve: cannot open %s: %s%s\n", device.c_str(),
                   std::strerror(err),
                   err == ENOENT   ? " (is muse.ko loaded? it is not auto-loaded)"
                   : err == EPERM || err == EACCES ? " (needs root / CAP_SYS_ADMIN)"
                                                   : "");
      return kExitFailure;
    }
    owns_conn = true;
    channel = std::make_unique<muse::DeviceChannel>(conn, signals.wake_fd());
    if ((*served)->direct) {
      absl::StatusOr<bool> shared = (*served)->direct->Share(conn);
      if (!shared.ok()) {
        std::fprintf(stderr, "flashfault serve: %s\n", shared.status().ToString().c_str());
        ::close(conn);
        return kExitFailure;
      }
      std::fprintf(stderr, "flashfault serve: direct reads %s\n",
                   *shared ? "on: the module serves clean reads from the shared store"
                           : "off: this kernel's /dev/muse has none");
    }
  }

  control::LockingChannel locked_channel(*channel, request_mutex);
  absl::Status st = (*session)->Run(locked_channel);
  // The session's final sync goes through the fault layer; when an injected
  // power cut refuses it, what the cells hold is still ours to persist.
  if (!st.ok() && IsInjectedFault(st)) st = (*served)->layer->model().Sync();
  // Unlock before unmounting: the control thread may be waiting for it.
  locked_channel.Release();
  if (control_fs) control_fs->Stop();
  if (owns_conn) ::close(conn);
  const muse::SessionStats& stats = (*session)->stats();
  std::fprintf(stderr,
               "flashfault serve: %s after %llu requests (%llu error replies, %llu soft errors, "
               "%llu malformed)\n",
               signals.stop_requested() ? "stopped" : "connection ended",
               static_cast<unsigned long long>(stats.requests),
               static_cast<unsigned long long>(stats.errors),
               static_cast<unsigned long long>(stats.soft_errors),
               static_cast<unsigned long long>(stats.malformed));
  if ((*served)->direct && (*served)->direct->counters().shared) {
    const control::DirectReads::Counters d = (*served)->direct->counters();
    std::fprintf(stderr, "flashfault serve: the module served %llu reads (%llu bytes) and %llu "
                 "isbad directly\n", static_cast<unsigned long long>(d.reads),
                 static_cast<unsigned long long>(d.read_bytes),
                 static_cast<unsigned long long>(d.isbad));
  }
  if (!st.ok()) {
    std::fprintf(stderr, "flashfault serve: %s\n", st.ToString().c_str());
    return kExitFailure;
  }
  if (!(*session)->initialized() && !signals.stop_requested()) {
    std::fprintf(stderr, "flashfault serve: the connection ended before INIT was answered\n");
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace flashfault::cli
