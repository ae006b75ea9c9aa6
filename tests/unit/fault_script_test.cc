// Fault-script errors: every kind of mistake a user can make in a script
// gives an error naming the file, the JSON path and the reason. Each test
// checks the message, so a check that silently stops firing (or starts
// naming the wrong path) fails here. Valid scripts, round trips, the schema,
// explanations and the CLI are in fault_script_io_test.cc.
#include <string>

#include "backends/model/presets.h"
#include "fault-models/script/fault_script.h"
#include "fault-models/script/partition_string.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flashfault {
namespace {

using ::testing::HasSubstr;

// The error message of a script that must be rejected; `geometry` overrides
// the script's own (most tests use the 1024-block large-page SLC preset).
std::string Error(const std::string& text, const std::string& preset = "slc-2k-128m") {
  absl::StatusOr<Geometry> g = FindPreset(preset);
  EXPECT_TRUE(g.ok());
  absl::StatusOr<FaultScript> s = ParseScriptText(text, "t.json", &*g);
  EXPECT_FALSE(s.ok()) << "accepted: " << text;
  if (s.ok()) return "";
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(s.status().message());
}

// A script with one fault whose body (after id) is `rest`.
std::string One(const std::string& rest) {
  return R"({"faults": [{"id": "f", )" + rest + "}]}";
}

TEST(FaultScriptErrors, NotJsonNamesFileAndPosition) {
  EXPECT_THAT(Error("{\"faults\": [}"), HasSubstr("t.json: not valid JSON: parse error at line 1"));
  EXPECT_THAT(Error(""), HasSubstr("t.json: not valid JSON"));
  EXPECT_THAT(Error(R"({"seed": 1e400, "faults": []})"),
              HasSubstr("t.json: not valid JSON: number overflow parsing '1e400'"));
}

TEST(FaultScriptErrors, RepeatedKeyNamesItsPath) {
  EXPECT_EQ(Error(One(R"("kind": "read_bitflip", "when": {"probability": 0.1, "probability": 1})")),
            "t.json: $.faults[0].when.probability: key given twice in the same object");
}

TEST(FaultScriptErrors, UnknownKeysAtEveryLevel) {
  EXPECT_THAT(Error(R"({"faults": [], "fault": []})"), HasSubstr("t.json: $.fault: unknown key"));
  EXPECT_THAT(Error(One(R"("kind": "read_bitflip", "flip": 2)")),
              HasSubstr("$.faults[0].flip: unknown key (expected one of: id, kind"));
  EXPECT_THAT(Error(One(R"("kind": "read_bitflip", "where": {"block": 3})")),
              HasSubstr("$.faults[0].where.block: unknown key"));
  EXPECT_THAT(Error(One(R"("kind": "read_bitflip", "when": {"at": 3})")),
              HasSubstr("$.faults[0].when.at: unknown key"));
  EXPECT_THAT(Error(R"({"partitions": [{"name": "a", "first_block": 0, "block_count": 1,
                        "size": 3}], "faults": []})"),
              HasSubstr("$.partitions[0].size: unknown key"));
}

TEST(FaultScriptErrors, WrongTypes) {
  EXPECT_EQ(Error(R"({"seed": "1", "faults": []})"),
            "t.json: $.seed: expected an unsigned integer, got \"1\"");
  EXPECT_THAT(Error(R"({"faults": {}})"), HasSubstr("$.faults: expected an array, got an object"));
  EXPECT_THAT(Error(R"([1])"), HasSubstr("t.json: $: expected an object, got an array"));
  EXPECT_THAT(Error(One(R"("kind": "read_bitflip", "when": {"probability": "high"})")),
              HasSubstr("$.faults[0].when.probability: expected a number, got \"high\""));
  EXPECT_THAT(Error(One(R"("kind": "read_bitflip", "where": {"blocks": -1})")),
              HasSubstr("$.faults[0].where.blocks: expected an unsigned integer, got -1"));
  EXPECT_THAT(Error(One(R"("kind": "read_bitflip", "where": {"pages": [1.5, 3]})")),
              HasSubstr("$.faults[0].where.pages[0]: expected an unsigned integer, got 1.5"));
  EXPECT_THAT(Error(One(R"("kind": "read_bitflip", "where": {"pages": [1, 2, 3]})")),
              HasSubstr("$.faults[0].where.pages: expected an index or [first, last]"));
  EXPECT_THAT(Error(One(R"("kind": "power_cut", "unstable": 1)")),
              HasSubstr("$.faults[0].unstable: expected true or false, got 1"));
  EXPECT_THAT(Error(One(R"("kind": "read_bitflip", "when": {"ops": "read"})")),
              HasSubstr("$.faults[0].when.ops: expected a non-empty array of operation names"));
  EXPECT_THAT(Error(One(R"("kind": "read_bitflip", "flips": 4294967296)")),
              HasSubstr("$.faults[0].flips: 4294967296 does not fit 32 bits"));
  EXPECT_THAT(Error(R"({"description": 3, "faults": []})"),
              HasSubstr("$.description: expected a string, got 3"));
}

TEST(FaultScriptErrors, MissingRequiredFields) {
  EXPECT_EQ(Error(R"({"seed": 1})"), "t.json: $.faults: missing");
  EXPECT_THAT(Error(R"({"faults": [{"kind": "latency"}]})"), HasSubstr("$.faults[0].id: missing"));
  EXPECT_THAT(Error(R"({"faults": [{"id": "x"}]})"), HasSubstr("$.faults[0].kind: missing"));
  EXPECT_THAT(Error(R"({"partitions": [{"first_block": 0, "block_count": 1}], "faults": []})"),
              HasSubstr("$.partitions[0].name: missing"));
  EXPECT_THAT(Error(One(R"("kind": "latency")")),
              HasSubstr("$.faults[0].latency_us: missing or 0: a latency fault needs 1 to"));
  EXPECT_THAT(Error(One(R"("kind": "retention")")),
              HasSubstr("$.faults[0].rate: missing or 0: a retention fault needs a rate > 0"));
  // Without --preset/--geometry the script must name its geometry.
  absl::StatusOr<FaultScript> s = ParseScriptText(R"({"faults": []})", "t.json");
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("t.json: $.geometry: missing"));
}

TEST(FaultScriptErrors, UnknownNames) {
  EXPECT_THAT(Error(One(R"("kind": "bitrot")")),
              HasSubstr("$.faults[0].kind: unknown fault kind \"bitrot\" (expected one of: "
                        "read_bitflip, charge_loss"));
  EXPECT_THAT(Error(One(R"("kind": "read_bitflip", "when": {"ops": ["read", "trim"]})")),
              HasSubstr("$.faults[0].when.ops[1]: unknown operation \"trim\""));
  EXPECT_THAT(Error(One(R"("kind": "read_bitflip", "when": {"ops": ["read", "read"]})")),
              HasSubstr("$.faults[0].when.ops[1]: operation \"read\" given twice"));
  EXPECT_THAT(Error(One(R"("kind": "program_fail", "program_effect": "half")")),
              HasSubstr("$.faults[0].program_effect: expected \"unchanged\", \"partial\" or"));
  EXPECT_THAT(Error(One(R"("kind": "erase_fail", "erase_effect": "full")")),
              HasSubstr("$.faults[0].erase_effect: expected \"unchanged\" or \"partial\""));
}

TEST(FaultScriptErrors, ScriptGeometry) {
  absl::StatusOr<FaultScript> s =
      ParseScriptText(R"({"geometry": "slc-9k", "faults": []})", "t.json");
  EXPECT_THAT(std::string(s.status().message()),
              HasSubstr("t.json: $.geometry: unknown preset 'slc-9k'"));
  s = ParseScriptText(R"({"geometry": {"name": "x", "cell": "slc", "page_size": "big",
                       "pages_per_block": 64, "block_count": 8}, "faults": []})", "t.json");
  EXPECT_THAT(std::string(s.status().message()),
              HasSubstr("t.json: $.geometry.page_size: expected an unsigned integer"));
  s = ParseScriptText(R"({"geometry": 7, "faults": []})", "t.json");
  EXPECT_THAT(std::string(s.status().message()),
              HasSubstr("$.geometry: expected a preset name or a geometry object, got 7"));
}

TEST(FaultScriptErrors, AddressesOutsideTheGeometry) {
  EXPECT_EQ(Error(One(R"("kind": "charge_loss", "where": {"blocks": [1000, 1024]})")),
            "t.json: $.faults[0].where.blocks: block 1024 is outside the device's 1024 blocks "
            "(valid: 0-1023)");
  EXPECT_THAT(Error(One(R"("kind": "charge_loss", "where": {"pages": 64})")),
              HasSubstr("$.faults[0].where.pages: page 64 is outside the 64 pages of a block"));
  EXPECT_THAT(Error(One(R"("kind": "charge_loss", "where": {"bytes": [2000, 2112]})")),
              HasSubstr("$.faults[0].where.bytes: byte 2112 is outside the 2048+64 bytes"));
  EXPECT_THAT(Error(One(R"("kind": "charge_loss", "where": {"bits": [0, 8]})")),
              HasSubstr("$.faults[0].where.bits: bit 8 is outside the 8 bits of a byte"));
  EXPECT_THAT(Error(One(R"("kind": "charge_loss", "where": {"pages": [9, 3]})")),
              HasSubstr("$.faults[0].where.pages: first 9 is after last 3"));
  EXPECT_THAT(Error(One(R"("kind": "factory_bad", "block_list": [1, 5000])")),
              HasSubstr("$.faults[0].block_list[1]: block 5000 is outside the device's 1024"));
  // NOR: a "page" is one byte and there is no OOB.
  EXPECT_THAT(Error(One(R"("kind": "charge_loss", "where": {"bytes": 1})"), "nor-64k-16m"),
              HasSubstr("$.faults[0].where.bytes: byte 1 is outside the 1+0 bytes of a page"));
}

TEST(FaultScriptErrors, ContradictoryTriggers) {
  EXPECT_EQ(Error(One(R"("kind": "power_cut", "when": {"at_op": 10, "nth_match": 2})")),
            "t.json: $.faults[0].when.nth_match: contradicts at_op: give one of at_op and "
            "nth_match");
  EXPECT_THAT(Error(One(R"("kind": "power_cut", "when": {"nth_match": 0})")),
              HasSubstr("$.faults[0].when.nth_match: counts from 1"));
  EXPECT_THAT(Error(One(R"("kind": "power_cut", "when": {"at_op": 3, "on_demand": true})")),
              HasSubstr("$.faults[0].when.on_demand: contradicts at_op"));
  EXPECT_THAT(Error(One(R"("kind": "power_cut", "when": {"at_op": 3, "max_fires": 2})")),
              HasSubstr("$.faults[0].when.max_fires: at_op matches a single op"));
  EXPECT_EQ(Error(One(R"("kind": "read_bitflip", "when": {"probability": 1.5})")),
            "t.json: $.faults[0].when.probability: must be in [0, 1], got 1.5");
  EXPECT_THAT(Error(One(R"("kind": "read_bitflip", "when": {"probability": -0.1})")),
              HasSubstr("$.faults[0].when.probability: must be in [0, 1], got -0.1"));
  EXPECT_THAT(Error(One(R"("kind": "program_fail", "when": {"ops": ["read", "erase"]})")),
              HasSubstr("$.faults[0].when.ops: a program_fail fault only fires on write"));
  EXPECT_THAT(Error(One(R"("kind": "factory_bad", "count": 2, "when": {"at_op": 1})")),
              HasSubstr("$.faults[0].when: factory bad blocks exist before the first operation"));
}

TEST(FaultScriptErrors, ParametersOutOfRangeOrContradictory) {
  EXPECT_EQ(Error(One(R"("kind": "stuck_bit", "stuck_value": 2)")),
            "t.json: $.faults[0].stuck_value: must be 0 or 1, got 2");
  EXPECT_THAT(Error(One(R"("kind": "power_cut", "torn_fraction": 1.01)")),
              HasSubstr("$.faults[0].torn_fraction: must be in [0, 1], got 1.01"));
  EXPECT_THAT(Error(One(R"("kind": "wear_out", "rate": 2)")),
              HasSubstr("$.faults[0].rate: must be in [0, 1] for wear_out"));
  EXPECT_THAT(Error(One(R"("kind": "read_disturb", "rate": -0.5)")),
              HasSubstr("$.faults[0].rate: must be a finite number >= 0, got -0.5"));
  const Geometry slc = *FindPreset("slc-2k-128m");
  EXPECT_TRUE(ParseScriptText(One(R"("kind": "read_disturb", "rate": 2)"), "t.json", &slc)
                  .ok());  // cells per page per read, not a probability
  EXPECT_EQ(Error(One(R"("kind": "program_fail", "program_effect": "full",
                         "torn_fraction": 0.2)")),
            "t.json: $.faults[0].torn_fraction: only applies when program_effect is "
            "\"partial\"");
  EXPECT_THAT(Error(One(R"("kind": "erase_fail", "torn_fraction": 0.2)")),
              HasSubstr("$.faults[0].torn_fraction: only applies when erase_effect is"));
  EXPECT_THAT(Error(One(R"("kind": "read_bitflip", "flips": 0)")),
              HasSubstr("$.faults[0].flips: must be at least 1"));
  EXPECT_THAT(Error(One(R"("kind": "read_bitflip", "where": {"bytes": 7, "bits": [0, 1]},
                           "flips": 3)")),
              HasSubstr("$.faults[0].flips: 3 flips do not fit the 2 bits"));
  EXPECT_THAT(Error(One(R"("kind": "latency", "latency_us": 60000001)")),
              HasSubstr("$.faults[0].latency_us: too large"));
  EXPECT_EQ(Error(One(R"("kind": "power_cut", "unstable": true)"), "nor-64k-16m"),
            "t.json: $.faults[0].unstable: unstable torn cells are a NAND effect; geometry "
            "'nor-64k-16m' is NOR");
}

TEST(FaultScriptErrors, FactoryBadNeedsExactlyOneSource) {
  EXPECT_EQ(Error(One(R"("kind": "factory_bad")")),
            "t.json: $.faults[0]: a factory_bad fault needs block_list or count");
  EXPECT_THAT(Error(One(R"("kind": "factory_bad", "block_list": [1], "count": 3)")),
              HasSubstr("$.faults[0].count: give block_list or count, not both"));
  EXPECT_THAT(Error(One(R"("kind": "factory_bad", "count": 1025)")),
              HasSubstr("$.faults[0].count: count 1025 is more than the 1024 blocks"));
  EXPECT_THAT(Error(One(R"("kind": "factory_bad", "where": {"blocks": [0, 9]}, "count": 11)")),
              HasSubstr("$.faults[0].count: count 11 is more than the 10 blocks"));
  EXPECT_THAT(Error(One(R"("kind": "factory_bad", "block_list": [4, 9, 4])")),
              HasSubstr("$.faults[0].block_list[2]: block 4 is listed twice (also [0])"));
  EXPECT_THAT(Error(One(R"("kind": "factory_bad", "block_list": [4], "where": {"blocks": 4})")),
              HasSubstr("$.faults[0].where: block_list names the blocks itself"));
}

TEST(FaultScriptErrors, ParameterOfAnotherKind) {
  EXPECT_EQ(Error(One(R"("kind": "latency", "latency_us": 5, "flips": 2)")),
            "t.json: $.faults[0].flips: a latency fault does not use this parameter");
  EXPECT_THAT(Error(One(R"("kind": "read_bitflip", "stuck_value": 1)")),
              HasSubstr("$.faults[0].stuck_value: a read_bitflip fault does not use this"));
  EXPECT_THAT(Error(One(R"("kind": "erase_fail", "program_effect": "full")")),
              HasSubstr("$.faults[0].program_effect: a erase_fail fault does not use this"));
  EXPECT_THAT(Error(One(R"("kind": "erase_fail", "where": {"pages": 3})")),
              HasSubstr("$.faults[0].where.pages: a erase_fail fault acts on whole blocks"));
  EXPECT_THAT(Error(One(R"("kind": "program_fail", "where": {"bits": 3})")),
              HasSubstr("$.faults[0].where.bits: a program_fail fault does not act on single"));
}

TEST(FaultScriptErrors, WearOutNeedsAThresholdWhenEnduranceIsUnlimited) {
  absl::StatusOr<Geometry> g = FindPreset("slc-2k-64m");
  ASSERT_TRUE(g.ok());
  g->endurance = 0;
  absl::StatusOr<FaultScript> s = ParseScriptText(One(R"("kind": "wear_out")"), "t.json", &*g);
  EXPECT_THAT(std::string(s.status().message()),
              HasSubstr("$.faults[0].threshold: missing: geometry 'slc-2k-64m' has unlimited"));
  EXPECT_TRUE(ParseScriptText(One(R"("kind": "wear_out", "threshold": 9)"), "t.json", &*g).ok());
}

TEST(FaultScriptErrors, Ids) {
  EXPECT_EQ(Error(R"({"faults": [{"id": "a", "kind": "latency", "latency_us": 1},
                                 {"id": "b", "kind": "latency", "latency_us": 1},
                                 {"id": "a", "kind": "latency", "latency_us": 1}]})"),
            "t.json: $.faults[2].id: duplicate fault id 'a' (also $.faults[0])");
  EXPECT_THAT(Error(R"({"faults": [{"id": "a b", "kind": "latency", "latency_us": 1}]})"),
              HasSubstr("$.faults[0].id: \"a b\" is not a valid id"));
}

TEST(FaultScriptErrors, Partitions) {
  EXPECT_EQ(Error(One(R"("kind": "grown_bad", "where": {"partition": "ubi"})")),
            "t.json: $.faults[0].where.partition: no partition named 'ubi' (defined: none)");
  const std::string parts =
      R"({"partitions": [{"name": "boot", "first_block": 0, "block_count": 8},
                         {"name": "ubi", "first_block": 8, "block_count": 1016}], )";
  EXPECT_THAT(Error(parts + R"("faults": [{"id": "f", "kind": "grown_bad",
                                           "where": {"partition": "root"}}]})"),
              HasSubstr("$.faults[0].where.partition: no partition named 'root' (defined: "
                        "'boot', 'ubi')"));
  EXPECT_THAT(Error(parts + R"("faults": [{"id": "f", "kind": "grown_bad",
                                           "where": {"partition": "boot", "blocks": [2, 8]}}]})"),
              HasSubstr("$.faults[0].where.blocks: block 8 is outside partition 'boot' (8 blocks"));
  EXPECT_THAT(Error(R"({"partitions": [{"name": "a", "first_block": 0, "block_count": 8},
                       {"name": "b", "first_block": 7, "block_count": 2}], "faults": []})"),
              HasSubstr("$.partitions[1]: partition 'b' overlaps partition 'a'"));
  EXPECT_THAT(Error(R"({"partitions": [{"name": "a", "first_block": 0, "block_count": 8},
                       {"name": "a", "first_block": 8, "block_count": 2}], "faults": []})"),
              HasSubstr("$.partitions[1].name: duplicate partition name 'a'"));
  EXPECT_THAT(Error(R"({"partitions": [{"name": "a", "first_block": 1000, "block_count": 25}],
                        "faults": []})"),
              HasSubstr("$.partitions[0]: partition 'a' (blocks 1000+25) does not fit the 1024"));
  EXPECT_THAT(Error(R"({"partitions": [{"name": "a", "first_block": 0, "block_count": 0}],
                        "faults": []})"),
              HasSubstr("$.partitions[0].block_count: partition 'a' is empty"));
  // cmdlinepart strings: errors point at the character.
  EXPECT_EQ(Error(R"x({"partitions": "nand:1m(boot),100k(x),-(ubi)", "faults": []})x"),
            "t.json: $.partitions: at character 14: partition 'x' size 102400 is not a whole "
            "number of eraseblocks (131072 bytes)");
  EXPECT_THAT(Error(R"x({"partitions": "1m,-(ubi)", "faults": []})x"),
              HasSubstr("$.partitions: at character 2: expected '(' and a partition name"));
  EXPECT_THAT(Error(R"x({"partitions": "-(a),1m(b)", "faults": []})x"),
              HasSubstr("$.partitions: at character 5: '-' (the rest of the device) must be"));
  EXPECT_THAT(Error(R"x({"partitions": "1m(a),1m@64k(b)", "faults": []})x"),
              HasSubstr("partition 'b' starts at byte 65536, not on an eraseblock boundary"));
}

TEST(FaultScriptErrors, BlockList) {
  EXPECT_EQ(Error(One(R"("kind": "grown_bad", "where": {"block_list": [3, 1024]})")),
            "t.json: $.faults[0].where.block_list: block 1024 is outside the device's 1024 blocks");
  EXPECT_EQ(Error(One(R"("kind": "grown_bad", "where": {"block_list": [7, 3, 7]})")),
            "t.json: $.faults[0].where.block_list: block 7 is listed twice");
  EXPECT_THAT(Error(One(R"("kind": "grown_bad", "where": {"block_list": []})")),
              HasSubstr("$.faults[0].where.block_list: expected a non-empty array of block"));
  EXPECT_THAT(Error(One(R"("kind": "grown_bad", "where": {"block_list": [1, "2"]})")),
              HasSubstr("$.faults[0].where.block_list[1]"));
  EXPECT_EQ(Error(One(R"("kind": "grown_bad", "where": {"blocks": [10, 20], "block_list": [3, 30]})")),
            "t.json: $.faults[0].where.block_list: no listed block lies in blocks [10, 20]: the "
            "fault could never strike");
  EXPECT_THAT(Error(One(R"("kind": "factory_bad", "count": 2, "where": {"block_list": [3]})")),
              HasSubstr("$.faults[0].where.block_list: a factory_bad fault names its blocks in "
                        "its own block_list"));
  EXPECT_THAT(Error(R"({"partitions": [{"name": "ubi", "first_block": 8, "block_count": 16}],
                        "faults": [{"id": "f", "kind": "grown_bad",
                                    "where": {"partition": "ubi", "block_list": [0, 16]}}]})"),
              HasSubstr("$.faults[0].where.block_list: block 16 is outside partition 'ubi' (16 "
                        "blocks; blocks are relative to it)"));
}

TEST(FaultScriptErrors, PerPage) {
  EXPECT_EQ(Error(One(R"("kind": "power_cut", "when": {"per": "pages"})")),
            "t.json: $.faults[0].when.per: expected \"op\" or \"page\", got \"pages\"");
  EXPECT_EQ(Error(One(R"("kind": "read_disturb", "rate": 0.5, "when": {"per": "page"})")),
            "t.json: $.faults[0].when.per: a read_disturb fault works out every page of an op by "
            "its own rate; per: \"page\" does not apply");
  EXPECT_EQ(Error(One(R"("kind": "power_cut", "when": {"per": "page"})"), "nor-64k-16m"),
            "t.json: $.faults[0].when.per: 'nor-64k-16m' is a NOR part: it has no pages to count "
            "(a NOR op is counted whole)");
  absl::StatusOr<Geometry> g = FindPreset("slc-2k-128m");
  ASSERT_TRUE(g.ok());
  absl::StatusOr<FaultScript> op =
      ParseScriptText(One(R"("kind": "power_cut", "when": {"per": "op"})"), "t.json", &*g);
  ASSERT_TRUE(op.ok()) << op.status();
  EXPECT_EQ(op->plan.faults[0].when.per, MatchUnit::kOp);
}

TEST(PartitionString, ResolvesSizesOffsetsAndTheRest) {
  absl::StatusOr<Geometry> g = FindPreset("slc-2k-128m");  // 128 KiB blocks, 1024 of them
  ASSERT_TRUE(g.ok());
  absl::StatusOr<std::vector<PartitionSpec>> p =
      ParsePartitionString("flashfault:1m(boot)ro,0x800000@1M(ker:nel),-(ubi)", *g);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->size(), 3u);
  EXPECT_EQ((*p)[0], (PartitionSpec{"boot", 0, 8}));
  EXPECT_EQ((*p)[1], (PartitionSpec{"ker:nel", 8, 64}));
  EXPECT_EQ((*p)[2], (PartitionSpec{"ubi", 72, 952}));
  EXPECT_FALSE(ParsePartitionString("", *g).ok());
  EXPECT_FALSE(ParsePartitionString("1m()", *g).ok());
  EXPECT_FALSE(ParsePartitionString("1m(a", *g).ok());
  EXPECT_FALSE(ParsePartitionString("99999999999999999999(a)", *g).ok());
}

}  // namespace
}  // namespace flashfault
