// Byte-stream fault source: the reader's FuzzedDataProvider conventions,
// determinism (same stream + same ops => same faults, byte for byte in the
// event log), and the exported JSON script reproducing the same faults when
// run from the start through FaultLayer::Create.
#include <random>
#include <string>
#include <vector>

#include "backends/model/presets.h"
#include "fault-models/event_sink.h"
#include "fault-models/op_interpreter.h"
#include "fault-models/script/fault_script.h"
#include "fault-models/stream/byte_stream_source.h"
#include "gtest/gtest.h"
#include "tests/unit/model_fixture.h"

namespace flashfault {
namespace {

Geometry SmallGeometry() {
  Geometry g = *FindPreset("slc-2k-64m");
  g.name = "slc-2k-test16";
  g.block_count = 16;
  return g;
}

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
  for (uint64_t i = 0; i < 500; ++i) {
    OpView v{.op = kOpRead, .placed = true, .block = static_cast<uint32_t>(i % 16),
             .page = static_cast<uint32_t>(i % 64)};
    std::optional<FaultSpec> s = source.Decide(i, v);
    if (!s) continue;
    EXPECT_EQ(s->when.at_op, i);
    EXPECT_EQ(s->when.ops, kOpRead);
    EXPECT_EQ(s->when.max_fires, 1u);
    ASSERT_TRUE(s->where.blocks);
    EXPECT_EQ(*s->where.blocks, (Range{i % 16, i % 16}));
    ASSERT_TRUE(s->where.pages);
    EXPECT_EQ(*s->where.pages, (Range{i % 64, i % 64}));
  }
  EXPECT_FALSE(source.plan().faults.empty());
  // An exhausted stream means no more faults.
  ByteStreamSource none({}, 1, g);
  EXPECT_FALSE(none.Decide(0, OpView{.op = kOpWrite, .placed = true, .block = 0, .page = 0}));
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

}  // namespace
}  // namespace flashfault
