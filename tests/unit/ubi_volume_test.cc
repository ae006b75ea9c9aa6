// The UBI volume workload of `fuzz --fs ubi` off the guest: parsing with
// JSON paths in errors, the seeded mix, what the oracle accepts for each LEB
// after each op and outcome (UBI's promises, volume_oracle.h), the byte
// comparison, and cases and minimising with volume workloads. The ioctls
// run in e2e_fuzz_stock.
#include <cerrno>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/campaign/fuzz/fuzz_input.h"
#include "harness/campaign/fuzz/minimize.h"
#include "harness/campaign/oracle/content.h"
#include "harness/campaign/ubi_volume/volume_oracle.h"
#include "harness/campaign/ubi_volume/volume_workload.h"

namespace flashfault::ubi_volume {
namespace {

using json = nlohmann::json;

VolumeOp Change(uint32_t lnum, uint64_t length, uint64_t seed) {
  return {VolumeOpKind::kChange, lnum, length, seed};
}
VolumeOp Plain(VolumeOpKind kind, uint32_t lnum) { return {kind, lnum, 0, 0}; }

std::vector<uint8_t> Leb(const LebContent& c, size_t size) {
  std::vector<uint8_t> b(size, 0xFF);
  oracle::FillData(c.seed, 0, b.data(), c.length);
  return b;
}

TEST(VolumeWorkloadTest, RoundTripsThroughJson) {
  VolumeWorkload w;
  w.name = "t";
  w.ops = {Change(3, 4096, 7), Plain(VolumeOpKind::kErase, 3), Plain(VolumeOpKind::kUnmap, 5),
           Plain(VolumeOpKind::kMap, 5)};
  const nlohmann::ordered_json j = VolumeWorkloadToJson(w);
  EXPECT_TRUE(IsVolumeWorkloadJson(json::parse(j.dump())));
  absl::StatusOr<VolumeWorkload> back = ParseVolumeWorkload(json::parse(j.dump()), "t");
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->ops.size(), 4u);
  EXPECT_EQ(VolumeWorkloadToJson(*back), j);
  EXPECT_EQ(DescribeVolumeOp(back->ops[0]), "change LEB 3: 4096 bytes of seed 7");
  EXPECT_EQ(DescribeVolumeOp(back->ops[2]), "unmap LEB 5");
}

TEST(VolumeWorkloadTest, ErrorsNameTheJsonPath) {
  struct Bad {
    const char* text;
    const char* where;
  };
  const Bad bad[] = {
      {R"({"target":"ubi-volume","name":"t","ops":[{"op":"shred","lnum":1}]})", "$.ops[0].op: unknown op 'shred'"},
      {R"({"target":"ubi-volume","name":"t","ops":[{"op":"change","lnum":1}]})", "$.ops[0].length: required"},
      {R"({"target":"ubi-volume","name":"t","ops":[{"op":"erase","lnum":16}]})", "$.ops[0].lnum: must be at most 15"},
      {R"({"target":"ubi-volume","name":"t","ops":[{"op":"erase","lnum":1,"length":3}]})", "$.ops[0].length: unknown key"},
      {R"({"target":"ubi-volume","name":"t","ops":[{"op":"map","lnum":-1}]})", "$.ops[0].lnum: expected an unsigned"},
      {R"({"target":"ubi-volume","ops":[]})", "$.name: a workload needs a name"},
      {R"({"target":"ubi-volume","name":"t"})", "$.ops: a workload needs ops"},
      {R"({"target":"ubifs","name":"t","ops":[]})", "$.target: expected \"ubi-volume\""},
      {R"({"target":"ubi-volume","name":"t","ops":[],"x":1})", "$.x: unknown key"},
  };
  for (const Bad& b : bad) {
    absl::StatusOr<VolumeWorkload> w = ParseVolumeWorkload(json::parse(b.text), "case.json");
    ASSERT_FALSE(w.ok()) << b.text;
    EXPECT_NE(w.status().message().find(std::string("case.json: ") + b.where), std::string::npos)
        << w.status().message();
  }
}

TEST(VolumeWorkloadTest, TheMixIsTheSameForTheSameSeedAndStaysInItsBounds) {
  const VolumeWorkload a = GenerateVolumeMix(9, 40, 126976), b = GenerateVolumeMix(9, 40, 126976);
  EXPECT_EQ(VolumeWorkloadToJson(a), VolumeWorkloadToJson(b));
  EXPECT_NE(VolumeWorkloadToJson(a), VolumeWorkloadToJson(GenerateVolumeMix(10, 40, 126976)));
  ASSERT_EQ(a.ops.size(), 40u);
  bool kinds[4] = {};
  for (const VolumeOp& op : a.ops) {
    EXPECT_LE(op.lnum, kMaxLnum);
    EXPECT_LE(op.length, 126976u);
    kinds[static_cast<int>(op.kind)] = true;
  }
  EXPECT_TRUE(kinds[0] && kinds[1]) << "40 ops without a change and an erase";
  // It parses as any user file would.
  EXPECT_TRUE(ParseVolumeWorkload(json::parse(VolumeWorkloadToJson(a).dump()), "mix").ok());
}

TEST(VolumeOracleTest, WhatEachOpAndOutcomeLeaves) {
  const LebContent empty{}, a{100, 1}, b{200, 2};
  VolumeWorkload w;
  w.ops = {Change(0, 100, 1), Change(0, 200, 2),   // LEB 0: a, then b returned
           Change(1, 100, 1), Change(1, 200, 2),   // LEB 1: a, then b failed
           Change(2, 100, 1), Plain(VolumeOpKind::kUnmap, 2),   // LEB 2: unmap is RAM only
           Change(3, 100, 1), Plain(VolumeOpKind::kErase, 3),   // LEB 3: erase waited
           Change(4, 100, 1), Plain(VolumeOpKind::kErase, 4),   // LEB 4: erase failed
           Change(5, 100, 1), Plain(VolumeOpKind::kUnmap, 5), Change(5, 200, 2),  // gone for good
           Plain(VolumeOpKind::kMap, 6),                        // map: empty, durable
           Change(7, 0, 9)};                                    // a change of nothing: empty
  const std::vector<int> results = {0, 0, 0, EIO, 0, 0, 0, 0, 0, EROFS, 0, 0, 0, 0, 0};
  const ExpectedVolume e = ExpectAfter(w, results);
  ASSERT_EQ(e.lebs.size(), kMaxLnum + 1u);
  EXPECT_EQ(e.lebs[0], (std::vector<LebContent>{b}));
  EXPECT_EQ(e.lebs[1], (std::vector<LebContent>{a, b}));
  EXPECT_EQ(e.lebs[2], (std::vector<LebContent>{a, empty}));
  EXPECT_EQ(e.lebs[3], (std::vector<LebContent>{empty}));
  EXPECT_EQ(e.lebs[4], (std::vector<LebContent>{a, empty}));
  EXPECT_EQ(e.lebs[5], (std::vector<LebContent>{b}));
  EXPECT_EQ(e.lebs[6], (std::vector<LebContent>{empty}));
  EXPECT_EQ(e.lebs[7], (std::vector<LebContent>{empty}));
  EXPECT_EQ(e.lebs[8], (std::vector<LebContent>{empty}));  // untouched: the fresh volume's
  // An op with no result (the run stopped before it) counts as failed.
  EXPECT_EQ(ExpectAfter(w, {0}).lebs[0], (std::vector<LebContent>{a, b}));
}

TEST(VolumeOracleTest, ComparesWholeLebs) {
  const size_t size = 4096;
  const LebContent empty{}, a{100, 1}, b{300, 2};
  EXPECT_EQ(CompareLeb(0, {a}, Leb(a, size)), "");
  EXPECT_EQ(CompareLeb(0, {a, b}, Leb(b, size)), "");
  EXPECT_EQ(CompareLeb(0, {empty}, Leb(empty, size)), "");
  // The old data where only the new may be: named, with the first difference.
  const std::string words = CompareLeb(4, {b}, Leb(a, size));
  EXPECT_NE(words.find("LEB 4 holds none of: 300 bytes of seed 2"), std::string::npos) << words;
  // A mix of both (a torn change UBI let through), and stray bytes past the data.
  std::vector<uint8_t> mixed = Leb(b, size);
  std::copy_n(Leb(a, size).begin(), 50, mixed.begin());
  EXPECT_NE(CompareLeb(1, {a, b}, mixed), "");
  std::vector<uint8_t> stray = Leb(a, size);
  stray[2000] = 0x00;
  const std::string tail = CompareLeb(2, {a}, stray);
  EXPECT_NE(tail.find("differs first at byte 2000"), std::string::npos) << tail;
  // Data longer than the LEB can never match.
  EXPECT_NE(CompareLeb(3, {LebContent{size + 1, 5}}, Leb(empty, size)), "");
}

}  // namespace
}  // namespace flashfault::ubi_volume

namespace flashfault::campaign::fuzz {
namespace {

TEST(VolumeCaseTest, ACaseCarriesAVolumeWorkloadAndMinimisesItsOps) {
  FuzzCase c;
  c.script = {{"seed", 1}, {"faults", nlohmann::json::array({{{"id", "cut"}}, {{"id", "noise"}}})}};
  c.volume = ubi_volume::GenerateVolumeMix(3, 20, 4096);
  const nlohmann::json j = CaseToJson(c);
  EXPECT_EQ(j["workload"]["target"], "ubi-volume");
  absl::StatusOr<FuzzCase> back = CaseFromJson(j, "case.json");
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_TRUE(back->volume.has_value());
  EXPECT_EQ(back->volume->ops.size(), 20u);
  EXPECT_TRUE(back->workload.ops.empty());
  nlohmann::json bad = j;
  bad["workload"]["ops"][3]["op"] = "shred";
  EXPECT_NE(CaseFromJson(bad, "case.json").status().message().find("case.json $.workload: $.ops[3].op"),
            std::string::npos);

  const uint32_t needed = c.volume->ops[7].lnum;
  const ubi_volume::VolumeOpKind kind = c.volume->ops[7].kind;
  auto fails = [&](const FuzzCase& x) {
    bool fault = false, op = false;
    for (const auto& f : x.script["faults"]) fault = fault || f["id"] == "cut";
    for (const ubi_volume::VolumeOp& o : x.volume->ops) op = op || (o.lnum == needed && o.kind == kind);
    return fault && op;
  };
  MinimizeStats st;
  const FuzzCase small = MinimizeCase(*back, fails, 200, &st);
  EXPECT_TRUE(fails(small));
  EXPECT_EQ(st.faults_after, 1u);
  EXPECT_EQ(st.ops_before, 20u);
  EXPECT_EQ(st.ops_after, 1u);
  EXPECT_EQ(small.volume->ops.size(), 1u);
}

}  // namespace
}  // namespace flashfault::campaign::fuzz
