// Event-log replay: random op sequences with faults (power cuts and power-on
// included) are recorded with payloads and hashes, then ReplayLog must
// rebuild the very state hash the run had after op N; a tampered log or
// payload is detected; `flashfault replay` and `flashfault log` keep their
// exit codes and story format.
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <set>
#include <string>
#include <vector>

#include "backends/model/presets.h"
#include "fault-models/op_interpreter.h"
#include "fault-models/replay/log_story.h"
#include "fault-models/replay/crash_state.h"
#include "fault-models/replay/log_replayer.h"
#include "fault-models/replay/replay_log.h"
#include "fault-models/state_hash.h"
#include "gtest/gtest.h"
#include "tests/unit/model_fixture.h"

namespace flashfault {
namespace {

using testing::SmallGeometry;

FaultSpec Fault(const std::string& id, FaultKind kind) {
  FaultSpec s;
  s.id = id;
  s.kind = kind;
  return s;
}

// Faults that strike often in a short run: noise, charge loss, stuck cells,
// partial program failures and two power cuts.
FaultPlan BusyPlan(uint64_t seed) {
  FaultPlan plan;
  plan.seed = seed;
  FaultSpec noise = Fault("noise", FaultKind::kReadBitflip);
  noise.when.probability = 0.2;
  noise.flips = 3;
  FaultSpec leak = Fault("leak", FaultKind::kChargeLoss);
  leak.when.probability = 0.05;
  leak.flips = 6;
  FaultSpec stuck = Fault("stuck", FaultKind::kStuckBit);
  stuck.flips = 5;
  stuck.where.blocks = Range{2, 5};
  FaultSpec pfail = Fault("pfail", FaultKind::kProgramFail);
  pfail.when.probability = 0.03;
  pfail.program_effect = ProgramFailEffect::kPartial;
  FaultSpec cut1 = Fault("cut1", FaultKind::kPowerCut);
  cut1.when.at_op = 300;
  FaultSpec cut2 = Fault("cut2", FaultKind::kPowerCut);
  cut2.when.ops = kOpErase;
  cut2.when.nth_match = 20;
  cut2.unstable = true;
  plan.faults = {noise, leak, stuck, pfail, cut1, cut2};
  return plan;
}

struct Recorded {
  std::string log;
  std::vector<uint64_t> hash_after;  // StateHash after op i (0 for ops not asked for)
};

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/replay_test_" + std::to_string(::getpid()) + "_" + name;
}

// Runs `count` decoded ops against a recorded layer; the log goes to LOG.
// Records `count` ops of a seeded stream; hashes the state after the ops in
// `hash_ops` (all of them when empty: hashing a whole part per op is what makes
// this slow under the sanitizers).
Recorded Record(const std::string& log, const FaultPlan& plan, uint32_t seed, size_t count,
                uint64_t hash_every, const std::set<uint64_t>& hash_ops = {}) {
  const Geometry g = SmallGeometry();
  std::FILE* lf = std::fopen(log.c_str(), "wb");
  std::FILE* pf = std::fopen((log + ".data").c_str(), "wb");
  Recorded rec;
  rec.log = log;
  {
    JsonlEventSink sink(lf);
    const std::string payload_name = log.substr(log.rfind('/') + 1) + ".data";
    auto layer = CreateRecordedLayer(testing::MakeModel(g), plan, sink, pf, payload_name,
                                     hash_every);
    EXPECT_TRUE(layer.ok()) << layer.status();
    FaultLayer& l = **layer;
    OpInterpreter interp(l, {.power_on = [&] { l.PowerOn(); },
                             .advance_clock = [&](uint64_t us) { l.AdvanceClock(us); }});
    std::mt19937 rng(seed);
    std::vector<uint8_t> bytes(count * 12);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    ByteReader r(bytes);
    while (l.op_count() < count) {
      std::optional<InterpOp> op = DecodeOp(r, g);
      if (!op) break;
      const uint64_t before = l.op_count();
      interp.Run(*op);
      if (l.op_count() == before) continue;
      const bool wanted = hash_ops.empty() || hash_ops.count(rec.hash_after.size()) != 0;
      rec.hash_after.push_back(wanted ? StateHash(l) : 0);
    }
    sink.WriteStateHash(static_cast<int64_t>(l.op_count()) - 1);
    EXPECT_TRUE(sink.Flush().ok());
  }
  std::fclose(lf);
  std::fclose(pf);
  return rec;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& s) {
  std::ofstream(path, std::ios::binary) << s;
}

TEST(ReplayTest, RebuildsTheStateHashAfterAnyOp) {
  const std::set<uint64_t> checked = {0, 63, 100, 299, 300, 301, 1023, 1500, 1999};
  for (uint32_t seed : {1u, 2u, 3u}) {
    const std::string log = TempPath("run" + std::to_string(seed) + ".jsonl");
    const Recorded rec = Record(log, BusyPlan(seed), seed, 2000, 64, checked);
    ASSERT_EQ(rec.hash_after.size(), 2000u);
    const std::string text = ReadFile(log);
    // The run did what the test is about.
    EXPECT_NE(text.find("\"do\":\"power_on\""), std::string::npos);
    EXPECT_NE(text.find("\"kind\":\"power_cut\""), std::string::npos);
    EXPECT_NE(text.find("\"kind\":\"stuck_bit\""), std::string::npos);
    EXPECT_NE(text.find("\"status\":\"unavailable\""), std::string::npos);
    for (uint64_t n : checked) {
      absl::StatusOr<ReplayResult> r = ReplayLog(log, n);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->last_op, static_cast<int64_t>(n));
      EXPECT_EQ(r->hash, rec.hash_after[n]) << "seed " << seed << " op " << n;
      if (n < 63) {
        EXPECT_FALSE(r->verified_at.has_value());  // the first hash is after op 63
        continue;
      }
      ASSERT_TRUE(r->verified_at.has_value());
      EXPECT_LE(*r->verified_at, static_cast<int64_t>(n));
      EXPECT_GT(*r->verified_at + 64, static_cast<int64_t>(n));
    }
    // The final hash line covers the last op.
    absl::StatusOr<ReplayResult> all = ReplayLog(log, UINT64_MAX);
    ASSERT_TRUE(all.ok()) << all.status();
    EXPECT_EQ(all->verified_at, 1999);
    EXPECT_TRUE(all->log_ended);
  }
}

TEST(ReplayTest, DetectsATamperedLog) {
  const std::string log = TempPath("tamper.jsonl");
  Record(log, BusyPlan(5), 5, 600, 50);
  const std::string text = ReadFile(log);

  // A changed hash.
  const size_t at = text.find("\"state\":\"") + 9;
  std::string bad = text;
  bad[at] = bad[at] == '0' ? '1' : '0';
  WriteFile(log, bad);
  absl::StatusOr<ReplayResult> r = ReplayLog(log, 599);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << r.status();
  EXPECT_NE(r.status().message().find("state hash after op 49"), std::string::npos)
      << r.status();

  // A changed payload byte: the data programmed differs, so does the hash.
  WriteFile(log, text);
  std::string payload = ReadFile(log + ".data");
  ASSERT_GT(payload.size(), 100u);
  payload[40] = static_cast<char>(payload[40] ^ 0x10);
  WriteFile(log + ".data", payload);
  r = ReplayLog(log, 599);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << r.status();
}

TEST(ReplayTest, RejectsLogsWithoutReplayData) {
  const std::string log = TempPath("plain.jsonl");
  {
    std::FILE* f = std::fopen(log.c_str(), "wb");
    JsonlEventSink sink(f);
    auto layer = FaultLayer::Create(testing::MakeModel(SmallGeometry()), FaultPlan{},
                                    FaultLayerOptions{.sink = &sink, .sleeper = nullptr});
    ASSERT_TRUE(layer.ok());
    ASSERT_TRUE((*layer)->Sync().ok());
    ASSERT_TRUE(sink.Flush().ok());
    std::fclose(f);
  }
  absl::StatusOr<ReplayResult> r = ReplayLog(log, 0);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("without replay data"), std::string::npos) << r.status();
  EXPECT_EQ(ReplayLog(TempPath("missing.jsonl"), 0).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ReplayTest, StoryNamesOpsAndFaults) {
  const Geometry g = SmallGeometry();
  std::string log;
  {
    JsonlEventSink sink(&log);
    FaultPlan plan;
    plan.seed = 9;
    FaultSpec weak = Fault("weak", FaultKind::kChargeLoss);
    weak.flips = 3;
    weak.when.at_op = 1;
    plan.faults = {weak};
    auto layer = FaultLayer::Create(testing::MakeModel(g), plan,
                                    FaultLayerOptions{.sink = &sink, .sleeper = nullptr});
    ASSERT_TRUE(layer.ok());
    FaultLayer& l = **layer;
    std::vector<uint8_t> data(g.page_size, 0x00), back(g.page_size);
    const uint64_t addr = g.block_size() * 1 + g.page_size * 3;
    ASSERT_TRUE(l.Write({.addr = addr}, data, {}).ok());
    ASSERT_TRUE(l.Read({.addr = addr}, back, {}).ok());
    ASSERT_TRUE(l.Erase(g.block_size() * 2, g.block_size()).ok());
    ASSERT_TRUE(sink.Flush().ok());
  }
  std::istringstream in(log);
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* out = open_memstream(&buf, &len);
  ASSERT_TRUE(PrintStory(in, "log", {}, out).ok());
  std::fclose(out);
  const std::string story(buf, len);
  std::free(buf);
  EXPECT_NE(story.find("run: seed 9, geometry slc-2k-test16, faults: weak"), std::string::npos)
      << story;
  EXPECT_NE(story.find("op 0: write 2048 B at addr 137216 -> ok"), std::string::npos) << story;
  EXPECT_NE(story.find("op 1: read 2048 B at addr 137216 -> ok, 3 bitflips corrected; fault "
                       "'weak' (charge_loss) lost 3 bits at block 1 page 3 (bits "),
            std::string::npos)
      << story;
  EXPECT_NE(story.find("op 2: erase addr 262144 -> ok"), std::string::npos) << story;

  // Faults only, and an op window.
  std::istringstream in2(log);
  out = open_memstream(&buf, &len);
  ASSERT_TRUE(PrintStory(in2, "log", {.faults_only = true, .from = {}, .to = {}}, out).ok());
  std::fclose(out);
  const std::string faults(buf, len);
  std::free(buf);
  EXPECT_EQ(faults.find("op 0:"), std::string::npos) << faults;
  EXPECT_NE(faults.find("op 1: read"), std::string::npos) << faults;

  std::istringstream broken("{\"t\":\"op\"}\nnot json\n");
  EXPECT_EQ(PrintStory(broken, "x.jsonl", {}, stdout).code(), absl::StatusCode::kInvalidArgument);
}

int RunCli(const std::string& args, std::string* out) {
  const std::string cmd = std::string(FF_FLASHFAULT_BIN) + " " + args + " 2>&1";
  std::FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  const int status = pclose(p);
  return WEXITSTATUS(status);
}

TEST(ReplayCliTest, ReplayAndLogCommands) {
  const std::string log = TempPath("cli.jsonl");
  Record(log, BusyPlan(11), 11, 400, 100);
  std::string out;
  EXPECT_EQ(RunCli("replay " + log + " --until 199 --image " + log + ".img", &out), 0) << out;
  EXPECT_NE(out.find("state hash at op 199: "), std::string::npos) << out;
  EXPECT_NE(out.find("(matches the log)"), std::string::npos) << out;
  const Geometry g = SmallGeometry();
  EXPECT_EQ(ReadFile(log + ".img").size(),
            uint64_t{g.page_size + g.oob_size} * g.pages_per_block * g.block_count);

  out.clear();
  EXPECT_EQ(RunCli("log " + log + " --faults-only --to 350", &out), 0) << out;
  EXPECT_NE(out.find("fault 'cut1' (power_cut)"), std::string::npos) << out;

  // Tampered: exit 3.
  std::string text = ReadFile(log);
  const size_t at = text.find("\"state\":\"") + 9;
  text[at] = text[at] == 'a' ? 'b' : 'a';
  WriteFile(log, text);
  out.clear();
  EXPECT_EQ(RunCli("replay " + log + " --until 399", &out), 3) << out;
  out.clear();
  EXPECT_EQ(RunCli("replay", &out), 2) << out;
}

// Crash states: a boundary cut before op N is exactly the replayed state
// after op N-1; one cursor walked forward over many states gives the same
// cells as a fresh replay per state, on one target reused for every state
// (only changed blocks are copied) even when the check wrote to it; a torn
// write differs from both of its neighbours and is the same for the same seed.
TEST(CrashStateTest, BoundariesEqualReplayAndTearsAreSeeded) {
  const std::string log = TempPath("crash.jsonl");
  FaultPlan quiet;
  quiet.seed = 11;
  const Recorded rec = Record(log, quiet, 5, 600, 50);
  ASSERT_EQ(rec.hash_after.size(), 600u);
  absl::StatusOr<std::vector<LoggedOp>> ops = LogReplayer::ScanOps(log);
  ASSERT_TRUE(ops.ok()) << ops.status();
  ASSERT_EQ(ops->size(), 600u);

  auto target = FaultLayer::Create(testing::MakeModel(testing::SmallGeometry()), FaultPlan{});
  ASSERT_TRUE(target.ok());
  absl::StatusOr<std::unique_ptr<LogReplayer>> cursor = LogReplayer::Open(log);
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  int torn_checked = 0;
  for (const LoggedOp& op : *ops) {
    if (op.index == 0 || op.index % 7 != 0) continue;
    ASSERT_TRUE(MaterialiseCrashState(**cursor, {.op = op.index}, FaultPlan{}, **target).ok());
    EXPECT_EQ(ModelStateHash((*target)->model()), ModelStateHash(
        ReplayLog(log, op.index - 1)->layer->model())) << "boundary before op " << op.index;
    // What a check does to the served part (the kernel attaches, mounts,
    // writes, erases) must not leak into the next state: scribble on it.
    if (NandModel& m = (*target)->model();
        !m.BlockIsBad(static_cast<uint32_t>(op.index % m.geometry().block_count))) {
      const uint64_t block = m.geometry().block_size();
      const uint32_t b = static_cast<uint32_t>(op.index % m.geometry().block_count);
      ASSERT_TRUE(m.Erase(b * block, block).ok());
      ASSERT_TRUE(m.Write({.addr = b * block}, std::vector<uint8_t>(512, 0x5A), {}).ok());
      std::vector<uint8_t> page(m.geometry().page_size);
      (void)m.Read({.addr = ((b + 1) % m.geometry().block_count) * block}, page, {});
    }
    if (op.op != "write" || torn_checked >= 5) continue;
    // A write that changes cells: its torn state lies between its neighbours.
    const uint64_t before = ModelStateHash((*target)->model());
    const uint64_t after = ModelStateHash(ReplayLog(log, op.index)->layer->model());
    if (before == after) continue;
    const CrashCut cut{.op = op.index, .torn_fraction = 0.5, .unstable = false, .seed = 99};
    ASSERT_TRUE(MaterialiseCrashState(log, cut, FaultPlan{}, **target).ok());
    const uint64_t torn = ModelStateHash((*target)->model());
    EXPECT_NE(torn, before) << "op " << op.index;
    EXPECT_NE(torn, after) << "op " << op.index;
    ASSERT_TRUE(MaterialiseCrashState(log, cut, FaultPlan{}, **target).ok());
    EXPECT_EQ(ModelStateHash((*target)->model()), torn) << "same seed, same tear";
    EXPECT_TRUE((*target)->powered());
    ++torn_checked;
  }
  EXPECT_GT(torn_checked, 0);
  // The cursor only goes forward; an op past the log is out of range.
  EXPECT_EQ(MaterialiseCrashState(**cursor, {.op = 7}, FaultPlan{}, **target).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(MaterialiseCrashState(log, {.op = 100000}, FaultPlan{}, **target).code(),
            absl::StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace flashfault
