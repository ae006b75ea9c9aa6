// Message channels: how whole MUSE messages move between kernel and server.
//
// A MessageChannel reads one whole request per Read() and writes one whole
// reply per Write(). The session code above it never sees how messages are
// delimited, so it runs unchanged on:
//   * DeviceChannel: the /dev/muse fd, where the kernel hands out one request
//     per read() and takes one reply per writev();
//   * StreamChannel: any byte stream (socketpair, unix socket, serial port),
//     where a message is delimited by the u32 `len` at its start (both FUSE
//     headers begin with it) and exactly `len` bytes are read;
//   * MemoryChannel: queued in-memory messages, for tests and the fuzzer.
// Channels do not interpret messages beyond the length prefix, and never
// allocate per message: the caller provides the buffer.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace flashfault::muse {

class MessageChannel {
 public:
  virtual ~MessageChannel() = default;

  // Reads one whole message into `buf` and returns its size.
  // Errors:
  //   Unavailable   the other end is gone (device: ENODEV after an abort;
  //                 stream: EOF); the conversation is over, not a failure
  //   Cancelled     the wake fd became readable (a stop was requested)
  //   DataLoss      the stream's framing is broken (length below the
  //                 smallest header, above `buf`, or EOF inside a message);
  //                 the stream cannot be resynchronised
  //   Internal      any other I/O error
  virtual absl::StatusOr<size_t> Read(std::span<uint8_t> buf) = 0;

  // Writes one whole message made of the concatenated `iov` pieces.
  // Errors: NotFound when the device no longer knows the request (ENOENT:
  // it was aborted or interrupted), Unavailable when the other end is gone,
  // InvalidArgument when the device refused the reply (EINVAL), Internal
  // otherwise.
  virtual absl::Status Write(std::span<const iovec> iov) = 0;
};

// Smallest message a stream carries: a fuse_out_header (16 bytes).
inline constexpr uint32_t kMinStreamMessage = 16;

// The /dev/muse (or /dev/fuse-like) fd. Does not own the fd.
// `wake_fd` (optional, -1 = none) is polled together with the device: when
// it becomes readable, Read() returns Cancelled without consuming a request.
class DeviceChannel final : public MessageChannel {
 public:
  explicit DeviceChannel(int fd, int wake_fd = -1) : fd_(fd), wake_fd_(wake_fd) {}
  absl::StatusOr<size_t> Read(std::span<uint8_t> buf) override;
  absl::Status Write(std::span<const iovec> iov) override;

 private:
  int fd_;
  int wake_fd_;
};

// Length-prefixed messages over a byte stream. Does not own the fd.
class StreamChannel final : public MessageChannel {
 public:
  explicit StreamChannel(int fd, int wake_fd = -1) : fd_(fd), wake_fd_(wake_fd) {}
  absl::StatusOr<size_t> Read(std::span<uint8_t> buf) override;
  absl::Status Write(std::span<const iovec> iov) override;

 private:
  // Reads exactly out.size() bytes. `at_boundary` tells whether EOF here is
  // a clean end (before a message) or broken framing (inside one).
  absl::Status ReadFull(std::span<uint8_t> out, bool at_boundary);
  // Waits until the fd is readable or the wake fd fires (Cancelled).
  absl::Status WaitReadable();

  int fd_;
  int wake_fd_;
};

// In-memory channel: Read() pops queued messages (whatever their content,
// truncated to the buffer like a datagram), Write() records replies.
class MemoryChannel final : public MessageChannel {
 public:
  void Push(std::vector<uint8_t> message) { incoming_.push_back(std::move(message)); }
  absl::StatusOr<size_t> Read(std::span<uint8_t> buf) override;
  absl::Status Write(std::span<const iovec> iov) override;

  std::vector<std::vector<uint8_t>>& replies() { return replies_; }

 private:
  std::deque<std::vector<uint8_t>> incoming_;
  std::vector<std::vector<uint8_t>> replies_;
};

// Writes all of `iov` to a stream fd, retrying short writes and EINTR.
absl::Status WriteAllV(int fd, std::span<const iovec> iov);

}  // namespace flashfault::muse
