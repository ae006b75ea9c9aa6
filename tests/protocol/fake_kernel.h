// FakeKernel: the kernel end of a MUSE connection, for protocol tests.
//
// Written from docs/muse-protocol.md alone, with byte offsets spelled out
// here, and deliberately NOT using harness/muse/muse_abi.h: if the server's
// ABI header drifts from the document, these tests disagree with it. It
// speaks the stream framing (a message is `len` bytes, len at offset 0) over
// one end of a socketpair, and checks every reply the way the kernel would
// (unique echoed, len == bytes, error in -511..0, error replies 16 bytes).
// It must not grow server logic: it only encodes, sends, receives, parses.
//
// The negotiated extensions are written from kmod/README.md ("Negotiated
// extensions"): Init() with minor >= 35 turns them on when FFEXT=1 comes
// back; then every read reply is parsed as read_out_ext (24 bytes), and
// ReadCombined/WriteCombined encode combined data+OOB requests (flags bits
// 16..31 = ooboffs, the u32 at offset 20 = ooblen, write payload = data
// then OOB).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace flashfault::protocol_test {

// Numbers from the document (tables "Opcodes" and "I/O flags").
namespace abi {
inline constexpr uint32_t kInit = 8192, kErase = 8193, kRead = 8194, kWrite = 8195,
                          kMarkBad = 8196, kIsBad = 8197, kSync = 8198;
inline constexpr uint32_t kInterrupt = 36;
inline constexpr uint32_t kInband = 1, kOobAuto = 2, kOobPlace = 4, kRaw = 8;
// Extensions (kmod/README.md): offered by minor >= 35, combined flags 3/5/13.
inline constexpr uint32_t kExtMinor = 35;
inline constexpr uint32_t kCombinedAuto = 3, kCombinedPlace = 5, kCombinedRaw = 13;
inline constexpr uint32_t kOoboffsShift = 16;
}  // namespace abi

struct RawReply {
  uint32_t len = 0;
  int32_t error = 0;
  uint64_t unique = 0;
  std::vector<uint8_t> body;  // bytes after the 16-byte header
};

struct InitReply {
  int32_t error = 0;
  uint32_t major = 0, minor = 0, max_read = 0, max_write = 0;
  size_t total_len = 0;
  std::vector<uint8_t> key_block;
  std::map<std::string, std::string> keys;  // parsed per the doc's rules
  std::string key_error;                    // non-empty: the kernel would abort
  // The decimal value of `key` as the kernel parses numbers, or nullopt.
  std::optional<uint64_t> Number(const std::string& key) const;
};

struct IoReply {
  int32_t error = 0;       // header error
  uint64_t len = 0;        // read_out.len / write_out.len
  int32_t soft_error = 0;  // the u32 soft_error reinterpreted as signed
  std::vector<uint8_t> data;
  // Extensions only (read_out_ext): per-request bitflip counts and the OOB.
  bool ext = false;        // the reply was parsed as read_out_ext
  uint32_t max_bitflips = 0, corrected_bitflips = 0;
  std::vector<uint8_t> oob;
  size_t body_size = 0;    // bytes after the out-header, as received
};

// Parses a key block exactly as the document describes (NUL-terminated
// strings, trimmed, later wins, empty key is an error, last byte NUL).
// Returns an error message, or "" when the block is valid.
std::string ParseKeyBlock(const std::vector<uint8_t>& block,
                          std::map<std::string, std::string>* keys);

class FakeKernel {
 public:
  // `datagram`: the fd keeps message boundaries (SOCK_SEQPACKET, like the
  // device): a reply is taken in one read instead of len-prefixed.
  explicit FakeKernel(int fd, bool datagram = false) : fd_(fd), datagram_(datagram) {}

  // Encodes a request: 40-byte in-header, then `args`, then `data`.
  std::vector<uint8_t> Encode(uint32_t opcode, uint64_t unique, const std::vector<uint8_t>& args,
                              const std::vector<uint8_t>& data = {}) const;
  // Sends bytes as they are (for malformed input).
  bool SendBytes(const std::vector<uint8_t>& bytes);
  // Receives one reply and checks the kernel's rules; sets `violation` on a
  // breach. nullopt when the stream ended or nothing came in `timeout_ms`.
  std::optional<RawReply> Receive(int timeout_ms = 5000);
  // One request, one reply with the same unique (asserted via `violation`).
  std::optional<RawReply> Call(uint32_t opcode, const std::vector<uint8_t>& args,
                               const std::vector<uint8_t>& data = {});

  InitReply Init(uint32_t major = 7, uint32_t minor = 33);
  IoReply Read(uint64_t addr, uint64_t len, uint32_t flags);
  IoReply Write(uint64_t addr, const std::vector<uint8_t>& data, uint32_t flags);
  // Extensions: one combined request. `mode_flags` is 3, 5 or 13 (or anything,
  // for malformed tests); `ooblen` is the value put on the wire (for writes,
  // nullopt = oob.size(), so a mismatch can be sent on purpose).
  IoReply ReadCombined(uint64_t addr, uint64_t len, uint32_t mode_flags, uint32_t ooboffs,
                       uint32_t ooblen);
  IoReply WriteCombined(uint64_t addr, const std::vector<uint8_t>& data,
                        const std::vector<uint8_t>& oob, uint32_t mode_flags, uint32_t ooboffs,
                        std::optional<uint32_t> ooblen = std::nullopt);
  // A read or write request with every field given (the u32 at offset 20 too).
  IoReply ReadFields(uint64_t addr, uint64_t len, uint32_t flags, uint32_t word20);
  IoReply WriteFields(uint64_t addr, uint64_t len, uint32_t flags, uint32_t word20,
                      const std::vector<uint8_t>& payload);
  bool extensions() const { return ext_; }
  int32_t Erase(uint64_t addr, uint64_t len);
  // Returns {error, result}.
  std::pair<int32_t, uint32_t> IsBad(uint64_t addr);
  int32_t MarkBad(uint64_t addr);
  int32_t Sync();

  uint64_t NextUnique() { return unique_ += 2; }  // even, like the kernel's counter
  const std::string& violation() const { return violation_; }
  uint32_t max_read() const { return max_read_; }
  uint32_t max_write() const { return max_write_; }

  // Little helpers to build argument structs field by field.
  static void PutU32(std::vector<uint8_t>& v, uint32_t x);
  static void PutU64(std::vector<uint8_t>& v, uint64_t x);
  static uint32_t GetU32(const std::vector<uint8_t>& v, size_t off);
  static uint64_t GetU64(const std::vector<uint8_t>& v, size_t off);

 private:
  void Violation(const std::string& what);

  int fd_;
  bool datagram_;
  uint64_t unique_ = 0;
  uint32_t max_read_ = 0, max_write_ = 0;
  bool ext_ = false;  // extensions negotiated by the last Init()
  std::string violation_;
};

}  // namespace flashfault::protocol_test
