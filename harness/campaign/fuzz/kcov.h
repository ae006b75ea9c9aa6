// KCOV in the guest: the kernel code the fuzz agent's own thread ran while
// an input executed (attach, mount, the workload's syscalls, unmount,
// detach, the recovery check). The debug kernel instruments only the MTD
// core, UBI, UBIFS and JFFS2 (harness/vm/debug-kernel.config), so every PC
// is the flash stack's. Work the kernel does in its own threads (UBI's
// background thread, UBIFS's commit thread) is not seen: KCOV follows one
// task.
//
// Open() fails with NotFound on a kernel without KCOV (the stock Debian
// kernel): the agent then uses its other feedback. Must not: interpret
// PCs (features.h turns them into edges).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"

namespace flashfault::campaign::fuzz {

class Kcov {
 public:
  static absl::StatusOr<std::unique_ptr<Kcov>> Open(size_t max_pcs = 1u << 20);
  ~Kcov();
  Kcov(const Kcov&) = delete;
  Kcov& operator=(const Kcov&) = delete;

  // Starts collecting for the calling thread (clears the buffer).
  absl::Status Enable();
  // Stops and returns the PCs in the order the thread hit them (the buffer
  // holds at most max_pcs; `*overflowed` says whether it filled).
  std::vector<uint64_t> Disable(bool* overflowed);

 private:
  Kcov(int fd, uint64_t* area, size_t words) : fd_(fd), area_(area), words_(words) {}
  int fd_;
  uint64_t* area_;
  size_t words_;
};

}  // namespace flashfault::campaign::fuzz
