// The MUSE wire protocol (MTD in userspace), as docs/muse-protocol.md
// describes it: opcodes, structs, flags, limits and INIT rules.
//
// This header is the single source of truth for the numbers on the wire in
// userspace: the server, the protocol tests' fake kernel, the fuzzer and the
// benchmark all include it. It must hold only the ABI (no behaviour, no
// server policy) and every layout is pinned by static_asserts, so a wrong
// edit fails to compile instead of corrupting a kernel conversation. The
// kernel's copy is kmod/muse_abi.h; tests/unit/muse_abi_drift_test.cc fails
// when the two disagree on any size, offset or value.
//
// Flashfault extensions v1 (negotiated; docs/muse-protocol.md "Extensions
// this project added" is the prose, this is the wire):
//  * The kernel offers them with init_in.fuse_minor >= kExtMinor (35). A
//    v3-only server accepts any minor >= 33 and never sends the keys below,
//    so everything stays v3. The server offers them only to a request minor
//    >= 35 (a v3 kernel never sees a new key) by appending the INIT keys
//    FFEXT=1, ECCSTRENGTH=<bits per step>, ECCSTEP=<bytes per step>,
//    BITFLIPTHRESHOLD=<flips per step that ask for scrubbing>. They are on
//    for the connection iff the kernel offered and FFEXT=1 came back; the
//    reply minor stays 34.
//  * Combined data+OOB requests: read_in/write_in.flags = kIoInband | one OOB
//    mode (3 AUTO, 5 PLACE, 13 PLACE|RAW), bits 16..31 = ooboffs (OOB
//    offset in the first page), the former padding u32 = ooblen. addr is the
//    page-aligned in-band address, len the data bytes; the OOB runs over the
//    successive pages' OOB areas from ooboffs and must satisfy ooboffs <
//    per-page OOB (oob_avail in AUTO, oob_size otherwise) and ooboffs +
//    ooblen <= ceil(len / writesize) * per-page OOB; len > 0. A write
//    carries len data bytes, then ooblen OOB bytes. Kernels split combined
//    operations at page boundaries so that len + ooblen <= max_read /
//    max_write. OOB-only and in-band-only requests keep their v3 encoding.
//  * Every MUSE_READ reply is ReadOutExt (24 bytes), then len data bytes,
//    then oob_len OOB bytes (oob_len = ooblen for combined reads, else 0).
//    soft_error: 0 for clean and corrected reads (the kernel derives
//    -EUCLEAN from max_bitflips >= BITFLIPTHRESHOLD), -EBADMSG when
//    uncorrectable, -EUCLEAN only when the device asks for scrubbing while
//    max_bitflips is below the threshold. Raw reads report no flips at all.
//  * write_out is unchanged (len = data bytes).
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
  uint32_t flags;   // kIo* below; extensions: ooboffs in bits 16..31
  uint32_t ooblen;  // v3: padding (0); extensions: OOB bytes of a combined read
};
struct ReadOut {
  uint64_t len;
  uint32_t soft_error;  // negative errno stored in a u32; 0 = none
  uint32_t padding;
};
struct ReadOutExt {  // extensions: the reply of every MUSE_READ
  uint64_t len;                 // data bytes that follow
  uint32_t soft_error;          // 0, -EUCLEAN (scrub below the threshold), -EBADMSG
  uint32_t max_bitflips;        // highest count in one ECC step
  uint32_t corrected_bitflips;  // sum over the request
  uint32_t oob_len;             // OOB bytes after the data
};
struct WriteIn {
  uint64_t addr;
  uint64_t len;
  uint32_t flags;   // as ReadIn
  uint32_t ooblen;  // as ReadIn; the OOB bytes follow the len data bytes
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
static_assert(offsetof(ReadIn, ooblen) == 20 && offsetof(WriteIn, ooblen) == 20);
static_assert(sizeof(ReadOut) == 16 && offsetof(ReadOut, soft_error) == 8);
static_assert(sizeof(ReadOutExt) == 24 && offsetof(ReadOutExt, soft_error) == 8);
static_assert(offsetof(ReadOutExt, max_bitflips) == 12 &&
              offsetof(ReadOutExt, corrected_bitflips) == 16 &&
              offsetof(ReadOutExt, oob_len) == 20);
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
// Extensions: combined data+OOB requests.
inline constexpr uint32_t kIoInbandAuto = kIoInband | kIoOobAuto;              // 3
inline constexpr uint32_t kIoInbandPlace = kIoInband | kIoOobPlace;            // 5
inline constexpr uint32_t kIoInbandPlaceRaw = kIoInband | kIoOobPlace | kIoRaw;  // 13
inline constexpr uint32_t kIoModeMask = 0xFFFF;   // flags bits that are kIo* values
inline constexpr uint32_t kIoOoboffsShift = 16;   // bits 16..31: ooboffs

// ---- Limits ------------------------------------------------------------------

inline constexpr uint32_t kFuseMajor = 7;
// What the server answers, whatever the kernel announced (v3 sends 33 and
// demands >= 34 back).
inline constexpr uint32_t kReplyMinor = 34;
// The oldest request minor a server accepts (v3 announces 33; newer kernels
// may advertise extensions with a higher minor).
inline constexpr uint32_t kMinRequestMinor = 33;
// A request minor at least this offers the flashfault extensions v1.
inline constexpr uint32_t kExtMinor = 35;
// INIT keys of the extensions (see the banner).
inline constexpr char kKeyFfExt[] = "FFEXT";
inline constexpr char kKeyEccStrength[] = "ECCSTRENGTH";
inline constexpr char kKeyEccStep[] = "ECCSTEP";
inline constexpr char kKeyBitflipThreshold[] = "BITFLIPTHRESHOLD";
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

// ---- Direct reads (docs/muse-protocol.md, kmod/README.md "Direct reads") -------
//
// Not part of the wire: an ioctl on /dev/muse, before the INIT reply, shares
// the server's store file and a map in server memory. The module then serves
// reads and isbad of eraseblocks whose ask bit is clear from the store,
// without a request. A kernel without it answers ENOTTY; nothing changes.

inline constexpr uint32_t kDirectMapMagic = 0x4D444D31;  // "MDM1"

struct DirectSetup {
  int32_t store_fd;       // a regular file open for reading
  uint32_t flags;         // 0
  uint64_t store_offset;  // byte offset of page 0 in the file
  uint64_t page_stride;   // bytes per page: WRITESIZE + OOBSIZE
  uint64_t map_addr;      // address of the DirectMap, page aligned
  uint64_t map_len;       // bytes of the map, header included
};
static_assert(sizeof(DirectSetup) == 40);

// _IOW(0xE6, 0, struct muse_direct_setup) on Linux's generic ioctl encoding.
inline constexpr unsigned long kDevIocDirect =
    (1ul << 30) | (sizeof(DirectSetup) << 16) | (0xE6ul << 8) | 0;

// The map header; the ask bits (uint64_t words, bit b % 64 of word b / 64
// for eraseblock b) follow it. The server writes magic, bypass and the bits;
// the module adds to the counters atomically.
struct DirectMap {
  uint32_t magic;
  uint32_t bypass;       // non-zero: every read and isbad asks the server
  uint64_t reads;        // reads served directly
  uint64_t read_bytes;   // their bytes
  uint64_t isbad;        // isbad answered directly
  uint64_t reserved[4];
};
static_assert(sizeof(DirectMap) == 64);
static_assert(offsetof(DirectMap, reads) == 8);

}  // namespace flashfault::muse
