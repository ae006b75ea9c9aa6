// Guest-side shell and MTD helpers; see guest_shell.h.
#include "harness/campaign/guest_shell.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace flashfault::campaign {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace

// Runs `script` with /bin/sh; its exit status (128+signal, -1 when it
// could not run). Output goes to `output`.
int RunShell(const std::string& script, std::string* output) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return -1;
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::dup2(pipefd[1], STDOUT_FILENO);
    ::dup2(pipefd[1], STDERR_FILENO);
    ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(pipefd[1]);
  char buf[4096];
  for (ssize_t n; (n = ::read(pipefd[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    output->append(buf, static_cast<size_t>(n));
  }
  ::close(pipefd[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The number of the MTD named kMtdName in /proc/mtd, waiting up to
// `timeout_ms` for it to appear; -1 on timeout.
namespace {

// The number of the MTD named `name` in /proc/mtd now; -1 when none is.
int FindMtd(const std::string& name) {
  const std::string quoted = absl::StrCat("\"", name, "\"");
  std::ifstream in("/proc/mtd");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("mtd", 0) == 0 && line.find(quoted) != std::string::npos) {
      return std::atoi(line.c_str() + 3);
    }
  }
  return -1;
}

}  // namespace

int WaitMtd(const std::string& name, int timeout_ms) {
  const Clock::time_point start = Clock::now();
  while (MsSince(start) < timeout_ms) {
    if (const int mtd = FindMtd(name); mtd >= 0) return mtd;
    ::usleep(2000);
  }
  return -1;
}

bool WaitMtdGone(const std::string& name, int timeout_ms) {
  const Clock::time_point start = Clock::now();
  while (MsSince(start) < timeout_ms) {
    if (FindMtd(name) < 0) return true;
    ::usleep(2000);
  }
  return false;
}

}  // namespace flashfault::campaign
