// Geometry validation and derived values; see geometry.h.
//
// Every check names the field it rejects, because users write geometries by
// hand in JSON and need to know which number is wrong.
#include "backends/model/geometry.h"

#include <bit>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace flashfault {

const char* CellTypeName(CellType type) {
  switch (type) {
    case CellType::kSlc: return "slc";
    case CellType::kMlc: return "mlc";
    case CellType::kNor: return "nor";
  }
  return "?";
}

uint32_t Geometry::oob_avail() const {
  uint32_t total = 0;
  for (const OobRegion& r : oob_layout.free) total += r.length;
  return total;
}

uint32_t Geometry::effective_bitflip_threshold() const {
  if (bitflip_threshold != 0) return bitflip_threshold;
  return (ecc_strength * 3 + 3) / 4;  // the MTD core's default: 3/4, rounded up
}

int64_t Geometry::PairedLowerPage(uint32_t page) const {
  if (cell != CellType::kMlc || pairing_distance == 0) return -1;
  const uint32_t d = pairing_distance;
  if ((page / d) % 2 == 0) return -1;  // a lower page itself
  return static_cast<int64_t>(page) - d;
}

namespace {

absl::Status FieldError(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("geometry.", field, ": ", why));
}

bool IsPowerOfTwo(uint64_t v) { return v != 0 && std::has_single_bit(v); }

absl::Status ValidateRegion(const OobRegion& r, uint32_t oob_size, absl::string_view field) {
  if (uint64_t{r.offset} + r.length > oob_size) {
    return FieldError(field, absl::StrCat("bytes ", r.offset, "..", uint64_t{r.offset} + r.length,
                                          " lie outside the ", oob_size, "-byte OOB area"));
  }
  return absl::OkStatus();
}

bool Overlaps(const OobRegion& a, const OobRegion& b) {
  if (a.length == 0 || b.length == 0) return false;
  return a.offset < b.offset + b.length && b.offset < a.offset + a.length;
}

}  // namespace

absl::Status ValidateGeometry(const Geometry& g) {
  if (g.name.empty()) return FieldError("name", "must not be empty");
  if (g.page_size == 0) return FieldError("page_size", "must not be zero");
  if (!IsPowerOfTwo(g.page_size)) {
    return FieldError("page_size", absl::StrCat("must be a power of two, got ", g.page_size));
  }
  if (g.pages_per_block == 0) return FieldError("pages_per_block", "must not be zero");
  if (!IsPowerOfTwo(g.pages_per_block)) {
    return FieldError("pages_per_block",
                      absl::StrCat("must be a power of two, got ", g.pages_per_block));
  }
  if (g.block_count == 0) return FieldError("block_count", "must not be zero");
  const uint64_t block = uint64_t{g.page_size} * g.pages_per_block;
  if (block > (uint64_t{1} << 31)) {
    return FieldError("pages_per_block", absl::StrCat("eraseblock of ", block,
                                                      " bytes is larger than 2 GiB"));
  }
  // The kernel's MTD size is a u64 but mtdchar and UBI use 32-bit block
  // numbers; keep the whole part addressable with room to spare.
  if (block * g.block_count > (uint64_t{1} << 40)) {
    return FieldError("block_count", "device larger than 1 TiB");
  }
  if (g.subpage_shift > 2) {
    return FieldError("subpage_shift", absl::StrCat("must be 0, 1 or 2, got ", g.subpage_shift));
  }

  if (g.cell == CellType::kNor) {
    if (g.oob_size != 0) return FieldError("oob_size", "NOR parts have no OOB; must be 0");
    if (g.subpage_shift != 0) return FieldError("subpage_shift", "must be 0 on NOR");
    if (g.pairing_distance != 0) return FieldError("pairing_distance", "must be 0 on NOR");
  } else {
    if (g.page_size < 256) {
      return FieldError("page_size", absl::StrCat("NAND pages are at least 256 bytes, got ",
                                                  g.page_size));
    }
    if (g.oob_size == 0) return FieldError("oob_size", "NAND parts need an OOB area");
    if (g.oob_size >= g.page_size) {
      return FieldError("oob_size", absl::StrCat("must be smaller than page_size (",
                                                 g.page_size, "), got ", g.oob_size));
    }
  }

  if (g.ecc_step != 0 || g.ecc_strength != 0) {
    if (g.ecc_step == 0) return FieldError("ecc_step", "must be set when ecc_strength is");
    if (g.ecc_strength == 0) return FieldError("ecc_strength", "must be set when ecc_step is");
    if (g.page_size % g.ecc_step != 0) {
      return FieldError("ecc_step", absl::StrCat(g.ecc_step, " does not divide page_size ",
                                                 g.page_size));
    }
    if (g.ecc_strength > 64) {
      return FieldError("ecc_strength", absl::StrCat("at most 64 bits per step, got ",
                                                     g.ecc_strength));
    }
    if (uint64_t{g.ecc_strength} > uint64_t{g.ecc_step} * 8) {
      return FieldError("ecc_strength", "exceeds the bits of one step");
    }
  }
  if (g.bitflip_threshold > g.ecc_strength) {
    return FieldError("bitflip_threshold",
                      absl::StrCat("must not exceed ecc_strength (", g.ecc_strength, "), got ",
                                   g.bitflip_threshold));
  }
  if (g.subpage_shift != 0 && g.ecc_step != 0 && g.subpage_size() % g.ecc_step != 0) {
    return FieldError("subpage_shift",
                      absl::StrCat("subpage of ", g.subpage_size(),
                                   " bytes is not a whole number of ECC steps"));
  }

  const OobLayout& l = g.oob_layout;
  if (absl::Status s = ValidateRegion(l.bad_block_marker, g.oob_size,
                                      "oob_layout.bad_block_marker");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateRegion(l.ecc, g.oob_size, "oob_layout.ecc"); !s.ok()) return s;
  for (size_t i = 0; i < l.free.size(); ++i) {
    const std::string field = absl::StrCat("oob_layout.free[", i, "]");
    if (l.free[i].length == 0) return FieldError(field, "empty region");
    if (absl::Status s = ValidateRegion(l.free[i], g.oob_size, field); !s.ok()) return s;
    if (Overlaps(l.free[i], l.bad_block_marker)) {
      return FieldError(field, "overlaps the bad block marker");
    }
    if (Overlaps(l.free[i], l.ecc)) return FieldError(field, "overlaps the ECC bytes");
    for (size_t j = 0; j < i; ++j) {
      if (Overlaps(l.free[i], l.free[j])) {
        return FieldError(field, absl::StrCat("overlaps oob_layout.free[", j, "]"));
      }
    }
  }
  if (Overlaps(l.ecc, l.bad_block_marker)) {
    return FieldError("oob_layout.ecc", "overlaps the bad block marker");
  }
  if (g.is_nand() && l.bad_block_marker.length == 0) {
    return FieldError("oob_layout.bad_block_marker", "NAND parts need a marker byte");
  }

  if (g.pairing_distance != 0) {
    if (g.cell != CellType::kMlc) return FieldError("pairing_distance", "only MLC parts pair pages");
    // In 64 bits: 2*D in 32 wraps to 0 for D = 2^31 and the check divided by it.
    if (g.pairing_distance > g.pages_per_block / 2 ||
        g.pages_per_block % (uint64_t{2} * g.pairing_distance) != 0) {
      return FieldError("pairing_distance",
                        absl::StrCat("2*", g.pairing_distance, " does not divide pages_per_block ",
                                     g.pages_per_block));
    }
  }
  if (g.cell == CellType::kMlc && !g.in_order_programming) {
    return FieldError("in_order_programming", "MLC parts program pages in order; must be true");
  }
  if (g.cell == CellType::kMlc && g.nop > 1) {
    return FieldError("nop", absl::StrCat("MLC pages are programmed once; must be 0 or 1, got ",
                                          g.nop));
  }
  if (g.nop > 255) return FieldError("nop", absl::StrCat("at most 255, got ", g.nop));
  return absl::OkStatus();
}

}  // namespace flashfault
