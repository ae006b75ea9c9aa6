// Crash-state selection and signatures: same seed -> same states, shards
// split the space exactly, ids round-trip, and signatures group what is
// the same message and split what is not.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "harness/campaign/crash_states.h"
#include "harness/campaign/signature.h"

namespace flashfault::campaign {
namespace {

using Kind = RecordedOp::Kind;

// 40 ops: a read, a write, an erase, a write, ... plus a sync-like op.
std::vector<RecordedOp> Ops() {
  std::vector<RecordedOp> ops;
  for (uint64_t i = 0; i < 40; ++i) {
    const Kind k = i % 4 == 0 ? Kind::kRead : i % 4 == 2 ? Kind::kErase : Kind::kWrite;
    ops.push_back({i, k});
  }
  return ops;
}

SelectionOptions Options(absl::string_view mode, Inside inside, uint64_t seed = 7) {
  SelectionOptions o;
  o.mode = *ParseExploreMode(mode);
  o.inside = inside;
  o.seed = seed;
  return o;
}

TEST(CrashStatesTest, ReadsMakeNoStatesAndInsideAddsVariants) {
  const std::vector<RecordedOp> ops = Ops();
  const auto none = SelectCrashStates(ops, Options("exhaustive", Inside::kNone));
  EXPECT_EQ(none.size(), 30u);  // 40 ops minus 10 reads
  for (const CrashState& s : none) {
    EXPECT_NE(s.op % 4, 0u) << "a cut during a read is the boundary before it";
    EXPECT_EQ(s.variant, CrashVariant::kBoundary);
    EXPECT_EQ(s.torn_fraction(), 0.0);
  }
  EXPECT_EQ(SelectCrashStates(ops, Options("exhaustive", Inside::kTorn)).size(), 60u);
  EXPECT_EQ(SelectCrashStates(ops, Options("exhaustive", Inside::kAll)).size(), 90u);
  EXPECT_EQ(CountCrashStates(ops, Options("exhaustive", Inside::kAll)), 90u);
}

TEST(CrashStatesTest, SameSeedSameStatesOtherSeedOtherTears) {
  const std::vector<RecordedOp> ops = Ops();
  const auto a = SelectCrashStates(ops, Options("sample:12", Inside::kAll, 5));
  const auto b = SelectCrashStates(ops, Options("sample:12", Inside::kAll, 5));
  const auto c = SelectCrashStates(ops, Options("sample:12", Inside::kAll, 6));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  ASSERT_EQ(a.size(), 12u);
  for (size_t i = 1; i < a.size(); ++i) EXPECT_LE(a[i - 1].op, a[i].op);
  for (const CrashState& s : a) {
    if (s.variant == CrashVariant::kBoundary) continue;
    EXPECT_GT(s.torn_fraction(), 0.0);
    EXPECT_LT(s.torn_fraction(), 1.0);
  }
}

TEST(CrashStatesTest, EveryKAndWindow) {
  const std::vector<RecordedOp> ops = Ops();
  SelectionOptions o = Options("every:3", Inside::kNone);
  const auto every = SelectCrashStates(ops, o);
  EXPECT_EQ(every.size(), 10u);  // 30 boundaries, every third
  EXPECT_EQ(every[0].op, 1u);
  EXPECT_EQ(every[1].op, 5u);
  o = Options("exhaustive", Inside::kNone);
  o.first_op = 10;
  o.last_op = 19;
  for (const CrashState& s : SelectCrashStates(ops, o)) {
    EXPECT_GE(s.op, 10u);
    EXPECT_LE(s.op, 19u);
  }
}

TEST(CrashStatesTest, ShardsAreDisjointAndComplete) {
  const std::vector<RecordedOp> ops = Ops();
  SelectionOptions o = Options("exhaustive", Inside::kTorn);
  const auto whole = SelectCrashStates(ops, o);
  std::set<std::string> seen;
  size_t total = 0;
  for (uint32_t i = 1; i <= 3; ++i) {
    o.shard = {i, 3};
    for (const CrashState& s : SelectCrashStates(ops, o)) {
      EXPECT_TRUE(seen.insert(s.Id()).second) << s.Id() << " in two shards";
      ++total;
    }
  }
  EXPECT_EQ(total, whole.size());
}

TEST(CrashStatesTest, IdsRoundTripAndBadIdsAreRefused) {
  for (const CrashState& s : SelectCrashStates(Ops(), Options("exhaustive", Inside::kAll))) {
    absl::StatusOr<CrashState> back = ParseCrashStateId(s.Id());
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, s);
  }
  for (const char* bad : {"", "op", "opx", "op12.torn", "op12.boundary.s1", "op12.torn.s0",
                          "op12.torn.sx", "op12.melted.s3", "12"}) {
    EXPECT_FALSE(ParseCrashStateId(bad).ok()) << bad;
  }
}

TEST(CrashStatesTest, FlagParsers) {
  EXPECT_FALSE(ParseExploreMode("every:0").ok());
  EXPECT_FALSE(ParseExploreMode("every:").ok());
  EXPECT_FALSE(ParseExploreMode("random").ok());
  EXPECT_EQ(ParseExploreMode("sample:5")->n, 5u);
  EXPECT_FALSE(ParseShard("0/3").ok());
  EXPECT_FALSE(ParseShard("4/3").ok());
  EXPECT_FALSE(ParseShard("3").ok());
  EXPECT_EQ(ParseShard("2/3")->index, 2u);
  EXPECT_FALSE(ParseInside("some").ok());
}

TEST(SignatureTest, NormalisationGroupsTheSameMessage) {
  const std::string a = NormaliseLogLine(
      "[   12.345678] UBIFS error (ubi0:0 pid 112): ubifs_read_node: bad node type (7 but expected 9)");
  const std::string b = NormaliseLogLine(
      "[  401.000001] UBIFS error (ubi1:3 pid 9): ubifs_read_node: bad node type (2 but expected 1)");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, "UBIFS error (ubiN:N pid N): ubifs_read_node: bad node type (N but expected N)");
  EXPECT_EQ(NormaliseLogLine("[ 3.1]  RIP: 0010:ubi_io_read+0x1c/0x40 [ubi]"),
            "RIP: N:ubi_io_read+ADDR/ADDR [ubi]");
  EXPECT_EQ(NormaliseLogLine("page at ffff8880deadbeef"), "page at ADDR");
  EXPECT_NE(NormaliseLogLine("UBI assert failed in ubi_io_read at 122"),
            NormaliseLogLine("UBI assert failed in ubi_eba_read_leb at 122"));
}

// The classifier's verdict, as log_classifier.h parses it: which kinds it
// saw and the first line of each.
Classification Classified(const std::map<std::string, std::string>& first_by_kind) {
  Classification c;
  for (const auto* kinds : {&BugKinds(), &ErrorKinds()}) {
    for (const std::string& k : *kinds) c.counts[k] = 0;
  }
  for (const auto& [kind, line] : first_by_kind) {
    c.counts[kind] = 1;
    c.first[kind].line = line;
  }
  return c;
}

TEST(SignatureTest, KeyLineIsTheEarliestBugThenTheEarliestErrorAndIdsAreStable) {
  const std::vector<std::string> log = {
      "[1.0] UBIFS error (ubi0:0 pid 5): ubifs_recover_leb: corrupt empty space LEB 3:0",
      "[1.1] UBI assert failed in ubi_io_read at 122",
      "[1.2] WARNING: CPU: 0 PID: 5 at fs/ubifs/io.c:99 ubifs_wbuf_sync+0x1/0x2",
      "[1.3] UBI error: ubi_io_read: error -74"};
  // A bug beats an error line even when the error came first; among bugs,
  // the one reported first wins whatever the kinds' list order.
  const Classification c = Classified({{"ubifs_errors", log[0]}, {"warning", log[2]},
                                       {"ubi_assert", log[1]}, {"ubi_errors", log[3]}});
  EXPECT_EQ(KeyLogLine(c, log), log[1]);
  const Signature s = MakeSignature("mount", c, log);
  EXPECT_EQ(s.Text(), "mount | UBI assert failed in ubi_io_read at N");
  EXPECT_EQ(s.Id(), MakeSignature("mount", c, log).Id());
  EXPECT_EQ(s.Id().size(), 12u);
  EXPECT_NE(s.Id(), MakeSignature("oracle:sync.missing", c, log).Id());
  // Without a bug: the error kind seen earliest.
  const Classification errors = Classified({{"ubi_errors", log[3]}, {"ubifs_errors", log[0]}});
  EXPECT_EQ(KeyLogLine(errors, log), log[0]);
  // Lines the classifier did not flag never make a signature.
  EXPECT_EQ(KeyLogLine(Classified({}), log), "");
  EXPECT_EQ(MakeSignature("space", Classified({}), log).Text(), "space");
  EXPECT_EQ(MakeSignature("space").Text(), "space");
}

}  // namespace
}  // namespace flashfault::campaign
