// The MUSE wire format is written twice by hand: kmod/muse_abi.h for the
// kernel and harness/muse/muse_abi.h for userspace. This test fails when the
// two drift apart: every struct's size, every field's offset, size and
// signedness, every opcode, flag, limit and constant value, measured by the
// compilers (the kernel header in C by kmod_abi_facts.c, the userspace one
// here) and compared name by name. On each side the listed fields must also
// tile their struct exactly, so a field added to one header and not listed
// here fails too. It must not restate any ABI number itself.
#include <cstddef>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "harness/muse/muse_abi.h"
#include "tests/unit/abi_facts.h"

namespace flashfault::muse {
namespace {

using Facts = std::vector<ff_abi_fact>;

template <typename T>
constexpr int IsSigned() {
  return std::is_signed_v<std::remove_all_extents_t<T>> ? 1 : 0;
}

#define FF_STRUCT(name, type) ff_abi_fact{FF_ABI_STRUCT, name, sizeof(type), 0, 0}
#define FF_FIELD(name, type, f)                                                      \
  ff_abi_fact{FF_ABI_FIELD, name "." #f, offsetof(type, f), sizeof(type::f), \
              IsSigned<decltype(type::f)>()}
#define FF_VALUE(name, value) \
  ff_abi_fact{FF_ABI_VALUE, name, static_cast<unsigned long long>(value), 0, 0}

// The facts of harness/muse/muse_abi.h, in the kernel header's vocabulary.
Facts UserspaceFacts() {
  return {
      FF_STRUCT("in_header", InHeader),
      FF_FIELD("in_header", InHeader, len),
      FF_FIELD("in_header", InHeader, opcode),
      FF_FIELD("in_header", InHeader, unique),
      FF_FIELD("in_header", InHeader, nodeid),
      FF_FIELD("in_header", InHeader, uid),
      FF_FIELD("in_header", InHeader, gid),
      FF_FIELD("in_header", InHeader, pid),
      FF_FIELD("in_header", InHeader, padding),
      FF_STRUCT("out_header", OutHeader),
      FF_FIELD("out_header", OutHeader, len),
      FF_FIELD("out_header", OutHeader, error),
      FF_FIELD("out_header", OutHeader, unique),
      FF_STRUCT("interrupt_in", InterruptIn),
      FF_FIELD("interrupt_in", InterruptIn, unique),

      FF_STRUCT("init_in", InitIn),
      FF_FIELD("init_in", InitIn, fuse_major),
      FF_FIELD("init_in", InitIn, fuse_minor),
      FF_STRUCT("init_out", InitOut),
      FF_FIELD("init_out", InitOut, fuse_major),
      FF_FIELD("init_out", InitOut, fuse_minor),
      FF_FIELD("init_out", InitOut, max_read),
      FF_FIELD("init_out", InitOut, max_write),
      FF_STRUCT("erase_in", EraseIn),
      FF_FIELD("erase_in", EraseIn, addr),
      FF_FIELD("erase_in", EraseIn, len),
      FF_STRUCT("read_in", ReadIn),
      FF_FIELD("read_in", ReadIn, addr),
      FF_FIELD("read_in", ReadIn, len),
      FF_FIELD("read_in", ReadIn, flags),
      FF_FIELD("read_in", ReadIn, ooblen),
      FF_STRUCT("read_out", ReadOut),
      FF_FIELD("read_out", ReadOut, len),
      FF_FIELD("read_out", ReadOut, soft_error),
      FF_FIELD("read_out", ReadOut, padding),
      FF_STRUCT("read_out_ext", ReadOutExt),
      FF_FIELD("read_out_ext", ReadOutExt, len),
      FF_FIELD("read_out_ext", ReadOutExt, soft_error),
      FF_FIELD("read_out_ext", ReadOutExt, max_bitflips),
      FF_FIELD("read_out_ext", ReadOutExt, corrected_bitflips),
      FF_FIELD("read_out_ext", ReadOutExt, oob_len),
      FF_STRUCT("write_in", WriteIn),
      FF_FIELD("write_in", WriteIn, addr),
      FF_FIELD("write_in", WriteIn, len),
      FF_FIELD("write_in", WriteIn, flags),
      FF_FIELD("write_in", WriteIn, ooblen),
      FF_STRUCT("write_out", WriteOut),
      FF_FIELD("write_out", WriteOut, len),
      FF_FIELD("write_out", WriteOut, soft_error),
      FF_FIELD("write_out", WriteOut, padding),
      FF_STRUCT("markbad_in", MarkBadIn),
      FF_FIELD("markbad_in", MarkBadIn, addr),
      FF_STRUCT("isbad_in", IsBadIn),
      FF_FIELD("isbad_in", IsBadIn, addr),
      FF_STRUCT("isbad_out", IsBadOut),
      FF_FIELD("isbad_out", IsBadOut, result),
      FF_FIELD("isbad_out", IsBadOut, padding),

      FF_STRUCT("direct_setup", DirectSetup),
      FF_FIELD("direct_setup", DirectSetup, store_fd),
      FF_FIELD("direct_setup", DirectSetup, flags),
      FF_FIELD("direct_setup", DirectSetup, store_offset),
      FF_FIELD("direct_setup", DirectSetup, page_stride),
      FF_FIELD("direct_setup", DirectSetup, map_addr),
      FF_FIELD("direct_setup", DirectSetup, map_len),
      FF_STRUCT("direct_map", DirectMap),
      FF_FIELD("direct_map", DirectMap, magic),
      FF_FIELD("direct_map", DirectMap, bypass),
      FF_FIELD("direct_map", DirectMap, reads),
      FF_FIELD("direct_map", DirectMap, read_bytes),
      FF_FIELD("direct_map", DirectMap, isbad),
      FF_FIELD("direct_map", DirectMap, reserved),
      // Userspace keeps the ask bits outside the struct, right after it.
      FF_VALUE("direct_map.ask offset", sizeof(DirectMap)),

      FF_VALUE("MUSE_INIT", kOpInit),
      FF_VALUE("MUSE_ERASE", kOpErase),
      FF_VALUE("MUSE_READ", kOpRead),
      FF_VALUE("MUSE_WRITE", kOpWrite),
      FF_VALUE("MUSE_MARKBAD", kOpMarkBad),
      FF_VALUE("MUSE_ISBAD", kOpIsBad),
      FF_VALUE("MUSE_SYNC", kOpSync),
      FF_VALUE("FUSE_INTERRUPT", kFuseInterrupt),
      FF_VALUE("MUSE_INT_REQ_BIT", kInterruptUniqueBit),

      FF_VALUE("MUSE_IO_INBAND", kIoInband),
      FF_VALUE("MUSE_IO_OOB_AUTO", kIoOobAuto),
      FF_VALUE("MUSE_IO_OOB_PLACE", kIoOobPlace),
      FF_VALUE("MUSE_IO_RAW", kIoRaw),
      FF_VALUE("MUSE_IO_MODE_MASK", kIoModeMask),
      FF_VALUE("MUSE_IO_OOBOFFS_SHIFT", kIoOoboffsShift),

      FF_VALUE("MUSE_KERNEL_VERSION", kFuseMajor),
      FF_VALUE("MUSE_V3_MINOR_VERSION", kMinRequestMinor),
      FF_VALUE("MUSE_MIN_SERVER_MINOR", kReplyMinor),
      FF_VALUE("MUSE_EXT_MINOR", kExtMinor),
      FF_VALUE("MUSE_INIT_INFO_MAX", kMaxKeyBlock),
      FF_VALUE("MUSE_MIN_IO_SIZE", kMinMaxIo),
      FF_VALUE("MUSE_MIN_READ_BUFFER", kMinReadBuffer),
      FF_VALUE("MUSE_READ_BUFFER_OVERHEAD", kReadBufferOverhead),
      FF_VALUE("MUSE_MAX_ERRNO", kMaxErrno),

      FF_VALUE("MTD_RAM", kMtdRam),
      FF_VALUE("MTD_ROM", kMtdRom),
      FF_VALUE("MTD_NORFLASH", kMtdNorFlash),
      FF_VALUE("MTD_NANDFLASH", kMtdNandFlash),
      FF_VALUE("MTD_DATAFLASH", kMtdDataFlash),
      FF_VALUE("MTD_MLCNANDFLASH", kMtdMlcNandFlash),
      FF_VALUE("MTD_WRITEABLE", kMtdWriteable),
      FF_VALUE("MTD_BIT_WRITEABLE", kMtdBitWriteable),
      FF_VALUE("MTD_NO_ERASE", kMtdNoErase),
      FF_VALUE("MTD_MUSE", kMtdMuse),

      FF_VALUE("MUSE_DIRECT_MAGIC", kDirectMapMagic),
      FF_VALUE("MUSE_DEV_IOC_DIRECT", kDevIocDirect),
  };
}

Facts KernelFacts() { return Facts(ff_kmod_abi_facts, ff_kmod_abi_facts + ff_kmod_abi_fact_count); }

const char* KindName(ff_abi_kind k) {
  switch (k) {
    case FF_ABI_STRUCT: return "struct";
    case FF_ABI_FIELD: return "field";
    case FF_ABI_VALUE: return "value";
  }
  return "?";
}

// Checks that the fields listed for each struct of `side` lie end to end
// from offset 0 to its size: no hole, no overlap, nothing unlisted.
void CheckTiling(const Facts& facts, const std::string& side, std::vector<std::string>& out) {
  for (const ff_abi_fact& s : facts) {
    if (s.kind != FF_ABI_STRUCT) continue;
    const std::string prefix = std::string(s.name) + ".";
    unsigned long long end = 0;
    for (const ff_abi_fact& f : facts) {
      if (f.kind != FF_ABI_FIELD || std::string(f.name).rfind(prefix, 0) != 0) continue;
      if (f.value != end) {
        out.push_back(absl::StrCat(side, ": ", f.name, " at offset ", f.value,
                                   ", the fields before it end at ", end));
      }
      end = f.value + f.size;
    }
    if (end != s.value) {
      out.push_back(absl::StrCat(side, ": the listed fields of ", s.name, " end at ", end,
                                 ", the struct is ", s.value, " bytes"));
    }
  }
}

// Every difference between the two sides, one readable line each.
std::vector<std::string> Drift(const Facts& kernel, const Facts& user) {
  std::vector<std::string> out;
  std::map<std::string, ff_abi_fact> k, u;
  for (const ff_abi_fact& f : kernel) k.emplace(f.name, f);
  for (const ff_abi_fact& f : user) u.emplace(f.name, f);
  for (const auto& [name, kf] : k) {
    auto it = u.find(name);
    if (it == u.end()) {
      out.push_back(absl::StrCat(name, ": in kmod/muse_abi.h only"));
      continue;
    }
    const ff_abi_fact& uf = it->second;
    if (kf.kind != uf.kind) {
      out.push_back(absl::StrCat(name, ": a ", KindName(kf.kind), " in the kernel, a ",
                                 KindName(uf.kind), " in userspace"));
      continue;
    }
    const char* what = kf.kind == FF_ABI_STRUCT ? "size" : kf.kind == FF_ABI_FIELD ? "offset"
                                                                                   : "value";
    if (kf.value != uf.value) {
      out.push_back(absl::StrCat(name, ": ", what, " ", kf.value, " in kmod/muse_abi.h, ",
                                 uf.value, " in harness/muse/muse_abi.h"));
    }
    if (kf.size != uf.size) {
      out.push_back(absl::StrCat(name, ": size ", kf.size, " in kmod/muse_abi.h, ", uf.size,
                                 " in harness/muse/muse_abi.h"));
    }
    if (kf.is_signed != uf.is_signed) {
      out.push_back(absl::StrCat(name, ": ", kf.is_signed ? "signed" : "unsigned",
                                 " in kmod/muse_abi.h, ", uf.is_signed ? "signed" : "unsigned",
                                 " in harness/muse/muse_abi.h"));
    }
  }
  for (const auto& [name, uf] : u) {
    if (!k.contains(name)) out.push_back(absl::StrCat(name, ": in harness/muse/muse_abi.h only"));
  }
  CheckTiling(kernel, "kmod/muse_abi.h", out);
  CheckTiling(user, "harness/muse/muse_abi.h", out);
  return out;
}

std::string Lines(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& l : v) absl::StrAppend(&s, "  ", l, "\n");
  return s;
}

TEST(MuseAbiDrift, KernelAndUserspaceHeadersAgree) {
  const Facts kernel = KernelFacts();
  const Facts user = UserspaceFacts();
  ASSERT_FALSE(kernel.empty());
  const std::vector<std::string> drift = Drift(kernel, user);
  EXPECT_TRUE(drift.empty()) << "the two MUSE ABI headers disagree:\n" << Lines(drift);
}

// Every fact name is listed once per side, so a copy-paste slip in either
// table cannot hide a fact behind another of the same name.
TEST(MuseAbiDrift, EachFactIsListedOnce) {
  for (const Facts& side : {KernelFacts(), UserspaceFacts()}) {
    std::map<std::string, int> seen;
    for (const ff_abi_fact& f : side) EXPECT_EQ(++seen[f.name], 1) << f.name;
  }
}

// The comparison itself must notice each kind of drift; a checker that
// cannot fail proves nothing.
TEST(MuseAbiDrift, ComparisonCatchesEachKindOfDrift) {
  const Facts user = UserspaceFacts();
  auto drifted = [&](const std::string& name, auto change) {
    Facts kernel = KernelFacts();
    for (ff_abi_fact& f : kernel) {
      if (f.name == name) change(f);
    }
    return Lines(Drift(kernel, user));
  };
  {
    const std::string v = drifted("MUSE_EXT_MINOR", [](ff_abi_fact& f) { f.value += 1; });
    EXPECT_NE(v.find("MUSE_EXT_MINOR: value"), std::string::npos) << v;
  }
  {
    const std::string v = drifted("read_in.ooblen", [](ff_abi_fact& f) { f.value += 4; });
    EXPECT_NE(v.find("read_in.ooblen: offset"), std::string::npos) << v;
    EXPECT_NE(v.find("kmod/muse_abi.h: the listed fields of read_in end at"), std::string::npos)
        << v;
  }
  {
    const std::string v = drifted("read_out_ext", [](ff_abi_fact& f) { f.value += 8; });
    EXPECT_NE(v.find("read_out_ext: size"), std::string::npos) << v;
  }
  {
    const std::string v = drifted("direct_setup.store_fd", [](ff_abi_fact& f) { f.is_signed = 0; });
    EXPECT_NE(v.find("direct_setup.store_fd: unsigned in kmod"), std::string::npos) << v;
  }
  {
    Facts kernel = KernelFacts();
    kernel.push_back(ff_abi_fact{FF_ABI_VALUE, "MUSE_NEW_OPCODE", 8199, 0, 0});
    EXPECT_NE(Lines(Drift(kernel, user)).find("MUSE_NEW_OPCODE: in kmod/muse_abi.h only"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace flashfault::muse
