// Byte-stream fault source: the reader's FuzzedDataProvider conventions,
// determinism (same stream + same ops => same faults, byte for byte in the
// event log), and the exported JSON script reproducing the same faults when
// run from the start through FaultLayer::Create.
#include <bit>
#include <random>
#include <utility>
#include <string>
#include <vector>

#include "backends/model/presets.h"
#include "fault-models/event_sink.h"
#include "fault-models/op_interpreter.h"
#include "fault-models/script/fault_script.h"
#include "fault-models/state_hash.h"
#include "fault-models/stream/byte_stream_source.h"
#include "gtest/gtest.h"
#include "tests/unit/model_fixture.h"

namespace flashfault {
namespace {

using testing::SmallGeometry;

std::vector<uint8_t> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

// The ops an op stream decodes to (independent of the device's answers).
std::vector<InterpOp> DecodeAll(const std::vector<uint8_t>& bytes, const Geometry& g) {
  ByteReader r(bytes);
  std::vector<InterpOp> ops;
  while (auto op = DecodeOp(r, g)) ops.push_back(*op);
  return ops;
}

// Runs `ops` on a layer with `plan`, optionally through a stream source;
// returns the event log without its start line.
struct RunResult {
  std::string log;
  FaultPlan decided;
  uint64_t injected = 0;
};

RunResult Execute(const Geometry& g, const FaultPlan& plan, const std::vector<InterpOp>& ops,
            const std::vector<uint8_t>* stream) {
  std::string log;
  JsonlEventSink sink(&log);
  auto layer = FaultLayer::Create(testing::MakeModel(g), plan,
                                  FaultLayerOptions{.sink = &sink, .sleeper = [](uint64_t) {}});
  EXPECT_TRUE(layer.ok()) << layer.status();
  FaultLayer& l = **layer;
  std::optional<ByteStreamSource> source;
  std::optional<StreamFaultDevice> dev;
  FlashDevice* target = &l;
  if (stream != nullptr) {
    source.emplace(*stream, plan.seed, g);
    dev.emplace(l, *source);
    target = &*dev;
  }
  OpInterpreter interp(*target, {.power_on = [&] { l.PowerOn(); },
                                 .advance_clock = [&](uint64_t us) { l.AdvanceClock(us); }});
  for (const InterpOp& op : ops) interp.Run(op);
  EXPECT_TRUE(sink.Flush().ok());
  RunResult run;
  run.log = log.substr(log.find('\n') + 1);
  if (source) run.decided = source->plan();
  for (const FaultStats& s : l.stats()) run.injected += s.injected;
  return run;
}

TEST(ByteReaderTest, IntegersFromTheEndBytesFromTheFront) {
  const std::vector<uint8_t> in = {1, 2, 3, 0x12, 0x34};
  ByteReader r(in);
  EXPECT_EQ(r.Integral<uint16_t>(), 0x3412);  // last byte is the least significant
  auto front = r.Bytes(2);
  ASSERT_EQ(front.size(), 2u);
  EXPECT_EQ(front[0], 1);
  EXPECT_EQ(r.remaining(), 1u);
  EXPECT_EQ(r.IntegralInRange<uint8_t>(0, 1), 1);  // 3 % 2
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.Integral<uint32_t>(), 0u);  // exhausted: zeros, never an error
  EXPECT_TRUE(r.Bytes(4).empty());
  EXPECT_EQ(r.IntegralInRange<int>(5, 9), 5);
}

// IntegralInRange takes exactly the bytes FuzzedDataProvider's loop takes:
// checked against that loop, for every width of range and short inputs.
TEST(ByteReaderTest, TakesAsManyBytesAsFuzzedDataProvider) {
  auto reference = [](const std::vector<uint8_t>& in, size_t& size, uint64_t min, uint64_t max,
                      size_t type_bytes) {
    const uint64_t range = max - min;
    uint64_t result = 0;
    size_t offset = 0;
    while (offset < type_bytes * 8 && (range >> offset) > 0 && size != 0) {
      --size;
      result = (result << 8) | in[size];
      offset += 8;
    }
    if (range != ~uint64_t{0}) result = result % (range + 1);
    return min + result;
  };
  std::mt19937_64 rng(9);
  for (int round = 0; round < 2000; ++round) {
    std::vector<uint8_t> in(rng() % 12);
    for (auto& b : in) b = static_cast<uint8_t>(rng());
    ByteReader r(in);
    size_t size = in.size();
    for (int k = 0; k < 4; ++k) {
      const int bits = static_cast<int>(rng() % 65);
      const uint64_t max = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1 - rng() % 2;
      if (bits <= 8 && max <= 0xFF) {
        EXPECT_EQ(r.IntegralInRange<uint8_t>(0, static_cast<uint8_t>(max)),
                  reference(in, size, 0, max, 1));
      } else if (bits <= 32 && max <= 0xFFFFFFFF) {
        EXPECT_EQ(r.IntegralInRange<uint32_t>(0, static_cast<uint32_t>(max)),
                  reference(in, size, 0, max, 4));
      } else {
        EXPECT_EQ(r.IntegralInRange<uint64_t>(0, max), reference(in, size, 0, max, 8));
      }
      EXPECT_EQ(r.remaining(), size);
    }
  }
}

// Op names are printed (OpToJson, the fuzzer's reproducers) and the device
// ops' are OpName's: each code keeps its spelling, the device ops the same
// as the event log's.
TEST(OpInterpreterTest, OpCodeNamesMatchTheLogAndStayFixed) {
  const std::pair<OpCode, const char*> kNames[] = {
      {OpCode::kRead, "read"},       {OpCode::kWrite, "write"}, {OpCode::kErase, "erase"},
      {OpCode::kIsBad, "isbad"},     {OpCode::kMarkBad, "markbad"}, {OpCode::kSync, "sync"},
      {OpCode::kPowerOn, "power_on"}, {OpCode::kClock, "clock"},
  };
  for (const auto& [code, name] : kNames) EXPECT_STREQ(OpCodeName(code), name);
  for (uint32_t bit = kOpRead; bit <= kOpSync; bit <<= 1) {
    EXPECT_EQ(OpFromName(OpCodeName(static_cast<OpCode>(std::countr_zero(bit)))), bit);
  }
  EXPECT_EQ(OpToJson(InterpOp{.code = OpCode::kErase, .addr = 131072, .len = 131072}),
            "{\"op\":\"erase\",\"addr\":131072,\"len\":131072}");
  EXPECT_EQ(OpToJson(InterpOp{.code = OpCode::kPowerOn}), "{\"op\":\"power_on\"}");
}

TEST(FaultStreamTest, SameStreamSameOpsSameFaults) {
  const Geometry g = SmallGeometry();
  const auto ops = DecodeAll(RandomBytes(30000, 1), g);
  const auto stream = RandomBytes(20000, 2);
  FaultPlan empty;
  empty.seed = 42;
  const RunResult a = Execute(g, empty, ops, &stream);
  const RunResult b = Execute(g, empty, ops, &stream);
  ASSERT_GT(ops.size(), 1000u);
  EXPECT_GT(a.decided.faults.size(), 10u);
  EXPECT_GT(a.injected, 5u);
  EXPECT_EQ(a.decided, b.decided);
  EXPECT_EQ(a.log, b.log);
  EXPECT_NE(a.log.find("\"t\":\"fault\""), std::string::npos);

  // Another stream takes other decisions on the same ops.
  const auto other = RandomBytes(20000, 3);
  const RunResult c = Execute(g, empty, ops, &other);
  EXPECT_NE(a.decided, c.decided);
}

TEST(FaultStreamTest, DecisionsArePinnedToTheirOp) {
  const Geometry g = SmallGeometry();
  const auto stream = RandomBytes(4000, 7);
  ByteStreamSource source(stream, 1, g);
  int aimed = 0, pinned = 0;
  for (uint64_t i = 0; i < 500; ++i) {
    OpView v{.op = kOpRead, .placed = true, .block = static_cast<uint32_t>(i % 16),
             .page = static_cast<uint32_t>(i % 64)};
    const FaultSpec* s = source.Decide(i, v);
    if (s == nullptr) continue;
    EXPECT_EQ(s->when.ops, kOpRead);
    EXPECT_EQ(s->when.max_fires, 1u);
    if (s->where.meaning) {
      // Aimed by meaning: counted from this op, fires on a later one.
      ++aimed;
      EXPECT_EQ(s->when.after_op, i);
      EXPECT_FALSE(s->when.at_op);
      EXPECT_FALSE(s->where.blocks);
      EXPECT_FALSE(CheckAim(*s->where.meaning));
      continue;
    }
    ++pinned;
    EXPECT_EQ(s->when.at_op, i);
    ASSERT_TRUE(s->where.blocks);
    EXPECT_EQ(*s->where.blocks, (Range{i % 16, i % 16}));
    ASSERT_TRUE(s->where.pages);
    EXPECT_EQ(*s->where.pages, (Range{i % 64, i % 64}));
  }
  EXPECT_GT(aimed, 0);
  EXPECT_GT(pinned, aimed);
  // An exhausted stream means no more faults.
  ByteStreamSource none({}, 1, g);
  EXPECT_EQ(none.Decide(0, OpView{.op = kOpWrite, .placed = true, .block = 0, .page = 0}), nullptr);
}

TEST(FaultStreamTest, ExportedScriptReproducesTheSameFaults) {
  const Geometry g = SmallGeometry();
  for (uint32_t seed = 10; seed < 14; ++seed) {
    const auto ops = DecodeAll(RandomBytes(20000, seed), g);
    const auto stream = RandomBytes(8000, seed + 100);
    FaultPlan empty;
    empty.seed = seed;
    const RunResult live = Execute(g, empty, ops, &stream);
    ASSERT_FALSE(live.decided.faults.empty());

    // Through JSON text, as a user would keep it.
    const std::string text = PlanToJson(live.decided, &g).dump(2);
    absl::StatusOr<FaultScript> script = ParseScriptText(text, "exported.json");
    ASSERT_TRUE(script.ok()) << script.status() << "\n" << text.substr(0, 2000);
    EXPECT_EQ(script->plan, live.decided);
    const RunResult replayed = Execute(script->geometry, script->plan, ops, nullptr);
    EXPECT_EQ(replayed.injected, live.injected);
    EXPECT_EQ(replayed.log, live.log) << "seed " << seed;
  }
}

// One session on an existing layer: ops decoded from `op_bytes`, faults from
// `stream`; returns the log written during it and the state hash after each op.
struct Session {
  std::string log;
  std::vector<uint64_t> hashes;
  std::vector<OpOutcome> outcomes;
  FaultPlan decided;
};

Session RunSession(FaultLayer& l, JsonlEventSink& sink, std::string& log,
                   const std::vector<InterpOp>& ops, const std::vector<uint8_t>& stream,
                   uint64_t seed) {
  ByteStreamSource source(stream, seed, l.geometry());
  StreamFaultDevice dev(l, source);
  OpInterpreter interp(dev, {.power_on = [&] { l.PowerOn(); },
                             .advance_clock = [&](uint64_t us) { l.AdvanceClock(us); }});
  Session s;
  for (const InterpOp& op : ops) {
    s.outcomes.push_back(interp.Run(op));
    s.hashes.push_back(StateHash(l));
  }
  EXPECT_TRUE(sink.Flush().ok());
  s.log = log;
  s.decided = source.plan();
  return s;
}

// A layer reset after a busy session (cuts, torn and unstable cells, bad
// blocks, clock, power left off) acts exactly as a fresh one: the same log
// from its start line on, the same device state after every op, the same
// answers. This is what lets the fault_stream fuzzer keep one layer.
TEST(FaultStreamTest, ResetLayerActsAsAFreshOne) {
  Geometry g = SmallGeometry();
  g.pages_per_block = 8;  // the fuzzer's part: blocks fill up, get cut and go bad quickly
  FaultPlan empty;
  empty.seed = 5;
  for (uint32_t seed = 30; seed < 34; ++seed) {
    const auto ops_a = DecodeAll(RandomBytes(3000, seed), g);
    const auto stream_a = RandomBytes(3000, seed + 100);
    const auto ops_b = DecodeAll(RandomBytes(3000, seed + 200), g);
    const auto stream_b = RandomBytes(3000, seed + 300);

    std::string fresh_log;
    JsonlEventSink fresh_sink(&fresh_log);
    auto fresh = FaultLayer::Create(testing::MakeModel(g), empty,
                                    {.sink = &fresh_sink, .sleeper = [](uint64_t) {}});
    ASSERT_TRUE(fresh.ok());
    const Session want = RunSession(**fresh, fresh_sink, fresh_log, ops_a, stream_a, seed);

    std::string log;
    JsonlEventSink sink(&log);
    auto reused = FaultLayer::Create(testing::MakeModel(g), empty,
                                     {.sink = &sink, .sleeper = [](uint64_t) {}});
    ASSERT_TRUE(reused.ok());
    FaultLayer& l = **reused;
    const Session busy = RunSession(l, sink, log, ops_b, stream_b, seed + 1);
    EXPECT_NE(busy.log.find("\"effect\":\"torn_program\""), std::string::npos);
    EXPECT_NE(busy.log.find("\"op\":\"markbad\""), std::string::npos);
    l.AdvanceClock(1000);
    l.CutPower("test");
    ASSERT_TRUE(sink.Flush().ok());
    log.clear();
    ASSERT_TRUE(l.Reset(empty).ok());
    EXPECT_EQ(l.op_count(), 0u);
    EXPECT_EQ(l.now_us(), 0u);
    EXPECT_TRUE(l.powered());
    EXPECT_TRUE(l.stats().empty());
    EXPECT_EQ(l.model().counters().read_ops, 0u);
    EXPECT_TRUE(l.model().bad_block_table().empty());
    const Session got = RunSession(l, sink, log, ops_a, stream_a, seed);

    EXPECT_EQ(got.decided, want.decided);
    EXPECT_EQ(got.hashes, want.hashes) << "seed " << seed;
    ASSERT_EQ(got.outcomes.size(), want.outcomes.size());
    for (size_t i = 0; i < got.outcomes.size(); ++i) {
      EXPECT_EQ(got.outcomes[i].code, want.outcomes[i].code) << i;
      EXPECT_EQ(got.outcomes[i].report.corrected_bitflips,
                want.outcomes[i].report.corrected_bitflips) << i;
      EXPECT_EQ(got.outcomes[i].report.failed_steps, want.outcomes[i].report.failed_steps) << i;
    }
    EXPECT_EQ(got.log, want.log) << "seed " << seed;
  }
  // A plan the layer refuses leaves the session as it was.
  std::string log;
  JsonlEventSink sink(&log);
  auto l = FaultLayer::Create(testing::MakeModel(g), empty, {.sink = &sink, .sleeper = nullptr});
  ASSERT_TRUE(l.ok());
  ASSERT_TRUE((*l)->Write({.addr = 0}, std::vector<uint8_t>(g.page_size, 0), {}).ok());
  FaultPlan bad;
  bad.faults.push_back(FaultSpec{});  // no id
  EXPECT_FALSE((*l)->Reset(bad).ok());
  EXPECT_EQ((*l)->op_count(), 1u);
  EXPECT_EQ((*l)->model().counters().write_ops, 1u);
}

}  // namespace
}  // namespace flashfault
