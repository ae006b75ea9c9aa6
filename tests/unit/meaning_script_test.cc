// Fault scripts aimed by meaning and the two kinds meaning makes useful
// (issue 17): what parses, round-trips and is explained; what is refused,
// with the JSON path of the offending word.
#include <string>

#include "backends/model/presets.h"
#include "fault-models/script/fault_script.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flashfault {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<FaultScript> Parse(const std::string& faults) {
  return ParseScriptText(
      absl::StrCat(R"({"geometry": "slc-2k-128m", "seed": 5, "faults": [)", faults, "]}"), "s.json");
}

std::string Error(const std::string& faults) {
  absl::StatusOr<FaultScript> s = Parse(faults);
  EXPECT_FALSE(s.ok()) << faults;
  return s.ok() ? "" : std::string(s.status().message());
}

TEST(MeaningScript, EveryKeyParsesAndRoundTrips) {
  absl::StatusOr<FaultScript> s = Parse(R"(
    {"id": "a", "kind": "power_cut", "where": {"meaning": {"ubifs": "master", "volume": "data"}},
     "when": {"ops": ["write"], "nth_match": 2}},
    {"id": "b", "kind": "stuck_bit", "where": {"meaning": {"ubi": "vid", "copy": true}},
     "when": {"ops": ["write"], "after_op": 100, "max_fires": 1}, "flips": 3, "stuck_value": 1},
    {"id": "c", "kind": "read_bitflip", "where": {"blocks": [10, 200], "bytes": [0, 511],
     "meaning": {"ubi": "data", "volume": 0, "lnum": [5, 9], "ubifs": "data", "inum": 65}},
     "when": {"ops": ["read"], "probability": 0.5}, "flips": 5},
    {"id": "d", "kind": "power_cut", "where": {"meaning": {"jffs2": "dirent"}}},
    {"id": "e", "kind": "silent_corruption", "when": {"ops": ["read"]}, "flips": 6,
     "silent_effect": "miss", "real_odds": true},
    {"id": "f", "kind": "field_mutation", "field": "ubifs.ino.size", "value": 0,
     "mask": 255, "fix_crc": true, "where": {"meaning": {"ubifs": "inode", "inum": 70}}})");
  ASSERT_TRUE(s.ok()) << s.status();
  const FaultPlan& p = s->plan;
  ASSERT_EQ(p.faults.size(), 6u);
  EXPECT_EQ(p.faults[0].where.meaning->ubifs, UbifsAim::kMaster);
  EXPECT_EQ(p.faults[0].where.meaning->volume_name, "data");
  EXPECT_EQ(p.faults[1].where.meaning->copy, true);
  EXPECT_EQ(p.faults[1].when.after_op, 100u);
  EXPECT_EQ(p.faults[2].where.meaning->volume_id, 0u);
  EXPECT_EQ(p.faults[2].where.meaning->lnum_last, 9u);
  EXPECT_EQ(p.faults[3].where.meaning->jffs2, Jffs2Aim::kDirent);
  EXPECT_EQ(p.faults[4].silent_effect, SilentEffect::kMiss);
  EXPECT_EQ(p.faults[5].field, "ubifs.ino.size");
  EXPECT_EQ(p.faults[5].mask, 255u);
  const nlohmann::ordered_json j = PlanToJson(p, &s->geometry);
  absl::StatusOr<FaultScript> back = ParseScriptText(j.dump(), "export");
  ASSERT_TRUE(back.ok()) << back.status() << j.dump(1);
  EXPECT_EQ(back->plan, p) << j.dump(1);
}

TEST(MeaningScript, CheckExplainsAimsInPlainWords) {
  absl::StatusOr<FaultScript> s = Parse(R"(
    {"id": "cut", "kind": "power_cut", "where": {"meaning": {"ubifs": "master", "volume": "data"}},
     "when": {"ops": ["write"], "nth_match": 2}},
    {"id": "vid", "kind": "stuck_bit", "where": {"meaning": {"ubi": "vid", "copy": true}},
     "when": {"ops": ["write"], "after_op": 10}, "flips": 3},
    {"id": "mut", "kind": "field_mutation", "field": "jffs2.dirent.ino", "value": 7,
     "fix_crc": true, "when": {"ops": ["write"]}})");
  ASSERT_TRUE(s.ok()) << s.status();
  const std::string text = ExplainPlan(s->plan, s->geometry);
  EXPECT_THAT(text, HasSubstr("fault 'cut' (power_cut): power is cut"));
  EXPECT_THAT(text, HasSubstr("; where the flash holds a UBIFS master node of UBI volume 'data'; "
                              "on the 2nd write that matches"));
  EXPECT_THAT(text, HasSubstr("where the flash holds the UBI VID header in a PEB whose VID header "
                              "says it is a copy (wear-levelling or scrubbing moved it); on "
                              "writes, counting from device operation #10 (0-based)"));
  EXPECT_THAT(text, HasSubstr("field jffs2.dirent.ino of the first such structure in the op's "
                              "bytes is set to 7, its CRC recomputed so it passes its checks "
                              "(as written: on the flash)"));
}

TEST(MeaningScript, UnknownWordsAndContradictionsNameTheirPath) {
  EXPECT_THAT(Error(R"({"id": "x", "kind": "power_cut", "where": {"meaning": {"ubifs": "mastr"}}})"),
              HasSubstr("s.json: $.faults[0].where.meaning.ubifs: unknown word \"mastr\" "
                        "(expected one of: sb, master, log, lpt"));
  EXPECT_THAT(Error(R"({"id": "x", "kind": "power_cut", "where": {"meaning": {"ubi": "pvid"}}})"),
              HasSubstr("$.faults[0].where.meaning.ubi: unknown word \"pvid\""));
  EXPECT_THAT(Error(R"({"id": "x", "kind": "power_cut", "where": {"meaning": {"leb": 3}}})"),
              HasSubstr("$.faults[0].where.meaning.leb: unknown key (expected one of: ubi, "
                        "volume, lnum, copy, ubifs, inum, jffs2)"));
  EXPECT_THAT(Error(R"({"id": "x", "kind": "power_cut", "where": {"meaning": {}}})"),
              HasSubstr("$.faults[0].where.meaning: names nothing"));
  EXPECT_THAT(Error(R"({"id": "x", "kind": "power_cut",
                        "where": {"meaning": {"jffs2": "dirent", "volume": 1}}})"),
              HasSubstr("$.faults[0].where.meaning.jffs2: JFFS2 sits on bare flash"));
  EXPECT_THAT(Error(R"({"id": "x", "kind": "power_cut",
                        "where": {"meaning": {"ubi": "ec", "ubifs": "index"}}})"),
              HasSubstr("$.faults[0].where.meaning.ubifs: UBIFS nodes live in LEB data"));
  EXPECT_THAT(Error(R"({"id": "x", "kind": "power_cut", "where": {"meaning": {"volume": true}}})"),
              HasSubstr("$.faults[0].where.meaning.volume: expected a volume name or id"));
  EXPECT_THAT(Error(R"({"id": "x", "kind": "power_cut", "where": {"meaning": {"lnum": [9, 3]}}})"),
              HasSubstr("$.faults[0].where.meaning.lnum: first 9 is after last 3"));
  EXPECT_THAT(Error(R"({"id": "x", "kind": "factory_bad", "count": 2,
                        "where": {"meaning": {"ubi": "ec"}}})"),
              HasSubstr("$.faults[0].where.meaning: factory bad blocks are chosen before"));
  EXPECT_THAT(Error(R"({"id": "x", "kind": "power_cut", "when": {"at_op": 3, "after_op": 5}})"),
              HasSubstr("$.faults[0].when.at_op: op 3 comes before after_op 5"));
}

TEST(MeaningScript, TheNewKindsRefuseWhatTheyCannotDo) {
  EXPECT_THAT(Error(R"({"id": "x", "kind": "silent_corruption", "flips": 4})"),
              HasSubstr("$.faults[0].flips: 4 flips are within the ECC strength (4)"));
  EXPECT_THAT(Error(R"({"id": "x", "kind": "silent_corruption", "flips": 6,
                        "silent_effect": "lie"})"),
              HasSubstr("$.faults[0].silent_effect: expected \"miscorrect\" or \"miss\""));
  EXPECT_THAT(Error(R"({"id": "x", "kind": "field_mutation"})"),
              HasSubstr("$.faults[0].field: missing"));
  EXPECT_THAT(Error(R"({"id": "x", "kind": "field_mutation", "field": "ubifs.ino.sise"})"),
              HasSubstr("$.faults[0].field: unknown field of ubifs.ino (its fields: sqnum"));
  EXPECT_THAT(Error(R"({"id": "x", "kind": "field_mutation", "field": "ubi.vid.copy_flag",
                        "value": 256})"),
              HasSubstr("$.faults[0].value: 256 does not fit the 1-byte field ubi.vid.copy_flag"));
  EXPECT_THAT(Error(R"({"id": "x", "kind": "field_mutation", "field": "ubi.vid.lnum",
                        "when": {"ops": ["erase"]}})"),
              HasSubstr("$.faults[0].when.ops: a field_mutation fault acts on reads or writes"));
  EXPECT_THAT(Error(R"({"id": "x", "kind": "power_cut", "fix_crc": true})"),
              HasSubstr("$.faults[0].fix_crc: a power_cut fault does not use this parameter"));
  absl::StatusOr<Geometry> nor = FindPreset("nor-64k-16m");
  ASSERT_TRUE(nor.ok());
  absl::StatusOr<FaultScript> s = ParseScriptText(
      R"({"faults": [{"id": "x", "kind": "silent_corruption", "flips": 6}]})", "n.json", &*nor);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("has no ECC for a decoder to fool"));
}

}  // namespace
}  // namespace flashfault
