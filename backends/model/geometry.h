// Geometry: the one description of a flash part's shape and rules.
//
// Every other layer (model, fault layer, MUSE server, CLI, scripts) reads the
// part's sizes from a Geometry; nothing else may hold its own copy of a page
// size or an OOB layout. A Geometry is plain configuration: it carries no
// runtime state (wear, bad blocks, contents live in the model and the store).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace flashfault {

// What kind of cells the part has; decides which rules the model enforces.
enum class CellType {
  kSlc,  // NAND, one bit per cell: partial programs up to NOP, any page order.
  kMlc,  // NAND, two bits per cell: pages in ascending order, once each,
         // paired pages disturb each other.
  kNor,  // NOR: byte-addressed programming, no OOB, no ECC by default.
};

const char* CellTypeName(CellType type);

// A byte range inside one page's OOB area.
struct OobRegion {
  uint32_t offset = 0;
  uint32_t length = 0;
};

// Where the OOB bytes of each page go. Bytes in no region are unused but
// still readable and writable in PLACE and RAW modes.
struct OobLayout {
  OobRegion bad_block_marker;      // factory marker bytes (non-0xFF = bad)
  OobRegion ecc;                   // bytes the ECC engine owns
  std::vector<OobRegion> free;     // bytes the user gets in AUTO mode, in order
};

struct Geometry {
  std::string name;                // preset or user name; also the MTD name
  CellType cell = CellType::kSlc;
  uint32_t page_size = 0;          // in-band bytes per page (MTD writesize); 1 on NOR
  uint32_t oob_size = 0;           // OOB bytes per page; 0 on NOR
  uint32_t pages_per_block = 0;    // pages (NOR: bytes) per eraseblock
  uint32_t block_count = 0;        // eraseblocks in the part
  uint32_t subpage_shift = 0;      // 0..2: pages may be programmed in 1<<shift parts
  uint32_t ecc_step = 0;           // bytes covered by one ECC codeword; 0 = no ECC
  uint32_t ecc_strength = 0;       // correctable bitflips per step
  uint32_t bitflip_threshold = 0;  // flips per step that ask for scrubbing;
                                   // 0 = 3/4 of ecc_strength rounded up
  OobLayout oob_layout;
  uint32_t nop = 0;                // partial programs allowed per page (SLC); 0 = unlimited
  bool in_order_programming = false;  // pages of a block programmed ascending, once
  // MLC paired pages: pages come in groups of 2*D; the first D of a group are
  // lower pages, the next D their upper pages (upper u pairs with u-D).
  // D=1 is the "adjacent" scheme; 0 = no pairing.
  uint32_t pairing_distance = 0;
  uint32_t endurance = 0;          // rated erase cycles per block; 0 = unlimited

  // Derived sizes. Valid only after Validate() succeeded.
  uint64_t block_size() const { return uint64_t{page_size} * pages_per_block; }
  uint64_t total_size() const { return block_size() * block_count; }
  uint64_t total_pages() const { return uint64_t{pages_per_block} * block_count; }
  uint32_t subpage_size() const { return page_size >> subpage_shift; }
  uint32_t oob_avail() const;
  uint32_t effective_bitflip_threshold() const;
  bool is_nand() const { return cell != CellType::kNor; }
  // The page whose data is disturbed when `page` (an index inside a block) is
  // programmed, or -1 if none.
  int64_t PairedLowerPage(uint32_t page) const;
};

// Checks every field and their combinations. The error message names the
// offending field (e.g. "geometry.page_size: must be a power of two, got 3000").
absl::Status ValidateGeometry(const Geometry& g);

}  // namespace flashfault
