// The event log reader: every record type JsonlEventSink writes comes back
// from ParseEventRecord typed, field for field; fields a line lacks stay
// unset; a bad line or a field of the wrong JSON type is an error naming
// the problem, which `flashfault replay` and `flashfault log` prefix with
// LOG:LINE.
#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "fault-models/event_sink.h"
#include "fault-models/replay/event_record.h"
#include "fault-models/replay/log_story.h"
#include "fault-models/replay/replay_log.h"
#include "gtest/gtest.h"

namespace flashfault {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(EventRecordTest, ReadsBackEveryRecordTheSinkWrites) {
  std::string log;
  std::FILE* payload = std::tmpfile();
  ASSERT_NE(payload, nullptr);
  {
    JsonlEventSink sink(&log);
    sink.SetReplay("{\"payload\":\"p.data\",\"hash_every\":0}", payload);
    sink.SetStateHasher([] { return uint64_t{0xabc}; }, 0);
    sink.OnStart(RunInfo{.seed = 7, .geometry = "slc-2k-64m", .fault_ids = {"a", "b"}});
    const std::vector<uint8_t> data(4, 1), oob(2, 2);
    OpRecord write;
    write.index = 0;
    write.op = kOpWrite;
    write.addr = 4096;
    write.len = 4;
    write.oob_len = 2;
    write.mode = OobMode::kAuto;
    write.ooboffs = 3;
    write.code = absl::StatusCode::kDataLoss;
    write.data = data;
    write.oob = oob;
    sink.OnOp(write);
    OpRecord read;
    read.index = 1;
    read.op = kOpRead;
    read.len = 2048;
    read.report.max_bitflips = 2;
    read.report.corrected_bitflips = 5;
    read.report.failed_steps = 1;
    read.report.scrub = true;
    sink.OnOp(read);
    OpRecord isbad;
    isbad.index = 2;
    isbad.op = kOpIsBad;
    isbad.addr = 131072;
    isbad.bad = true;
    sink.OnOp(isbad);
    const uint32_t bits[] = {3, 17};
    FaultRecord fault;
    fault.op_index = 3;
    fault.id = "weak";
    fault.kind = FaultKind::kChargeLoss;
    fault.block = 1;
    fault.page = 2;
    fault.effect = "lost";
    fault.bits = bits;
    fault.draw = 9;
    sink.OnFault(fault);
    ControlRecord clock;
    clock.before_op = 4;
    clock.kind = ControlKind::kClock;
    clock.us = 250;
    sink.OnControl(clock);
    ControlRecord cut;
    cut.before_op = 4;
    cut.kind = ControlKind::kPowerOff;
    cut.id = "ctl";
    sink.OnControl(cut);
    sink.WriteStateHash(3);
    ASSERT_TRUE(sink.Flush().ok());
  }
  std::fclose(payload);
  const std::vector<std::string> lines = Lines(log);
  ASSERT_EQ(lines.size(), 8u) << log;
  std::vector<EventRecord> r;
  for (const std::string& line : lines) {
    absl::StatusOr<EventRecord> rec = ParseEventRecord(line);
    ASSERT_TRUE(rec.ok()) << line << ": " << rec.status();
    r.push_back(*std::move(rec));
  }

  EXPECT_EQ(r[0].type, RecordType::kStart);
  EXPECT_EQ(r[0].seed, 7u);
  EXPECT_EQ(r[0].geometry, "slc-2k-64m");
  EXPECT_EQ(r[0].faults, (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(r[0].replay.has_value());
  EXPECT_EQ((*r[0].replay)["payload"], "p.data");
  EXPECT_FALSE(r[0].i.has_value());

  EXPECT_EQ(r[1].type, RecordType::kOp);
  EXPECT_EQ(r[1].i, 0);
  EXPECT_EQ(r[1].op, "write");
  EXPECT_EQ(r[1].addr, 4096u);
  EXPECT_EQ(r[1].len, 4u);
  EXPECT_EQ(r[1].oob, 2u);
  EXPECT_EQ(r[1].mode, "auto");
  EXPECT_EQ(r[1].ooboffs, 3u);
  EXPECT_EQ(r[1].status, "data_loss");
  EXPECT_EQ(r[1].data, 0u);
  EXPECT_EQ(r[1].oobd, 4u);
  EXPECT_FALSE(r[1].corr.has_value());  // only reads carry ECC figures

  EXPECT_EQ(r[2].op, "read");
  EXPECT_EQ(r[2].bf, 2u);
  EXPECT_EQ(r[2].corr, 5u);
  EXPECT_EQ(r[2].fail, 1u);
  EXPECT_EQ(r[2].scrub, true);
  EXPECT_FALSE(r[2].data.has_value());
  EXPECT_FALSE(r[2].bad.has_value());

  EXPECT_EQ(r[3].op, "isbad");
  EXPECT_EQ(r[3].bad, true);

  EXPECT_EQ(r[4].type, RecordType::kFault);
  EXPECT_EQ(r[4].i, 3);
  EXPECT_EQ(r[4].id, "weak");
  EXPECT_EQ(r[4].kind, "charge_loss");
  EXPECT_EQ(r[4].block, 1);
  EXPECT_EQ(r[4].page, 2);
  EXPECT_EQ(r[4].effect, "lost");
  EXPECT_EQ(r[4].bits, (std::vector<uint64_t>{3, 17}));
  EXPECT_EQ(r[4].draw, 9u);

  EXPECT_EQ(r[5].type, RecordType::kControl);
  EXPECT_EQ(r[5].i, 4);
  EXPECT_EQ(r[5].what, "clock");
  EXPECT_EQ(r[5].us, 250u);
  EXPECT_FALSE(r[5].id.has_value());
  EXPECT_EQ(r[6].what, "power_off");
  EXPECT_EQ(r[6].id, "ctl");
  EXPECT_FALSE(r[6].us.has_value());

  EXPECT_EQ(r[7].type, RecordType::kHash);
  EXPECT_EQ(r[7].i, 3);
  EXPECT_EQ(r[7].state, "0000000000000abc");
}

TEST(EventRecordTest, BadLinesNameTheProblem) {
  for (const char* line : {"not json", "[1,2]", "{\"i\":3}"}) {
    absl::StatusOr<EventRecord> r = ParseEventRecord(line);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << line;
    EXPECT_EQ(r.status().message(), kNotALogRecord) << line;
  }
  absl::StatusOr<EventRecord> r = ParseEventRecord("{\"t\":\"op\",\"i\":1,\"addr\":\"4096\"}");
  EXPECT_EQ(r.status().message(), "\"addr\" is not a number") << r.status();
  r = ParseEventRecord("{\"t\":\"fault\",\"i\":1,\"bits\":[1,\"x\"]}");
  EXPECT_EQ(r.status().message(), "\"bits\" is not an array of numbers") << r.status();
  r = ParseEventRecord("{\"t\":\"op\",\"i\":1,\"scrub\":1}");
  EXPECT_EQ(r.status().message(), "\"scrub\" is not true or false") << r.status();

  // A "t" that is not a string is a record of no known type, as before.
  r = ParseEventRecord("{\"t\":5}");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->type, RecordType::kUnknown);
  EXPECT_EQ(r->t, "");

  // Both readers put the file and line in front.
  std::istringstream story("{\"t\":\"op\",\"i\":0}\n{\"t\":\"op\",\"len\":[]}\n");
  std::FILE* devnull = std::fopen("/dev/null", "w");
  ASSERT_NE(devnull, nullptr);
  const absl::Status s = PrintStory(story, "x.jsonl", {}, devnull);
  std::fclose(devnull);
  EXPECT_EQ(s.message(), "x.jsonl:2: \"len\" is not a number") << s;
}

TEST(EventRecordTest, ReplayNamesTheBadLine) {
  const std::string path = ::testing::TempDir() + "/event_record_test_" +
                           std::to_string(::getpid()) + ".jsonl";
  std::FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("{\"t\":\"start\",\"seed\":\"seven\"}\n", f);
  std::fclose(f);
  absl::StatusOr<ReplayResult> r = ReplayLog(path, 0);
  EXPECT_EQ(r.status().message(), path + ":1: \"seed\" is not a number") << r.status();

  f = std::fopen(path.c_str(), "w");
  std::fputs("{\"t\":\"op\"}\n", f);
  std::fclose(f);
  r = ReplayLog(path, 0);
  EXPECT_EQ(r.status().message(), path + ":1: the first line is not a start record")
      << r.status();
  std::remove(path.c_str());
}

}  // namespace
}  // namespace flashfault
