// Tests of the workload side of the oracle: the format's errors and round
// trip, the built-ins (every op kind used), the mix generator (same seed,
// same workload), the op log parser, the content stream, and that the schema
// and the docs name what the code has.
#include <fstream>
#include <set>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/campaign/oracle/builtin_workloads.h"
#include "harness/campaign/oracle/content.h"
#include "harness/campaign/oracle/crash_rules.h"
#include "harness/campaign/oracle/mix_generator.h"
#include "harness/campaign/oracle/op_log.h"
#include "harness/campaign/oracle/workload.h"

namespace flashfault::oracle {
namespace {

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ErrorOf(const char* text) {
  absl::StatusOr<Workload> w = ParseWorkloadText(text, "w.json");
  EXPECT_FALSE(w.ok()) << text;
  return w.ok() ? "" : std::string(w.status().message());
}

TEST(WorkloadFormatTest, ErrorsNameTheFileAndJsonPath) {
  EXPECT_EQ(ErrorOf(R"({"name":"x","ops":[{"op":"sync"},{"op":"fly"}]})").substr(0, 27), "w.json: $.ops[1].op: unknow");
  EXPECT_EQ(ErrorOf(R"({"name":"x","ops":[{"op":"write","path":"a","offset":0,"length":1}]})"),
            "w.json: $.ops[0]: \"write\" needs \"seed\"");
  EXPECT_EQ(ErrorOf(R"({"name":"x","ops":[{"op":"unlink","path":"../a"}]})"),
            "w.json: $.ops[0].path: \"../a\": empty, \".\" and \"..\" components are not allowed");
  EXPECT_EQ(ErrorOf(R"({"name":"x","ops":[{"op":"fsync","path":"a","handle":"h"}]})"),
            "w.json: $.ops[0]: \"fsync\" needs exactly one of \"path\" and \"handle\"");
  EXPECT_EQ(ErrorOf(R"({"name":"x","ops":[{"op":"sync","path":"a"}]})"), "w.json: $.ops[0].path: \"sync\" takes no \"path\"");
  EXPECT_EQ(ErrorOf(R"({"name":"x","ops":[{"op":"write","path":"a","offset":-1,"length":1,"seed":1}]})"),
            "w.json: $.ops[0].offset: expected an unsigned integer");
  EXPECT_EQ(ErrorOf(R"({"name":"x","ops":[],"extra":1})"),
            "w.json: $.extra: unknown key (expected name, description, ops, oracle_assume_durable)");
  EXPECT_EQ(ErrorOf(R"({"ops":[]})"), "w.json: $.name: a workload needs a name");
  EXPECT_EQ(ErrorOf(R"({"name":"x","ops":[{"op":"setxattr","path":"a","name":"nodot","value":""}]})"),
            "w.json: $.ops[0].name: an xattr name needs a namespace, like \"user.x\" (at most 255 bytes)");
  EXPECT_THAT(ErrorOf("{"), ::testing::HasSubstr("w.json: not valid JSON: parse error at line 1"));
  EXPECT_EQ(ErrorOf(R"({"name":"x","name":"y","ops":[]})"),
            "w.json: $.name: key given twice in the same object");
}

TEST(WorkloadFormatTest, RoundTripsThroughJson) {
  for (const std::string& name : BuiltinWorkloadNames()) {
    absl::StatusOr<Workload> w = LoadBuiltinWorkload(name, 5, 120);
    ASSERT_TRUE(w.ok()) << name << ": " << w.status();
    const nlohmann::ordered_json j = WorkloadToJson(*w);
    absl::StatusOr<Workload> again = ParseWorkload(nlohmann::json::parse(j.dump()), "again");
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(WorkloadToJson(*again).dump(), j.dump()) << name;
  }
}

TEST(WorkloadFormatTest, BuiltinsTogetherUseEveryOpKind) {
  std::set<OpKind> used;
  for (const std::string& name : BuiltinWorkloadNames()) {
    if (name == "mix") continue;
    absl::StatusOr<Workload> w = LoadBuiltinWorkload(name);
    ASSERT_TRUE(w.ok()) << name << ": " << w.status();
    EXPECT_FALSE(w->description.empty()) << name;
    for (const Op& op : w->ops) used.insert(op.kind);
  }
  for (OpKind k : AllOpKinds()) EXPECT_TRUE(used.count(k)) << OpKindName(k) << " is in no built-in file";
  for (const char* name : {"basic-durability", "rename-atomicity", "truncate-unaligned", "open-unlink",
                           "links-xattrs", "tmpfile-linkat", "eraseblock-crossing", "mix", "planted-unsynced"}) {
    EXPECT_TRUE(LoadBuiltinWorkload(name).ok()) << name;
  }
  absl::StatusOr<Workload> none = LoadBuiltinWorkload("nope");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("rename-atomicity"), absl::string_view::npos);
}

TEST(MixGeneratorTest, SameSeedSameWorkloadAndEveryKind) {
  const std::string a = GenerateMixJson(42, 300).dump(), b = GenerateMixJson(42, 300).dump();
  EXPECT_EQ(a, b);
  EXPECT_NE(a, GenerateMixJson(43, 300).dump());
  for (uint64_t seed : {1, 2, 3, 42, 1000}) {
    absl::StatusOr<Workload> w = GenerateMix(seed, 400);
    ASSERT_TRUE(w.ok()) << w.status();
    EXPECT_EQ(w->ops.size(), 400u);
    std::set<OpKind> used;
    for (const Op& op : w->ops) used.insert(op.kind);
    for (OpKind k : AllOpKinds()) EXPECT_TRUE(used.count(k)) << "seed " << seed << ": no " << OpKindName(k);
  }
  for (uint64_t len : {1, 2, 5, 17}) {
    absl::StatusOr<Workload> w = GenerateMix(7, len);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w->ops.size(), len);
  }
  EXPECT_FALSE(GenerateMix(1, 0).ok());
}

TEST(OpLogTest, ParsesWhatItWritesAndRejectsBrokenLogs) {
  Workload w;
  w.name = "t";
  w.oracle_assume_durable = {"p"};
  LogRecord r;
  r.op.kind = OpKind::kWrite;
  r.op.path = "p";
  r.op.length = 10;
  r.op.seed = 3;
  r.ret = 10;
  r.flash_before = 5;
  r.flash_after = 9;
  const std::string text = LogHeaderJson(w).dump() + "\n" + LogRecordJson(r).dump() + "\n";
  absl::StatusOr<OpLog> log = ParseOpLog(text, "l");
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->workload, "t");
  EXPECT_EQ(log->oracle_assume_durable, std::vector<std::string>{"p"});
  ASSERT_EQ(log->records.size(), 1u);
  EXPECT_EQ(log->records[0].op.seed, 3u);
  EXPECT_EQ(*log->records[0].flash_after, 9u);

  auto error = [](const std::string& t) {
    absl::StatusOr<OpLog> l = ParseOpLog(t, "l");
    return l.ok() ? std::string("ok") : std::string(l.status().message());
  };
  const std::string header = LogHeaderJson(w).dump() + "\n";
  EXPECT_EQ(error(""), "l:1: empty log (no header line)");
  EXPECT_EQ(error(LogRecordJson(r).dump()).substr(0, 30), "l:1: the first line must be th");
  r.index = 1;
  EXPECT_EQ(error(header + LogRecordJson(r).dump()), "l:2: expected index 0, found 1");
  r.index = 0;
  r.flash_after = 4;
  EXPECT_EQ(error(header + LogRecordJson(r).dump()), "l:2: flash_after is smaller than flash_before");
  EXPECT_EQ(error(header + R"({"index":0,"op":"write","args":{"path":"p"},"ret":0,"errno":0})").substr(0, 40),
            "l:2: $.args: \"write\" needs \"offset\"");
}

TEST(ContentTest, StreamIsPositionalAndHashSeesEveryByte) {
  std::vector<uint8_t> whole(1000), part(333);
  FillData(9, 0, whole.data(), whole.size());
  FillData(9, 501, part.data(), part.size());
  for (size_t i = 0; i < part.size(); ++i) ASSERT_EQ(part[i], whole[501 + i]) << i;
  for (size_t i = 0; i < whole.size(); i += 37) EXPECT_EQ(DataByte(9, i), whole[i]);
  std::vector<uint8_t> other(1000);
  FillData(10, 0, other.data(), other.size());
  EXPECT_NE(whole, other);
  std::string s(4096, 'a');
  const uint64_t h = Hash64(s);
  s[4000] = 'b';
  EXPECT_NE(Hash64(s), h);
  EXPECT_NE(Hash64("", 0), Hash64("\0", 1));
}

TEST(WorkloadDocsTest, SchemaAndDocsNameWhatTheCodeHas) {
  const nlohmann::json schema = nlohmann::json::parse(ReadText(FF_SOURCE_DIR "/corpora/schemas/workload.schema.json"));
  std::map<std::string, std::set<std::string>> keys;
  for (const nlohmann::json& alt : schema["$defs"]["op"]["oneOf"]) {
    std::set<std::string>& k = keys[alt["properties"]["op"]["const"].get<std::string>()];
    for (const auto& [key, v] : alt["properties"].items()) k.insert(key);
  }
  for (OpKind kind : AllOpKinds()) EXPECT_TRUE(keys.count(std::string(OpKindName(kind)))) << OpKindName(kind);
  EXPECT_EQ(keys.size(), AllOpKinds().size());
  for (const std::string& name : BuiltinWorkloadNames()) {
    absl::StatusOr<Workload> w = LoadBuiltinWorkload(name, 3, 300);
    ASSERT_TRUE(w.ok());
    for (const Op& op : w->ops) {
      const nlohmann::ordered_json j = OpToJson(op);
      for (auto it = j.begin(); it != j.end(); ++it) {
        EXPECT_TRUE(keys[std::string(OpKindName(op.kind))].count(it.key())) << name << ": " << it.key();
      }
    }
  }
  const std::string oracle_md = ReadText(FF_SOURCE_DIR "/corpora/workloads/ORACLE.md");
  for (const auto& [id, words] : RuleCatalogue()) {
    EXPECT_NE(oracle_md.find(std::string(id)), std::string::npos) << id << " is not in ORACLE.md";
  }
  const std::string readme = ReadText(FF_SOURCE_DIR "/corpora/workloads/README.md");
  for (const std::string& name : BuiltinWorkloadNames()) {
    EXPECT_NE(readme.find("`" + name + "`"), std::string::npos) << name << " is not in README.md";
  }
}

}  // namespace
}  // namespace flashfault::oracle
