// Unit tests of the oracle's crash rules (crash_rules.h, ORACLE.md): each
// rule on a small op log with fake flash counters and a fabricated observed
// tree, asserting the exact violations; one table walks every op boundary.
#include <errno.h>

#include <set>

#include "harness/campaign/oracle/crash_rules.h"
#include "tests/unit/oracle_test_util.h"

namespace flashfault::oracle {
namespace {

using testing::Before;
using testing::Data;
using testing::During;
using testing::MakeLog;
using testing::Rules;
using testing::Tree;
using testing::V;

nlohmann::json J(const char* text) { return nlohmann::json::parse(text); }

TEST(OracleCutTest, ClassifiesOpsAtEveryBoundary) {
  const OpLog log = MakeLog({{J(R"({"op":"create","path":"a"})")}, {J(R"({"op":"sync"})")}, {J(R"({"op":"sync"})")}});
  absl::StatusOr<OracleModel> o = OracleModel::Build(log, FsProfile::kUbifs);
  ASSERT_TRUE(o.ok());
  struct Row {
    uint64_t cut;
    size_t returned, possible;
  } rows[] = {{0, 0, 0}, {5, 0, 1}, {10, 1, 1}, {11, 1, 2}, {20, 2, 2}, {29, 2, 3}, {30, 3, 3}, {1000, 3, 3}, {kCutEnd, 3, 3}};
  for (const Row& r : rows) {
    const Expectations e = o->ExpectAt(r.cut);
    EXPECT_EQ(e.returned_end, r.returned) << "cut " << r.cut;
    EXPECT_EQ(e.possible_end, r.possible) << "cut " << r.cut;
  }
  const Expectations mid = o->ExpectAt(15);
  EXPECT_EQ(mid.StatusOf(0), OpStatus::kReturned);
  EXPECT_EQ(mid.StatusOf(1), OpStatus::kInFlight);
  EXPECT_EQ(mid.StatusOf(2), OpStatus::kNotStarted);
  EXPECT_EQ(mid.global.state, 0u);
  EXPECT_EQ(o->ExpectAt(20).global.state, 2u);  // the sync at op 1 returned
}

TEST(OracleCutTest, NoCountersMeansEverythingInFlightUnlessEnd) {
  const OpLog log = MakeLog({{J(R"({"op":"create","path":"a"})")}, {J(R"({"op":"sync"})")}}, /*counters=*/false);
  absl::StatusOr<OracleModel> o = OracleModel::Build(log, FsProfile::kUbifs);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->ExpectAt(1000).returned_end, 0u);
  EXPECT_EQ(o->ExpectAt(1000).possible_end, 2u);
  EXPECT_EQ(o->ExpectAt(kCutEnd).returned_end, 2u);
  EXPECT_EQ(Rules(log, 1000, Tree()), V{});                                   // a may be missing
  EXPECT_EQ(Rules(log, kCutEnd, Tree()), V{"sync.missing a"});                // not after the sync
}

// create a; write a; sync; rename a -> b; sync: every boundary, four trees.
TEST(OracleRulesTest, RenameAtEveryBoundary) {
  const OpLog log = MakeLog({{J(R"({"op":"create","path":"a"})")},
                             {J(R"({"op":"write","path":"a","offset":0,"length":100,"seed":1})")},
                             {J(R"({"op":"sync"})")},
                             {J(R"({"op":"rename","from":"a","to":"b"})")},
                             {J(R"({"op":"sync"})")}});
  const std::string x = Data(1, 100);
  const Tree only_a = Tree().File("a", x, 7);
  const Tree only_b = Tree().File("b", x, 7);
  const Tree both = Tree().File("a", x, 7, 0644, 2).File("b", x, 7, 0644, 2);
  const Tree none;
  struct Row {
    uint64_t cut;
    V a, b, both_ubifs, both_jffs2, none;
  };
  const V unexpected_both = {"link.unexpected a", "name.unexpected a", "name.unexpected b"};
  const V b_early = {"name.unexpected b"};
  const V b_early_both = {"link.unexpected a", "name.unexpected b"};
  const Row rows[] = {
      {Before(0), {"name.unexpected a"}, b_early, unexpected_both, unexpected_both, {}},
      {During(0), {"flux.size a"}, b_early, {"flux.size a", "link.unexpected a", "name.unexpected b"},
       {"flux.size a", "link.unexpected a", "name.unexpected b"}, {}},
      {Before(1), {"flux.size a"}, b_early, {"flux.size a", "link.unexpected a", "name.unexpected b"},
       {"flux.size a", "link.unexpected a", "name.unexpected b"}, {}},
      {During(1), {}, b_early, b_early_both, b_early_both, {}},
      {Before(2), {}, b_early, b_early_both, b_early_both, {}},
      {During(2), {}, b_early, b_early_both, b_early_both, {}},
      {Before(3), {}, {"name.unexpected b", "sync.missing a"}, b_early_both, b_early_both, {"sync.missing a"}},
      {During(3), {}, {}, {"rename.both a"}, {}, {"rename.neither a"}},
      {Before(4), {}, {}, {"rename.both a"}, {}, {"rename.neither a"}},
      {During(4), {}, {}, {"rename.both a"}, {}, {"rename.neither a"}},
      {Before(5), {"sync.missing b", "unlink.back a"}, {}, {"rename.both a", "unlink.back a"}, {"rename.both a", "unlink.back a"},
       {"sync.missing b"}},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(::testing::Message() << "cut " << r.cut);
    EXPECT_EQ(Rules(log, r.cut, only_a), r.a);
    EXPECT_EQ(Rules(log, r.cut, only_b), r.b);
    EXPECT_EQ(Rules(log, r.cut, both), r.both_ubifs);
    EXPECT_EQ(Rules(log, r.cut, both, FsProfile::kJffs2), r.both_jffs2);
    EXPECT_EQ(Rules(log, r.cut, none), r.none);
  }
}

TEST(OracleRulesTest, SyncMakesContentExact) {
  const OpLog log = MakeLog({{J(R"({"op":"create","path":"a"})")},
                             {J(R"({"op":"write","path":"a","offset":0,"length":100,"seed":1})")},
                             {J(R"({"op":"sync"})")},
                             {J(R"({"op":"write","path":"a","offset":0,"length":50,"seed":2})")}});
  const std::string v1 = Data(1, 100);
  std::string mixed = Data(2, 50) + v1.substr(50);
  EXPECT_EQ(Rules(log, Before(3), Tree().File("a", v1, 1)), V{});
  EXPECT_EQ(Rules(log, Before(3), Tree()), V{"sync.missing a"});
  EXPECT_EQ(Rules(log, Before(3), Tree().File("a", v1.substr(0, 99), 1)), V{"sync.size a"});
  std::string bad = v1;
  bad[40] = static_cast<char>(bad[40] ^ 0x10);
  EXPECT_EQ(Rules(log, Before(3), Tree().File("a", bad, 1)), V{"sync.data a"});
  std::string zeroed = v1;
  zeroed[40] = 0;  // a hole is not allowed in a durable file
  if (v1[40] != 0) {
    EXPECT_EQ(Rules(log, Before(3), Tree().File("a", zeroed, 1)), V{"sync.data a"});
  }
  // In flight: any mix of the two versions, holes allowed, never garbage.
  EXPECT_EQ(Rules(log, During(3), Tree().File("a", mixed, 1)), V{});
  EXPECT_EQ(Rules(log, During(3), Tree().File("a", std::string(100, '\0'), 1)), V{});
  std::string garbage = mixed;
  int c = 1;
  while (c == static_cast<uint8_t>(v1[10]) || c == static_cast<uint8_t>(Data(2, 50)[10])) ++c;
  garbage[10] = static_cast<char>(c);
  EXPECT_EQ(Rules(log, During(3), Tree().File("a", garbage, 1)), V{"flux.garbage a"});
  EXPECT_EQ(Rules(log, During(3), Tree().File("a", v1 + "x", 1)), V{"flux.size a"});
}

TEST(OracleRulesTest, FsyncCoversDataAndOnUbifsTheCreatingEntry) {
  const OpLog log = MakeLog({{J(R"({"op":"mkdir","path":"d"})")},
                             {J(R"({"op":"create","path":"d/a"})")},
                             {J(R"({"op":"write","path":"d/a","offset":0,"length":300,"seed":3})")},
                             {J(R"({"op":"fsync","path":"d/a"})")},
                             {J(R"({"op":"append","path":"d/a","length":10,"seed":4})")}});
  const std::string v = Data(3, 300);
  const Tree dir_only = Tree().Dir("d", 1);
  EXPECT_EQ(Rules(log, During(3), dir_only), V{});                 // fsync had not returned
  EXPECT_EQ(Rules(log, Before(4), dir_only), V{"fsync.missing d/a"});
  EXPECT_EQ(Rules(log, Before(4), Tree()), V{"fsync.missing d"});   // the new parent too
  EXPECT_EQ(Rules(log, Before(4), dir_only, FsProfile::kJffs2), V{});  // JFFS2: no entry promise
  EXPECT_EQ(Rules(log, Before(4), Tree().Dir("d", 1).File("d/a", v, 2)), V{});
  EXPECT_EQ(Rules(log, Before(4), Tree().Dir("d", 1).File("d/a", v.substr(0, 200), 2)), V{"fsync.size d/a"});
  EXPECT_EQ(Rules(log, Before(4), Tree().Dir("d", 1).File("d/a", std::string(300, '\0'), 2)), V{"fsync.data d/a"});
  // After the append started the file is in flux again, but never older than the fsync.
  EXPECT_EQ(Rules(log, During(4), Tree().Dir("d", 1).File("d/a", v + Data(4, 10), 2)), V{});
  EXPECT_EQ(Rules(log, During(4), Tree().Dir("d", 1).File("d/a", v.substr(0, 100), 2)), V{"flux.size d/a"});
}

TEST(OracleRulesTest, DirectoryFsyncCoversItsEntriesOnBothProfiles) {
  const OpLog log = MakeLog({{J(R"({"op":"mkdir","path":"d"})")},
                             {J(R"({"op":"create","path":"d/f"})")},
                             {J(R"({"op":"create","path":"d/g"})")},
                             {J(R"({"op":"sync"})")},
                             {J(R"({"op":"unlink","path":"d/g"})")},
                             {J(R"({"op":"fsync","path":"d"})")}});
  for (FsProfile p : {FsProfile::kUbifs, FsProfile::kJffs2}) {
    EXPECT_EQ(Rules(log, Before(6), Tree().Dir("d", 1).File("d/f", "", 2).File("d/g", "", 3), p), V{"unlink.back d/g"});
    EXPECT_EQ(Rules(log, During(5), Tree().Dir("d", 1).File("d/f", "", 2).File("d/g", "", 3), p), V{});
    EXPECT_EQ(Rules(log, Before(6), Tree().Dir("d", 1), p), V{"fsync.missing d/f"});
    EXPECT_EQ(Rules(log, Before(5), Tree().Dir("d", 1), p), V{"sync.missing d/f"});
  }
}

TEST(OracleRulesTest, UnlinkAndRmdirMustNotComeBack) {
  const OpLog log = MakeLog({{J(R"({"op":"create","path":"a"})")},
                             {J(R"({"op":"mkdir","path":"d"})")},
                             {J(R"({"op":"sync"})")},
                             {J(R"({"op":"unlink","path":"a"})")},
                             {J(R"({"op":"rmdir","path":"d"})")},
                             {J(R"({"op":"syncfs"})")}});
  const Tree back = Tree().File("a", "", 1).Dir("d", 2);
  EXPECT_EQ(Rules(log, During(5), back), V{});
  EXPECT_EQ(Rules(log, Before(6), back), (V{"unlink.back a", "unlink.back d"}));
  EXPECT_EQ(Rules(log, Before(6), Tree()), V{});
}

TEST(OracleRulesTest, DurableTruncateMustNotComeBack) {
  const OpLog log = MakeLog({{J(R"({"op":"create","path":"t"})")},
                             {J(R"({"op":"write","path":"t","offset":0,"length":1000,"seed":5})")},
                             {J(R"({"op":"sync"})")},
                             {J(R"({"op":"truncate","path":"t","size":101})")},
                             {J(R"({"op":"sync"})")},
                             {J(R"({"op":"truncate","path":"t","size":555})")}});
  const std::string full = Data(5, 1000);
  EXPECT_EQ(Rules(log, During(4), Tree().File("t", full, 1)), V{});
  EXPECT_EQ(Rules(log, Before(5), Tree().File("t", full, 1)), V{"truncate.back t"});
  EXPECT_EQ(Rules(log, Before(5), Tree().File("t", full.substr(0, 101), 1)), V{});
  // Truncated up again (in flight): the new bytes are zero, never the old data.
  std::string up = full.substr(0, 101) + std::string(454, '\0');
  EXPECT_EQ(Rules(log, During(5), Tree().File("t", up, 1)), V{});
  std::string stale = full.substr(0, 555);
  EXPECT_EQ(Rules(log, During(5), Tree().File("t", stale, 1)), V{"truncate.back t"});
}

TEST(OracleRulesTest, RenameOverAnExistingNameKeepsTheTarget) {
  const OpLog log = MakeLog({{J(R"({"op":"create","path":"a"})")},
                             {J(R"({"op":"write","path":"a","offset":0,"length":64,"seed":6})")},
                             {J(R"({"op":"create","path":"b"})")},
                             {J(R"({"op":"write","path":"b","offset":0,"length":32,"seed":7})")},
                             {J(R"({"op":"sync"})")},
                             {J(R"({"op":"rename","from":"a","to":"b"})")}});
  const std::string x = Data(6, 64), y = Data(7, 32);
  EXPECT_EQ(Rules(log, During(5), Tree().File("a", x, 1).File("b", y, 2)), V{});   // before
  EXPECT_EQ(Rules(log, During(5), Tree().File("b", x, 1)), V{});                   // after
  EXPECT_EQ(Rules(log, During(5), Tree().File("a", x, 1)), V{"rename.target-missing b"});
  EXPECT_EQ(Rules(log, During(5), Tree().File("b", y, 2)), V{"rename.neither a"});
  EXPECT_EQ(Rules(log, During(5), Tree().File("b", Data(8, 32), 2)), V{"sync.data b"});
}

TEST(OracleRulesTest, NamesThatNeverExisted) {
  const OpLog log = MakeLog({{J(R"({"op":"create","path":"a"})")},
                             {J(R"({"op":"tmpfile","handle":"h","dir":"."})")},
                             {J(R"({"op":"write","handle":"h","offset":0,"length":10,"seed":9})")},
                             {J(R"({"op":"linkat","handle":"h","path":"n"})")}});
  EXPECT_EQ(Rules(log, kCutEnd, Tree().File("a", "", 1).File("zzz", "", 2)), V{"name.unexpected zzz"});
  const std::string t = Data(9, 10);
  EXPECT_EQ(Rules(log, Before(3), Tree().File("a", "", 1).File("n", t, 2, 0644)), V{"tmpfile.early n"});
  EXPECT_EQ(Rules(log, During(3), Tree().File("a", "", 1).File("n", t, 2, 0644)), V{});
  EXPECT_EQ(Rules(log, During(3), Tree().File("a", "", 1)), V{});
  EXPECT_EQ(Rules(log, During(3), Tree().File("a", "", 1).File("n", "xyz", 2)), V{"flux.garbage n"});
}

TEST(OracleRulesTest, HardLinks) {
  const OpLog log = MakeLog({{J(R"({"op":"create","path":"a"})")},
                             {J(R"({"op":"link","from":"a","to":"b"})")},
                             {J(R"({"op":"create","path":"c"})")},
                             {J(R"({"op":"sync"})")}});
  EXPECT_EQ(Rules(log, kCutEnd, Tree().File("a", "", 1, 0644, 2).File("b", "", 1, 0644, 2).File("c", "", 3)), V{});
  EXPECT_EQ(Rules(log, kCutEnd, Tree().File("a", "", 1).File("b", "", 2).File("c", "", 3)), V{"link.split b"});
  EXPECT_EQ(Rules(log, kCutEnd, Tree().File("a", "", 1, 0644, 1).File("b", "", 1, 0644, 1).File("c", "", 3)),
            V{"link.count a"});
  EXPECT_EQ(Rules(log, kCutEnd, Tree().File("a", "", 1, 0644, 3).File("b", "", 1, 0644, 3).File("c", "", 1, 0644, 3)),
            V{"link.unexpected a"});
}

TEST(OracleRulesTest, ModesTypesSymlinksAndReadErrors) {
  const OpLog log = MakeLog({{J(R"({"op":"create","path":"f","mode":384})")},
                             {J(R"({"op":"mkdir","path":"d"})")},
                             {J(R"({"op":"symlink","target":"f","path":"s"})")},
                             {J(R"({"op":"sync"})")}});
  const Tree good = Tree().File("f", "", 1, 0600).Dir("d", 2).Symlink("s", "f", 3);
  EXPECT_EQ(Rules(log, kCutEnd, good), V{});
  EXPECT_EQ(Rules(log, kCutEnd, Tree().File("f", "", 1, 0644).Dir("d", 2).Symlink("s", "f", 3)), V{"inode.mode f"});
  EXPECT_EQ(Rules(log, kCutEnd, Tree().File("f", "", 1, 0600).File("d", "", 2).Symlink("s", "f", 3)), V{"name.type d"});
  EXPECT_EQ(Rules(log, kCutEnd, Tree().File("f", "", 1, 0600).Dir("d", 2).Symlink("s", "g", 3)), V{"symlink.target s"});
  Tree err = good;
  err.Error("f", EIO);
  EXPECT_EQ(Rules(log, kCutEnd, err), V{"read.error f"});
}

TEST(OracleRulesTest, Xattrs) {
  const OpLog log = MakeLog({{J(R"({"op":"create","path":"f"})")},
                             {J(R"({"op":"setxattr","path":"f","name":"user.k","value":"v1"})")},
                             {J(R"({"op":"sync"})")},
                             {J(R"({"op":"setxattr","path":"f","name":"user.k","value":"v2"})")},
                             {J(R"({"op":"removexattr","path":"f","name":"user.k"})")},
                             {J(R"({"op":"fsync","path":"f"})")}});
  EXPECT_EQ(Rules(log, Before(3), Tree().File("f", "", 1).Xattr("f", "user.k", "v1")), V{});
  EXPECT_EQ(Rules(log, Before(3), Tree().File("f", "", 1)), V{"xattr.missing f"});
  EXPECT_EQ(Rules(log, Before(3), Tree().File("f", "", 1).Xattr("f", "user.k", "v2")), V{"xattr.value f"});
  EXPECT_EQ(Rules(log, Before(3), Tree().File("f", "", 1).Xattr("f", "user.k", "v1").Xattr("f", "user.z", "1")),
            V{"xattr.unexpected f"});
  // In flight: old, new or removed.
  EXPECT_EQ(Rules(log, During(5), Tree().File("f", "", 1).Xattr("f", "user.k", "v2")), V{});
  EXPECT_EQ(Rules(log, During(5), Tree().File("f", "", 1)), V{});
  // fsync returned: removed for good.
  EXPECT_EQ(Rules(log, Before(6), Tree().File("f", "", 1).Xattr("f", "user.k", "v1")), V{"xattr.unexpected f"});
}

TEST(OracleRulesTest, FdatasyncDoesNotPromiseXattrs) {
  const OpLog log = MakeLog({{J(R"({"op":"create","path":"f"})")},
                             {J(R"({"op":"sync"})")},
                             {J(R"({"op":"setxattr","path":"f","name":"user.k","value":"v"})")},
                             {J(R"({"op":"fdatasync","path":"f"})")},
                             {J(R"({"op":"fsync","path":"f"})")}});
  EXPECT_EQ(Rules(log, Before(4), Tree().File("f", "", 1)), V{});
  EXPECT_EQ(Rules(log, Before(5), Tree().File("f", "", 1)), V{"xattr.missing f"});
}

TEST(OracleRulesTest, OpenUnlinkedFileDoesNotComeBack) {
  const OpLog log = MakeLog({{J(R"({"op":"create","path":"f"})")},
                             {J(R"({"op":"write","path":"f","offset":0,"length":80,"seed":10})")},
                             {J(R"({"op":"sync"})")},
                             {J(R"({"op":"open","handle":"h","path":"f"})")},
                             {J(R"({"op":"unlink","path":"f"})")},
                             {J(R"({"op":"write","handle":"h","offset":0,"length":40,"seed":11})")},
                             {J(R"({"op":"fsync","handle":"h"})")},
                             {J(R"({"op":"close","handle":"h"})")},
                             {J(R"({"op":"sync"})")}});
  const std::string old = Data(10, 80), now = Data(11, 40) + old.substr(40);
  EXPECT_EQ(Rules(log, During(5), Tree().File("f", old, 1)), V{});
  EXPECT_EQ(Rules(log, Before(7), Tree().File("f", now, 1)), V{});     // unlink not durable yet
  EXPECT_EQ(Rules(log, Before(7), Tree().File("f", old, 1)), V{"fsync.data f"});  // but the data is
  EXPECT_EQ(Rules(log, Before(9), Tree().File("f", now, 1)), V{"unlink.back f"});
}

TEST(OracleRulesTest, PlantedAssumeDurableFailsACorrectState) {
  const OpLog log = MakeLog({{J(R"({"op":"create","path":"p"})")},
                             {J(R"({"op":"write","path":"p","offset":0,"length":100,"seed":12})")},
                             {J(R"({"op":"sync"})")}},
                            true, {"p"});
  const OpLog honest = MakeLog({{J(R"({"op":"create","path":"p"})")},
                                {J(R"({"op":"write","path":"p","offset":0,"length":100,"seed":12})")},
                                {J(R"({"op":"sync"})")}});
  // A correct filesystem cut before the sync: nothing, or an empty file.
  EXPECT_EQ(Rules(honest, Before(2), Tree()), V{});
  EXPECT_EQ(Rules(honest, Before(2), Tree().File("p", "", 1)), V{});
  EXPECT_EQ(Rules(log, Before(2), Tree()), V{"assumed.missing p"});
  EXPECT_EQ(Rules(log, Before(2), Tree().File("p", "", 1)), V{"assumed.size p"});
  EXPECT_EQ(Rules(log, Before(3), Tree().File("p", Data(12, 100), 1)), V{});
}

TEST(OracleRulesTest, FailedOpsChangeNothing) {
  const OpLog log = MakeLog({{J(R"({"op":"create","path":"a"})")},
                             {J(R"({"op":"unlink","path":"zz"})"), -1, ENOENT},
                             {J(R"({"op":"write","path":"a","offset":0,"length":100,"seed":13})"), 60, 0},
                             {J(R"({"op":"sync"})")}});
  EXPECT_EQ(Rules(log, kCutEnd, Tree().File("a", Data(13, 60), 1)), V{});
  EXPECT_EQ(Rules(log, kCutEnd, Tree().File("a", Data(13, 100), 1)), V{"sync.size a"});
}

TEST(OracleRulesTest, ImpossibleLogIsAnError) {
  const OpLog log = MakeLog({{J(R"({"op":"unlink","path":"nothing"})")}});
  absl::StatusOr<OracleModel> o = OracleModel::Build(log, FsProfile::kUbifs);
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("op 0 (unlink nothing)"), std::string::npos) << o.status();
}

TEST(OracleRulesTest, CatalogueNamesEveryRuleOnce) {
  std::set<absl::string_view> ids;
  for (const auto& [id, words] : RuleCatalogue()) {
    EXPECT_TRUE(ids.insert(id).second) << id;
    EXPECT_FALSE(words.empty());
  }
  EXPECT_GE(ids.size(), 25u);
}

}  // namespace
}  // namespace flashfault::oracle
