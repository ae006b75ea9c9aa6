// NandModel implementation; see nand_model.h for the rules it keeps.
//
// Every operation follows one order: check the geometry and the address,
// check the NAND rules, change the cells, count. Nothing here injects faults.
#include "backends/model/nand_model.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace flashfault {

absl::StatusOr<std::unique_ptr<NandModel>> NandModel::Create(const Geometry& geometry,
                                                             std::unique_ptr<PageStore> store,
                                                             RuleMode rules) {
  FF_RETURN_IF_ERROR(ValidateGeometry(geometry));
  const uint64_t block_bytes =
      uint64_t{geometry.page_size + geometry.oob_size} * geometry.pages_per_block;
  if (store == nullptr) return absl::InvalidArgumentError("no store given to the model");
  if (store->block_bytes() != block_bytes || store->block_count() != geometry.block_count) {
    return absl::InvalidArgumentError(absl::StrCat(
        "store holds ", store->block_count(), " blocks of ", store->block_bytes(),
        " bytes but geometry '", geometry.name, "' needs ", geometry.block_count,
        " blocks of ", block_bytes, " bytes"));
  }
  return std::unique_ptr<NandModel>(new NandModel(geometry, std::move(store), rules));
}

namespace {
std::atomic<uint64_t> next_model_id{0};  // SyncStateFrom's pairing ids
}  // namespace

NandModel::NandModel(const Geometry& geometry, std::unique_ptr<PageStore> store, RuleMode rules)
    : geometry_(geometry),
      store_(std::move(store)),
      rules_(rules),
      ecc_(geometry_),
      page_stride_(uint64_t{geometry_.page_size} + geometry_.oob_size),
      blocks_(geometry_.block_count),
      id_(next_model_id.fetch_add(1) + 1) {
  for (const OobRegion& r : geometry_.oob_layout.free) {
    for (uint32_t i = 0; i < r.length; ++i) auto_oob_map_.push_back(r.offset + i);
  }
  if (geometry_.is_nand()) {
    for (BlockState& b : blocks_) b.programs.assign(geometry_.pages_per_block, 0);
    scratch_.resize(page_stride_);
  }
}

void NandModel::Reset() {
  for (uint32_t b = 0; b < geometry_.block_count; ++b) {
    store_->EraseBlock(b);
    store_->mutable_meta(b) = BlockMeta{};
    BlockState& s = blocks_[b];
    s.counters = BlockCounters{};
    s.next_page = 0;
    std::fill(s.programs.begin(), s.programs.end(), 0);
    s.cell_errors.clear();
  }
  counters_ = DeviceCounters{};
}

absl::Status NandModel::CheckSameShape(const NandModel& other) const {
  const Geometry& a = other.geometry_;
  const Geometry& b = geometry_;
  if (a.cell != b.cell || a.page_size != b.page_size || a.oob_size != b.oob_size ||
      a.pages_per_block != b.pages_per_block || a.block_count != b.block_count ||
      other.store_->block_bytes() != store_->block_bytes()) {
    return absl::InvalidArgumentError("copying a part's state: the two parts have different geometries");
  }
  return absl::OkStatus();
}

void NandModel::CopyBlockFrom(const NandModel& other, uint32_t b) {
  const std::span<const uint8_t> from = other.store_->Block(b);
  const std::span<uint8_t> to = store_->MutableBlock(b);
  std::memcpy(to.data(), from.data(), from.size());
  store_->mutable_meta(b) = other.store_->meta(b);
}

absl::Status NandModel::CopyStateFrom(const NandModel& other) {
  if (&other == this) return absl::OkStatus();
  FF_RETURN_IF_ERROR(CheckSameShape(other));
  for (uint32_t b = 0; b < geometry_.block_count; ++b) CopyBlockFrom(other, b);
  blocks_ = other.blocks_;
  counters_ = other.counters_;
  synced_from_ = 0;  // `other`'s changed flags were not cleared: no pairing
  return absl::OkStatus();
}

absl::Status NandModel::SyncStateFrom(NandModel& source) {
  if (&source == this) return absl::OkStatus();
  FF_RETURN_IF_ERROR(CheckSameShape(source));
  const bool paired = synced_from_ == source.id_ && source.synced_to_ == id_;
  for (uint32_t b = 0; b < geometry_.block_count; ++b) {
    if (!paired || store_->changed(b) || source.store_->changed(b)) CopyBlockFrom(source, b);
  }
  // Programming state, deviations and counters are small: copied whole
  // (reads change per-block counters without touching the store).
  blocks_ = source.blocks_;
  counters_ = source.counters_;
  store_->ClearChanged();
  source.store_->ClearChanged();
  synced_from_ = source.id_;
  source.synced_to_ = id_;
  return absl::OkStatus();
}

std::span<const uint8_t> NandModel::PageBytes(uint64_t page) const {
  const uint32_t block = static_cast<uint32_t>(page / geometry_.pages_per_block);
  const uint64_t in_block = page % geometry_.pages_per_block;
  return store_->Block(block).subspan(in_block * page_stride_, page_stride_);
}

std::span<uint8_t> NandModel::MutablePageBytes(uint64_t page) {
  const uint32_t block = static_cast<uint32_t>(page / geometry_.pages_per_block);
  const uint64_t in_block = page % geometry_.pages_per_block;
  return store_->MutableBlock(block).subspan(in_block * page_stride_, page_stride_);
}

uint32_t NandModel::OobPerPage(OobMode mode) const {
  return mode == OobMode::kAuto ? static_cast<uint32_t>(auto_oob_map_.size())
                                : geometry_.oob_size;
}

absl::Status NandModel::CheckOobRange(uint64_t page, uint32_t ooboffs, uint64_t len,
                                      OobMode mode) const {
  const uint32_t per_page = OobPerPage(mode);
  if (ooboffs >= per_page) {
    return absl::OutOfRangeError(absl::StrCat("OOB offset ", ooboffs, " beyond the ", per_page,
                                              " OOB bytes per page in ", OobModeName(mode),
                                              " mode"));
  }
  const uint64_t available = (geometry_.total_pages() - page) * per_page - ooboffs;
  if (len > available) {
    return absl::OutOfRangeError(absl::StrCat("OOB length ", len, " from page ", page,
                                              " runs past the end of the device"));
  }
  return absl::OkStatus();
}

const uint8_t* NandModel::ReadPage(uint64_t page, bool raw, ReadReport& report) {
  std::span<const uint8_t> cells = PageBytes(page);
  BlockState& b = blocks_[page / geometry_.pages_per_block];
  ++b.counters.reads_since_erase;
  // The common case: cells hold exactly what was programmed, nothing to decode.
  if (b.cell_errors.empty()) return cells.data();
  auto it = b.cell_errors.find(static_cast<uint32_t>(page % geometry_.pages_per_block));
  if (it == b.cell_errors.end()) return cells.data();
  std::memcpy(scratch_.data(), cells.data(), page_stride_);
  const EccEngine::Miscorrection* mc = nullptr;
  for (const auto& [p, m] : miscorrections_) {
    if (p == page) mc = &m;
  }
  report.Merge(mc ? ecc_.Decode(it->second, scratch_, raw, mc) : ecc_.Decode(it->second, scratch_, raw));
  return scratch_.data();
}

void NandModel::SetMiscorrection(uint64_t page, EccEngine::Miscorrection mc) {
  miscorrections_.emplace_back(page, std::move(mc));
}

absl::StatusOr<ReadReport> NandModel::Read(const FlashOp& op, std::span<uint8_t> data,
                                           std::span<uint8_t> oob) {
  if (!geometry_.is_nand()) {
    if (!oob.empty()) return absl::FailedPreconditionError("NOR parts have no OOB");
    return ReadNor(op.addr, data);
  }
  FF_RETURN_IF_ERROR(CheckSpan(op.addr, data.size(), "read"));
  const uint64_t first_page = op.addr / geometry_.page_size;
  if (!oob.empty()) FF_RETURN_IF_ERROR(CheckOobRange(first_page, op.ooboffs, oob.size(), op.mode));
  const bool raw = op.mode == OobMode::kRaw;

  ReadReport report;
  uint64_t data_done = 0, oob_done = 0;
  uint32_t ooboffs = op.ooboffs;
  const uint32_t oob_per_page = OobPerPage(op.mode);
  for (uint64_t page = first_page; data_done < data.size() || oob_done < oob.size(); ++page) {
    const uint8_t* bytes = ReadPage(page, raw, report);
    if (data_done < data.size()) {
      const uint64_t col = page == first_page ? op.addr % geometry_.page_size : 0;
      const uint64_t n = std::min<uint64_t>(geometry_.page_size - col, data.size() - data_done);
      std::memcpy(data.data() + data_done, bytes + col, n);
      data_done += n;
    }
    if (oob_done < oob.size()) {
      const uint64_t n = std::min<uint64_t>(oob_per_page - ooboffs, oob.size() - oob_done);
      const uint8_t* area = bytes + geometry_.page_size;
      if (op.mode == OobMode::kAuto) {
        for (uint64_t i = 0; i < n; ++i) oob[oob_done + i] = area[auto_oob_map_[ooboffs + i]];
      } else {
        std::memcpy(oob.data() + oob_done, area + ooboffs, n);
      }
      oob_done += n;
      ooboffs = 0;
    }
  }
  ++counters_.read_ops;
  counters_.read_bytes += data.size();
  counters_.oob_read_bytes += oob.size();
  counters_.ecc_corrected += report.corrected_bitflips;
  if (report.uncorrectable()) ++counters_.ecc_failed;
  return report;
}

absl::Status NandModel::CheckProgram(uint64_t page) {
  BlockState& b = blocks_[page / geometry_.pages_per_block];
  const uint32_t in_block = static_cast<uint32_t>(page % geometry_.pages_per_block);
  std::string violation;
  if (geometry_.nop != 0 && b.programs[in_block] >= geometry_.nop) {
    violation = absl::StrCat("page ", page, " already programmed ", int{b.programs[in_block]},
                             " times (NOP ", geometry_.nop, ")");
  } else if (geometry_.in_order_programming && in_block < b.next_page) {
    violation = absl::StrCat("page ", page, " programmed out of order (next page of block ",
                             page / geometry_.pages_per_block, " is ", b.next_page, ")");
  }
  if (!violation.empty()) {
    ++counters_.rule_violations;
    if (rules_ == RuleMode::kStrict) return absl::InvalidArgumentError(violation);
  }
  return absl::OkStatus();
}

namespace {

// Programming can only pull bits to 0: the cells end up old AND new.
// One 16-byte AND; memcpy makes the unaligned load and store explicit and
// compiles to single SSE2 instructions (no arrays: they spill to the stack).
inline void And16(uint8_t* cells, const uint8_t* bytes) {
  using Vec = uint64_t __attribute__((vector_size(16)));
  Vec c, b;
  std::memcpy(&c, cells, 16);
  std::memcpy(&b, bytes, 16);
  c &= b;
  std::memcpy(cells, &c, 16);
}

// This loop is the whole cost of a page program: 64 bytes per iteration.
void ProgramInto(uint8_t* cells, const uint8_t* bytes, uint64_t n) {
  uint64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    And16(cells + i, bytes + i);
    And16(cells + i + 16, bytes + i + 16);
    And16(cells + i + 32, bytes + i + 32);
    And16(cells + i + 48, bytes + i + 48);
  }
  for (; i + 16 <= n; i += 16) And16(cells + i, bytes + i);
  for (; i < n; ++i) cells[i] &= bytes[i];
}

}  // namespace

absl::Status NandModel::Write(const FlashOp& op, std::span<const uint8_t> data,
                              std::span<const uint8_t> oob) {
  if (!geometry_.is_nand()) {
    if (!oob.empty()) return absl::FailedPreconditionError("NOR parts have no OOB");
    return WriteNor(op.addr, data);
  }
  FF_RETURN_IF_ERROR(CheckSpan(op.addr, data.size(), "write"));
  const uint32_t unit = geometry_.subpage_size();
  if (op.addr % unit != 0 || data.size() % unit != 0) {
    return absl::InvalidArgumentError(absl::StrCat("write of ", data.size(), " bytes at ", op.addr,
                                                   " is not aligned to the ", unit,
                                                   "-byte program unit"));
  }
  const uint64_t first_page = op.addr / geometry_.page_size;
  if (!oob.empty()) FF_RETURN_IF_ERROR(CheckOobRange(first_page, op.ooboffs, oob.size(), op.mode));
  const uint32_t oob_per_page = OobPerPage(op.mode);
  const uint64_t data_pages =
      data.empty() ? 0 : (op.addr % geometry_.page_size + data.size() + geometry_.page_size - 1) /
                             geometry_.page_size;
  const uint64_t oob_pages =
      oob.empty() ? 0 : (op.ooboffs + oob.size() + oob_per_page - 1) / oob_per_page;
  const uint64_t pages = std::max(data_pages, oob_pages);
  for (uint64_t p = first_page; p < first_page + pages; ++p) FF_RETURN_IF_ERROR(CheckProgram(p));

  uint64_t data_done = 0, oob_done = 0;
  uint32_t ooboffs = op.ooboffs;
  for (uint64_t page = first_page; page < first_page + pages; ++page) {
    std::span<uint8_t> cells = MutablePageBytes(page);
    if (data_done < data.size()) {
      const uint64_t col = page == first_page ? op.addr % geometry_.page_size : 0;
      const uint64_t n = std::min<uint64_t>(geometry_.page_size - col, data.size() - data_done);
      ProgramInto(cells.data() + col, data.data() + data_done, n);
      data_done += n;
    }
    if (oob_done < oob.size()) {
      const uint64_t n = std::min<uint64_t>(oob_per_page - ooboffs, oob.size() - oob_done);
      uint8_t* area = cells.data() + geometry_.page_size;
      if (op.mode == OobMode::kAuto) {
        for (uint64_t i = 0; i < n; ++i) area[auto_oob_map_[ooboffs + i]] &= oob[oob_done + i];
      } else {
        ProgramInto(area + ooboffs, oob.data() + oob_done, n);
      }
      oob_done += n;
      ooboffs = 0;
    }
    BlockState& b = blocks_[page / geometry_.pages_per_block];
    const uint32_t in_block = static_cast<uint32_t>(page % geometry_.pages_per_block);
    if (b.programs[in_block] < 255) ++b.programs[in_block];
    b.next_page = std::max(b.next_page, in_block + 1);
    ++b.counters.programs;
  }
  ++counters_.write_ops;
  counters_.write_bytes += data.size();
  counters_.oob_write_bytes += oob.size();
  return absl::OkStatus();
}

absl::Status NandModel::CheckSpan(uint64_t addr, uint64_t len, const char* what) const {
  const uint64_t size = geometry_.total_size();
  if (addr >= size || len > size - addr) {
    return absl::OutOfRangeError(absl::StrCat(what, " of ", len, " bytes at ", addr,
                                              " beyond the device (", size, " bytes)"));
  }
  return absl::OkStatus();
}

// NOR is byte-addressed: an operation is one contiguous run per eraseblock.
template <typename Fn>
void NandModel::ForEachBlockRun(uint64_t addr, uint64_t len, Fn fn) {
  const uint64_t block_size = geometry_.block_size();
  for (uint64_t done = 0; done < len;) {
    const uint64_t at = addr + done;
    const uint64_t n = std::min<uint64_t>(block_size - at % block_size, len - done);
    fn(static_cast<uint32_t>(at / block_size), at % block_size, done, n);
    done += n;
  }
}

absl::StatusOr<ReadReport> NandModel::ReadNor(uint64_t addr, std::span<uint8_t> data) {
  FF_RETURN_IF_ERROR(CheckSpan(addr, data.size(), "read"));
  ForEachBlockRun(addr, data.size(), [&](uint32_t block, uint64_t off, uint64_t done, uint64_t n) {
    std::memcpy(data.data() + done, store_->Block(block).data() + off, n);
    ++blocks_[block].counters.reads_since_erase;
  });
  ++counters_.read_ops;
  counters_.read_bytes += data.size();
  return ReadReport{};
}

absl::Status NandModel::WriteNor(uint64_t addr, std::span<const uint8_t> data) {
  FF_RETURN_IF_ERROR(CheckSpan(addr, data.size(), "write"));
  ForEachBlockRun(addr, data.size(), [&](uint32_t block, uint64_t off, uint64_t done, uint64_t n) {
    ProgramInto(store_->MutableBlock(block).data() + off, data.data() + done, n);
    ++blocks_[block].counters.programs;
  });
  ++counters_.write_ops;
  counters_.write_bytes += data.size();
  return absl::OkStatus();
}

void NandModel::EraseBlockNow(uint32_t block) {
  store_->EraseBlock(block);
  BlockState& b = blocks_[block];
  std::fill(b.programs.begin(), b.programs.end(), 0);
  b.next_page = 0;
  b.cell_errors.clear();
  ++store_->mutable_meta(block).erases;
  b.counters.reads_since_erase = 0;
}

absl::Status NandModel::Erase(uint64_t addr, uint64_t len) {
  const uint64_t block_size = geometry_.block_size();
  if (addr % block_size != 0 || len % block_size != 0 || len == 0) {
    return absl::InvalidArgumentError(absl::StrCat("erase of ", len, " bytes at ", addr,
                                                   " is not aligned to the ", block_size,
                                                   "-byte eraseblock"));
  }
  if (addr >= geometry_.total_size() || len > geometry_.total_size() - addr) {
    return absl::OutOfRangeError(absl::StrCat("erase of ", len, " bytes at ", addr,
                                              " beyond the device"));
  }
  const uint32_t first = static_cast<uint32_t>(addr / block_size);
  const uint32_t last = static_cast<uint32_t>((addr + len) / block_size);
  for (uint32_t block = first; block < last; ++block) {
    // Like nand_base, refuse to erase a block known to be bad.
    if (store_->meta(block).bad) {
      return absl::DataLossError(absl::StrCat("block ", block, " is marked bad; not erased"));
    }
  }
  for (uint32_t block = first; block < last; ++block) EraseBlockNow(block);
  ++counters_.erase_ops;
  counters_.erase_bytes += len;
  return absl::OkStatus();
}

absl::StatusOr<bool> NandModel::IsBad(uint64_t addr) {
  if (addr >= geometry_.total_size()) {
    return absl::OutOfRangeError(absl::StrCat("isbad at ", addr, " beyond the device"));
  }
  ++counters_.isbad_ops;
  return BlockIsBad(static_cast<uint32_t>(addr / geometry_.block_size()));
}

bool NandModel::BlockIsBad(uint32_t block) const {
  if (!geometry_.is_nand()) return false;
  if (store_->meta(block).bad) return true;
  // A factory marker: any non-0xFF byte at the marker position of page 0.
  const OobRegion& bbm = geometry_.oob_layout.bad_block_marker;
  std::span<const uint8_t> oob =
      PageBytes(uint64_t{block} * geometry_.pages_per_block).subspan(geometry_.page_size);
  for (uint32_t i = 0; i < bbm.length; ++i) {
    if (oob[bbm.offset + i] != 0xFF) return true;
  }
  return false;
}

absl::Status NandModel::MarkBad(uint64_t addr) {
  if (addr >= geometry_.total_size()) {
    return absl::OutOfRangeError(absl::StrCat("markbad at ", addr, " beyond the device"));
  }
  if (!geometry_.is_nand()) return absl::FailedPreconditionError("NOR parts have no bad blocks");
  const uint32_t block = static_cast<uint32_t>(addr / geometry_.block_size());
  // As nand_base does: erase first (best effort), then write a 0x00 marker.
  EraseBlockNow(block);
  const OobRegion& bbm = geometry_.oob_layout.bad_block_marker;
  std::span<uint8_t> oob = MutablePageBytes(uint64_t{block} * geometry_.pages_per_block)
                               .subspan(geometry_.page_size);
  std::memset(oob.data() + bbm.offset, 0x00, bbm.length);
  store_->mutable_meta(block).bad = true;
  ++counters_.markbad_ops;
  return absl::OkStatus();
}

absl::Status NandModel::Sync() {
  ++counters_.sync_ops;
  return store_->Sync();
}

BlockCounters NandModel::block_counters(uint32_t block) const {
  BlockCounters c = blocks_[block].counters;
  c.erases = store_->meta(block).erases;
  return c;
}

std::vector<uint32_t> NandModel::bad_block_table() const {
  std::vector<uint32_t> bad;
  for (uint32_t b = 0; b < geometry_.block_count; ++b) {
    if (store_->meta(b).bad) bad.push_back(b);
  }
  return bad;
}

// ---- Cell errors (the representation lives in ecc_engine.h) ----

CellErrorSet& NandModel::Errors(uint64_t page) {
  BlockState& b = blocks_[page / geometry_.pages_per_block];
  const auto key = static_cast<uint32_t>(page % geometry_.pages_per_block);
  return b.cell_errors.try_emplace(key, static_cast<uint32_t>(page_stride_ * 8)).first->second;
}

void NandModel::DropIfEmpty(uint64_t page) {
  // An empty entry would keep ReadPage off its clean fast path.
  BlockState& b = blocks_[page / geometry_.pages_per_block];
  auto it = b.cell_errors.find(static_cast<uint32_t>(page % geometry_.pages_per_block));
  if (it != b.cell_errors.end() && it->second.empty()) b.cell_errors.erase(it);
}

void NandModel::AddCellError(uint64_t page, uint32_t bit) { Errors(page).Add(bit); }

void NandModel::AddCellErrors(uint64_t page, std::span<const uint32_t> bits) {
  if (!bits.empty()) Errors(page).Add(bits);
}

void NandModel::RemoveCellError(uint64_t page, uint32_t bit) {
  BlockState& b = blocks_[page / geometry_.pages_per_block];
  auto it = b.cell_errors.find(static_cast<uint32_t>(page % geometry_.pages_per_block));
  if (it == b.cell_errors.end()) return;
  it->second.Remove(bit);
  if (it->second.empty()) b.cell_errors.erase(it);
}

bool NandModel::ToggleCellError(uint64_t page, uint32_t bit) {
  // One lookup for the whole toggle.
  BlockState& b = blocks_[page / geometry_.pages_per_block];
  auto it = b.cell_errors
                .try_emplace(static_cast<uint32_t>(page % geometry_.pages_per_block),
                             static_cast<uint32_t>(page_stride_ * 8))
                .first;
  const bool had = it->second.Toggle(bit);
  if (it->second.empty()) b.cell_errors.erase(it);
  return had;
}

void NandModel::AddCellErrorMask(uint64_t page, std::span<const uint64_t> mask) {
  Errors(page).AddMask(mask);
  DropIfEmpty(page);  // an all-zero mask adds nothing
}

void NandModel::ToggleCellErrorMask(uint64_t page, std::span<const uint64_t> mask) {
  Errors(page).ToggleMask(mask);
  DropIfEmpty(page);
}

bool NandModel::CellErrorMask(uint64_t page, std::vector<uint64_t>& mask) const {
  mask.clear();
  const BlockState& b = blocks_[page / geometry_.pages_per_block];
  auto it = b.cell_errors.find(static_cast<uint32_t>(page % geometry_.pages_per_block));
  if (it == b.cell_errors.end()) return false;
  mask.resize(cell_mask_words(), 0);
  it->second.OrInto(mask);
  return true;
}

bool NandModel::HasCellError(uint64_t page, uint32_t bit) const {
  const BlockState& b = blocks_[page / geometry_.pages_per_block];
  auto it = b.cell_errors.find(static_cast<uint32_t>(page % geometry_.pages_per_block));
  return it != b.cell_errors.end() && it->second.Has(bit);
}

bool NandModel::BlockHasCellErrors(uint32_t block) const {
  // Pages whose last error is removed leave the map, so empty means clean.
  return !blocks_[block].cell_errors.empty();
}

const CellErrors* NandModel::cell_errors(uint64_t page) const {
  const BlockState& b = blocks_[page / geometry_.pages_per_block];
  auto it = b.cell_errors.find(static_cast<uint32_t>(page % geometry_.pages_per_block));
  return it == b.cell_errors.end() ? nullptr : &it->second.sorted();
}

}  // namespace flashfault
