// Locating the VM rig and starting children; see rig.h.
#include "harness/campaign/rig.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "harness/campaign/progress.h"

namespace flashfault::campaign {
namespace {

namespace fs = std::filesystem;

std::optional<fs::path> FindRoot() {
  if (const char* env = std::getenv("FLASHFAULT_ROOT"); env != nullptr && *env != '\0') {
    if (fs::exists(fs::path(env) / "harness/vm/run-guest.sh")) return fs::path(env);
    return std::nullopt;
  }
  for (fs::path d = SelfExe().parent_path(); !d.empty() && d != d.root_path(); d = d.parent_path()) {
    if (fs::exists(d / "harness/vm/run-guest.sh")) return d;
  }
  return std::nullopt;
}

std::optional<fs::path> FindMuseKo(const std::string& flag, const fs::path& root) {
  if (!flag.empty()) return fs::exists(flag) ? std::optional<fs::path>(flag) : std::nullopt;
  if (const char* env = std::getenv("FLASHFAULT_MUSE_KO"); env != nullptr && *env != '\0') {
    return fs::exists(env) ? std::optional<fs::path>(env) : std::nullopt;
  }
  for (fs::path d = SelfExe().parent_path(); !d.empty() && d != d.root_path(); d = d.parent_path()) {
    if (fs::exists(d / "kmod/muse.ko")) return d / "kmod/muse.ko";
    if (d == root) break;
  }
  if (fs::exists(root / "kmod/muse.ko")) return root / "kmod/muse.ko";
  return std::nullopt;
}

}  // namespace

fs::path SelfExe() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : p;
}

namespace {

// The last value of `KEY=` in a script's sourceable output, or "".
std::string ValueOf(const std::string& text, const std::string& key) {
  const std::string prefix = key + "=";
  std::string value;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::ConsumePrefix(&line, prefix)) value = std::string(line);
  }
  return value;
}

// Resolves `kernel` to an ABI and, without a module flag, builds (or finds
// cached) muse.ko for it.
absl::Status ChooseKernel(RigPaths& rig, const std::string& muse_ko_flag,
                          const std::string& kernel) {
  std::vector<std::string> argv = {"bash"};
  if (muse_ko_flag.empty()) {
    argv.insert(argv.end(), {(rig.root / "harness/setup/build-kmod.sh").string(), "--kernel", kernel});
  } else {
    argv.insert(argv.end(), {(rig.root / "harness/vm/fetch-kernel.sh").string(), "--kernel", kernel,
                             "--resolve"});
  }
  std::string out;
  const int rc = Spawn(argv, nullptr, &out);
  rig.kernel = ValueOf(out, "ABI");
  if (rc == 2) {  // the scripts' "not a kernel": bad input, their message names it
    return absl::InvalidArgumentError(absl::StrCat("--kernel ", kernel, ": not a kernel this rig can boot"));
  }
  if (rc != 0 || rig.kernel.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--kernel ", kernel, ": ", argv[1], " failed (exit ", rc, "; its message is above)"));
  }
  if (!muse_ko_flag.empty()) return absl::OkStatus();
  rig.muse_ko = ValueOf(out, "MUSE_KO");
  if (rig.muse_ko.empty() || !fs::exists(rig.muse_ko)) {
    return absl::FailedPreconditionError(
        absl::StrCat("--kernel ", kernel, ": build-kmod.sh named no muse.ko"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RigPaths> LocateRig(const std::string& muse_ko_flag,
                                   const std::string& kernel_flag) {
  RigPaths rig;
  rig.self = SelfExe();
  const std::optional<fs::path> root = FindRoot();
  if (!root) {
    return absl::FailedPreconditionError(
        "cannot find the repository (harness/vm/run-guest.sh) above this binary; set "
        "FLASHFAULT_ROOT");
  }
  rig.root = *root;
  const char* env_kernel = std::getenv("FLASHFAULT_KERNEL");
  const std::string kernel = kernel_flag.empty() && env_kernel != nullptr ? env_kernel : kernel_flag;
  if (!kernel.empty()) {
    // $FLASHFAULT_MUSE_KO pairs with $FLASHFAULT_KERNEL, never with a --kernel flag.
    const char* env_ko = std::getenv("FLASHFAULT_MUSE_KO");
    const std::string ko = !muse_ko_flag.empty() || !kernel_flag.empty() || env_ko == nullptr
                               ? muse_ko_flag
                               : env_ko;
    if (!ko.empty() && !fs::exists(ko)) {
      return absl::FailedPreconditionError(absl::StrCat("muse.ko ", ko, ": no such file"));
    }
    rig.muse_ko = ko;
    FF_RETURN_IF_ERROR(ChooseKernel(rig, ko, kernel));
    return rig;
  }
  const std::optional<fs::path> ko = FindMuseKo(muse_ko_flag, *root);
  if (!ko) {
    return absl::FailedPreconditionError(
        "muse.ko not found (build it: bash harness/setup/build-kmod.sh BUILD_DIR; or --muse-ko "
        "FILE)");
  }
  rig.muse_ko = *ko;
  return rig;
}

std::vector<std::string> RunGuestCommand(const RigPaths& rig) {
  std::vector<std::string> argv = {"bash", (rig.root / "harness/vm/run-guest.sh").string()};
  if (!rig.kernel.empty()) argv.insert(argv.end(), {"--kernel", rig.kernel});
  return argv;
}

void StepRelay::Poll() {
  std::ifstream in(console_, std::ios::binary);
  if (!in) return;
  in.seekg(static_cast<std::streamoff>(offset_));
  std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  offset_ += chunk.size();
  pending_ += chunk;
  for (size_t nl; (nl = pending_.find('\n')) != std::string::npos; pending_.erase(0, nl + 1)) {
    std::string line = pending_.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // After the script, /init repeats its whole output framed: relay only the live part.
    if (line.find("FLASHFAULT-BEGIN-GUEST-LOG") != std::string::npos) replayed_ = true;
    if (!replayed_ && line.rfind("STEP ", 0) == 0) {
      ProgressPrinter::Stderr().Line("[guest]", line.substr(5));
    }
  }
}

int Spawn(const std::vector<std::string>& argv, StepRelay* relay, std::string* stdout_text) {
  std::fflush(nullptr);
  int pipe_fds[2] = {-1, -1};
  if (stdout_text != nullptr && pipe2(pipe_fds, O_CLOEXEC) != 0) return -1;
  const pid_t pid = fork();
  if (pid < 0) {
    if (stdout_text != nullptr) close(pipe_fds[0]), close(pipe_fds[1]);
    return -1;
  }
  if (pid == 0) {
    dup2(stdout_text != nullptr ? pipe_fds[1] : STDERR_FILENO, STDOUT_FILENO);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    std::fprintf(stderr, "flashfault: cannot run %s\n", args[0]);
    _exit(127);
  }
  if (stdout_text != nullptr) {
    // Read to EOF before waiting: a child blocked on a full pipe never exits.
    close(pipe_fds[1]);
    char buf[4096];
    for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof buf)) != 0;) {
      if (n > 0) stdout_text->append(buf, static_cast<size_t>(n));
      else if (errno != EINTR) break;
    }
    close(pipe_fds[0]);
  }
  int status = 0;
  for (;;) {
    const pid_t r = waitpid(pid, &status, relay != nullptr ? WNOHANG : 0);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return -1;
    if (relay != nullptr) {
      relay->Poll();
      usleep(200000);
    }
  }
  if (relay != nullptr) relay->Poll();
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace flashfault::campaign
