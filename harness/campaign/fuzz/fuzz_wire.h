// The kernel fuzzer's channel between the host (the libFuzzer process, or
// `flashfault fuzz` minimising) and the agent in the guest: frames over a
// virtio serial port, which the host sees as a unix socket.
//
//   frame = u32 length (little endian, of type + body) | u8 type | body
//
//   host -> guest   'I' a fuzzer input (raw bytes: fuzz_input.h)
//                   'C' a case (JSON: a fault script and workload ops)
//                   'Q' quit (the agent returns, the guest powers off)
//   guest -> host   'H' hello (JSON: kernel, kcov, fs, geometry)
//                   'R' one execution's result (JSON: fuzz_agent.h)
//
// One source of truth for the framing on both sides. Must not interpret
// bodies. A frame over kMaxFrame, a short read or an unknown type is an
// error naming what was wrong, never a crash.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace flashfault::campaign::fuzz {

inline constexpr uint32_t kMaxFrame = 16u << 20;

enum class FrameType : char {
  kInput = 'I',
  kCase = 'C',
  kQuit = 'Q',
  kHello = 'H',
  kResult = 'R',
};

struct Frame {
  FrameType type = FrameType::kQuit;
  std::string body;
};

// Writes one frame (retrying short writes and EINTR).
absl::Status WriteFrame(int fd, FrameType type, const std::string& body);

// Once a frame's first byte is in, the rest of it may take this long (or
// the caller's timeout, when longer) before the frame counts as cut short.
inline constexpr int kRestOfFrameMs = 30000;

// Reads one frame. `timeout_ms` < 0 waits for ever; DeadlineExceeded when
// no frame started in time, OutOfRange at end of stream before a frame
// starts, DataLoss for a frame cut short or malformed.
absl::StatusOr<Frame> ReadFrame(int fd, int timeout_ms);

}  // namespace flashfault::campaign::fuzz
