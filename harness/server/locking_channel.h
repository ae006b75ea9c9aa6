// LockingChannel: makes "one request" a critical section for the server.
//
// It wraps the MessageChannel a MuseSession runs on and holds `mutex` from
// the moment a request has been read until the session asks for the next
// one, so decoding, the device call, the reply and the session's own
// counters all happen under the lock, and the control filesystem's thread
// (which takes the same mutex) sees state only between two requests. The
// lock is not held while waiting for a request. It must not interpret
// messages.
//
// Why not a locking FlashDevice wrapper: the session's statistics are
// updated outside the device calls, so a device-level lock would leave
// them racing with stats.json readers.
#pragma once

#include <mutex>
#include <span>

#include "harness/muse/transport.h"

namespace flashfault::server {

class LockingChannel final : public muse::MessageChannel {
 public:
  LockingChannel(muse::MessageChannel& inner, std::mutex& mutex)
      : inner_(inner), lock_(mutex, std::defer_lock) {}

  // Releases the lock of the last request, waits for the next one, then
  // takes the lock -- also when the read fails, so whatever the session does
  // on its way out (the final Sync) is covered too.
  absl::StatusOr<size_t> Read(std::span<uint8_t> buf) override {
    if (lock_.owns_lock()) lock_.unlock();
    absl::StatusOr<size_t> n = inner_.Read(buf);
    lock_.lock();
    return n;
  }
  absl::Status Write(std::span<const iovec> iov) override { return inner_.Write(iov); }

  // Drops the lock after the session's Run() has returned.
  // REQUIRES: call it before stopping anything that waits for the lock.
  void Release() {
    if (lock_.owns_lock()) lock_.unlock();
  }

 private:
  muse::MessageChannel& inner_;
  std::unique_lock<std::mutex> lock_;
};

}  // namespace flashfault::server
