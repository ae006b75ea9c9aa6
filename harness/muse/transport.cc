// Message channels over the MUSE device, a byte stream, or memory; see
// transport.h for the contract. Nothing here knows opcodes.
#include "harness/muse/transport.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace flashfault::muse {
namespace {

absl::Status ErrnoStatus(int err, const char* what) {
  std::string msg = absl::StrCat(what, ": ", std::strerror(err));
  switch (err) {
    case ENODEV:
    case EPIPE:
    case ECONNRESET:
    case ENOTCONN:
      return absl::UnavailableError(msg);
    case ENOENT:
      return absl::NotFoundError(msg);
    case EINVAL:
      return absl::InvalidArgumentError(msg);
    default:
      return absl::InternalError(msg);
  }
}

// Polls `fd` and (when >= 0) `wake_fd`. Returns OK when fd is readable (or
// hung up: the following read reports why), Cancelled when the wake fd is.
absl::Status PollReadable(int fd, int wake_fd) {
  pollfd fds[2] = {{fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
  nfds_t n = wake_fd >= 0 ? 2 : 1;
  for (;;) {
    int r = ::poll(fds, n, -1);
    if (r < 0) {
      if (errno == EINTR) continue;  // the wake fd tells a stop from other signals
      return ErrnoStatus(errno, "poll");
    }
    if (n == 2 && (fds[1].revents & POLLIN)) return absl::CancelledError("stop requested");
    if (fds[0].revents != 0) return absl::OkStatus();
  }
}

}  // namespace

absl::Status WriteAllV(int fd, std::span<const iovec> iov_in) {
  // Copy the vector so partial writes can advance it; replies have at most
  // a handful of pieces.
  iovec iov[8];
  if (iov_in.size() > 8) return absl::InvalidArgumentError("too many iovec pieces");
  size_t n = iov_in.size();
  std::memcpy(iov, iov_in.data(), n * sizeof(iovec));
  size_t first = 0;
  while (first < n) {
    if (iov[first].iov_len == 0) {
      ++first;
      continue;
    }
    ssize_t w = ::writev(fd, iov + first, static_cast<int>(n - first));
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "writev");
    }
    size_t left = static_cast<size_t>(w);
    while (first < n && left >= iov[first].iov_len) {
      left -= iov[first].iov_len;
      ++first;
    }
    if (left > 0) {
      iov[first].iov_base = static_cast<uint8_t*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return absl::OkStatus();
}

// ---- DeviceChannel -------------------------------------------------------------

absl::StatusOr<size_t> DeviceChannel::Read(std::span<uint8_t> buf) {
  for (;;) {
    if (absl::Status s = PollReadable(fd_, wake_fd_); !s.ok()) return s;
    ssize_t r = ::read(fd_, buf.data(), buf.size());
    if (r > 0) return static_cast<size_t>(r);
    if (r == 0) return absl::UnavailableError("device returned end of file");
    // EINTR: a signal; poll again so a stop request is seen. EAGAIN: another
    // reader took the request (or the fd is non-blocking). ENOENT: the
    // request was aborted between poll and read. All just mean "try again".
    if (errno == EINTR || errno == EAGAIN || errno == ENOENT) continue;
    return ErrnoStatus(errno, "read from device");
  }
}

absl::Status DeviceChannel::Write(std::span<const iovec> iov) {
  // The device takes a reply in one writev() or not at all.
  size_t total = 0;
  for (const iovec& v : iov) total += v.iov_len;
  for (;;) {
    ssize_t w = ::writev(fd_, iov.data(), static_cast<int>(iov.size()));
    if (w >= 0) {
      if (static_cast<size_t>(w) != total) return absl::InternalError("short write to device");
      return absl::OkStatus();
    }
    if (errno == EINTR) continue;
    return ErrnoStatus(errno, "write to device");
  }
}

// ---- StreamChannel -------------------------------------------------------------

absl::Status StreamChannel::WaitReadable() {
  if (wake_fd_ < 0) return absl::OkStatus();  // a plain blocking read will do
  return PollReadable(fd_, wake_fd_);
}

absl::Status StreamChannel::ReadFull(std::span<uint8_t> out, bool at_boundary) {
  size_t got = 0;
  while (got < out.size()) {
    if (absl::Status s = WaitReadable(); !s.ok()) return s;
    ssize_t r = ::read(fd_, out.data() + got, out.size() - got);
    if (r > 0) {
      got += static_cast<size_t>(r);
      continue;
    }
    if (r == 0) {
      if (at_boundary && got == 0) return absl::UnavailableError("peer closed the stream");
      return absl::DataLossError("end of stream inside a message");
    }
    if (errno == EINTR || errno == EAGAIN) continue;
    return ErrnoStatus(errno, "read from stream");
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> StreamChannel::Read(std::span<uint8_t> buf) {
  if (buf.size() < kMinStreamMessage) return absl::InvalidArgumentError("buffer too small");
  // Both FUSE headers start with the message's total length.
  if (absl::Status s = ReadFull(buf.first(4), /*at_boundary=*/true); !s.ok()) return s;
  uint32_t len;
  std::memcpy(&len, buf.data(), sizeof(len));
  if (len < kMinStreamMessage || len > buf.size()) {
    // Skipping the bytes would let a bogus length swallow the next messages,
    // so a broken frame ends the conversation.
    return absl::DataLossError(absl::StrCat("bad message length ", len, " (buffer ",
                                            buf.size(), ")"));
  }
  if (absl::Status s = ReadFull(buf.subspan(4, len - 4), false); !s.ok()) return s;
  return static_cast<size_t>(len);
}

absl::Status StreamChannel::Write(std::span<const iovec> iov) { return WriteAllV(fd_, iov); }

// ---- MemoryChannel -------------------------------------------------------------

absl::StatusOr<size_t> MemoryChannel::Read(std::span<uint8_t> buf) {
  if (incoming_.empty()) return absl::UnavailableError("no more messages");
  std::vector<uint8_t> m = std::move(incoming_.front());
  incoming_.pop_front();
  size_t n = m.size() < buf.size() ? m.size() : buf.size();
  if (n > 0) std::memcpy(buf.data(), m.data(), n);
  return n;
}

absl::Status MemoryChannel::Write(std::span<const iovec> iov) {
  std::vector<uint8_t> m;
  for (const iovec& v : iov) {
    const uint8_t* p = static_cast<const uint8_t*>(v.iov_base);
    m.insert(m.end(), p, p + v.iov_len);
  }
  replies_.push_back(std::move(m));
  return absl::OkStatus();
}

}  // namespace flashfault::muse
