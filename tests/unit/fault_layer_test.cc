// The fault layer itself: the no-fault layer is the bare model, trigger
// semantics, determinism (same seed, same faults, same event log), the
// JSON Lines log, plan validation, on-demand arming.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "fault-models/event_sink.h"
#include "tests/unit/fault_test_util.h"

namespace flashfault {
namespace {

using testing::Bytes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MakeLayer;
using testing::ReadPage;
using testing::RecordingSink;
using testing::Spec;
using testing::WritePage;

using testing::kBlock;
using testing::kPpb;

// Runs the same random op sequence on two devices and requires identical
// statuses, reports and bytes. Ops are drawn from a fixed std::mt19937_64 so
// the sequence is the same on every run.
void ExpectSameDevice(FlashDevice& a, FlashDevice& b, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const Geometry& g = a.geometry();
  for (int i = 0; i < 3000; ++i) {
    const uint64_t block = rng() % 8, page = rng() % kPpb;
    const uint64_t addr = block * kBlock + page * g.page_size;
    switch (rng() % 6) {
      case 0:
      case 1: {
        std::vector<uint8_t> data(g.page_size), oob(g.oob_size);
        for (auto& v : data) v = static_cast<uint8_t>(rng());
        for (auto& v : oob) v = static_cast<uint8_t>(rng());
        const OobMode mode = static_cast<OobMode>(rng() % 3);
        const uint64_t oob_len = mode == OobMode::kAuto ? g.oob_avail() : g.oob_size;
        std::span<const uint8_t> o(oob.data(), rng() % 2 ? oob_len : 0);
        ASSERT_EQ(a.Write({.addr = addr, .mode = mode}, data, o),
                  b.Write({.addr = addr, .mode = mode}, data, o))
            << i;
        break;
      }
      case 2:
      case 3: {
        const OobMode mode = static_cast<OobMode>(rng() % 3);
        const uint64_t len = 1 + rng() % (3 * g.page_size);
        std::vector<uint8_t> da(len), db(len), oa(g.oob_size / 2), ob(g.oob_size / 2);
        auto ra = a.Read({.addr = addr, .mode = mode}, da, oa);
        auto rb = b.Read({.addr = addr, .mode = mode}, db, ob);
        ASSERT_EQ(ra.status(), rb.status()) << i;
        if (ra.ok()) {
          ASSERT_EQ(ra->max_bitflips, rb->max_bitflips) << i;
        }
        ASSERT_EQ(da, db) << i;
        ASSERT_EQ(oa, ob) << i;
        break;
      }
      case 4:
        ASSERT_EQ(a.Erase(block * kBlock, kBlock), b.Erase(block * kBlock, kBlock)) << i;
        break;
      case 5:
        if (rng() % 50 == 0) {
          ASSERT_EQ(a.MarkBad(addr), b.MarkBad(addr)) << i;
        }
        ASSERT_EQ(*a.IsBad(addr), *b.IsBad(addr)) << i;
        break;
    }
  }
}

TEST(FaultLayerTest, NoFaultLayerIsTheBareModel) {
  auto bare = testing::MakePreset("slc-2k-64m");
  auto layer = MakeLayer("slc-2k-64m", std::vector<FaultSpec>{});
  ExpectSameDevice(*bare, *layer, 42);
  const DeviceCounters& a = bare->counters();
  const DeviceCounters& b = layer->model().counters();
  EXPECT_EQ(a.read_ops, b.read_ops);
  EXPECT_EQ(a.write_ops, b.write_ops);
  EXPECT_EQ(a.erase_ops, b.erase_ops);
  EXPECT_EQ(a.rule_violations, b.rule_violations);
  EXPECT_GT(b.write_ops, 100u);  // the sequence did reach the cells
}

TEST(FaultLayerTest, ArmedButSilentFaultsLeaveTheModelAlone) {
  // The slow path (a sink, faults that never fire) must not change anything.
  RecordingSink sink;
  FaultSpec never = Spec("never", FaultKind::kReadBitflip);
  never.when.probability = 0.0;
  FaultSpec later = Spec("later", FaultKind::kProgramFail);
  later.when.at_op = 1u << 30;
  auto bare = testing::MakePreset("slc-2k-64m");
  auto layer = MakeLayer("slc-2k-64m", {never, later}, 9, &sink);
  ExpectSameDevice(*bare, *layer, 43);
  EXPECT_TRUE(sink.faults.empty());
  EXPECT_EQ(sink.ops.size(), layer->op_count());
}

TEST(FaultLayerTest, QueriesObservedOnlyWhenAQueryCouldMatter) {
  // Program and erase failures ignore reads and isbad: clean ones may bypass
  // the layer.
  FaultSpec pfail = Spec("pfail", FaultKind::kProgramFail);
  FaultSpec efail = Spec("efail", FaultKind::kEraseFail);
  efail.when.nth_match = 3;
  auto quiet = MakeLayer("slc-2k-64m", {pfail, efail});
  EXPECT_FALSE(quiet->QueriesObserved());
  quiet->CutPower("test");
  EXPECT_TRUE(quiet->QueriesObserved());  // reads must be refused
  quiet->PowerOn();
  EXPECT_FALSE(quiet->QueriesObserved());

  // A read family, a device-wide op index, or a log each need every read.
  EXPECT_TRUE(MakeLayer("slc-2k-64m", {Spec("noise", FaultKind::kReadBitflip)})->QueriesObserved());
  FaultSpec slow_isbad = Spec("slow", FaultKind::kLatency);
  slow_isbad.when.ops = kOpIsBad;
  slow_isbad.latency_us = 10;
  EXPECT_TRUE(MakeLayer("slc-2k-64m", {slow_isbad})->QueriesObserved());
  FaultSpec at_op = Spec("at", FaultKind::kProgramFail);
  at_op.when.at_op = 100;
  EXPECT_TRUE(MakeLayer("slc-2k-64m", {at_op})->QueriesObserved());
  RecordingSink sink;
  EXPECT_TRUE(MakeLayer("slc-2k-64m", std::vector<FaultSpec>{}, 1, &sink)->QueriesObserved());
  EXPECT_FALSE(MakeLayer("slc-2k-64m", std::vector<FaultSpec>{})->QueriesObserved());
}

TEST(TriggerTest, AtOpFiresOnThatOpOnly) {
  RecordingSink sink;
  FaultSpec s = Spec("f", FaultKind::kLatency);
  s.latency_us = 1;
  s.when.at_op = 4;
  auto d = FaultLayer::Create(testing::MakePreset("slc-2k-64m"), testing::Plan(1, {s}),
                              {.sink = &sink, .sleeper = [](uint64_t) {}});
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*d)->Sync().ok());
  EXPECT_THAT(sink.OpsOf("f"), ElementsAre(4));
}

TEST(TriggerTest, NthMatchCountsOnlyOpsInsideWhere) {
  RecordingSink sink;
  FaultSpec s = Spec("f", FaultKind::kProgramFail);
  s.where.blocks = Range{2, 3};
  s.when.nth_match = 3;
  auto d = MakeLayer("slc-2k-64m", {s}, 1, &sink);
  ASSERT_TRUE(WritePage(*d, 0, 0).ok());              // op 0, outside
  ASSERT_TRUE(WritePage(*d, 2 * kPpb, 0).ok());       // op 1, match 1
  ASSERT_TRUE(WritePage(*d, 1, 0).ok());              // op 2, outside
  ASSERT_TRUE(WritePage(*d, 3 * kPpb, 0).ok());       // op 3, match 2
  EXPECT_FALSE(WritePage(*d, 3 * kPpb + 1, 0).ok());  // op 4, match 3
  ASSERT_TRUE(WritePage(*d, 3 * kPpb + 2, 0).ok());
  EXPECT_THAT(sink.OpsOf("f"), ElementsAre(4));
  EXPECT_EQ(d->stats()[0].matches, 4u);
}

TEST(TriggerTest, BlockListMatchesOnlyTheListedBlocks) {
  RecordingSink sink;
  FaultSpec s = Spec("f", FaultKind::kProgramFail);
  s.where.block_list = {2, 5, 9};
  auto d = MakeLayer("slc-2k-64m", {s}, 1, &sink);
  EXPECT_FALSE(WritePage(*d, 2 * kPpb, 0).ok());  // op 0: block 2, listed
  ASSERT_TRUE(WritePage(*d, 3 * kPpb, 0).ok());   // op 1: block 3, between listed ones
  ASSERT_TRUE(WritePage(*d, 4 * kPpb, 0).ok());   // op 2
  EXPECT_FALSE(WritePage(*d, 9 * kPpb, 0).ok());  // op 3: block 9, the last listed
  ASSERT_TRUE(WritePage(*d, 10 * kPpb, 0).ok());  // op 4: past the list
  EXPECT_THAT(sink.OpsOf("f"), ElementsAre(0, 3));
  // With blocks: only the listed blocks inside the range.
  RecordingSink sink2;
  s.where.blocks = Range{4, 20};
  auto d2 = MakeLayer("slc-2k-64m", {s}, 1, &sink2);
  ASSERT_TRUE(WritePage(*d2, 2 * kPpb, 0).ok());   // listed, outside the range
  EXPECT_FALSE(WritePage(*d2, 5 * kPpb, 0).ok());  // listed and inside
  EXPECT_THAT(sink2.OpsOf("f"), ElementsAre(1));
}

TEST(TriggerTest, ProbabilityIsDeterministicPerSeed) {
  auto fired = [](uint64_t seed) {
    RecordingSink sink;
    FaultSpec s = Spec("f", FaultKind::kReadBitflip);
    s.when.probability = 0.1;
    auto d = MakeLayer("slc-2k-64m", {s}, seed, &sink);
    for (uint64_t p = 0; p < 1000; ++p) ReadPage(*d, p);
    return sink.OpsOf("f");
  };
  const auto a = fired(1);
  EXPECT_GT(a.size(), 60u);
  EXPECT_LT(a.size(), 140u);
  EXPECT_EQ(a, fired(1));
  EXPECT_NE(a, fired(2));
}

// ChanceMask: each bit set with odds p (to 1/65536), bits independent of
// each other, the extremes exact, and the same seed gives the same masks.
TEST(TriggerTest, ChanceMaskSetsEachBitWithItsOdds) {
  for (double p : {0.5, 0.25, 0.3, 0.9, 0.0001}) {
    Rng rng(17);
    std::vector<uint64_t> per_bit(64, 0);
    uint64_t both = 0;  // bits 0 and 1 set together: p^2 if independent
    const int n = 20000;
    for (int i = 0; i < n; ++i) {
      const uint64_t m = rng.ChanceMask(p);
      for (int b = 0; b < 64; ++b) per_bit[b] += (m >> b) & 1;
      both += (m & 3) == 3;
    }
    uint64_t total = 0;
    for (uint64_t c : per_bit) total += c;
    const double got = static_cast<double>(total) / (64.0 * n);
    EXPECT_NEAR(got, p, 0.01 * p + 0.0005) << p;
    for (int b = 0; b < 64; ++b) EXPECT_NEAR(per_bit[b] / double{n}, p, 0.03) << p << " bit " << b;
    EXPECT_NEAR(both / double{n}, p * p, 0.02) << p;
  }
  Rng rng(1);
  EXPECT_EQ(rng.ChanceMask(0.0), 0u);
  EXPECT_EQ(rng.ChanceMask(-1.0), 0u);
  EXPECT_EQ(rng.ChanceMask(1.0), ~uint64_t{0});
  EXPECT_EQ(rng.ChanceMask(1.0 - 1e-9), ~uint64_t{0});  // rounds to 1
  EXPECT_EQ(rng.draws(), 0u);                            // no draw for a sure thing
  EXPECT_EQ(rng.ChanceMask(0.5), Rng(1).Next());         // one digit, one draw
  Rng a(99), b(99);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.ChanceMask(0.37), b.ChanceMask(0.37));
}

TEST(TriggerTest, AfterErasesAndMaxFires) {
  FaultSpec s = Spec("f", FaultKind::kEraseFail);
  s.when.after_erases = 2;
  s.when.max_fires = 2;
  auto d = MakeLayer("slc-2k-64m", {s});
  EXPECT_TRUE(d->Erase(0, kBlock).ok());
  EXPECT_TRUE(d->Erase(0, kBlock).ok());
  EXPECT_TRUE(d->Erase(kBlock, kBlock).ok());  // block 1 is young
  EXPECT_EQ(d->Erase(0, kBlock).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(d->Erase(0, kBlock).code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(d->Erase(0, kBlock).ok());  // max_fires reached
  EXPECT_EQ(d->stats()[0].fires, 2u);
  EXPECT_EQ(d->injected("f"), 2u);
}

TEST(TriggerTest, AfterVirtualTime) {
  FaultSpec s = Spec("f", FaultKind::kProgramFail);
  s.when.after_time_us = 1000;
  auto d = MakeLayer("slc-2k-64m", {s});
  EXPECT_TRUE(WritePage(*d, 0, 0).ok());
  d->AdvanceClock(999);
  EXPECT_TRUE(WritePage(*d, 1, 0).ok());
  d->AdvanceClock(1);
  EXPECT_EQ(WritePage(*d, 2, 0).code(), absl::StatusCode::kDataLoss);
}

TEST(TriggerTest, OnDemandFiresOncePerArm) {
  FaultSpec s = Spec("f", FaultKind::kProgramFail);
  s.when.on_demand = true;
  FaultSpec other = Spec("g", FaultKind::kReadBitflip);
  auto d = MakeLayer("slc-2k-64m", {s, other});
  EXPECT_TRUE(WritePage(*d, 0, 0).ok());
  ASSERT_TRUE(d->Arm("f").ok());
  EXPECT_EQ(WritePage(*d, 1, 0).code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(WritePage(*d, 2, 0).ok());
  EXPECT_EQ(d->Arm("nope").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(d->Arm("g").code(), absl::StatusCode::kFailedPrecondition);
}

// A busy plan mixing families, driven by a fixed op sequence; returns the log.
std::string RunLogged(uint64_t seed) {
  std::string log;
  {
    JsonlEventSink sink(&log);
    FaultSpec noise = Spec("noise", FaultKind::kReadBitflip);
    noise.when.probability = 0.2;
    noise.flips = 3;
    FaultSpec pfail = Spec("pfail", FaultKind::kProgramFail);
    pfail.when.probability = 0.05;
    pfail.program_effect = ProgramFailEffect::kPartial;
    FaultSpec cut = Spec("cut", FaultKind::kPowerCut);
    cut.when.probability = 0.01;
    cut.unstable = true;
    FaultSpec bad = Spec("factory", FaultKind::kFactoryBad);
    bad.count = 3;
    auto d = MakeLayer("slc-2k-64m", {noise, pfail, cut, bad}, seed, &sink);
    std::mt19937_64 ops(7);
    for (int i = 0; i < 2000; ++i) {
      // Two blocks only, erased seldom, so torn pages are read again.
      const uint64_t page = ops() % (2 * kPpb);
      const uint64_t kind = ops() % 10;
      if (kind < 4) {
        (void)WritePage(*d, page, static_cast<uint8_t>(ops()));
      } else if (kind < 9) {
        ReadPage(*d, page);
      } else {
        (void)d->Erase(page / kPpb * kBlock, kBlock);
      }
      if (!d->powered()) d->PowerOn();
    }
  }
  return log;
}

TEST(DeterminismTest, SameSeedSameEventLog) {
  const std::string a = RunLogged(1234);
  EXPECT_EQ(a, RunLogged(1234));
  EXPECT_NE(a, RunLogged(1235));
  EXPECT_THAT(a, HasSubstr("\"kind\":\"power_cut\""));
  EXPECT_THAT(a, HasSubstr("\"kind\":\"program_fail\""));
  EXPECT_THAT(a, HasSubstr("\"effect\":\"unstable\""));
}

TEST(EventSinkTest, JsonLinesFormat) {
  std::string log;
  {
    JsonlEventSink sink(&log);
    FaultSpec s = Spec("pf", FaultKind::kProgramFail);
    s.when.at_op = 1;
    auto d = MakeLayer("slc-2k-64m", {s}, 42, &sink);
    ASSERT_TRUE(WritePage(*d, 0, 0).ok());
    ASSERT_FALSE(WritePage(*d, 1, 0).ok());
    ReadPage(*d, 0);
    ASSERT_TRUE(sink.Flush().ok());
  }
  std::vector<std::string> lines;
  for (size_t at = 0, nl; (nl = log.find('\n', at)) != std::string::npos; at = nl + 1) {
    lines.push_back(log.substr(at, nl - at));
  }
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0],
            "{\"t\":\"start\",\"format\":\"flashfault-events\",\"version\":1,\"seed\":42,"
            "\"geometry\":\"slc-2k-64m\",\"faults\":[\"pf\"]}");
  EXPECT_EQ(lines[1],
            "{\"t\":\"op\",\"i\":0,\"op\":\"write\",\"addr\":0,\"len\":2048,\"oob\":0,"
            "\"mode\":\"place\",\"status\":\"ok\"}");
  EXPECT_THAT(lines[2],
              HasSubstr("{\"t\":\"fault\",\"i\":1,\"id\":\"pf\",\"kind\":\"program_fail\","
                        "\"block\":0,\"page\":1,\"effect\":\"unchanged\",\"bits\":[]"));
  EXPECT_THAT(lines[3], HasSubstr("\"i\":1,\"op\":\"write\",\"addr\":2048"));
  EXPECT_THAT(lines[3], HasSubstr("\"status\":\"data_loss\""));
  EXPECT_THAT(lines[4], HasSubstr("\"op\":\"read\""));
  EXPECT_THAT(lines[4], HasSubstr("\"bf\":0,\"corr\":0,\"fail\":0,\"scrub\":false}"));
}

TEST(FaultLayerTest, RejectsBadPlans) {
  auto create = [](FaultSpec s, const char* preset = "slc-2k-64m") {
    return FaultLayer::Create(testing::MakePreset(preset), testing::Plan(0, {s})).status();
  };
  FaultSpec s = Spec("x", FaultKind::kReadBitflip);
  s.where.blocks = Range{0, 512};
  EXPECT_THAT(create(s).message(), HasSubstr("faults[x].where.blocks"));
  s = Spec("x", FaultKind::kReadBitflip);
  s.where.partition = "ubi";
  EXPECT_THAT(create(s).message(), HasSubstr("not resolved"));
  s = Spec("x", FaultKind::kReadBitflip);
  s.when.probability = 1.5;
  EXPECT_THAT(create(s).message(), HasSubstr("probability"));
  EXPECT_THAT(create(Spec("x", FaultKind::kReadBitflip), "nor-64k-16m").message(),
              HasSubstr("NOR"));
  EXPECT_THAT(create(Spec("x", FaultKind::kFactoryBad)).message(), HasSubstr("count"));
  FaultSpec slow = Spec("a", FaultKind::kLatency);
  slow.latency_us = 1;
  auto dup = FaultLayer::Create(testing::MakePreset("slc-2k-64m"), testing::Plan(0, {slow, slow}));
  EXPECT_THAT(dup.status().message(), HasSubstr("more than one"));
}

}  // namespace
}  // namespace flashfault
