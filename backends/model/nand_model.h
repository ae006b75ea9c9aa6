// NandModel: the flash part itself, with the semantics of real NAND (and NOR)
// cells, on top of a PageStore.
//
// Rules it keeps (nand_model_test.cc checks each): erase sets data and OOB to
// 0xFF; programming ANDs into the cells; NOP and in-order programming limits;
// ECC per step with corrected / uncorrectable results; bad block markers in
// OOB plus a bad block table; wear and operation counters.
// It must not contain fault injection: faults live in fault-models/ and reach
// the cells only through the CellErrors hooks below.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "backends/model/ecc_engine.h"
#include "backends/model/flash_device.h"
#include "backends/store/page_store.h"

namespace flashfault {

// What the model does when a caller breaks a NAND programming rule.
enum class RuleMode {
  kStrict,   // report InvalidArgument and change nothing
  kLenient,  // do what a real part does: the cells end up AND-ed (content
             // undefined by the datasheet but deterministic here)
};

struct BlockCounters {
  uint64_t erases = 0;
  uint64_t reads_since_erase = 0;
  uint64_t programs = 0;
};

struct DeviceCounters {
  uint64_t read_ops = 0, write_ops = 0, erase_ops = 0;
  uint64_t read_bytes = 0, write_bytes = 0, erase_bytes = 0;
  uint64_t oob_read_bytes = 0, oob_write_bytes = 0;
  uint64_t isbad_ops = 0, markbad_ops = 0, sync_ops = 0;
  uint64_t ecc_corrected = 0;  // bitflips corrected
  uint64_t ecc_failed = 0;     // reads with an uncorrectable step
  uint64_t rule_violations = 0;
};

class NandModel final : public FlashDevice {
 public:
  // Validates `geometry` and checks that `store` matches it.
  static absl::StatusOr<std::unique_ptr<NandModel>> Create(const Geometry& geometry,
                                                           std::unique_ptr<PageStore> store,
                                                           RuleMode rules = RuleMode::kStrict);

  // Back to the state Create() left it in: every block erased (through the
  // store, so a file-backed image is wiped too) and good, erase counts zero,
  // no cell errors, every counter zero. Allocations are kept (the RAM
  // store's block buffers), so many short sessions on one part, such as
  // fuzzer inputs, pay only for the blocks each session wrote.
  void Reset();

  // Makes this part an exact copy of `other`: every block's contents,
  // erase count and bad-table entry, the programming state (NOP counts, MLC
  // order), the cells' deviations and the counters. For crash states: the
  // state a cut leaves is copied out of the replay cursor into the part the
  // kernel is served, so checking a state never disturbs the cursor.
  // InvalidArgument when the geometries differ; nothing changes then.
  absl::Status CopyStateFrom(const NandModel& other);

  // The same result as CopyStateFrom(source), copying only the blocks either
  // part changed (PageStore::changed) since this part was last synced from
  // `source`; the first time, or when `source` was synced into another part
  // since, every block. Clears both parts' changed flags. For crash states:
  // consecutive states differ in a few blocks (the ops the cursor advanced
  // over, the blocks the kernel wrote while checking the last one), and a
  // full copy of a 64 MiB part costs ~250 ms under TCG.
  absl::Status SyncStateFrom(NandModel& source);

  const Geometry& geometry() const override { return geometry_; }
  absl::StatusOr<ReadReport> Read(const FlashOp& op, std::span<uint8_t> data,
                                  std::span<uint8_t> oob) override;
  absl::Status Write(const FlashOp& op, std::span<const uint8_t> data,
                     std::span<const uint8_t> oob) override;
  absl::Status Erase(uint64_t addr, uint64_t len) override;
  absl::StatusOr<bool> IsBad(uint64_t addr) override;
  absl::Status MarkBad(uint64_t addr) override;
  absl::Status Sync() override;

  // Counters and tables, for statistics and metadata files.
  // Erase counts and the bad block table live in the store (BlockMeta), so a
  // persistent store keeps them across restarts.
  BlockCounters block_counters(uint32_t block) const;
  const DeviceCounters& counters() const { return counters_; }
  std::vector<uint32_t> bad_block_table() const;
  PageStore& store() { return *store_; }
  // What IsBad() answers for `block`, without counting an op.
  bool BlockIsBad(uint32_t block) const;
  // OOB bytes per page as `mode` addresses them (AUTO: the layout's free bytes).
  uint32_t OobPerPage(OobMode mode) const;
  // Whether any cell of `block` deviates from what was programmed.
  bool BlockHasCellErrors(uint32_t block) const;

  // The physical cells of `page` (device-wide index) deviate from what was
  // programmed at bit `bit` (over data then OOB). The fault layer calls this
  // for charge loss, stuck bits, torn programs; an erase clears it.
  void AddCellError(uint64_t page, uint32_t bit);
  // Many cell errors of one page at once (torn programs and erases, charge
  // loss): one sort and merge instead of one insert per bit. `bits` may be
  // unsorted and may repeat or name bits that already deviate.
  void AddCellErrors(uint64_t page, std::span<const uint32_t> bits);
  // Undoes AddCellError (transient faults, stuck bits whose programmed value
  // now matches). A page left with no errors takes the clean fast path again.
  void RemoveCellError(uint64_t page, uint32_t bit);
  // Inverts whether the cell at `bit` of `page` deviates; returns whether it
  // did before. Same effect as HasCellError + Add/RemoveCellError.
  bool ToggleCellError(uint64_t page, uint32_t bit);
  bool HasCellError(uint64_t page, uint32_t bit) const;
  // The same changes and query by mask (ecc_engine.h: bit i of word w is
  // cell 64w + i; cell_mask_words() words per page, missing words are 0),
  // for faults that touch thousands of cells of a page at once: one pass
  // over the words instead of one call per cell.
  size_t cell_mask_words() const { return MaskWords(page_stride_ * 8); }
  void AddCellErrorMask(uint64_t page, std::span<const uint64_t> mask);
  void ToggleCellErrorMask(uint64_t page, std::span<const uint64_t> mask);
  // Sets `mask` to the page's deviating cells (cell_mask_words() words) and
  // returns true; false and an empty `mask` when the page has none, so a
  // caller copying many clean pages allocates nothing.
  bool CellErrorMask(uint64_t page, std::vector<uint64_t>& mask) const;
  // Sorted; valid until the next change of this page's errors.
  const CellErrors* cell_errors(uint64_t page) const;

  // For the reads until ClearMiscorrections(): the ECC decoder of `page`
  // miscorrects (or misses) step mc.step when it holds more errors than the
  // strength (EccEngine::Miscorrection). The fault layer sets it for one
  // read and clears it after; the model draws no odds itself.
  void SetMiscorrection(uint64_t page, EccEngine::Miscorrection mc);
  void ClearMiscorrections() { miscorrections_.clear(); }

 private:
  NandModel(const Geometry& geometry, std::unique_ptr<PageStore> store, RuleMode rules);

  struct BlockState {
    BlockCounters counters;
    uint32_t next_page = 0;          // MLC: lowest page that may be programmed next
    std::vector<uint8_t> programs;   // partial programs per page since erase
    // page in block -> deviating cells; a page without any has no entry, so
    // ReadPage's clean fast path is one empty() check.
    std::map<uint32_t, CellErrorSet> cell_errors;
  };
  // The page's set, created empty if needed; DropIfEmpty after the change.
  CellErrorSet& Errors(uint64_t page);
  void DropIfEmpty(uint64_t page);

  // The bytes (data then OOB) of `page` inside the store.
  std::span<const uint8_t> PageBytes(uint64_t page) const;
  std::span<uint8_t> MutablePageBytes(uint64_t page);
  // CopyStateFrom and SyncStateFrom's shared parts.
  absl::Status CheckSameShape(const NandModel& other) const;
  void CopyBlockFrom(const NandModel& other, uint32_t block);
  absl::Status CheckProgram(uint64_t page);
  absl::Status CheckOobRange(uint64_t page, uint32_t ooboffs, uint64_t len, OobMode mode) const;
  // The bytes (data then OOB) a read of `page` returns: the store's own when
  // the cells are clean, else scratch_ decoded by the ECC engine into `report`.
  const uint8_t* ReadPage(uint64_t page, bool raw, ReadReport& report);
  // OutOfRange unless [addr, addr+len) lies on the device.
  absl::Status CheckSpan(uint64_t addr, uint64_t len, const char* what) const;
  template <typename Fn>
  void ForEachBlockRun(uint64_t addr, uint64_t len, Fn fn);
  absl::StatusOr<ReadReport> ReadNor(uint64_t addr, std::span<uint8_t> data);
  absl::Status WriteNor(uint64_t addr, std::span<const uint8_t> data);
  void EraseBlockNow(uint32_t block);

  Geometry geometry_;
  std::unique_ptr<PageStore> store_;
  RuleMode rules_;
  EccEngine ecc_;
  uint64_t page_stride_;                // data + OOB bytes per page in the store
  std::vector<uint32_t> auto_oob_map_;  // AUTO byte index -> OOB offset
  std::vector<BlockState> blocks_;
  DeviceCounters counters_;
  // SyncStateFrom's pairing: this part's unique id, the id of the part it
  // was last synced from, and of the part last synced from it (0: none).
  uint64_t id_;
  uint64_t synced_from_ = 0;
  uint64_t synced_to_ = 0;
  std::vector<uint8_t> scratch_;        // one page, for ECC decoding
  // Pages whose decoder miscorrects during the read in flight (few: a list).
  std::vector<std::pair<uint64_t, EccEngine::Miscorrection>> miscorrections_;
};

}  // namespace flashfault
