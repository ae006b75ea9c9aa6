// ControlFs: a small FUSE filesystem (libfuse3 low-level API) that shows a
// fixed set of "nodes" -- generated text files and command files -- under a
// mount point, so a running server can be inspected and driven with `cat`,
// `jq`, `echo >` and `cp`.
//
// It is generic: it knows nothing about flash, the MUSE session or faults.
// A node's content is produced by its read callback when the file is opened
// (one consistent snapshot per open, however the reader chunks its reads);
// what a writer writes is buffered and handed whole to the write callback
// when the file is closed. A write callback's error makes close() fail with
// EINVAL, and its message is readable from the root's `last_error` file
// (which ControlFs adds itself); the callback must leave the old state alone.
//
// Only the owner may use it: the mount uses default_permissions with modes
// 0400/0600/0200 (files) and 0700 (directories), and every handler also
// refuses requests from any uid but the server's effective uid. It must not
// create, delete or rename anything, and callbacks must not touch the mount
// itself (the loop is single-threaded: that would deadlock).
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct fuse_session;

namespace flashfault::control {

struct ControlNode {
  enum class Access {
    kReadOnly,   // 0400: a generated file
    kReadWrite,  // 0600: generated on read, replaced on write (e.g. the script)
    kWriteOnly,  // 0200: a command; writing runs it
  };
  // Relative path below the mount point, '/'-separated ("blocks/bad");
  // intermediate directories are created implicitly.
  std::string path;
  Access access = Access::kReadOnly;
  // The file's whole content, produced afresh on every open for reading.
  // An error fails the open() with EIO and lands in last_error. Required
  // unless kWriteOnly.
  std::function<absl::StatusOr<std::string>()> read;
  // Receives everything written through one open file, once, at close.
  // Not called when nothing was written. Required unless kReadOnly.
  std::function<absl::Status(absl::string_view content)> write;
  // Commands: every write() call is applied at once, and a refusal fails
  // that write(). Shells ignore close() errors (`echo 1 > power_cut` would
  // report nothing), but not write() errors. Only for content that always
  // fits one write() (a word, a path); else the whole content is applied
  // at close.
  bool apply_each_write = false;
};

// The name of the file ControlFs adds at the root: the message of the most
// recent failed write (or failed read), "PATH: message\n"; empty before.
inline constexpr char kLastErrorFile[] = "last_error";

class ControlFs {
 public:
  // Creates `dir` (and missing parents) if needed, refuses it when it is not
  // a directory or not empty, mounts the nodes there and starts serving them
  // on a thread of its own. A stale mount left at `dir` by a killed server
  // ("Transport endpoint is not connected") is detached first.
  // Errors: InvalidArgument for a bad node set (duplicate or malformed path,
  // missing callback) or an unusable `dir`; Internal when FUSE cannot mount
  // (no /dev/fuse, no permission).
  static absl::StatusOr<std::unique_ptr<ControlFs>> Mount(const std::string& dir,
                                                          std::vector<ControlNode> nodes);

  // Stops serving, unmounts and waits for the thread. Idempotent.
  // REQUIRES: no lock a callback may wait for is held by the caller, else
  // the thread cannot finish the request in hand and Stop() waits forever.
  void Stop();
  ~ControlFs();

  ControlFs(const ControlFs&) = delete;
  ControlFs& operator=(const ControlFs&) = delete;

  const std::string& mount_point() const { return mount_point_; }

  struct Impl;  // the FUSE handlers' view (control_fs.cc)

 private:
  ControlFs() = default;
  void Loop();

  std::unique_ptr<Impl> impl_;
  fuse_session* session_ = nullptr;
  std::string mount_point_;  // absolute, as mounted
  int stop_fd_ = -1;         // eventfd: Stop() wakes the loop with it
  std::thread thread_;
};

}  // namespace flashfault::control
