// MuseSession: the server end of one MUSE connection, serving a FlashDevice.
//
// It answers MUSE_INIT from the device's Geometry, then decodes each request,
// calls the FlashDevice and replies exactly once, through a dispatch table
// indexed by opcode (unknown opcodes get -ENOSYS). It runs over any
// MessageChannel, one request at a time (single-threaded), and owns its two
// buffers, sized once from max_io, so no request can make it allocate more.
// It must not hold fault logic or geometry numbers of its own: faults live in
// the FlashDevice stack below, sizes come from the Geometry.
//
// Split OOB requests (the kernel splits an operation longer than max_io into
// requests whose addr advances by the OOB bytes already moved, so only the
// first carries a meaningful page + offset). The rule used here: a READ or
// WRITE with OOB flags F is a *continuation* when the previous request of the
// same opcode and flags was exactly max_io bytes long, succeeded, and this
// request's addr equals that one's addr + len. A continuation resumes in the
// OOB byte stream right where the previous request ended; any other OOB
// request is decoded fresh as page = addr & ~(writesize-1), offset = addr %
// writesize. Requests of other kinds in between (other MTD users) do not
// break the chain. The default max_io covers the whole device's OOB up to a
// cap, so on most geometries no OOB operation is split at all.
//
// Extensions v1 (muse_abi.h banner): offered in the INIT reply only to a
// kernel announcing minor >= 35, and then on for the session. With them a
// READ/WRITE whose flags are INBAND plus an OOB mode is one combined
// FlashDevice call (data and OOB spans, FlashOp{addr, mode, ooboffs}), and
// every READ reply is ReadOutExt with the ReadReport's bitflip counts. With
// a kernel announcing 33 or 34 the bytes on the wire are exactly v3's.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "backends/model/flash_device.h"
#include "harness/muse/muse_abi.h"
#include "harness/muse/transport.h"

namespace flashfault::muse {

// The one place a Status becomes an errno for the kernel. Returns a positive
// errno (EINVAL, EIO, ...), or 0 for OK; never above kMaxErrno. Statuses made
// by EccStatus() map to EBADMSG / EUCLEAN (their payload says which).
int StatusToErrno(const absl::Status& status);

// A read's ECC outcome as a Status, for StatusToErrno(): OK when clean,
// DataLoss tagged "uncorrectable" (-> EBADMSG) or "scrub" (-> EUCLEAN).
absl::Status EccStatus(const ReadReport& report);

struct SessionOptions {
  std::string name;            // MTD NAME; empty = the geometry's name
  std::string parts;           // PARTSCMDLINE (cmdlinepart syntax, no "mtd-id:")
  uint32_t max_io = 0;         // max_read = max_write; 0 = DefaultMaxIo(geometry)
  bool verbose = false;        // one stderr line per request
  // Called once, right after the INIT reply was written.
  std::function<void()> on_init;
};

struct SessionStats {
  uint64_t requests = 0;
  uint64_t errors = 0;        // replies with a header error
  uint64_t soft_errors = 0;   // replies with a soft_error
  uint64_t malformed = 0;     // requests that could not be decoded
  uint64_t oob_continuations = 0;
  uint64_t write_failures = 0;  // replies the channel refused
};

// max_read/max_write used when SessionOptions::max_io is 0: at least one
// eraseblock and 4096, and the whole device's OOB (PLACE size) up to 8 MiB.
uint32_t DefaultMaxIo(const Geometry& g);

// The INIT key block for `g` under `opts`, NUL-terminated strings.
// InvalidArgument when a value cannot be encoded (NUL, whitespace at the ends,
// too long).
absl::StatusOr<std::string> BuildKeyBlock(const Geometry& g, const SessionOptions& opts);

// The extension keys appended for a kernel that offers them: FFEXT=1 and
// the geometry's ECCSTRENGTH, ECCSTEP, BITFLIPTHRESHOLD (effective value).
std::string BuildExtKeyBlock(const Geometry& g);

class MuseSession {
 public:
  // Validates options against the device's geometry (key block encodable,
  // max_io within limits).
  static absl::StatusOr<std::unique_ptr<MuseSession>> Create(FlashDevice& device,
                                                            SessionOptions opts);

  // Handles one received message (exactly the bytes read) and writes at
  // most one reply to `channel`. Returns OK to go on; Unavailable when the
  // channel says the other end is gone.
  absl::Status HandleMessage(std::span<const uint8_t> message, MessageChannel& channel);

  // Reads and handles messages until the channel ends (Unavailable) or a stop
  // is requested (Cancelled), then syncs the device. OK for those two ends;
  // the channel's error for broken framing or I/O errors.
  absl::Status Run(MessageChannel& channel);

  // The buffer Run() reads into (exposed for callers that read themselves).
  std::span<uint8_t> request_buffer() { return request_buf_; }
  bool initialized() const { return initialized_; }
  uint32_t max_io() const { return max_io_; }
  const SessionStats& stats() const { return stats_; }
  const std::string& key_block() const { return key_block_; }
  // True once INIT negotiated the extensions.
  bool extensions() const { return ext_; }

 private:
  MuseSession(FlashDevice& device, SessionOptions opts, uint32_t max_io, std::string key_block,
              std::string ext_key_block);

  // One decoded request, as the handlers see it.
  struct Request {
    const InHeader* header;           // aligned copy of the header
    std::span<const uint8_t> args;    // bytes after the header
  };
  using Handler = absl::Status (MuseSession::*)(const Request&, MessageChannel&);
  struct OpEntry {
    Handler handler;
    size_t min_args;  // argument bytes the handler needs
  };
  static const OpEntry kOps[kOpCount];

  absl::Status DoInit(const Request& r, MessageChannel& ch);
  absl::Status DoErase(const Request& r, MessageChannel& ch);
  absl::Status DoRead(const Request& r, MessageChannel& ch);
  absl::Status DoWrite(const Request& r, MessageChannel& ch);
  absl::Status DoMarkBad(const Request& r, MessageChannel& ch);
  absl::Status DoIsBad(const Request& r, MessageChannel& ch);
  absl::Status DoSync(const Request& r, MessageChannel& ch);

  // Where an I/O request's bytes go on the device.
  struct IoTarget {
    FlashOp op;
    bool oob = false;
    bool raw = false;
    size_t cursor = 0;        // index into oob_cursors_ (OOB only)
    uint64_t flat_start = 0;  // position in the device's OOB byte stream
  };
  absl::StatusOr<IoTarget> DecodeIo(bool write, uint64_t addr, uint64_t len, uint32_t flags);
  void AdvanceCursor(const IoTarget& t, uint64_t addr, uint64_t len, bool ok);
  // Extensions: a combined data+OOB request's op, checked against the
  // geometry (page-aligned addr, ooboffs and ooblen inside the data's pages).
  absl::StatusOr<FlashOp> DecodeCombined(uint64_t addr, uint64_t len, uint32_t flags,
                                         uint32_t ooblen) const;
  absl::Status DoCombinedRead(const Request& r, const ReadIn& in, MessageChannel& ch);
  absl::Status DoCombinedWrite(const Request& r, const WriteIn& in, MessageChannel& ch);
  // A WRITE reply: write_out, with a program failure (DataLoss) as its
  // soft error; other errors in the header.
  absl::Status ReplyWrite(uint64_t unique, uint64_t len, const absl::Status& st,
                          MessageChannel& ch);
  // A successful READ reply: ReadOut (v3) or ReadOutExt (extensions).
  absl::Status ReplyRead(uint64_t unique, const ReadReport& rep, bool raw,
                         std::span<const uint8_t> data, std::span<const uint8_t> oob,
                         MessageChannel& ch);

  absl::Status ReplyError(uint64_t unique, int err, MessageChannel& ch);
  absl::Status ReplyStatus(uint64_t unique, const absl::Status& s, MessageChannel& ch);
  absl::Status Reply(uint64_t unique, std::span<const iovec> payload, MessageChannel& ch);
  void Log(const InHeader& h, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

  FlashDevice& device_;
  const Geometry& geometry_;
  SessionOptions opts_;
  uint32_t max_io_;
  std::string key_block_;
  std::string ext_key_block_;  // empty: extensions never offered
  bool initialized_ = false;
  bool ext_ = false;
  std::vector<uint8_t> request_buf_;
  std::vector<uint8_t> data_buf_;  // read replies' data, max_io bytes

  // Split-OOB state per (direction, OOB mode); see the banner.
  struct OobCursor {
    bool armed = false;
    uint64_t next_addr = 0;
    uint64_t next_flat = 0;
  };
  OobCursor oob_cursors_[6];
  SessionStats stats_;
};

}  // namespace flashfault::muse
