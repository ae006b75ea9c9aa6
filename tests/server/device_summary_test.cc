// The device summary (`serve --summary`) and the op timeline behind it: the
// timeline's bins count every op and fault at its op index, widen without
// losing a count, and forward every record unchanged to the event log; a
// served part's summary tells the blocks bad at start (factory_bad, the
// image's) from those grown bad while served, with every erase counted.
#include "harness/server/device_summary.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <numeric>

#include "common/input_file.h"
#include "fault-models/op_timeline.h"
#include "gtest/gtest.h"
#include "harness/server/served_device.h"
#include "nlohmann/json.hpp"

namespace flashfault::server {
namespace {

namespace fs = std::filesystem;
constexpr uint64_t kPage = 2048, kBlock = 64 * kPage;

uint64_t Sum(const std::vector<uint64_t>& v) { return std::accumulate(v.begin(), v.end(), uint64_t{0}); }

OpRecord Op(uint64_t i, uint32_t op, absl::StatusCode code = absl::StatusCode::kOk) {
  OpRecord r;
  r.index = i;
  r.op = op;
  r.code = code;
  return r;
}

TEST(OpTimelineTest, BinsWidenWithoutLosingACount) {
  OpTimelineSink t(nullptr);
  const uint64_t kOps = 1000;  // beyond 128 bins of width 1, 2, 4: width 8
  for (uint64_t i = 0; i < kOps; ++i) {
    t.OnOp(Op(i, i % 10 == 0 ? kOpErase : kOpRead, i == 999 ? absl::StatusCode::kDataLoss
                                                             : absl::StatusCode::kOk));
  }
  FaultRecord f;
  f.op_index = 500;
  f.kind = FaultKind::kProgramFail;
  f.block = 7;
  t.OnFault(f);
  f.op_index = -1;  // at attach: bin 0
  f.kind = FaultKind::kFactoryBad;
  f.block = 3;
  t.OnFault(f);
  t.OnControl({.before_op = 900, .kind = ControlKind::kPowerOff, .us = 0, .id = "ctl"});
  EXPECT_EQ(t.bin_width(), 8u);
  EXPECT_EQ(t.ops(), kOps);
  EXPECT_EQ(t.bins(), (kOps + 7) / 8);
  EXPECT_LE(t.bins(), OpTimelineSink::kMaxBins);
  EXPECT_EQ(Sum(t.op_counts().at("read")), 900u);
  EXPECT_EQ(Sum(t.op_counts().at("erase")), 100u);
  EXPECT_EQ(t.op_counts().at("failed").back(), 1u);   // op 999, the last bin
  EXPECT_EQ(t.fault_counts().at("program_fail")[500 / 8], 1u);
  EXPECT_EQ(t.fault_counts().at("factory_bad")[0], 1u);
  EXPECT_EQ(t.fault_counts().at("ctl:power_off")[900 / 8], 1u);
  EXPECT_EQ(t.faults_per_block().at(7), 1u);
  EXPECT_EQ(t.faults_per_block().at(3), 1u);
  // Bin b holds ops [8b, 8b+8): 8 ops each, of which op 8b is an erase every 10.
  EXPECT_EQ(t.op_counts().at("read")[0] + t.op_counts().at("erase")[0], 8u);
}

TEST(OpTimelineTest, ForwardsEveryRecordUnchanged) {
  std::string direct, forwarded;
  JsonlEventSink a(&direct), b(&forwarded);
  OpTimelineSink t(&b);
  const RunInfo info{.seed = 5, .geometry = "slc-2k-64m", .fault_ids = {"x"}};
  a.OnStart(info);
  t.OnStart(info);
  for (uint64_t i = 0; i < 300; ++i) {
    a.OnOp(Op(i, kOpWrite));
    t.OnOp(Op(i, kOpWrite));
  }
  FaultRecord f;
  f.op_index = 12;
  f.id = "x";
  f.kind = FaultKind::kReadBitflip;
  f.effect = "flips";
  a.OnFault(f);
  t.OnFault(f);
  a.OnControl({.before_op = 20, .kind = ControlKind::kPowerOn, .us = 0, .id = ""});
  t.OnControl({.before_op = 20, .kind = ControlKind::kPowerOn, .us = 0, .id = ""});
  ASSERT_TRUE(a.Flush().ok());
  ASSERT_TRUE(t.Flush().ok());
  EXPECT_FALSE(direct.empty());
  EXPECT_EQ(direct, forwarded);
}

class SummaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ff_summary_test." + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  fs::path dir_;
};

// factory_bad lists blocks 3 and 9; the 2nd erase of block 5 makes it grow
// bad (its erases fail from then on) and the kernel marks it bad, as UBI
// does; the kernel also marks block 6 bad. Three erases of block 1.
TEST_F(SummaryTest, TellsFactoryFromGrownAndCountsErases) {
  const std::string script = Write("s.json", R"({"seed": 3, "faults": [
      {"id": "shipped", "kind": "factory_bad", "block_list": [3, 9]},
      {"id": "worn", "kind": "grown_bad", "where": {"blocks": 5},
       "when": {"ops": ["erase"], "nth_match": 2}}]})");
  for (const bool with_events : {false, true}) {
    SCOPED_TRACE(with_events ? "with --events" : "summary alone");
    ServedDeviceOptions o;
    o.preset = "slc-2k-64m";
    o.script = script;
    o.summary = (dir_ / "device.json").string();
    if (with_events) o.events = (dir_ / "events.jsonl").string();
    fs::remove(o.summary);
    {
      absl::StatusOr<std::unique_ptr<ServedDevice>> served = OpenServedDevice(o);
      ASSERT_TRUE(served.ok()) << served.status();
      FlashDevice& dev = (*served)->device();
      for (int i = 0; i < 3; ++i) ASSERT_TRUE(dev.Erase(1 * kBlock, kBlock).ok());
      ASSERT_TRUE(dev.Erase(5 * kBlock, kBlock).ok());
      EXPECT_FALSE(dev.Erase(5 * kBlock, kBlock).ok());  // the grown_bad fault fires here
      ASSERT_TRUE(dev.MarkBad(5 * kBlock).ok());
      ASSERT_TRUE(dev.MarkBad(6 * kBlock).ok());
      std::vector<uint8_t> page(kPage);
      ASSERT_TRUE(dev.Read({.addr = 0}, page, {}).ok());
      EXPECT_FALSE(fs::exists(o.summary)) << "written before the server stops";
    }
    const absl::StatusOr<std::string> text = ReadInputFile(o.summary);
    ASSERT_TRUE(text.ok()) << text.status();
    const nlohmann::json j = nlohmann::json::parse(*text);
    EXPECT_EQ(j["format"], kDeviceSummaryFormat);
    EXPECT_EQ(j["version"], 1);
    EXPECT_EQ(j["geometry"]["name"], "slc-2k-64m");
    EXPECT_EQ(j["geometry"]["block_count"], 512);
    ASSERT_EQ(j["erase_counts"].size(), 512u);
    EXPECT_EQ(j["erase_counts"][1], 3);
    EXPECT_EQ(j["erase_counts"][0], 0);
    EXPECT_EQ(j["bad_blocks"]["at_start"], nlohmann::json({3, 9}));
    EXPECT_EQ(j["bad_blocks"]["grown"], nlohmann::json({5, 6}));
    EXPECT_EQ(j["ops"], 8);
    const nlohmann::json& t = j["timeline"];
    EXPECT_EQ(t["bin_width"], 1);
    EXPECT_EQ(t["bins"], 8);
    EXPECT_EQ(t["ops"]["erase"], nlohmann::json({1, 1, 1, 1, 1}));
    EXPECT_EQ(t["ops"]["failed"], nlohmann::json({0, 0, 0, 0, 1}));
    EXPECT_EQ(t["ops"]["markbad"], nlohmann::json({0, 0, 0, 0, 0, 1, 1}));
    EXPECT_EQ(t["faults"]["grown_bad"], nlohmann::json({0, 0, 0, 0, 1}));
    EXPECT_EQ(t["faults"]["factory_bad"], nlohmann::json({2}));
    EXPECT_EQ(j["faults_per_block"], nlohmann::json({{3, 1}, {5, 1}, {9, 1}}));
    bool worn = false;
    for (const nlohmann::json& f : j["faults"]) worn |= f["id"] == "worn" && f["fires"] == 1;
    EXPECT_TRUE(worn) << j["faults"].dump();
  }
  // The event log beside it is still a whole log (the timeline forwards it all).
  const absl::StatusOr<std::string> events = ReadInputFile((dir_ / "events.jsonl").string());
  ASSERT_TRUE(events.ok());
  EXPECT_NE(events->find("\"t\":\"op\",\"i\":7,\"op\":\"read\""), std::string::npos) << *events;
}

TEST_F(SummaryTest, NoSummaryUnlessAsked) {
  ServedDeviceOptions o;
  o.preset = "slc-2k-64m";
  {
    absl::StatusOr<std::unique_ptr<ServedDevice>> served = OpenServedDevice(o);
    ASSERT_TRUE(served.ok());
    EXPECT_EQ((*served)->timeline, nullptr);
  }
  EXPECT_TRUE(fs::is_empty(dir_));
}

}  // namespace
}  // namespace flashfault::server
