// MuseSession's READ and WRITE handlers: v3 requests (in-band, or OOB with
// the split-OOB continuation rule of muse_session.h) and, once negotiated,
// the extensions' combined data+OOB requests and ReadOutExt replies (see the
// banner of muse_abi.h). Every length from the wire is checked against the
// bytes received and against max_io before the device is called.
#include <errno.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "harness/muse/muse_session.h"
#include "harness/muse/wire_util.h"

namespace flashfault::muse {
namespace {

using wire::Decode;
using wire::Piece;

// Extensions: INBAND plus any OOB mode bit makes a combined request.
bool IsCombined(uint32_t flags) {
  return (flags & kIoInband) != 0 && (flags & (kIoOobAuto | kIoOobPlace)) != 0;
}

uint32_t ClampU32(uint64_t v) {
  return static_cast<uint32_t>(std::min<uint64_t>(v, std::numeric_limits<uint32_t>::max()));
}

}  // namespace

absl::StatusOr<MuseSession::IoTarget> MuseSession::DecodeIo(bool write, uint64_t addr,
                                                            uint64_t len, uint32_t flags) {
  IoTarget t;
  size_t mode_index = 0;
  switch (flags) {
    case kIoInband: t.op.mode = OobMode::kPlace; break;
    case kIoInbandRaw: t.op.mode = OobMode::kRaw; t.raw = true; break;
    case kIoOobAuto: t.op.mode = OobMode::kAuto; t.oob = true; mode_index = 0; break;
    case kIoOobPlace: t.op.mode = OobMode::kPlace; t.oob = true; mode_index = 1; break;
    case kIoOobRaw: t.op.mode = OobMode::kRaw; t.oob = true; t.raw = true; mode_index = 2; break;
    default: return absl::InvalidArgumentError(absl::StrCat("unknown I/O flags ", flags));
  }
  const uint64_t total = geometry_.total_size();
  if (!t.oob) {
    if (addr > total || len > total - addr) return absl::OutOfRangeError("beyond the device");
    if (write && geometry_.is_nand()) {
      // As a NAND driver: programs start and end on subpage boundaries.
      const uint32_t sub = geometry_.subpage_size();
      if (addr % sub != 0 || len % sub != 0) {
        return absl::InvalidArgumentError("write not aligned to the subpage size");
      }
    }
    t.op.addr = addr;
    return t;
  }
  const uint64_t per_page = t.op.mode == OobMode::kAuto ? geometry_.oob_avail() : geometry_.oob_size;
  if (per_page == 0) return absl::FailedPreconditionError("no OOB in this mode");
  t.cursor = (write ? 3 : 0) + mode_index;
  const OobCursor& c = oob_cursors_[t.cursor];
  if (c.armed && addr == c.next_addr) {
    t.flat_start = c.next_flat;  // continuation of a split operation
    ++stats_.oob_continuations;
  } else {
    if (addr >= total) return absl::OutOfRangeError("OOB address beyond the device");
    const uint64_t offset = addr % geometry_.page_size;
    if (offset >= per_page) return absl::InvalidArgumentError("OOB offset beyond the OOB area");
    t.flat_start = addr / geometry_.page_size * per_page + offset;
  }
  const uint64_t flat_total = geometry_.total_pages() * per_page;
  if (t.flat_start >= flat_total || len > flat_total - t.flat_start) {
    return absl::OutOfRangeError("OOB range beyond the device");
  }
  t.op.addr = t.flat_start / per_page * geometry_.page_size;
  t.op.ooboffs = static_cast<uint32_t>(t.flat_start % per_page);
  return t;
}

void MuseSession::AdvanceCursor(const IoTarget& t, uint64_t addr, uint64_t len, bool ok) {
  if (!t.oob) return;
  OobCursor& c = oob_cursors_[t.cursor];
  // Only a full-sized request can be followed by a continuation.
  c.armed = ok && len == max_io_;
  c.next_addr = addr + len;
  c.next_flat = t.flat_start + len;
}

absl::Status MuseSession::DoRead(const Request& r, MessageChannel& ch) {
  ReadIn in = Decode<ReadIn>(r.args);
  if (ext_ && IsCombined(in.flags)) return DoCombinedRead(r, in, ch);
  if (in.len > max_io_ || (ext_ && in.ooblen != 0)) {
    ++stats_.malformed;
    Log(*r.header, "len=%llu above max_read -> EINVAL", static_cast<unsigned long long>(in.len));
    return ReplyError(r.header->unique, EINVAL, ch);
  }
  absl::StatusOr<IoTarget> t = DecodeIo(false, in.addr, in.len, in.flags);
  if (!t.ok()) {
    Log(*r.header, "addr=%llu len=%llu flags=%u: %s", static_cast<unsigned long long>(in.addr),
        static_cast<unsigned long long>(in.len), in.flags, std::string(t.status().message()).c_str());
    return ReplyStatus(r.header->unique, t.status(), ch);
  }
  std::span<uint8_t> buf(data_buf_.data(), in.len);
  absl::StatusOr<ReadReport> rep = ReadReport{};
  if (in.len > 0) {
    rep = t->oob ? device_.Read(t->op, {}, buf) : device_.Read(t->op, buf, {});
  }
  AdvanceCursor(*t, in.addr, in.len, rep.ok());
  if (!rep.ok()) {
    Log(*r.header, "addr=%llu len=%llu flags=%u -> %s", static_cast<unsigned long long>(in.addr),
        static_cast<unsigned long long>(in.len), in.flags, rep.status().ToString().c_str());
    return ReplyStatus(r.header->unique, rep.status(), ch);
  }
  Log(*r.header, "addr=%llu len=%llu flags=%u -> flips %u", static_cast<unsigned long long>(in.addr),
      static_cast<unsigned long long>(in.len), in.flags, rep->max_bitflips);
  return ReplyRead(r.header->unique, *rep, t->raw, buf, {}, ch);
}

absl::Status MuseSession::DoWrite(const Request& r, MessageChannel& ch) {
  WriteIn in = Decode<WriteIn>(r.args);
  if (ext_ && IsCombined(in.flags)) return DoCombinedWrite(r, in, ch);
  std::span<const uint8_t> data = r.args.subspan(sizeof(WriteIn));
  if (in.len != data.size() || in.len > max_io_ || (ext_ && in.ooblen != 0)) {
    ++stats_.malformed;
    Log(*r.header, "len=%llu with %zu data bytes -> EINVAL",
        static_cast<unsigned long long>(in.len), data.size());
    return ReplyError(r.header->unique, EINVAL, ch);
  }
  absl::StatusOr<IoTarget> t = DecodeIo(true, in.addr, in.len, in.flags);
  absl::Status st = t.status();
  if (t.ok() && in.len > 0) {
    st = t->oob ? device_.Write(t->op, {}, data) : device_.Write(t->op, data, {});
  }
  if (t.ok()) AdvanceCursor(*t, in.addr, in.len, st.ok());
  Log(*r.header, "addr=%llu len=%llu flags=%u -> %s", static_cast<unsigned long long>(in.addr),
      static_cast<unsigned long long>(in.len), in.flags, st.ToString().c_str());
  if (!t.ok()) return ReplyStatus(r.header->unique, st, ch);
  return ReplyWrite(r.header->unique, in.len, st, ch);
}


absl::Status MuseSession::ReplyRead(uint64_t unique, const ReadReport& rep, bool raw,
                                    std::span<const uint8_t> data, std::span<const uint8_t> oob,
                                    MessageChannel& ch) {
  if (!ext_) {
    // Raw reads report no soft errors: there is no ECC to have an opinion.
    const int soft = raw ? 0 : StatusToErrno(EccStatus(rep));
    if (soft != 0) ++stats_.soft_errors;
    ReadOut out{data.size(), static_cast<uint32_t>(-soft), 0};
    iovec p[2] = {Piece(&out, sizeof(out)), Piece(data.data(), data.size())};
    return Reply(unique, p, ch);
  }
  // The kernel derives -EUCLEAN from max_bitflips itself; say it only when
  // the device wants a scrub the count alone would not trigger.
  ReadOutExt out{data.size(), 0, 0, 0, static_cast<uint32_t>(oob.size())};
  if (!raw) {
    const uint32_t threshold = geometry_.effective_bitflip_threshold();
    int soft = 0;
    if (rep.uncorrectable()) {
      soft = EBADMSG;
    } else if (rep.scrub && (geometry_.ecc_strength == 0 || rep.max_bitflips < threshold)) {
      soft = EUCLEAN;
    }
    if (soft != 0) ++stats_.soft_errors;
    out.soft_error = static_cast<uint32_t>(-soft);
    out.max_bitflips = rep.max_bitflips;
    out.corrected_bitflips = ClampU32(rep.corrected_bitflips);
  }
  iovec p[3] = {Piece(&out, sizeof(out)), Piece(data.data(), data.size()),
                Piece(oob.data(), oob.size())};
  return Reply(unique, p, ch);
}

absl::Status MuseSession::ReplyWrite(uint64_t unique, uint64_t len, const absl::Status& st,
                                     MessageChannel& ch) {
  if (absl::IsDataLoss(st)) {
    // A program failure is the write's soft error, so the kernel fails the
    // operation with it (and UBI torture-tests the block).
    ++stats_.soft_errors;
    WriteOut out{len, static_cast<uint32_t>(-StatusToErrno(st)), 0};
    iovec p = Piece(&out, sizeof(out));
    return Reply(unique, std::span<const iovec>(&p, 1), ch);
  }
  if (!st.ok()) return ReplyStatus(unique, st, ch);
  WriteOut out{len, 0, 0};
  iovec p = Piece(&out, sizeof(out));
  return Reply(unique, std::span<const iovec>(&p, 1), ch);
}

absl::StatusOr<FlashOp> MuseSession::DecodeCombined(uint64_t addr, uint64_t len, uint32_t flags,
                                                    uint32_t ooblen) const {
  FlashOp op;
  switch (flags & kIoModeMask) {
    case kIoInbandAuto: op.mode = OobMode::kAuto; break;
    case kIoInbandPlace: op.mode = OobMode::kPlace; break;
    case kIoInbandPlaceRaw: op.mode = OobMode::kRaw; break;
    default: return absl::InvalidArgumentError(absl::StrCat("unknown combined flags ", flags));
  }
  const uint64_t per_page = op.mode == OobMode::kAuto ? geometry_.oob_avail() : geometry_.oob_size;
  if (!geometry_.is_nand() || per_page == 0) {
    return absl::FailedPreconditionError("no OOB in this mode");
  }
  if (len == 0) return absl::InvalidArgumentError("combined request without data");
  if (uint64_t{ooblen} > max_io_ || len > max_io_ - ooblen) {
    return absl::InvalidArgumentError("combined request above max_io");
  }
  const uint64_t page = geometry_.page_size, total = geometry_.total_size();
  if (addr % page != 0) return absl::InvalidArgumentError("combined request not page aligned");
  if (addr >= total || len > total - addr) return absl::OutOfRangeError("beyond the device");
  op.addr = addr;
  op.ooboffs = flags >> kIoOoboffsShift;
  if (op.ooboffs >= per_page) return absl::InvalidArgumentError("ooboffs beyond the OOB area");
  const uint64_t pages = (len + page - 1) / page;
  if (op.ooboffs + uint64_t{ooblen} > pages * per_page) {
    return absl::InvalidArgumentError("OOB runs past the pages of the data");
  }
  return op;
}

absl::Status MuseSession::DoCombinedRead(const Request& r, const ReadIn& in, MessageChannel& ch) {
  absl::StatusOr<FlashOp> op = DecodeCombined(in.addr, in.len, in.flags, in.ooblen);
  std::span<uint8_t> data, oob;
  absl::StatusOr<ReadReport> rep = ReadReport{};
  if (op.ok()) {
    data = std::span<uint8_t>(data_buf_.data(), in.len);
    oob = std::span<uint8_t>(data_buf_.data() + in.len, in.ooblen);
    rep = device_.Read(*op, data, oob);
  } else {
    ++stats_.malformed;
    rep = op.status();
  }
  Log(*r.header, "addr=%llu len=%llu flags=%#x ooblen=%u -> %s",
      static_cast<unsigned long long>(in.addr), static_cast<unsigned long long>(in.len), in.flags,
      in.ooblen,
      rep.ok() ? absl::StrCat("flips ", rep->max_bitflips).c_str()
               : rep.status().ToString().c_str());
  if (!rep.ok()) return ReplyStatus(r.header->unique, rep.status(), ch);
  return ReplyRead(r.header->unique, *rep, op->mode == OobMode::kRaw, data, oob, ch);
}

absl::Status MuseSession::DoCombinedWrite(const Request& r, const WriteIn& in,
                                          MessageChannel& ch) {
  std::span<const uint8_t> bytes = r.args.subspan(sizeof(WriteIn));
  absl::StatusOr<FlashOp> op = DecodeCombined(in.addr, in.len, in.flags, in.ooblen);
  absl::Status st = op.status();
  if (op.ok() && bytes.size() != in.len + in.ooblen) {
    st = absl::InvalidArgumentError(absl::StrCat("combined write carries ", bytes.size(),
                                                 " bytes, len + ooblen say ", in.len + in.ooblen));
  }
  if (st.ok()) {
    st = device_.Write(*op, bytes.first(in.len), bytes.subspan(in.len));
  } else {
    ++stats_.malformed;
  }
  Log(*r.header, "addr=%llu len=%llu flags=%#x ooblen=%u -> %s",
      static_cast<unsigned long long>(in.addr), static_cast<unsigned long long>(in.len), in.flags,
      in.ooblen, st.ToString().c_str());
  return ReplyWrite(r.header->unique, in.len, st, ch);
}

}  // namespace flashfault::muse
