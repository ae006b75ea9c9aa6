// The preset table; see presets.h. Values follow common datasheets: large-page
// SLC with 4-bit/512 B BCH, 4 KiB MLC with 24-bit/1 KiB BCH, small-page SLC
// with 1-bit Hamming, and a uniform-sector NOR.
#include "backends/model/presets.h"

#include <vector>

#include "absl/strings/str_cat.h"

namespace flashfault {
namespace {

Geometry LargePageSlc(std::string name, uint32_t blocks) {
  Geometry g;
  g.name = std::move(name);
  g.cell = CellType::kSlc;
  g.page_size = 2048;
  g.oob_size = 64;
  g.pages_per_block = 64;
  g.block_count = blocks;
  g.subpage_shift = 2;  // NOP 4: UBI writes 512-byte subpages, as on nandsim
  g.ecc_step = 512;
  g.ecc_strength = 4;
  g.oob_layout.bad_block_marker = {0, 2};
  g.oob_layout.ecc = {36, 28};  // 7 BCH-4 bytes per step, at the end
  g.oob_layout.free = {{2, 34}};
  g.nop = 4;
  g.endurance = 100000;
  return g;
}

Geometry Mlc4k() {
  Geometry g;
  g.name = "mlc-4k-1g";
  g.cell = CellType::kMlc;
  g.page_size = 4096;
  g.oob_size = 224;
  g.pages_per_block = 128;
  g.block_count = 2048;
  g.ecc_step = 1024;
  g.ecc_strength = 24;
  g.oob_layout.bad_block_marker = {0, 2};
  g.oob_layout.ecc = {56, 168};  // 42 BCH-24 bytes per step
  g.oob_layout.free = {{2, 54}};
  g.nop = 1;
  g.in_order_programming = true;
  g.pairing_distance = 1;
  g.endurance = 3000;
  return g;
}

Geometry SmallPageSlc() {
  Geometry g;
  g.name = "slc-512-64m";
  g.cell = CellType::kSlc;
  g.page_size = 512;
  g.oob_size = 16;
  g.pages_per_block = 32;
  g.block_count = 4096;
  g.ecc_step = 512;
  g.ecc_strength = 1;
  g.oob_layout.bad_block_marker = {5, 1};  // small-page parts mark byte 5
  g.oob_layout.ecc = {0, 5};
  g.oob_layout.free = {{6, 10}};
  g.nop = 4;
  g.endurance = 100000;
  return g;
}

Geometry Nor64k() {
  Geometry g;
  g.name = "nor-64k-16m";
  g.cell = CellType::kNor;
  g.page_size = 1;
  g.pages_per_block = 65536;
  g.block_count = 256;
  g.endurance = 100000;
  return g;
}

const std::vector<Preset>& Table() {
  static const std::vector<Preset> table = {
      // Small enough that UBI's attach scan is short: the kernel fuzzer's default.
      {"slc-2k-16m", "SLC NAND 2048+64, 64 pages/block, 16 MiB, BCH-4/512", LargePageSlc("slc-2k-16m", 128)},
      {"slc-2k-64m", "SLC NAND 2048+64, 64 pages/block, 64 MiB, BCH-4/512", LargePageSlc("slc-2k-64m", 512)},
      {"slc-2k-128m", "SLC NAND 2048+64, 64 pages/block, 128 MiB, BCH-4/512", LargePageSlc("slc-2k-128m", 1024)},
      {"slc-2k-256m", "SLC NAND 2048+64, 64 pages/block, 256 MiB, BCH-4/512", LargePageSlc("slc-2k-256m", 2048)},
      {"mlc-4k-1g", "MLC NAND 4096+224, 128 pages/block, 1 GiB, BCH-24/1024, paired pages", Mlc4k()},
      {"slc-512-64m", "small-page SLC NAND 512+16, 32 pages/block, 64 MiB, Hamming", SmallPageSlc()},
      {"nor-64k-16m", "NOR, 64 KiB sectors, 16 MiB, no ECC", Nor64k()},
  };
  return table;
}

}  // namespace

std::span<const Preset> AllPresets() { return Table(); }

absl::StatusOr<Geometry> FindPreset(absl::string_view name) {
  std::string known;
  for (const Preset& p : Table()) {
    if (p.name == name) return p.geometry;
    absl::StrAppend(&known, known.empty() ? "" : ", ", p.name);
  }
  return absl::NotFoundError(absl::StrCat("unknown preset '", name, "' (known: ", known, ")"));
}

}  // namespace flashfault
