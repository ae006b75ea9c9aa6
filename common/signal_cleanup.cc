// See signal_cleanup.h.
#include "common/signal_cleanup.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace flashfault {
namespace {

constexpr int kSlots = 16;
constexpr size_t kMaxPath = 4096;

// kFree -> kFilling (a registrar owns it) -> kArmed (the handler may unlink).
enum : int { kFree = 0, kFilling = 1, kArmed = 2 };

struct Slot {
  std::atomic<int> state{kFree};
  char path[kMaxPath];
};
Slot g_slots[kSlots];

void OnSignal(int sig) {
  const int saved = errno;
  for (Slot& s : g_slots) {
    if (s.state.load(std::memory_order_acquire) == kArmed) ::unlink(s.path);
  }
  // End the process the way the signal would have without us.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigemptyset(&dfl.sa_mask);
  ::sigaction(sig, &dfl, nullptr);
  errno = saved;
  ::raise(sig);
}

void InstallOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : {SIGINT, SIGTERM}) {
      struct sigaction old {};
      if (::sigaction(sig, nullptr, &old) != 0) continue;
      // Leave a signal alone when someone (serve, a shell's SIG_IGN for a
      // background job) already decided what it does.
      if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL) {
        struct sigaction sa {};
        sa.sa_handler = OnSignal;
        ::sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND;
        ::sigaction(sig, &sa, nullptr);
      }
    }
  });
}

}  // namespace

int RegisterTempFile(const char* path) {
  const size_t len = std::strlen(path);
  if (len >= kMaxPath) return -1;
  InstallOnce();
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (g_slots[i].state.compare_exchange_strong(expected, kFilling, std::memory_order_acq_rel)) {
      std::memcpy(g_slots[i].path, path, len + 1);
      g_slots[i].state.store(kArmed, std::memory_order_release);
      return i;
    }
  }
  return -1;
}

void UnregisterTempFile(int slot) {
  if (slot < 0 || slot >= kSlots) return;
  g_slots[slot].state.store(kFree, std::memory_order_release);
}

}  // namespace flashfault
