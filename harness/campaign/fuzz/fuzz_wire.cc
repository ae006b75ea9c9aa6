// Framing of the kernel fuzzer's channel; see fuzz_wire.h.
#include "harness/campaign/fuzz/fuzz_wire.h"

#include <algorithm>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace flashfault::campaign::fuzz {
namespace {

using Clock = std::chrono::steady_clock;

bool KnownType(char t) {
  switch (static_cast<FrameType>(t)) {
    case FrameType::kInput:
    case FrameType::kCase:
    case FrameType::kQuit:
    case FrameType::kHello:
    case FrameType::kResult:
      return true;
  }
  return false;
}

// Reads exactly n bytes before `deadline` (none: for ever). Returns the
// bytes read so far on a short stream; -1 in *err_no on a read error,
// ETIMEDOUT when the deadline passed.
size_t ReadFull(int fd, char* buf, size_t n, int timeout_ms, Clock::time_point start,
                int* err_no) {
  size_t got = 0;
  *err_no = 0;
  while (got < n) {
    if (timeout_ms >= 0) {
      const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
      const int left = timeout_ms - static_cast<int>(spent.count());
      if (left <= 0) {
        *err_no = ETIMEDOUT;
        return got;
      }
      pollfd p = {fd, POLLIN, 0};
      const int r = ::poll(&p, 1, left);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        *err_no = errno;
        return got;
      }
      if (r == 0) continue;  // the loop notices the deadline
    }
    const ssize_t r = ::read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) {
      ::usleep(1000);
      continue;
    }
    if (r < 0) {
      *err_no = errno;
      return got;
    }
    if (r == 0) return got;
    got += static_cast<size_t>(r);
  }
  return got;
}

}  // namespace

absl::Status WriteFrame(int fd, FrameType type, const std::string& body) {
  if (body.size() + 1 > kMaxFrame) {
    return absl::InvalidArgumentError(absl::StrCat("frame of ", body.size(), " bytes is over the limit"));
  }
  const uint32_t len = static_cast<uint32_t>(body.size() + 1);
  std::string out;
  out.reserve(len + 4);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  out.push_back(static_cast<char>(type));
  out += body;
  size_t done = 0;
  while (done < out.size()) {
    // send() on a socket (the host's end), so a guest that went away is an
    // EPIPE error here, not a SIGPIPE that kills the fuzzer; write() on the
    // guest's virtio port.
    ssize_t w = ::send(fd, out.data() + done, out.size() - done, MSG_NOSIGNAL);
    if (w < 0 && errno == ENOTSOCK) w = ::write(fd, out.data() + done, out.size() - done);
    if (w < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (w <= 0) return absl::UnavailableError(absl::StrCat("channel write: ", std::strerror(errno)));
    done += static_cast<size_t>(w);
  }
  return absl::OkStatus();
}

absl::StatusOr<Frame> ReadFrame(int fd, int timeout_ms) {
  char head[5];
  int err = 0;
  // The timeout is for a frame to start. Once its first byte is here, the
  // rest gets its own time: a guest under load (TCG, a compiler beside it)
  // hands the virtio port's bytes over in pieces, and a frame that started
  // at the end of a short poll is not a broken one.
  if (ReadFull(fd, head, 1, timeout_ms, Clock::now(), &err) == 0) {
    if (err == ETIMEDOUT) return absl::DeadlineExceededError("no frame within the timeout");
    if (err == 0) return absl::OutOfRangeError("the channel closed");
    return absl::DataLossError(absl::StrCat("channel read: ", std::strerror(err)));
  }
  const Clock::time_point start = Clock::now();
  timeout_ms = timeout_ms < 0 ? -1 : std::max(timeout_ms, kRestOfFrameMs);
  const size_t got = 1 + ReadFull(fd, head + 1, sizeof head - 1, timeout_ms, start, &err);
  if (got < sizeof head) {
    return absl::DataLossError(absl::StrCat("frame header cut short after ", got, " bytes",
                                            err != 0 ? absl::StrCat(": ", std::strerror(err)) : ""));
  }
  uint32_t len = 0;
  for (int i = 3; i >= 0; --i) len = (len << 8) | static_cast<uint8_t>(head[i]);
  if (len == 0 || len > kMaxFrame) {
    return absl::DataLossError(absl::StrCat("frame length ", len, " out of range (1..", kMaxFrame, ")"));
  }
  if (!KnownType(head[4])) {
    return absl::DataLossError(absl::StrCat("unknown frame type 0x",
                                            absl::Hex(static_cast<uint8_t>(head[4]))));
  }
  Frame f;
  f.type = static_cast<FrameType>(head[4]);
  f.body.resize(len - 1);
  const size_t body = ReadFull(fd, f.body.data(), f.body.size(), timeout_ms, start, &err);
  if (body < f.body.size()) {
    return absl::DataLossError(absl::StrCat("frame body cut short: ", body, " of ", f.body.size(),
                                            " bytes", err == ETIMEDOUT ? " (timeout)" : ""));
  }
  return f;
}

}  // namespace flashfault::campaign::fuzz
