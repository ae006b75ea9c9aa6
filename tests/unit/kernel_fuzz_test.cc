// The host- and guest-independent parts of kernel fault fuzzing: the
// channel's framing (round trips and hostile frames), input decoding,
// feature hashing, the delta-debugging minimiser and the survivable-fault
// rule. The guest parts run in e2e_fuzz_stock.
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <thread>

#include "backends/model/presets.h"
#include "gtest/gtest.h"
#include "harness/campaign/fuzz/features.h"
#include "harness/campaign/fuzz/fuzz_input.h"
#include "harness/campaign/fuzz/fuzz_wire.h"
#include "harness/campaign/fuzz/minimize.h"
#include "harness/campaign/fuzz/recovered_data.h"
#include "harness/campaign/oracle/builtin_workloads.h"
#include "harness/campaign/oracle/executor.h"
#include "harness/campaign/oracle/survivable_faults.h"

namespace flashfault::campaign::fuzz {
namespace {

class WireTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds_), 0); }
  void TearDown() override {
    for (int fd : fds_) {
      if (fd >= 0) ::close(fd);
    }
  }
  int fds_[2] = {-1, -1};
};

TEST_F(WireTest, FramesRoundTripInOrder) {
  const std::string big(200000, 'x');  // larger than a socket buffer: written while read
  std::thread writer([&] {
    ASSERT_TRUE(WriteFrame(fds_[0], FrameType::kInput, std::string("\0\1\2", 3)).ok());
    ASSERT_TRUE(WriteFrame(fds_[0], FrameType::kResult, big).ok());
    ASSERT_TRUE(WriteFrame(fds_[0], FrameType::kQuit, "").ok());
  });
  absl::StatusOr<Frame> a = ReadFrame(fds_[1], 5000);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->type, FrameType::kInput);
  EXPECT_EQ(a->body, std::string("\0\1\2", 3));
  absl::StatusOr<Frame> b = ReadFrame(fds_[1], 5000);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->body, big);
  absl::StatusOr<Frame> c = ReadFrame(fds_[1], 5000);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->type, FrameType::kQuit);
  writer.join();
}

// Each on a fresh channel: after a bad frame the stream is out of step,
// and both ends treat the channel as dead.
TEST(WireHostileTest, HostileFramesAreErrorsThatSayWhat) {
  const struct {
    std::string bytes;
    const char* says;
  } cases[] = {
      {std::string("\x00\x00\x00\x00", 4) + "I", "out of range"},     // length 0
      {std::string("\xff\xff\xff\x7f", 4) + "I", "out of range"},     // 2 GiB
      {std::string("\x02\x00\x00\x00", 4) + "Zz", "unknown frame type"},
      {std::string("\x09\x00\x00\x00", 4) + "Rabc", "cut short"},    // then nothing
      {std::string("\x09\x00", 2), "cut short"},                        // half a header
  };
  for (const auto& c : cases) {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    ASSERT_EQ(::write(fds[0], c.bytes.data(), c.bytes.size()), static_cast<ssize_t>(c.bytes.size()));
    ::close(fds[0]);  // the peer went away mid-frame
    absl::StatusOr<Frame> f = ReadFrame(fds[1], 1000);
    EXPECT_TRUE(absl::IsDataLoss(f.status())) << f.status();
    EXPECT_NE(f.status().message().find(c.says), std::string::npos) << f.status();
    ::close(fds[1]);
  }
}

// A frame that starts just before the timeout and ends after it is a
// frame, not a broken one (a guest under load sends it in pieces).
TEST_F(WireTest, AFrameThatStartedInTimeMayFinishLater) {
  const std::string frame = std::string("\x04\x00\x00\x00", 4) + "Habc";
  std::thread writer([&] {
    ASSERT_EQ(::write(fds_[0], frame.data(), 2), 2);
    ::usleep(150 * 1000);
    ASSERT_EQ(::write(fds_[0], frame.data() + 2, 3), 3);
    ::usleep(150 * 1000);
    ASSERT_EQ(::write(fds_[0], frame.data() + 5, frame.size() - 5), static_cast<ssize_t>(frame.size() - 5));
  });
  absl::StatusOr<Frame> f = ReadFrame(fds_[1], 100);
  writer.join();
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->type, FrameType::kHello);
  EXPECT_EQ(f->body, "abc");
}

TEST_F(WireTest, TimeoutAndEndOfStreamAreTold) {
  EXPECT_TRUE(absl::IsDeadlineExceeded(ReadFrame(fds_[1], 50).status()));
  ::close(fds_[0]);
  fds_[0] = -1;
  EXPECT_TRUE(absl::IsOutOfRange(ReadFrame(fds_[1], 1000).status()));
}

TEST(FuzzInputTest, HeaderAndStreamSplit) {
  const uint8_t bytes[] = {0x01, 0x34, 0x12, 30, 0xaa, 0xbb};
  const FuzzInput in = DecodeInput(bytes);
  EXPECT_TRUE(in.faults_from_attach);
  EXPECT_EQ(in.mix_seed, 0x1234);
  EXPECT_EQ(in.mix_length, kMinOps + 30 % (kMaxOps - kMinOps + 1));
  EXPECT_EQ(in.stream, (std::vector<uint8_t>{0xaa, 0xbb}));
}

TEST(FuzzInputTest, EveryShortInputIsValid) {
  for (size_t n = 0; n <= kHeaderBytes; ++n) {
    const std::vector<uint8_t> bytes(n, 0xff);
    const FuzzInput in = DecodeInput(bytes);
    EXPECT_TRUE(in.stream.empty());
    EXPECT_GE(in.mix_length, kMinOps);
    EXPECT_LE(in.mix_length, kMaxOps);
    absl::StatusOr<oracle::Workload> w = InputWorkload(in, "mix");
    ASSERT_TRUE(w.ok()) << w.status();
    EXPECT_EQ(w->ops.size(), in.mix_length);
  }
}

TEST(FuzzInputTest, CaseRoundTripsAndNamesBadKeys) {
  FuzzCase c;
  c.script = {{"seed", 3}, {"faults", nlohmann::json::array()}};
  c.workload = *InputWorkload(DecodeInput({}), "mix");
  const nlohmann::json j = CaseToJson(c);
  absl::StatusOr<FuzzCase> back = CaseFromJson(j, "t");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->workload.ops.size(), c.workload.ops.size());
  nlohmann::json bad = j;
  bad["extra"] = 1;
  EXPECT_NE(CaseFromJson(bad, "t").status().message().find("$.extra"), std::string::npos);
  bad = j;
  bad["workload"]["ops"][0]["op"] = "teleport";
  EXPECT_NE(CaseFromJson(bad, "t").status().message().find("$.workload"), std::string::npos);
}

TEST(FeaturesTest, EdgesNotPcsAndHostileListsSkipped) {
  FeatureSet a, b;
  const uint64_t ab[] = {1, 2, 3};
  const uint64_t ba[] = {2, 1, 3};
  a.AddKcovEdges(ab);
  b.AddKcovEdges(ba);
  EXPECT_NE(a.ToJson(), b.ToJson());  // the same PCs in another order: other edges
  FeatureSet logs;
  const std::string lines[] = {"[ 1.0] UBIFS error (ubi0:0 pid 7): bad node at LEB 3:128",
                               "[ 9.5] UBIFS error (ubi0:0 pid 9): bad node at LEB 12:4096"};
  logs.AddLogLines(lines);
  ASSERT_EQ(logs.size(), 1u);  // one template
  EXPECT_EQ(logs.ToJson()[0][1], 2);
  const nlohmann::json hostile = nlohmann::json::parse(
      R"([[1, 2], [70000, 1], ["x", 1], [3], -1, [4, -2], [5, 99999999999]])");
  const std::map<uint32_t, uint32_t> kept = FeatureSet::FromJson(hostile);
  EXPECT_EQ(kept, (std::map<uint32_t, uint32_t>{{1, 2}, {5, UINT32_MAX}}));
}

TEST(MinimizeTest, DeltaDebugFindsTheTwoThatMatter) {
  size_t budget = 1000;
  const Subset s = DeltaDebug(
      40, [](const Subset& x) {
        return std::find(x.begin(), x.end(), 7) != x.end() &&
               std::find(x.begin(), x.end(), 31) != x.end();
      },
      &budget);
  EXPECT_EQ(s, (Subset{7, 31}));
  EXPECT_LT(budget, 1000u);
}

TEST(MinimizeTest, BudgetBoundsTheTestsAndKeepsAFailingSet) {
  size_t budget = 5, calls = 0;
  const Subset s = DeltaDebug(
      64, [&](const Subset& x) {
        ++calls;
        return std::find(x.begin(), x.end(), 50) != x.end();
      },
      &budget);
  EXPECT_EQ(calls, 5u);
  EXPECT_EQ(budget, 0u);
  EXPECT_NE(std::find(s.begin(), s.end(), 50), s.end());
}

TEST(MinimizeTest, CaseLosesFaultsAndOpsThatDoNotMatter) {
  FuzzCase c;
  c.script = {{"seed", 1}, {"faults", nlohmann::json::array()}};
  for (int i = 0; i < 6; ++i) c.script["faults"].push_back({{"id", "f" + std::to_string(i)}});
  c.workload = *oracle::LoadBuiltinWorkload("mix", 4, 12);
  const std::string needed_op_path = c.workload.ops[5].path;
  auto fails = [&](const FuzzCase& x) {
    bool fault = false, op = false;
    for (const auto& f : x.script["faults"]) fault = fault || f["id"] == "f4";
    for (const oracle::Op& o : x.workload.ops) op = op || o.path == needed_op_path;
    return fault && op;
  };
  MinimizeStats st;
  const FuzzCase small = MinimizeCase(c, fails, 200, &st);
  EXPECT_TRUE(fails(small));
  EXPECT_EQ(small.script["faults"].size(), 1u);
  EXPECT_EQ(st.faults_before, 6u);
  EXPECT_EQ(st.faults_after, 1u);
  EXPECT_LE(st.ops_after, 2u);
  EXPECT_EQ(st.ops_before, 12u);
}

TEST(SurvivableTest, TheRuleSaysWhy) {
  const Geometry g = *FindPreset("slc-2k-16m");
  FaultSpec s;
  for (FaultKind k : {FaultKind::kPowerCut, FaultKind::kProgramFail, FaultKind::kEraseFail,
                      FaultKind::kGrownBad, FaultKind::kFactoryBad, FaultKind::kLatency}) {
    s.kind = k;
    EXPECT_EQ(oracle::WhyNotSurvivable(s, g), "") << FaultKindName(k);
  }
  s.kind = FaultKind::kReadBitflip;
  s.flips = g.ecc_strength;
  EXPECT_EQ(oracle::WhyNotSurvivable(s, g), "");
  s.flips = g.ecc_strength + 1;
  EXPECT_NE(oracle::WhyNotSurvivable(s, g).find("beyond the ECC strength"), std::string::npos);
  for (FaultKind k : {FaultKind::kStuckBit, FaultKind::kSilentCorruption, FaultKind::kFieldMutation,
                      FaultKind::kRetention, FaultKind::kReadDisturb, FaultKind::kWearOut}) {
    s.kind = k;
    EXPECT_NE(oracle::WhyNotSurvivable(s, g), "") << FaultKindName(k);
  }
  s.kind = FaultKind::kStuckBit;
  EXPECT_EQ(oracle::WhyNotSurvivable(s, g, {FaultKind::kStuckBit}), "");  // a planted failure
}

// The judge of a recovered file system, on a directory the real executor
// ran a workload in: what it synced must be there, and space must come back.
TEST(RecoveredDataTest, SyncedDataMustSurviveAndSpaceComeBack) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("ff_recovered." + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "mnt");
  absl::StatusOr<oracle::Workload> w = oracle::LoadBuiltinWorkload("basic-durability");
  ASSERT_TRUE(w.ok()) << w.status();
  oracle::ExecOptions xo;
  xo.root = (dir / "mnt").string();
  xo.log = (dir / "ops.jsonl").string();
  ASSERT_TRUE(oracle::ExecuteWorkload(*w, xo).ok());
  RecoveredDataOptions o{.op_log = xo.log, .fs = "ubifs", .mount_point = xo.root};
  nlohmann::ordered_json r;
  EXPECT_EQ(JudgeRecoveredData(o, r), "") << r.dump();
  // d/b was fdatasync'd, then a sync covered it: losing it is a finding.
  fs::remove(dir / "mnt" / "d" / "b");
  r = nlohmann::ordered_json::object();
  const std::string failed = JudgeRecoveredData(o, r);
  EXPECT_EQ(failed.rfind("oracle:", 0), 0u) << failed;
  ASSERT_TRUE(r.contains("violations"));
  EXPECT_EQ(r["violations"][0]["path"], "d/b");
  // A log that does not load is the tool's problem: no finding, said so.
  o.op_log = (dir / "missing.jsonl").string();
  r = nlohmann::ordered_json::object();
  EXPECT_EQ(JudgeRecoveredData(o, r), "");
  EXPECT_TRUE(r.contains("oracle_skipped"));
  // Space: far less free than the fresh file system had is a leak.
  o.baseline_free = uint64_t{1} << 50;
  r = nlohmann::ordered_json::object();
  EXPECT_EQ(JudgeRecoveredData(o, r), "space");
  EXPECT_GT(r["space"]["missing"].get<uint64_t>(), 0u);
  fs::remove_all(dir);
}

TEST(SurvivableTest, KindListsParseOrNameTheBadWord) {
  absl::StatusOr<std::vector<FaultKind>> k = oracle::ParseSurvivableKinds("stuck_bit,,read_disturb");
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(*k, std::vector<FaultKind>({FaultKind::kStuckBit, FaultKind::kReadDisturb}));
  EXPECT_TRUE(oracle::ParseSurvivableKinds("")->empty());
  const absl::Status bad = oracle::ParseSurvivableKinds("stuck_bit,stuck_bits").status();
  EXPECT_EQ(bad.message(), "'stuck_bits' is not a fault kind");
}

}  // namespace
}  // namespace flashfault::campaign::fuzz
