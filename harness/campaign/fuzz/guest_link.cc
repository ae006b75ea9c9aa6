// Booting the fuzz agent's guest and talking to it; see guest_link.h.
#include "harness/campaign/fuzz/guest_link.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/status_macros.h"
#include "common/tail_lines.h"
#include "harness/campaign/guest_script.h"

namespace flashfault::campaign::fuzz {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Long enough for a first run that builds the initramfs and boots a KASAN
// kernel under TCG, and for the agent to format its base.
constexpr int kStartTimeoutS = 900;

int ConnectUnix(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return -1;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool Alive(pid_t pid) {
  if (pid <= 0) return false;
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == 0;
}

}  // namespace

GuestLink::~GuestLink() { Stop(); }

std::string GuestLink::GuestScript() const {
  std::string agent = absl::StrCat("/flashfault fuzz-agent --port \"$port\" --fs ", ShellQuote(o_.fs),
                                   " --preset ", ShellQuote(o_.preset), " --workload ",
                                   ShellQuote(o_.workload));
  if (!o_.survivable.empty()) absl::StrAppend(&agent, " --survivable ", ShellQuote(o_.survivable));
  if (!o_.kcov) absl::StrAppend(&agent, " --no-kcov");
  return absl::StrCat(
      "# flashfault fuzz: the agent that runs kernel-fuzzer inputs (guest_link.cc).\n"
      ". /ff/lib.sh\n. /ff/explore.sh\n"
      "ff_step 'fuzz: loading the MTD stack and muse.ko'\n"
      "load_mtd_stack mtd mtdblock ubi zstd deflate ubifs jffs2 fuse\n"
      "insmod /muse.ko || ff_fail 'insmod /muse.ko failed'\n"
      "i=0; while [ ! -c /dev/muse ] && [ $i -lt 100 ]; do usleep 20000; i=$((i + 1)); done\n"
      "ex_self_checks\n"
      "port=$(ff_port flashfault.channel) || ff_fail 'no channel port (run-guest.sh --channel)'\n"
      "ff_step 'fuzz: agent ready'\n",
      agent, "\n");
}

absl::Status GuestLink::Start() {
  std::error_code ec;
  fs::create_directories(o_.dir / "vm", ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", o_.dir.string(), ": ", ec.message()));
  FF_RETURN_IF_ERROR(WriteFileAtomically((o_.dir / "guest.sh").string(), GuestScript()));
  const fs::path sock = o_.dir / "channel.sock";
  std::vector<std::string> argv = RunGuestCommand(rig_);
  argv.insert(argv.end(), {"--script", (o_.dir / "guest.sh").string(), "--out",
                           (o_.dir / "vm").string(), "--timeout", "2000000000", "--channel",
                           sock.string(), "--file", absl::StrCat(rig_.self.string(), ":/flashfault"),
                           "--file", absl::StrCat(rig_.muse_ko.string(), ":/muse.ko")});
  const std::string rig_log = (o_.dir / "rig.log").string();
  std::fflush(nullptr);
  rig_pid_ = ::fork();
  if (rig_pid_ < 0) return absl::InternalError("fork failed");
  if (rig_pid_ == 0) {
    ::setsid();  // one group: Stop() kills qemu with the script
    const int log = ::open(rig_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log >= 0) {
      ::dup2(log, STDOUT_FILENO);
      ::dup2(log, STDERR_FILENO);
    }
    if (null >= 0) ::dup2(null, STDIN_FILENO);
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  const Clock::time_point start = Clock::now();
  auto waited = [&] {
    return std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count();
  };
  auto open_channel = [&](bool again) -> absl::Status {
    while (fd_ < 0) {
      if (!Alive(rig_pid_)) {
        rig_pid_ = -1;
        return absl::UnavailableError(absl::StrCat(
            again ? "the fuzz agent did not start: the channel closed and the rig stopped; console:\n"
                  : "the guest stopped before its channel opened; console:\n",
            ConsoleTail(15), "(rig log: ", rig_log, ")"));
      }
      if (waited() > kStartTimeoutS) {
        Stop();
        return absl::DeadlineExceededError("the guest's channel did not open in time");
      }
      if (fs::exists(sock)) fd_ = ConnectUnix(sock.string());
      if (fd_ < 0) ::usleep(50000);
    }
    return absl::OkStatus();
  };
  FF_RETURN_IF_ERROR(open_channel(false));
  for (;;) {
    absl::StatusOr<Frame> f = ReadFrame(fd_, 1000);
    if (f.ok() && f->type == FrameType::kHello) {
      hello_ = nlohmann::json::parse(f->body, nullptr, false);
      if (!hello_.is_object()) hello_ = nlohmann::json::object();
      return absl::OkStatus();
    }
    if (f.ok()) return absl::DataLossError("the agent's first frame was not its hello");
    if (!absl::IsDeadlineExceeded(f.status()) && Alive(rig_pid_) && waited() <= kStartTimeoutS) {
      // The channel closed before the hello while the rig runs on: the
      // guest died before /init (under TCG a kernel can die patching its
      // own text in its first seconds) and run-guest.sh boots it once more,
      // on a new channel. Wait for that one; a rig that gives up exits.
      ::close(fd_);
      fd_ = -1;
      FF_RETURN_IF_ERROR(open_channel(true));
      continue;
    }
    if (!absl::IsDeadlineExceeded(f.status()) || !Alive(rig_pid_) || waited() > kStartTimeoutS) {
      const std::string tail = ConsoleTail(15);
      Stop();
      return absl::UnavailableError(absl::StrCat("the fuzz agent did not start: ", f.status().message(),
                                                 "; console:\n", tail));
    }
  }
}

absl::Status GuestLink::Restart() {
  Stop();
  return Start();
}

absl::StatusOr<nlohmann::json> GuestLink::Execute(FrameType type, const std::string& body) {
  if (fd_ < 0) return absl::FailedPreconditionError("no guest");
  FF_RETURN_IF_ERROR(WriteFrame(fd_, type, body));
  absl::StatusOr<Frame> f = ReadFrame(fd_, o_.exec_timeout_s * 1000);
  if (!f.ok()) {
    if (absl::IsDeadlineExceeded(f.status())) {
      return absl::DeadlineExceededError(
          absl::StrCat("the guest did not answer within ", o_.exec_timeout_s, " s"));
    }
    return absl::UnavailableError(absl::StrCat("the guest went away: ", f.status().message()));
  }
  if (f->type != FrameType::kResult) return absl::DataLossError("the agent answered with a non-result frame");
  nlohmann::json r = nlohmann::json::parse(f->body, nullptr, false);
  if (!r.is_object()) return absl::DataLossError("the agent's result is not a JSON object");
  return r;
}

void GuestLink::Stop() {
  if (fd_ >= 0) {
    (void)WriteFrame(fd_, FrameType::kQuit, "");
    ::close(fd_);
    fd_ = -1;
  }
  if (rig_pid_ <= 0) return;
  // The agent exits on quit and the guest powers off; a hung one is killed.
  for (int i = 0; i < 100 && Alive(rig_pid_); ++i) ::usleep(100000);
  if (Alive(rig_pid_)) {
    ::kill(-rig_pid_, SIGKILL);
    int status = 0;
    ::waitpid(rig_pid_, &status, 0);
  }
  rig_pid_ = -1;
}

std::string GuestLink::ConsoleTail(size_t lines) const {
  absl::StatusOr<std::vector<std::string>> tail =
      TailLines((o_.dir / "vm" / "console.log").string(), lines);
  if (!tail.ok()) return "(no console log)";
  std::string out;
  for (const std::string& l : *tail) absl::StrAppend(&out, l, "\n");
  return out;
}

}  // namespace flashfault::campaign::fuzz
