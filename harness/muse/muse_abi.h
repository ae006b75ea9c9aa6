// The MUSE wire protocol (MTD in userspace), as written in
// /work/shared/muse-abi.md: opcodes, structs, flags, limits and INIT rules.
//
// This header is the single source of truth for the numbers on the wire in
// userspace: the server, the protocol tests' fake kernel, the fuzzer and the
// benchmark all include it. It must hold only the ABI (no behaviour, no
// server policy) and every layout is pinned by static_asserts, so a wrong
// edit fails to compile instead of corrupting a kernel conversation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace flashfault::muse {

// ---- Opcodes ---------------------------------------------------------------

inline constexpr uint32_t kOpInit = 8192;     // init_in -> init_out + key block
inline constexpr uint32_t kOpErase = 8193;    // erase_in -> (none)
inline constexpr uint32_t kOpRead = 8194;     // read_in -> read_out + data
inline constexpr uint32_t kOpWrite = 8195;    // write_in + data -> write_out
inline constexpr uint32_t kOpMarkBad = 8196;  // markbad_in -> (none)
inline constexpr uint32_t kOpIsBad = 8197;    // isbad_in -> isbad_out
inline constexpr uint32_t kOpSync = 8198;     // (none) -> (none)
inline constexpr uint32_t kOpFirst = kOpInit;
inline constexpr uint32_t kOpCount = kOpSync - kOpInit + 1;

// The only FUSE opcode the kernel sends besides the MUSE ones. Its header
// unique is the interrupted request's unique with bit 0 set.
inline constexpr uint32_t kFuseInterrupt = 36;
inline constexpr uint64_t kInterruptUniqueBit = 1;

// The opcode's name for logs ("MUSE_READ"), or "UNKNOWN".
constexpr std::string_view OpcodeName(uint32_t opcode) {
  switch (opcode) {
    case kOpInit: return "MUSE_INIT";
    case kOpErase: return "MUSE_ERASE";
    case kOpRead: return "MUSE_READ";
    case kOpWrite: return "MUSE_WRITE";
    case kOpMarkBad: return "MUSE_MARKBAD";
    case kOpIsBad: return "MUSE_ISBAD";
    case kOpSync: return "MUSE_SYNC";
    case kFuseInterrupt: return "FUSE_INTERRUPT";
    default: return "UNKNOWN";
  }
}

// ---- Headers (same as FUSE) ------------------------------------------------

struct InHeader {  // struct fuse_in_header
  uint32_t len;      // total bytes of the request, header included
  uint32_t opcode;
  uint64_t unique;   // echoed in the reply
  uint64_t nodeid;   // 0 for INIT, 1 otherwise; ignored
  uint32_t uid;
  uint32_t gid;
  uint32_t pid;
  uint32_t padding;  // newer kernels: u16 total_extlen + u16 padding
};

struct OutHeader {  // struct fuse_out_header
  uint32_t len;    // total bytes of the reply; must equal the write() size
  int32_t error;   // 0 or -1..-511; with an error the reply is exactly 16 bytes
  uint64_t unique;
};

// ---- Argument structs --------------------------------------------------------

struct InitIn {
  uint32_t fuse_major;
  uint32_t fuse_minor;
};
struct InitOut {
  uint32_t fuse_major;
  uint32_t fuse_minor;
  uint32_t max_read;
  uint32_t max_write;
};
struct EraseIn {
  uint64_t addr;
  uint64_t len;
};
struct ReadIn {
  uint64_t addr;
  uint64_t len;
  uint32_t flags;  // kIo* below
  uint32_t padding;
};
struct ReadOut {
  uint64_t len;
  uint32_t soft_error;  // negative errno stored in a u32; 0 = none
  uint32_t padding;
};
struct WriteIn {
  uint64_t addr;
  uint64_t len;
  uint32_t flags;
  uint32_t padding;
};
struct WriteOut {
  uint64_t len;
  uint32_t soft_error;  // negative errno stored in a u32; 0 = none
  uint32_t padding;
};
struct MarkBadIn {
  uint64_t addr;
};
struct IsBadIn {
  uint64_t addr;
};
struct IsBadOut {
  uint32_t result;  // 0 good, 1 bad
  uint32_t padding;
};
struct InterruptIn {  // FUSE_INTERRUPT's argument
  uint64_t unique;
};

static_assert(sizeof(InHeader) == 40);
static_assert(offsetof(InHeader, len) == 0 && offsetof(InHeader, opcode) == 4);
static_assert(offsetof(InHeader, unique) == 8 && offsetof(InHeader, nodeid) == 16);
static_assert(offsetof(InHeader, uid) == 24 && offsetof(InHeader, gid) == 28);
static_assert(offsetof(InHeader, pid) == 32 && offsetof(InHeader, padding) == 36);
static_assert(sizeof(OutHeader) == 16);
static_assert(offsetof(OutHeader, error) == 4 && offsetof(OutHeader, unique) == 8);
static_assert(sizeof(InitIn) == 8 && offsetof(InitIn, fuse_minor) == 4);
static_assert(sizeof(InitOut) == 16);
static_assert(offsetof(InitOut, max_read) == 8 && offsetof(InitOut, max_write) == 12);
static_assert(sizeof(EraseIn) == 16 && offsetof(EraseIn, len) == 8);
static_assert(sizeof(ReadIn) == 24 && offsetof(ReadIn, len) == 8 && offsetof(ReadIn, flags) == 16);
static_assert(sizeof(ReadOut) == 16 && offsetof(ReadOut, soft_error) == 8);
static_assert(sizeof(WriteIn) == 24 && offsetof(WriteIn, len) == 8 &&
              offsetof(WriteIn, flags) == 16);
static_assert(sizeof(WriteOut) == 16 && offsetof(WriteOut, soft_error) == 8);
static_assert(sizeof(MarkBadIn) == 8 && sizeof(IsBadIn) == 8);
static_assert(sizeof(IsBadOut) == 8 && offsetof(IsBadOut, padding) == 4);
static_assert(sizeof(InterruptIn) == 8);

// ---- I/O flags (read_in.flags / write_in.flags) -------------------------------

inline constexpr uint32_t kIoInband = 1;    // page (main-area) data
inline constexpr uint32_t kIoOobAuto = 2;   // OOB free bytes, packed (MTD_OPS_AUTO_OOB)
inline constexpr uint32_t kIoOobPlace = 4;  // OOB at an offset in the whole area
inline constexpr uint32_t kIoRaw = 8;       // no ECC (MTD_OPS_RAW)
// The only combinations a v3 kernel sends.
inline constexpr uint32_t kIoInbandRaw = kIoInband | kIoRaw;   // 9
inline constexpr uint32_t kIoOobRaw = kIoOobPlace | kIoRaw;    // 12

// ---- Limits ------------------------------------------------------------------

inline constexpr uint32_t kFuseMajor = 7;
// What the server answers, whatever the kernel announced (v3 sends 33 and
// demands >= 34 back).
inline constexpr uint32_t kReplyMinor = 34;
// The oldest request minor a server accepts (v3 announces 33; newer kernels
// may advertise extensions with a higher minor).
inline constexpr uint32_t kMinRequestMinor = 33;
// The kernel raises max_read/max_write to at least this.
inline constexpr uint32_t kMinMaxIo = 4096;
// read() on the device needs max(kMinReadBuffer, kReadBufferOverhead + max_write).
inline constexpr size_t kMinReadBuffer = 8192;
inline constexpr size_t kReadBufferOverhead = 80;  // fuse in-header + fuse write-in
// The INIT key block: 0..4096 bytes, last byte NUL.
inline constexpr size_t kMaxKeyBlock = 4096;
// An INIT reply is 32..32+4096 bytes.
inline constexpr size_t kMinInitReply = sizeof(OutHeader) + sizeof(InitOut);
inline constexpr size_t kMaxInitReply = kMinInitReply + kMaxKeyBlock;
// A reply's error must be 0 or in [-kMaxErrno, -1].
inline constexpr int32_t kMaxErrno = 511;
// The device read buffer a server needs for a given max_write.
constexpr size_t ReadBufferSize(uint32_t max_write) {
  return kReadBufferOverhead + size_t{max_write} > kMinReadBuffer
             ? kReadBufferOverhead + size_t{max_write}
             : kMinReadBuffer;
}

// ---- INIT key block values -----------------------------------------------------

inline constexpr uint32_t kMtdRam = 1;
inline constexpr uint32_t kMtdRom = 2;
inline constexpr uint32_t kMtdNorFlash = 3;
inline constexpr uint32_t kMtdNandFlash = 4;
inline constexpr uint32_t kMtdDataFlash = 6;
inline constexpr uint32_t kMtdMlcNandFlash = 8;

inline constexpr uint32_t kMtdWriteable = 0x400;
inline constexpr uint32_t kMtdBitWriteable = 0x800;
inline constexpr uint32_t kMtdNoErase = 0x1000;
inline constexpr uint32_t kMtdMuse = 0x8000;  // added by the kernel, never sent
inline constexpr uint32_t kAllowedInitFlags = kMtdWriteable | kMtdBitWriteable | kMtdNoErase;

}  // namespace flashfault::muse
