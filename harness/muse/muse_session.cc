// MuseSession implementation; see muse_session.h for the contract and the
// split-OOB rule. Every handler decodes its arguments, checks them, makes one
// FlashDevice call and replies exactly once. Nothing here may trust a length
// from the wire before comparing it with the bytes actually received.
// This file: errno mapping, INIT (and the extension offer), dispatch, and
// the non-I/O opcodes; READ and WRITE live in muse_session_io.cc.
#include "harness/muse/muse_session.h"

#include <errno.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "harness/muse/wire_util.h"

namespace flashfault::muse {
namespace {

constexpr char kEccPayloadUrl[] = "flashfault/ecc";
constexpr uint32_t kMaxIoCap = 8u << 20;  // default max_io never exceeds this

using wire::Decode;
using wire::Piece;

// A key block value must survive the kernel's trimming and NUL splitting.
absl::Status CheckKeyValue(absl::string_view key, absl::string_view value) {
  if (value.find('\0') != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(key, ": contains a NUL byte"));
  }
  if (absl::StripAsciiWhitespace(value) != value) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, ": leading or trailing whitespace would be trimmed"));
  }
  return absl::OkStatus();
}

}  // namespace

int StatusToErrno(const absl::Status& status) {
  if (status.ok()) return 0;
  if (auto ecc = status.GetPayload(kEccPayloadUrl)) {
    return *ecc == "uncorrectable" ? EBADMSG : EUCLEAN;
  }
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument: return EINVAL;   // misaligned, malformed
    case absl::StatusCode::kOutOfRange: return EINVAL;        // as the MTD core's range checks
    case absl::StatusCode::kDataLoss: return EIO;             // program/erase failure
    case absl::StatusCode::kUnavailable: return EIO;          // power cut
    case absl::StatusCode::kFailedPrecondition: return EOPNOTSUPP;
    case absl::StatusCode::kUnimplemented: return ENOSYS;
    case absl::StatusCode::kResourceExhausted: return ENOMEM;
    case absl::StatusCode::kPermissionDenied: return EROFS;
    default: return EIO;
  }
}

absl::Status EccStatus(const ReadReport& report) {
  if (!report.uncorrectable() && !report.scrub) return absl::OkStatus();
  absl::Status s = absl::DataLossError(report.uncorrectable() ? "ECC: uncorrectable"
                                                              : "ECC: corrected, scrub");
  s.SetPayload(kEccPayloadUrl, absl::Cord(report.uncorrectable() ? "uncorrectable" : "scrub"));
  return s;
}

uint32_t DefaultMaxIo(const Geometry& g) {
  uint64_t io = std::max<uint64_t>({kMinMaxIo, g.page_size, g.block_size()});
  uint64_t all_oob = std::min<uint64_t>(g.total_pages() * g.oob_size, kMaxIoCap);
  io = std::max(io, all_oob);
  io = (io + kMinMaxIo - 1) / kMinMaxIo * kMinMaxIo;
  return static_cast<uint32_t>(std::min<uint64_t>(io, uint64_t{1} << 30));
}

absl::StatusOr<std::string> BuildKeyBlock(const Geometry& g, const SessionOptions& opts) {
  std::string name = opts.name.empty() ? g.name : opts.name;
  if (name.empty()) return absl::InvalidArgumentError("NAME: empty");
  if (absl::Status s = CheckKeyValue("NAME", name); !s.ok()) return s;
  if (absl::Status s = CheckKeyValue("PARTSCMDLINE", opts.parts); !s.ok()) return s;
  // MLC is advertised as NAND: 6.1's UBI and JFFS2 refuse MLCNANDFLASH; the
  // MLC rules stay in the model.
  uint32_t type = g.is_nand() ? kMtdNandFlash : kMtdNorFlash;
  uint32_t flags = kMtdWriteable | (g.is_nand() ? 0 : kMtdBitWriteable);
  std::string b;
  auto add = [&b](absl::string_view key, const auto& value) {
    absl::StrAppend(&b, key, "=", value);
    b.push_back('\0');
  };
  add("NAME", name);
  add("TYPE", type);
  add("FLAGS", flags);  // decimal, as the kernel parses it
  add("SIZE", g.total_size());
  add("WRITESIZE", g.page_size);
  add("WRITEBUFSIZE", g.page_size);
  add("ERASESIZE", g.block_size());
  add("OOBSIZE", g.oob_size);
  add("OOBAVAIL", g.oob_avail());
  add("SUBPAGESHIFT", g.subpage_shift);
  if (!opts.parts.empty()) add("PARTSCMDLINE", opts.parts);
  if (b.size() > kMaxKeyBlock) {
    return absl::InvalidArgumentError(
        absl::StrCat("INIT key block is ", b.size(), " bytes, the limit is ", kMaxKeyBlock));
  }
  return b;
}

std::string BuildExtKeyBlock(const Geometry& g) {
  std::string b;
  auto add = [&b](absl::string_view key, uint32_t value) {
    absl::StrAppend(&b, key, "=", value);
    b.push_back('\0');
  };
  add(kKeyFfExt, 1);
  add(kKeyEccStrength, g.ecc_strength);
  add(kKeyEccStep, g.ecc_step);
  add(kKeyBitflipThreshold, g.effective_bitflip_threshold());
  return b;
}

// ---- Construction ----------------------------------------------------------------

// Indexed by opcode - kOpFirst; names for logs come from OpcodeName().
const MuseSession::OpEntry MuseSession::kOps[kOpCount] = {
    {&MuseSession::DoInit, sizeof(InitIn)},        // MUSE_INIT
    {&MuseSession::DoErase, sizeof(EraseIn)},      // MUSE_ERASE
    {&MuseSession::DoRead, sizeof(ReadIn)},        // MUSE_READ
    {&MuseSession::DoWrite, sizeof(WriteIn)},      // MUSE_WRITE
    {&MuseSession::DoMarkBad, sizeof(MarkBadIn)},  // MUSE_MARKBAD
    {&MuseSession::DoIsBad, sizeof(IsBadIn)},      // MUSE_ISBAD
    {&MuseSession::DoSync, 0},                     // MUSE_SYNC
};

absl::StatusOr<std::unique_ptr<MuseSession>> MuseSession::Create(FlashDevice& device,
                                                                SessionOptions opts) {
  const Geometry& g = device.geometry();
  if (g.page_size == 0 || g.block_size() == 0 || g.total_size() == 0) {
    return absl::InvalidArgumentError("geometry has a zero size");
  }
  absl::StatusOr<std::string> keys = BuildKeyBlock(g, opts);
  if (!keys.ok()) return keys.status();
  uint32_t max_io = opts.max_io != 0 ? opts.max_io : DefaultMaxIo(g);
  if (max_io < kMinMaxIo || max_io < g.page_size || max_io > (1u << 30)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_io ", max_io, " must be in [max(4096, writesize ", g.page_size, "), 1 GiB]"));
  }
  // Offer the extensions only when their keys fit the block and a page with
  // its OOB fits one request (the kernel checks the same).
  std::string ext_keys = BuildExtKeyBlock(g);
  if (keys->size() + ext_keys.size() > kMaxKeyBlock ||
      uint64_t{g.page_size} + g.oob_size > max_io) {
    ext_keys.clear();
  }
  return std::unique_ptr<MuseSession>(new MuseSession(device, std::move(opts), max_io,
                                                      *std::move(keys), std::move(ext_keys)));
}

MuseSession::MuseSession(FlashDevice& device, SessionOptions opts, uint32_t max_io,
                         std::string key_block, std::string ext_key_block)
    : device_(device),
      geometry_(device.geometry()),
      opts_(std::move(opts)),
      max_io_(max_io),
      key_block_(std::move(key_block)),
      ext_key_block_(std::move(ext_key_block)),
      request_buf_(ReadBufferSize(max_io)),
      data_buf_(max_io) {}

// ---- Replies -------------------------------------------------------------------------

absl::Status MuseSession::Reply(uint64_t unique, std::span<const iovec> payload,
                                MessageChannel& ch) {
  OutHeader h{static_cast<uint32_t>(sizeof(OutHeader)), 0, unique};
  iovec iov[4];
  iov[0] = Piece(&h, sizeof(h));
  size_t n = 1;
  for (const iovec& p : payload) {
    h.len += static_cast<uint32_t>(p.iov_len);
    iov[n++] = p;
  }
  absl::Status s = ch.Write(std::span<const iovec>(iov, n));
  if (s.ok() || absl::IsNotFound(s)) return absl::OkStatus();  // NotFound: request aborted
  if (absl::IsUnavailable(s)) return s;
  ++stats_.write_failures;
  std::fprintf(stderr, "muse: reply to unique %llu refused: %s\n",
               static_cast<unsigned long long>(unique), std::string(s.message()).c_str());
  return absl::OkStatus();
}

absl::Status MuseSession::ReplyError(uint64_t unique, int err, MessageChannel& ch) {
  if (err <= 0 || err > kMaxErrno) err = EIO;  // the kernel refuses anything else
  ++stats_.errors;
  OutHeader h{static_cast<uint32_t>(sizeof(OutHeader)), -err, unique};
  iovec iov = Piece(&h, sizeof(h));
  absl::Status s = ch.Write(std::span<const iovec>(&iov, 1));
  if (s.ok() || absl::IsNotFound(s)) return absl::OkStatus();
  if (absl::IsUnavailable(s)) return s;
  ++stats_.write_failures;
  return absl::OkStatus();
}

absl::Status MuseSession::ReplyStatus(uint64_t unique, const absl::Status& st,
                                      MessageChannel& ch) {
  if (st.ok()) return Reply(unique, {}, ch);
  return ReplyError(unique, StatusToErrno(st), ch);
}

void MuseSession::Log(const InHeader& h, const char* fmt, ...) {
  if (!opts_.verbose) return;
  std::fprintf(stderr, "muse: %-14s unique=%llu ", std::string(OpcodeName(h.opcode)).c_str(),
               static_cast<unsigned long long>(h.unique));
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fputc('\n', stderr);
}

// ---- Dispatch ----------------------------------------------------------------------

absl::Status MuseSession::HandleMessage(std::span<const uint8_t> msg, MessageChannel& ch) {
  ++stats_.requests;
  if (msg.size() < sizeof(OutHeader)) {
    // Not even a unique to answer to: drop it (the kernel never sends this).
    ++stats_.malformed;
    if (opts_.verbose) std::fprintf(stderr, "muse: dropped %zu-byte message\n", msg.size());
    return absl::OkStatus();
  }
  InHeader h{};
  std::memcpy(&h, msg.data(), std::min(msg.size(), sizeof(h)));
  if (msg.size() < sizeof(InHeader) || h.len != msg.size()) {
    ++stats_.malformed;
    Log(h, "malformed: %zu bytes received, header says %u", msg.size(), h.len);
    return ReplyError(h.unique, EINVAL, ch);
  }
  Request r{&h, msg.subspan(sizeof(InHeader))};
  if (h.opcode == kFuseInterrupt) {
    // Requests are answered one at a time, so the interrupted one has been
    // answered already; -ENOSYS tells the kernel to stop sending these.
    Log(h, "-> ENOSYS");
    return ReplyError(h.unique, ENOSYS, ch);
  }
  if (h.opcode < kOpFirst || h.opcode - kOpFirst >= kOpCount) {
    Log(h, "opcode %u -> ENOSYS", h.opcode);
    return ReplyError(h.unique, ENOSYS, ch);
  }
  const OpEntry& op = kOps[h.opcode - kOpFirst];
  if (!initialized_ && h.opcode != kOpInit) {
    Log(h, "before INIT -> EIO");
    return ReplyError(h.unique, EIO, ch);
  }
  if (r.args.size() < op.min_args) {
    ++stats_.malformed;
    Log(h, "%zu argument bytes, need %zu -> EINVAL", r.args.size(), op.min_args);
    return ReplyError(h.unique, EINVAL, ch);
  }
  return (this->*op.handler)(r, ch);
}

absl::Status MuseSession::Run(MessageChannel& ch) {
  absl::Status end = absl::OkStatus();
  for (;;) {
    absl::StatusOr<size_t> n = ch.Read(request_buf_);
    if (!n.ok()) {
      if (!absl::IsUnavailable(n.status()) && !absl::IsCancelled(n.status())) end = n.status();
      break;
    }
    absl::Status s = HandleMessage(std::span<const uint8_t>(request_buf_.data(), *n), ch);
    if (!s.ok()) break;  // the other end is gone
  }
  // Whatever was acknowledged must be durable when the server goes away.
  if (absl::Status s = device_.Sync(); !s.ok()) {
    std::fprintf(stderr, "muse: final sync failed: %s\n", std::string(s.message()).c_str());
    if (end.ok()) end = s;
  }
  return end;
}

// ---- Handlers ----------------------------------------------------------------------

absl::Status MuseSession::DoInit(const Request& r, MessageChannel& ch) {
  InitIn in = Decode<InitIn>(r.args);
  if (initialized_) {
    Log(*r.header, "second INIT -> EINVAL");
    return ReplyError(r.header->unique, EINVAL, ch);
  }
  if (in.fuse_major != kFuseMajor || in.fuse_minor < kMinRequestMinor) {
    Log(*r.header, "kernel speaks %u.%u -> EPROTO", in.fuse_major, in.fuse_minor);
    return ReplyError(r.header->unique, EPROTO, ch);
  }
  // Answer 34 whatever the kernel announced (v3 announces 33, demands 34).
  InitOut out{kFuseMajor, kReplyMinor, max_io_, max_io_};
  // Extension keys only to a kernel that offered them: v3 never sees one.
  const bool ext = in.fuse_minor >= kExtMinor && !ext_key_block_.empty();
  iovec p[3] = {Piece(&out, sizeof(out)), Piece(key_block_.data(), key_block_.size()),
                Piece(ext_key_block_.data(), ext ? ext_key_block_.size() : 0)};
  Log(*r.header, "kernel %u.%u, max_io %u, extensions %s", in.fuse_major, in.fuse_minor, max_io_,
      ext ? "on" : "off");
  absl::Status s = Reply(r.header->unique, std::span<const iovec>(p, ext ? 3 : 2), ch);
  if (!s.ok()) return s;
  initialized_ = true;
  ext_ = ext;
  if (opts_.on_init) opts_.on_init();
  return absl::OkStatus();
}

absl::Status MuseSession::DoErase(const Request& r, MessageChannel& ch) {
  EraseIn in = Decode<EraseIn>(r.args);
  const uint64_t bs = geometry_.block_size(), total = geometry_.total_size();
  absl::Status st;
  if (in.len == 0 || in.addr % bs != 0 || in.len % bs != 0) {
    st = absl::InvalidArgumentError("erase range not eraseblock aligned");
  } else if (in.addr >= total || in.len > total - in.addr) {
    st = absl::OutOfRangeError("erase range beyond the device");
  } else {
    st = device_.Erase(in.addr, in.len);
  }
  Log(*r.header, "addr=%llu len=%llu -> %d", static_cast<unsigned long long>(in.addr),
      static_cast<unsigned long long>(in.len), -StatusToErrno(st));
  return ReplyStatus(r.header->unique, st, ch);
}

absl::Status MuseSession::DoMarkBad(const Request& r, MessageChannel& ch) {
  MarkBadIn in = Decode<MarkBadIn>(r.args);
  absl::Status st = in.addr < geometry_.total_size()
                        ? device_.MarkBad(in.addr - in.addr % geometry_.block_size())
                        : absl::OutOfRangeError("markbad beyond the device");
  Log(*r.header, "addr=%llu -> %d", static_cast<unsigned long long>(in.addr), -StatusToErrno(st));
  return ReplyStatus(r.header->unique, st, ch);
}

absl::Status MuseSession::DoIsBad(const Request& r, MessageChannel& ch) {
  IsBadIn in = Decode<IsBadIn>(r.args);
  absl::StatusOr<bool> bad = in.addr < geometry_.total_size()
                                 ? device_.IsBad(in.addr - in.addr % geometry_.block_size())
                                 : absl::OutOfRangeError("isbad beyond the device");
  Log(*r.header, "addr=%llu -> %s", static_cast<unsigned long long>(in.addr),
      bad.ok() ? (*bad ? "bad" : "good") : bad.status().ToString().c_str());
  if (!bad.ok()) return ReplyStatus(r.header->unique, bad.status(), ch);
  IsBadOut out{*bad ? 1u : 0u, 0};
  iovec p = Piece(&out, sizeof(out));
  return Reply(r.header->unique, std::span<const iovec>(&p, 1), ch);
}

absl::Status MuseSession::DoSync(const Request& r, MessageChannel& ch) {
  absl::Status st = device_.Sync();
  Log(*r.header, "-> %s", st.ToString().c_str());
  return ReplyStatus(r.header->unique, st, ch);
}

}  // namespace flashfault::muse
