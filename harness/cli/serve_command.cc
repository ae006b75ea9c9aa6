// `flashfault serve`: the MUSE server's flags and exit codes. The server
// itself (transport, control directory, session, final sync) is
// harness/server/server.h; this file parses flags, wires SIGINT/SIGTERM to
// Server::RequestStop and maps the outcome to an exit status. It must not
// call exit().
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "harness/cli/arg_parser.h"
#include "harness/cli/command.h"
#include "common/status_macros.h"
#include "fault-models/replay/crash_state.h"
#include "harness/campaign/crash_states.h"
#include "harness/server/server.h"

namespace flashfault::cli {
namespace {

server::Server* g_server = nullptr;  // the signal handler's only state

void OnStopSignal(int) {
  if (g_server != nullptr) g_server->RequestStop();
}

// Routes SIGINT/SIGTERM to the server, and ignores SIGPIPE (a vanished peer
// must be an error status, not a death). Restores on scope exit.
class StopSignals {
 public:
  explicit StopSignals(server::Server& s) {
    g_server = &s;
    struct sigaction sa {};
    sa.sa_handler = OnStopSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: a blocking read returns EINTR
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ign, &old_pipe_);
  }
  ~StopSignals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
    ::sigaction(SIGPIPE, &old_pipe_, nullptr);
    g_server = nullptr;
  }

 private:
  struct sigaction old_int_ {}, old_term_ {}, old_pipe_ {};
};

// InvalidArgument, NotFound and OutOfRange are the user's input.
int ExitFor(const absl::Status& s) {
  const absl::StatusCode code = s.code();
  return code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kNotFound ||
                 code == absl::StatusCode::kOutOfRange
             ? kExitUsage
             : kExitFailure;
}

// --crash-log LOG --crash-state ID: the part starts as the state the cut
// leaves (fault-models/replay/crash_state.h), its geometry the log's.
absl::Status AddCrashState(const std::string& log, const std::string& id,
                           server::ServedDeviceOptions& device) {
  if (log.empty() || id.empty()) {
    return absl::InvalidArgumentError("--crash-log and --crash-state go together");
  }
  if (!device.preset.empty() || !device.geometry_file.empty() || !device.image.empty()) {
    return absl::InvalidArgumentError(
        "--crash-state takes its geometry from the log; drop --preset/--geometry/--image");
  }
  FF_ASSIGN_OR_RETURN(const campaign::CrashState state, campaign::ParseCrashStateId(id));
  std::shared_ptr<LogReplayer> cursor;
  {
    FF_ASSIGN_OR_RETURN(std::unique_ptr<LogReplayer> opened, LogReplayer::Open(log));
    cursor = std::move(opened);
  }
  device.geometry = cursor->cursor().geometry();
  device.initial_state = [cursor, cut = state.ToCut()](FaultLayer& layer, const FaultPlan& plan) {
    return MaterialiseCrashState(*cursor, cut, plan, layer);
  };
  return absl::OkStatus();
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
  std::string crash_log, crash_state, summary;
  uint64_t fd = UINT64_MAX, max_io = 0;
  bool verbose = false, no_direct_reads = false, decode = false;
  ArgParser parser(
      "flashfault serve (--preset NAME | --geometry FILE | --image FILE)"
      " [--device PATH | --fd N | --socket PATH]"
      " [--script FILE] [--seed N] [--events FILE [--decode]] [--summary FILE]"
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
      "--events logs every operation and injected fault as JSON Lines; with --decode each\n"
      "op also says what it touched (UBI headers and volumes, UBIFS and JFFS2 nodes; read\n"
      "it with 'flashfault log --decode'). Faults aimed by meaning decode by themselves.\n"
      "--summary writes at exit the erase count of every eraseblock, the bad blocks (at\n"
      "start and grown), and ops and faults along the op sequence (what 'flashfault\n"
      "report' draws).",
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
  parser.AddUint("max-io", "BYTES",
                 "max_read/max_write to offer, at least max(4096, page size) (default: automatic); "
                 "the kernel splits longer I/O, and fault scripts count each request as one op "
                 "(when.per \"page\" counts its pages)",
                 &max_io);
  parser.AddString("script", "FILE", "JSON fault script to inject (checked against the geometry)",
                   &script);
  parser.AddString("seed", "N", "seed of every random fault decision (default: the script's)",
                   &seed_text);
  parser.AddString("events", "FILE", "write the event log (JSON Lines) to FILE", &events);
  parser.AddString("summary", "FILE",
                   "at exit, write the device summary (erase counts, bad blocks, ops and faults "
                   "over time; harness/server/device_summary.h) to FILE",
                   &summary);
  parser.AddString("fault-stream", "FILE",
                   "let a byte stream (e.g. a fuzzer input) decide faults op by op", &fault_stream);
  parser.AddString("export-script", "FILE",
                   "at exit, write the stream's decisions as an equivalent fault script",
                   &export_script);
  parser.AddString("crash-log", "LOG",
                   "with --crash-state: the replayable event log of a recorded run", &crash_log);
  parser.AddString("crash-state", "ID",
                   "serve the state a power cut during a recorded op leaves (an id from "
                   "'flashfault explore': op123, op123.torn.s9; geometry from the log)",
                   &crash_state);
  parser.AddString("control", "DIR",
                   "mount the control filesystem on DIR (created if missing, must be empty)",
                   &control_dir);
  parser.AddBool("no-direct-reads",
                 "send every read to the server, even clean ones the module could serve "
                 "from the shared store",
                 &no_direct_reads);
  parser.AddBool("decode",
                 "classify every op by what the flash holds, for the event log and the "
                 "control directory",
                 &decode);
  parser.AddBool("verbose", "log every request on stderr (also -v)", &verbose);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "serve"); rc >= 0) return rc;

  if (fd != UINT64_MAX && !socket_path.empty()) {
    std::fprintf(stderr, "flashfault serve: --fd and --socket exclude each other\n");
    return kExitUsage;
  }
  server::ServerOptions options;
  options.device.preset = preset;
  options.device.geometry_file = geometry_file;
  options.device.image = image;
  options.device.script = script;
  options.device.events = events;
  options.device.summary = summary;
  options.device.decode = decode;
  options.device.fault_stream = fault_stream;
  options.device.export_script = export_script;
  if (!seed_text.empty()) {
    uint64_t seed = 0;
    if (!absl::SimpleAtoi(seed_text, &seed)) {
      std::fprintf(stderr, "flashfault serve: --seed: expected an unsigned number, got '%s'\n",
                   seed_text.c_str());
      return kExitUsage;
    }
    options.device.seed = seed;
  }
  if (!crash_state.empty() || !crash_log.empty()) {
    if (absl::Status s = AddCrashState(crash_log, crash_state, options.device); !s.ok()) {
      std::fprintf(stderr, "flashfault serve: %s\n", std::string(s.message()).c_str());
      return ExitFor(s);
    }
  }
  if (fd != UINT64_MAX) {
    if (fd > INT32_MAX) {
      std::fprintf(stderr, "flashfault serve: --fd %llu is not an open file descriptor\n",
                   static_cast<unsigned long long>(fd));
      return kExitUsage;
    }
    options.transport = server::ServerOptions::Transport::kFd;
    options.fd = static_cast<int>(fd);
  } else if (!socket_path.empty()) {
    options.transport = server::ServerOptions::Transport::kSocket;
    options.socket_path = socket_path;
  } else {
    options.muse_device = device;
  }
  options.direct_reads = !no_direct_reads;
  options.session.name = name;
  options.session.parts = parts;
  options.session.max_io = static_cast<uint32_t>(std::min<uint64_t>(max_io, UINT32_MAX));
  options.session.verbose = verbose;
  options.control_dir = control_dir;

  absl::StatusOr<std::unique_ptr<server::Server>> created =
      server::Server::Create(std::move(options));
  if (!created.ok()) {
    std::fprintf(stderr, "flashfault serve: %s\n",
                 std::string(created.status().message()).c_str());
    return ExitFor(created.status());
  }
  server::Server& srv = **created;
  StopSignals signals(srv);
  const absl::Status st = srv.Run();
  if (!st.ok()) {
    std::fprintf(stderr, "flashfault serve: %s\n", std::string(st.message()).c_str());
    return st.code() == absl::StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  return kExitOk;
}

}  // namespace flashfault::cli
