// NandModel through the MTD view: every rule nand_model.h says it keeps.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <random>

#include "tests/unit/model_fixture.h"

namespace flashfault {
namespace {

using ::testing::Each;
using ::testing::HasSubstr;
using testing::Bytes;
using testing::MakePreset;

constexpr uint32_t kPage = 2048;
constexpr uint32_t kBlock = 2048 * 64;

TEST(NandModelTest, FreshDeviceReadsErased) {
  auto m = MakePreset("slc-2k-64m");
  std::vector<uint8_t> data(kPage * 3), oob(64);
  auto r = m->Read({.addr = 5 * kPage}, data, oob);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(data, Each(0xFF));
  EXPECT_THAT(oob, Each(0xFF));
  EXPECT_EQ(r->max_bitflips, 0u);
}

TEST(NandModelTest, ProgramOnlyClearsBits) {
  auto m = MakePreset("slc-2k-64m");
  ASSERT_TRUE(m->Write({.addr = 0}, Bytes(512, 0xF0), {}).ok());
  ASSERT_TRUE(m->Write({.addr = 0}, Bytes(512, 0x3C), {}).ok());  // second partial program
  std::vector<uint8_t> out(512);
  ASSERT_TRUE(m->Read({.addr = 0}, out, {}).ok());
  EXPECT_THAT(out, Each(0x30));
}

TEST(NandModelTest, EraseRestoresDataAndOob) {
  auto m = MakePreset("slc-2k-64m");
  ASSERT_TRUE(m->Write({.addr = kBlock}, Bytes(kPage, 0), Bytes(64, 0)).ok());
  ASSERT_TRUE(m->Erase(kBlock, kBlock).ok());
  std::vector<uint8_t> data(kPage), oob(64);
  ASSERT_TRUE(m->Read({.addr = kBlock}, data, oob).ok());
  EXPECT_THAT(data, Each(0xFF));
  EXPECT_THAT(oob, Each(0xFF));
  EXPECT_EQ(m->block_counters(1).erases, 1u);
}

TEST(NandModelTest, MisalignedWritesAndErasesAreRejected) {
  auto m = MakePreset("slc-2k-64m");
  EXPECT_EQ(m->Write({.addr = 100}, Bytes(512, 0), {}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m->Write({.addr = 0}, Bytes(100, 0), {}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m->Erase(kPage, kBlock).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m->Erase(0, 0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m->Erase(64ull << 20, kBlock).code(), absl::StatusCode::kOutOfRange);
  std::vector<uint8_t> buf(16);
  EXPECT_EQ(m->Read({.addr = (64ull << 20) - 8}, buf, {}).status().code(),
            absl::StatusCode::kOutOfRange);
}

TEST(NandModelTest, UnalignedReadsAreFine) {
  auto m = MakePreset("slc-2k-64m");
  std::vector<uint8_t> pattern(kPage * 2);
  for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<uint8_t>(i * 7);
  ASSERT_TRUE(m->Write({.addr = 0}, pattern, {}).ok());
  std::vector<uint8_t> out(64);
  ASSERT_TRUE(m->Read({.addr = kPage - 10}, out, {}).ok());
  EXPECT_TRUE(std::equal(out.begin(), out.end(), pattern.begin() + kPage - 10));
}

TEST(NandModelTest, OobPlaceAutoAndRawAddressing) {
  auto m = MakePreset("slc-2k-64m");
  // AUTO bytes land in the free region (offset 2.. of each page's OOB).
  std::vector<uint8_t> autobytes(34 + 5);
  for (size_t i = 0; i < autobytes.size(); ++i) autobytes[i] = static_cast<uint8_t>(i);
  ASSERT_TRUE(m->Write({.addr = 0, .mode = OobMode::kAuto}, {}, autobytes).ok());
  std::vector<uint8_t> place(64 * 2);
  ASSERT_TRUE(m->Read({.addr = 0, .mode = OobMode::kPlace}, {}, place).ok());
  EXPECT_EQ(place[0], 0xFF);  // marker untouched
  EXPECT_EQ(place[2], 0);
  EXPECT_EQ(place[35], 33);
  EXPECT_EQ(place[36], 0xFF);  // ECC bytes untouched
  EXPECT_EQ(place[64 + 2], 34);  // continues on the next page
  std::vector<uint8_t> back(autobytes.size());
  ASSERT_TRUE(m->Read({.addr = 0, .mode = OobMode::kAuto}, {}, back).ok());
  EXPECT_EQ(back, autobytes);
  // PLACE with an offset; RAW reads the same placement.
  ASSERT_TRUE(m->Write({.addr = 2 * kPage, .mode = OobMode::kPlace, .ooboffs = 40}, {},
                       Bytes(4, 0x12)).ok());
  std::vector<uint8_t> raw(8);
  ASSERT_TRUE(m->Read({.addr = 2 * kPage, .mode = OobMode::kRaw, .ooboffs = 38}, {}, raw).ok());
  EXPECT_EQ(raw, (std::vector<uint8_t>{0xFF, 0xFF, 0x12, 0x12, 0x12, 0x12, 0xFF, 0xFF}));
  // Out of range offsets and lengths.
  EXPECT_EQ(m->Read({.addr = 0, .mode = OobMode::kAuto, .ooboffs = 34}, {}, raw).status().code(),
            absl::StatusCode::kOutOfRange);
  std::vector<uint8_t> too_long(65);
  const uint64_t last_page = (64ull << 20) - kPage;
  EXPECT_EQ(m->Read({.addr = last_page}, {}, too_long).status().code(),
            absl::StatusCode::kOutOfRange);
}

TEST(NandModelTest, NopLimitStrictAndLenient) {
  auto strict = MakePreset("slc-2k-64m");
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(strict->Write({.addr = 0}, Bytes(512, 0xFE), {}).ok());
  absl::Status s = strict->Write({.addr = 0}, Bytes(512, 0x00), {});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("NOP 4"));
  std::vector<uint8_t> out(512);
  ASSERT_TRUE(strict->Read({.addr = 0}, out, {}).ok());
  EXPECT_THAT(out, Each(0xFE));  // the refused program changed nothing

  auto lenient = MakePreset("slc-2k-64m", RuleMode::kLenient);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(lenient->Write({.addr = 0}, Bytes(512, 0x0F), {}).ok());
  EXPECT_EQ(lenient->counters().rule_violations, 1u);
}

TEST(NandModelTest, MlcProgramsInOrderOnce) {
  auto m = MakePreset("mlc-4k-1g");
  const uint32_t page = 4096;
  ASSERT_TRUE(m->Write({.addr = 0}, Bytes(page, 0), {}).ok());
  ASSERT_TRUE(m->Write({.addr = 2 * page}, Bytes(page, 0), {}).ok());  // skipping is allowed
  EXPECT_EQ(m->Write({.addr = page}, Bytes(page, 0), {}).code(),
            absl::StatusCode::kInvalidArgument);  // going back is not
  EXPECT_EQ(m->Write({.addr = 2 * page}, Bytes(page, 0), {}).code(),
            absl::StatusCode::kInvalidArgument);  // nor programming twice
  ASSERT_TRUE(m->Erase(0, 128 * page).ok());
  EXPECT_TRUE(m->Write({.addr = page}, Bytes(page, 0), {}).ok());
}

TEST(NandModelTest, FactoryMarkerAndMarkBad) {
  auto m = MakePreset("slc-2k-64m");
  EXPECT_FALSE(*m->IsBad(3 * kBlock));
  EXPECT_FALSE(m->BlockIsBad(3));
  // A factory marker is a non-0xFF byte at the marker position of page 0.
  ASSERT_TRUE(m->Write({.addr = 3 * kBlock, .mode = OobMode::kRaw}, {}, Bytes(1, 0x00)).ok());
  EXPECT_TRUE(*m->IsBad(3 * kBlock + 5 * kPage));
  EXPECT_TRUE(m->BlockIsBad(3));  // the same answer, not counted as an op
  EXPECT_EQ(m->counters().isbad_ops, 2u);
  EXPECT_TRUE(m->bad_block_table().empty());
  // markbad writes the marker and records the block in the table.
  ASSERT_TRUE(m->Write({.addr = 7 * kBlock}, Bytes(kPage, 0x55), {}).ok());
  ASSERT_TRUE(m->MarkBad(7 * kBlock + 100).ok());
  EXPECT_TRUE(*m->IsBad(7 * kBlock));
  EXPECT_EQ(m->bad_block_table(), std::vector<uint32_t>{7});
  std::vector<uint8_t> oob(2);
  ASSERT_TRUE(m->Read({.addr = 7 * kBlock, .mode = OobMode::kRaw}, {}, oob).ok());
  EXPECT_THAT(oob, Each(0x00));
  EXPECT_EQ(m->Erase(7 * kBlock, kBlock).code(), absl::StatusCode::kDataLoss);
}

TEST(NandModelTest, EccCorrectsWithinStrengthAndScrubsAtThreshold) {
  auto m = MakePreset("slc-2k-64m");  // BCH-4 per 512 bytes, threshold 3
  ASSERT_TRUE(m->Write({.addr = 0}, Bytes(kPage, 0x00), {}).ok());
  m->AddCellError(0, 3);
  m->AddCellError(0, 100);  // step 0: 2 flips
  m->AddCellError(0, 512 * 8 + 1);  // step 1: 1 flip
  std::vector<uint8_t> data(kPage);
  auto r = m->Read({.addr = 0}, data, {});
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(data, Each(0x00));  // corrected
  EXPECT_EQ(r->max_bitflips, 2u);
  EXPECT_EQ(r->corrected_bitflips, 3u);
  EXPECT_FALSE(r->scrub);
  EXPECT_FALSE(r->uncorrectable());
  m->AddCellError(0, 200);  // step 0: 3 flips -> reaches the threshold
  r = m->Read({.addr = 0}, data, {});
  EXPECT_TRUE(r->scrub);
  EXPECT_EQ(m->counters().ecc_corrected, 3u + 4u);
}

TEST(NandModelTest, BeyondStrengthReturnsRawDataUncorrectable) {
  auto m = MakePreset("slc-2k-64m");
  ASSERT_TRUE(m->Write({.addr = 0}, Bytes(kPage, 0x00), {}).ok());
  for (uint32_t bit : {8u, 16u, 24u, 32u, 40u}) m->AddCellError(0, bit);  // 5 > 4 in step 0
  std::vector<uint8_t> data(kPage);
  auto r = m->Read({.addr = 0}, data, {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->uncorrectable());
  EXPECT_EQ(data[1], 0x01);  // flipped raw bits are returned
  EXPECT_EQ(data[5], 0x01);
  EXPECT_EQ(data[6], 0x00);
  EXPECT_EQ(m->counters().ecc_failed, 1u);
}

TEST(NandModelTest, ErasedPageWithFewFlipsReadsErased) {
  auto m = MakePreset("slc-2k-64m");
  m->AddCellError(0, 9);
  std::vector<uint8_t> data(kPage);
  auto r = m->Read({.addr = 0}, data, {});
  EXPECT_THAT(data, Each(0xFF));
  EXPECT_EQ(r->max_bitflips, 1u);
}

TEST(NandModelTest, RawReadShowsEveryFlipAndEraseClearsThem) {
  auto m = MakePreset("slc-2k-64m");
  ASSERT_TRUE(m->Write({.addr = 0}, Bytes(kPage, 0x00), {}).ok());
  EXPECT_FALSE(m->BlockHasCellErrors(0));
  m->AddCellError(0, 0);
  EXPECT_TRUE(m->BlockHasCellErrors(0));
  EXPECT_FALSE(m->BlockHasCellErrors(1));
  m->AddCellError(0, kPage * 8 + 8 * 3);  // OOB byte 3: not ECC-protected
  std::vector<uint8_t> data(kPage), oob(64);
  auto r = m->Read({.addr = 0, .mode = OobMode::kRaw}, data, oob);
  EXPECT_EQ(data[0], 0x01);
  EXPECT_EQ(oob[3], 0xFE);
  EXPECT_EQ(r->max_bitflips, 0u);  // raw reads report nothing
  ASSERT_TRUE(m->Read({.addr = 0}, data, oob).ok());
  EXPECT_EQ(data[0], 0x00);  // corrected in-band
  EXPECT_EQ(oob[3], 0xFE);   // silent corruption outside ECC coverage
  ASSERT_TRUE(m->Erase(0, kBlock).ok());
  EXPECT_EQ(m->cell_errors(0), nullptr);
  EXPECT_FALSE(m->BlockHasCellErrors(0));
}

// Toggling a cell twice restores it, in the short sorted form and in the
// bitmap form a page switches to when it holds many errors.
TEST(NandModelTest, ToggleCellErrorInvertsOneCell) {
  auto m = MakePreset("slc-2k-64m");
  EXPECT_FALSE(m->ToggleCellError(0, 5));
  EXPECT_TRUE(m->HasCellError(0, 5));
  EXPECT_TRUE(m->ToggleCellError(0, 5));
  EXPECT_EQ(m->cell_errors(0), nullptr);  // no empty entry left behind
  std::vector<uint32_t> many;
  for (uint32_t b = 0; b < 600; ++b) many.push_back(b * 7);
  m->AddCellErrors(1, many);
  EXPECT_TRUE(m->ToggleCellError(1, 7));
  EXPECT_FALSE(m->HasCellError(1, 7));
  EXPECT_FALSE(m->ToggleCellError(1, 8));
  EXPECT_EQ(m->cell_errors(1)->size(), 600u);
  EXPECT_TRUE(m->ToggleCellError(1, 8));
  EXPECT_FALSE(m->ToggleCellError(1, 7));
  EXPECT_EQ(*m->cell_errors(1), many);
}

// Changes by mask act exactly as the same changes cell by cell: two models,
// one driven each way, read back the same bytes and reports, raw and
// corrected; toggling a mask twice leaves no entry behind.
TEST(NandModelTest, MaskChangesMatchCellChanges) {
  auto by_cell = MakePreset("slc-2k-64m");
  auto by_mask = MakePreset("slc-2k-64m");
  const size_t words = by_mask->cell_mask_words();
  ASSERT_EQ(words, (kPage + 64) * 8 / 64);
  std::mt19937_64 rng(3);
  for (auto* m : {by_cell.get(), by_mask.get()}) {
    ASSERT_TRUE(m->Write({.addr = 0}, Bytes(kPage, 0x5A), Bytes(64, 0xA5)).ok());
  }
  for (int step = 0; step < 40; ++step) {
    std::vector<uint64_t> mask(words);
    const bool dense = step % 3 != 0;  // sparse masks keep the short list form
    for (auto& w : mask) w = dense ? rng() & rng() : (rng() % 50 == 0 ? rng() & rng() : 0);
    const bool toggle = step % 2 == 1;
    for (uint32_t bit = 0; bit < words * 64; ++bit) {
      if (!((mask[bit / 64] >> (bit % 64)) & 1)) continue;
      if (toggle) {
        by_cell->ToggleCellError(0, bit);
      } else {
        by_cell->AddCellError(0, bit);
      }
    }
    if (toggle) {
      by_mask->ToggleCellErrorMask(0, mask);
    } else {
      by_mask->AddCellErrorMask(0, mask);
    }
    const CellErrors* a = by_cell->cell_errors(0);
    const CellErrors* b = by_mask->cell_errors(0);
    ASSERT_EQ(a == nullptr, b == nullptr);
    if (a != nullptr) {
      ASSERT_EQ(*a, *b) << step;
    }
    std::vector<uint64_t> got;
    EXPECT_EQ(by_mask->CellErrorMask(0, got), a != nullptr);
    EXPECT_EQ(got.size(), a != nullptr ? words : 0u);
    EXPECT_EQ(CountCells(got, 0, words * 64), a != nullptr ? a->size() : 0u);
    for (OobMode mode : {OobMode::kPlace, OobMode::kRaw}) {
      std::vector<uint8_t> da(kPage), oa(64), db(kPage), ob(64);
      auto ra = by_cell->Read({.addr = 0, .mode = mode}, da, oa);
      auto rb = by_mask->Read({.addr = 0, .mode = mode}, db, ob);
      ASSERT_TRUE(ra.ok() && rb.ok());
      EXPECT_EQ(da, db);
      EXPECT_EQ(oa, ob);
      EXPECT_EQ(ra->failed_steps, rb->failed_steps);
      EXPECT_EQ(ra->corrected_bitflips, rb->corrected_bitflips);
    }
  }
  // Twice the same mask on a clean page: nothing left, the fast path again.
  std::vector<uint64_t> mask(words);
  for (auto& w : mask) w = rng();
  by_mask->ToggleCellErrorMask(1, mask);
  EXPECT_TRUE(by_mask->HasCellError(1, static_cast<uint32_t>(std::countr_zero(mask[0]))));
  by_mask->ToggleCellErrorMask(1, mask);
  EXPECT_EQ(by_mask->cell_errors(1), nullptr);
  by_mask->AddCellErrorMask(2, std::vector<uint64_t>(words, 0));
  EXPECT_EQ(by_mask->cell_errors(2), nullptr);
}

// Reset leaves nothing of the earlier session: a reset part and a fresh one
// answer the same op sequence identically, and the store is erased again.
TEST(NandModelTest, ResetPartActsAsAFreshOne) {
  auto used = MakePreset("slc-2k-64m");
  ASSERT_TRUE(used->Write({.addr = 0}, Bytes(kPage, 0x00), Bytes(64, 0x00)).ok());
  ASSERT_TRUE(used->Write({.addr = 5 * kBlock + 3 * kPage}, Bytes(kPage, 0x12), {}).ok());
  ASSERT_TRUE(used->Erase(5 * kBlock, kBlock).ok());
  ASSERT_TRUE(used->Write({.addr = 5 * kBlock}, Bytes(kPage, 0x34), {}).ok());
  ASSERT_TRUE(used->MarkBad(7 * kBlock).ok());
  used->AddCellError(1, 3);
  std::vector<uint64_t> mask(used->cell_mask_words(), ~uint64_t{0});
  used->AddCellErrorMask(2, mask);
  std::vector<uint8_t> data(kPage), oob(64);
  ASSERT_TRUE(used->Read({.addr = 0}, data, oob).ok());
  used->Reset();

  EXPECT_TRUE(used->bad_block_table().empty());
  EXPECT_EQ(used->counters().write_ops, 0u);
  EXPECT_EQ(used->counters().read_ops, 0u);
  EXPECT_EQ(used->counters().markbad_ops, 0u);
  for (uint32_t b : {0u, 5u, 7u}) {
    EXPECT_EQ(used->block_counters(b).erases, 0u);
    EXPECT_EQ(used->block_counters(b).programs, 0u);
    EXPECT_EQ(used->block_counters(b).reads_since_erase, 0u);
    EXPECT_FALSE(used->BlockHasCellErrors(b));
    EXPECT_FALSE(*used->IsBad(b * kBlock));
    EXPECT_THAT(used->store().Block(b), Each(0xFF));
  }
  // The same sequence on both: programs in any page order again (NOP and
  // order counters are back to zero), same bytes, same counters.
  auto fresh = MakePreset("slc-2k-64m");
  for (auto* m : {used.get(), fresh.get()}) {
    for (int k = 0; k < 4; ++k) {
      ASSERT_TRUE(m->Write({.addr = 0}, Bytes(512, static_cast<uint8_t>(0xF0 >> k)), {}).ok());
    }
    EXPECT_FALSE(m->Write({.addr = 0}, Bytes(512, 0), {}).ok());  // NOP 4
    ASSERT_TRUE(m->Write({.addr = 7 * kBlock + kPage}, Bytes(kPage, 0x0F), {}).ok());
  }
  for (uint64_t addr : {uint64_t{0}, uint64_t{kPage}, uint64_t{7} * kBlock + kPage}) {
    std::vector<uint8_t> a(kPage), b(kPage), oa(64), ob(64);
    ASSERT_TRUE(used->Read({.addr = addr}, a, oa).ok());
    ASSERT_TRUE(fresh->Read({.addr = addr}, b, ob).ok());
    EXPECT_EQ(a, b);
    EXPECT_EQ(oa, ob);
  }
  EXPECT_EQ(used->counters().write_ops, fresh->counters().write_ops);
  EXPECT_EQ(used->counters().rule_violations, fresh->counters().rule_violations);
  EXPECT_EQ(used->block_counters(0).programs, fresh->block_counters(0).programs);

  // MLC programs pages in order: after a reset, page 0 may come first again.
  auto mlc = MakePreset("mlc-4k-1g");
  ASSERT_TRUE(mlc->Write({.addr = 5 * 4096}, Bytes(4096, 0x00), {}).ok());
  EXPECT_FALSE(mlc->Write({.addr = 0}, Bytes(4096, 0x00), {}).ok());
  mlc->Reset();
  EXPECT_TRUE(mlc->Write({.addr = 0}, Bytes(4096, 0x00), {}).ok());
}

TEST(NandModelTest, NorWritesBytesAndHasNoOob) {
  auto m = MakePreset("nor-64k-16m");
  ASSERT_TRUE(m->Write({.addr = 3}, Bytes(5, 0x0F), {}).ok());
  ASSERT_TRUE(m->Write({.addr = 5}, Bytes(1, 0xF0), {}).ok());  // AND in place
  std::vector<uint8_t> out(8);
  ASSERT_TRUE(m->Read({.addr = 0}, out, {}).ok());
  EXPECT_EQ(out, (std::vector<uint8_t>{0xFF, 0xFF, 0xFF, 0x0F, 0x0F, 0x00, 0x0F, 0x0F}));
  EXPECT_EQ(m->Write({.addr = 0}, {}, Bytes(1, 0)).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(*m->IsBad(0));
  ASSERT_TRUE(m->Erase(0, 65536).ok());
  ASSERT_TRUE(m->Read({.addr = 0}, out, {}).ok());
  EXPECT_THAT(out, Each(0xFF));
}

TEST(NandModelTest, CountersTrackOperations) {
  auto m = MakePreset("slc-2k-64m");
  std::vector<uint8_t> buf(kPage);
  ASSERT_TRUE(m->Write({.addr = 0}, Bytes(kPage, 1), {}).ok());
  ASSERT_TRUE(m->Read({.addr = 0}, buf, {}).ok());
  ASSERT_TRUE(m->Read({.addr = 0}, buf, {}).ok());
  EXPECT_EQ(m->counters().write_ops, 1u);
  EXPECT_EQ(m->counters().read_ops, 2u);
  EXPECT_EQ(m->counters().read_bytes, 2u * kPage);
  EXPECT_EQ(m->block_counters(0).reads_since_erase, 2u);
  EXPECT_EQ(m->block_counters(0).programs, 1u);
  ASSERT_TRUE(m->Erase(0, kBlock).ok());
  EXPECT_EQ(m->block_counters(0).reads_since_erase, 0u);
}

TEST(NandModelTest, StoreMustMatchGeometry) {
  Geometry g = *FindPreset("slc-2k-64m");
  auto bad = NandModel::Create(g, std::make_unique<RamStore>(1000, 3));
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("slc-2k-64m"));
}

}  // namespace
}  // namespace flashfault
