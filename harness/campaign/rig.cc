// Locating the VM rig and starting children; see rig.h.
#include "harness/campaign/rig.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>

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

absl::StatusOr<RigPaths> LocateRig(const std::string& muse_ko_flag) {
  RigPaths rig;
  rig.self = SelfExe();
  const std::optional<fs::path> root = FindRoot();
  if (!root) {
    return absl::FailedPreconditionError(
        "cannot find the repository (harness/vm/run-guest.sh) above this binary; set "
        "FLASHFAULT_ROOT");
  }
  rig.root = *root;
  const std::optional<fs::path> ko = FindMuseKo(muse_ko_flag, *root);
  if (!ko) {
    return absl::FailedPreconditionError(
        "muse.ko not found (build it: bash harness/setup/build-kmod.sh BUILD_DIR; or --muse-ko "
        "FILE)");
  }
  rig.muse_ko = *ko;
  return rig;
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
      std::fprintf(stderr, "[guest] %s\n", line.c_str() + 5);
    }
  }
}

int Spawn(const std::vector<std::string>& argv, StepRelay* relay) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    dup2(STDERR_FILENO, STDOUT_FILENO);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    std::fprintf(stderr, "flashfault: cannot run %s\n", args[0]);
    _exit(127);
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
