// FakeKernel implementation, from docs/muse-protocol.md; see fake_kernel.h. Offsets
// are the document's, written out by hand on purpose.
#include "tests/protocol/fake_kernel.h"

#include <poll.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cstring>

namespace flashfault::protocol_test {
namespace {

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool ReadExactly(int fd, uint8_t* p, size_t n, int timeout_ms) {
  size_t got = 0;
  while (got < n) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, timeout_ms) <= 0) return false;
    ssize_t r = ::read(fd, p + got, n - got);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

}  // namespace

void FakeKernel::PutU32(std::vector<uint8_t>& v, uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}
void FakeKernel::PutU64(std::vector<uint8_t>& v, uint64_t x) {
  for (int i = 0; i < 8; ++i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}
uint32_t FakeKernel::GetU32(const std::vector<uint8_t>& v, size_t off) {
  uint32_t x = 0;
  for (int i = 3; i >= 0; --i) x = (x << 8) | v.at(off + i);
  return x;
}
uint64_t FakeKernel::GetU64(const std::vector<uint8_t>& v, size_t off) {
  uint64_t x = 0;
  for (int i = 7; i >= 0; --i) x = (x << 8) | v.at(off + i);
  return x;
}

std::optional<uint64_t> InitReply::Number(const std::string& key) const {
  auto it = keys.find(key);
  if (it == keys.end()) return std::nullopt;
  const std::string& s = it->second;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string ParseKeyBlock(const std::vector<uint8_t>& block,
                          std::map<std::string, std::string>* keys) {
  if (block.size() > 4096) return "key block longer than 4096 bytes";
  if (block.empty()) return "";
  if (block.back() != 0) return "last byte of the key block is not NUL";
  size_t start = 0;
  while (start < block.size()) {
    size_t end = start;
    while (block[end] != 0) ++end;  // terminated: the last byte is NUL
    std::string s(block.begin() + start, block.begin() + end);
    start = end + 1;
    if (s.empty()) continue;  // extra NULs are skipped
    size_t eq = s.find('=');
    std::string key = Trim(s.substr(0, eq));
    std::string value = eq == std::string::npos ? "" : Trim(s.substr(eq + 1));
    if (key.empty()) return "empty key";
    (*keys)[key] = value;  // later wins
  }
  return "";
}

void FakeKernel::Violation(const std::string& what) {
  if (violation_.empty()) violation_ = what;
}

std::vector<uint8_t> FakeKernel::Encode(uint32_t opcode, uint64_t unique,
                                        const std::vector<uint8_t>& args,
                                        const std::vector<uint8_t>& data) const {
  std::vector<uint8_t> m;
  PutU32(m, static_cast<uint32_t>(40 + args.size() + data.size()));  // 0: len
  PutU32(m, opcode);                                                  // 4: opcode
  PutU64(m, unique);                                                  // 8: unique
  PutU64(m, opcode == abi::kInit ? 0 : 1);                            // 16: nodeid
  PutU32(m, 0);                                                       // 24: uid
  PutU32(m, 0);                                                       // 28: gid
  PutU32(m, 4242);                                                    // 32: pid
  PutU32(m, 0);                                                       // 36: padding
  m.insert(m.end(), args.begin(), args.end());
  m.insert(m.end(), data.begin(), data.end());
  return m;
}

bool FakeKernel::SendBytes(const std::vector<uint8_t>& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t w = ::write(fd_, bytes.data() + sent, bytes.size() - sent);
    if (w <= 0) return false;
    sent += static_cast<size_t>(w);
  }
  return true;
}

std::optional<RawReply> FakeKernel::Receive(int timeout_ms) {
  std::vector<uint8_t> head(16);
  std::vector<uint8_t> datagram;
  if (datagram_) {
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, timeout_ms) <= 0) return std::nullopt;
    datagram.resize(8u << 20);
    ssize_t n = ::read(fd_, datagram.data(), datagram.size());
    if (n < 16) return std::nullopt;
    datagram.resize(static_cast<size_t>(n));
    head.assign(datagram.begin(), datagram.begin() + 16);
  } else if (!ReadExactly(fd_, head.data(), 16, timeout_ms)) {
    return std::nullopt;
  }
  RawReply r;
  r.len = GetU32(head, 0);
  r.error = static_cast<int32_t>(GetU32(head, 4));
  r.unique = GetU64(head, 8);
  if (r.len < 16 || r.len > (64u << 20)) {
    Violation("reply len " + std::to_string(r.len));
    return std::nullopt;
  }
  if (datagram_) {
    if (r.len != datagram.size()) Violation("reply len differs from the bytes written");
    r.body.assign(datagram.begin() + 16, datagram.end());
  } else {
    r.body.resize(r.len - 16);
    if (!ReadExactly(fd_, r.body.data(), r.body.size(), timeout_ms)) return std::nullopt;
  }
  if (r.error > 0 || r.error < -511) Violation("reply error out of range");
  if (r.error != 0 && r.len != 16) Violation("error reply is not exactly 16 bytes");
  return r;
}

std::optional<RawReply> FakeKernel::Call(uint32_t opcode, const std::vector<uint8_t>& args,
                                         const std::vector<uint8_t>& data) {
  uint64_t unique = NextUnique();
  if (!SendBytes(Encode(opcode, unique, args, data))) return std::nullopt;
  std::optional<RawReply> r = Receive();
  if (r && r->unique != unique) Violation("reply unique does not match the request");
  return r;
}

InitReply FakeKernel::Init(uint32_t major, uint32_t minor) {
  std::vector<uint8_t> args;
  PutU32(args, major);  // init_in: 0 fuse_major, 4 fuse_minor
  PutU32(args, minor);
  InitReply out;
  std::optional<RawReply> r = Call(abi::kInit, args);
  if (!r) {
    out.error = -9999;
    return out;
  }
  out.error = r->error;
  out.total_len = r->len;
  if (r->error != 0) return out;
  if (r->len < 32 || r->len > 32 + 4096) {
    out.key_error = "INIT reply size " + std::to_string(r->len) + " outside 32..4128";
    return out;
  }
  out.major = GetU32(r->body, 0);  // init_out
  out.minor = GetU32(r->body, 4);
  out.max_read = GetU32(r->body, 8);
  out.max_write = GetU32(r->body, 12);
  // The kernel raises both to at least 4096.
  max_read_ = out.max_read < 4096 ? 4096 : out.max_read;
  max_write_ = out.max_write < 4096 ? 4096 : out.max_write;
  out.key_block.assign(r->body.begin() + 16, r->body.end());
  out.key_error = ParseKeyBlock(out.key_block, &out.keys);
  // On iff we offered (minor >= 35) and FFEXT=1 came back.
  auto ffext = out.keys.find("FFEXT");
  ext_ = minor >= abi::kExtMinor && out.key_error.empty() && ffext != out.keys.end() &&
         ffext->second == "1";
  return out;
}

IoReply FakeKernel::ReadFields(uint64_t addr, uint64_t len, uint32_t flags, uint32_t word20) {
  std::vector<uint8_t> args;
  PutU64(args, addr);  // read_in: 0 addr, 8 len, 16 flags, 20 padding (ext: ooblen)
  PutU64(args, len);
  PutU32(args, flags);
  PutU32(args, word20);
  IoReply out;
  std::optional<RawReply> r = Call(abi::kRead, args);
  if (!r) {
    out.error = -9999;
    return out;
  }
  out.error = r->error;
  if (r->error != 0) return out;
  out.body_size = r->body.size();
  const size_t arg = ext_ ? 24 : 16;  // read_out_ext with the extensions, else read_out
  if (r->body.size() < arg) {
    Violation("read reply shorter than its read_out");
    out.error = -9998;
    return out;
  }
  out.len = GetU64(r->body, 0);  // 0 len, 8 soft_error
  out.soft_error = static_cast<int32_t>(GetU32(r->body, 8));
  uint64_t oob_len = 0;
  if (ext_) {
    out.ext = true;
    out.max_bitflips = GetU32(r->body, 12);  // 12 max_bitflips, 16 corrected, 20 oob_len
    out.corrected_bitflips = GetU32(r->body, 16);
    oob_len = GetU32(r->body, 20);
  }
  if (r->body.size() != arg + out.len + oob_len) {
    Violation("read reply size differs from its len + oob_len");
    return out;
  }
  out.data.assign(r->body.begin() + arg, r->body.begin() + arg + out.len);
  out.oob.assign(r->body.begin() + arg + out.len, r->body.end());
  return out;
}

IoReply FakeKernel::Read(uint64_t addr, uint64_t len, uint32_t flags) {
  return ReadFields(addr, len, flags, 0);
}

IoReply FakeKernel::ReadCombined(uint64_t addr, uint64_t len, uint32_t mode_flags,
                                 uint32_t ooboffs, uint32_t ooblen) {
  return ReadFields(addr, len, mode_flags | ooboffs << abi::kOoboffsShift, ooblen);
}

IoReply FakeKernel::WriteFields(uint64_t addr, uint64_t len, uint32_t flags, uint32_t word20,
                                const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> args;
  PutU64(args, addr);  // write_in: 0 addr, 8 len, 16 flags, 20 padding (ext: ooblen)
  PutU64(args, len);
  PutU32(args, flags);
  PutU32(args, word20);
  IoReply out;
  std::optional<RawReply> r = Call(abi::kWrite, args, payload);
  if (!r) {
    out.error = -9999;
    return out;
  }
  out.error = r->error;
  if (r->error != 0) return out;
  if (r->body.size() != 16) {  // write_out, exactly (also with the extensions)
    Violation("write reply is not exactly write_out");
    out.error = -9998;
    return out;
  }
  out.len = GetU64(r->body, 0);
  out.soft_error = static_cast<int32_t>(GetU32(r->body, 8));
  return out;
}

IoReply FakeKernel::Write(uint64_t addr, const std::vector<uint8_t>& data, uint32_t flags) {
  return WriteFields(addr, data.size(), flags, 0, data);
}

IoReply FakeKernel::WriteCombined(uint64_t addr, const std::vector<uint8_t>& data,
                                  const std::vector<uint8_t>& oob, uint32_t mode_flags,
                                  uint32_t ooboffs, std::optional<uint32_t> ooblen) {
  std::vector<uint8_t> payload = data;  // len data bytes, then the OOB bytes
  payload.insert(payload.end(), oob.begin(), oob.end());
  return WriteFields(addr, data.size(), mode_flags | ooboffs << abi::kOoboffsShift,
                     ooblen.value_or(static_cast<uint32_t>(oob.size())), payload);
}

int32_t FakeKernel::Erase(uint64_t addr, uint64_t len) {
  std::vector<uint8_t> args;
  PutU64(args, addr);  // erase_in: 0 addr, 8 len
  PutU64(args, len);
  std::optional<RawReply> r = Call(abi::kErase, args);
  if (!r) return -9999;
  if (r->error == 0 && !r->body.empty()) Violation("erase reply carries arguments");
  return r->error;
}

std::pair<int32_t, uint32_t> FakeKernel::IsBad(uint64_t addr) {
  std::vector<uint8_t> args;
  PutU64(args, addr);  // isbad_in: 0 addr
  std::optional<RawReply> r = Call(abi::kIsBad, args);
  if (!r) return {-9999, 0};
  if (r->error != 0) return {r->error, 0};
  if (r->body.size() != 8) {  // isbad_out, exactly
    Violation("isbad reply is not exactly isbad_out");
    return {-9998, 0};
  }
  return {0, GetU32(r->body, 0)};
}

int32_t FakeKernel::MarkBad(uint64_t addr) {
  std::vector<uint8_t> args;
  PutU64(args, addr);  // markbad_in: 0 addr
  std::optional<RawReply> r = Call(abi::kMarkBad, args);
  if (!r) return -9999;
  if (r->error == 0 && !r->body.empty()) Violation("markbad reply carries arguments");
  return r->error;
}

int32_t FakeKernel::Sync() {
  std::optional<RawReply> r = Call(abi::kSync, {});
  if (!r) return -9999;
  if (r->error == 0 && !r->body.empty()) Violation("sync reply carries arguments");
  return r->error;
}

}  // namespace flashfault::protocol_test
