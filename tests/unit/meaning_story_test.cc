// `flashfault log --decode` (issue 17): a log written by a decoding layer
// read back through the one event-log reader and told as a story: what each
// op wrote, read or erased, by UBI volume, LEB and UBIFS node.
#include <sstream>
#include <string>

#include "fault-models/fault_layer.h"
#include "fault-models/replay/event_record.h"
#include "fault-models/replay/log_story.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/flash_image_builder.h"
#include "tests/unit/model_fixture.h"

namespace flashfault {
namespace {

using namespace test_images;
using ::testing::HasSubstr;

std::string Story(const std::string& log, bool decode) {
  std::istringstream in(log);
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* out = open_memstream(&buf, &len);
  StoryOptions o;
  o.decode = decode;
  EXPECT_TRUE(PrintStory(in, "log", o, out).ok());
  std::fclose(out);
  std::string s(buf, len);
  free(buf);
  return s;
}

TEST(MeaningStory, TellsWhatEachOpTouched) {
  std::string log;
  {
    JsonlEventSink sink(&log);
    auto layer = FaultLayer::Create(testing::MakePreset("slc-2k-64m"), FaultPlan{},
                                    {.sink = &sink, .sleeper = nullptr, .decode = true});
    ASSERT_TRUE(layer.ok());
    FaultLayer& d = **layer;
    const Buf sb = UbiPeb(0, 0, 10, UbifsSb(40));
    ASSERT_TRUE(d.Write({.addr = 3 * kPeb}, std::span<const uint8_t>(sb).first(3 * kPage), {}).ok());
    const Buf master = UbiPeb(0, 1, 812, UbifsMaster(12, 40), /*copy=*/1);
    ASSERT_TRUE(d.Write({.addr = 17 * kPeb}, std::span<const uint8_t>(master).first(kPage), {}).ok());
    ASSERT_TRUE(d.Write({.addr = 17 * kPeb + kPage},
                        std::span<const uint8_t>(master).subspan(kPage, kPage), {}).ok());
    std::vector<uint8_t> buf(2 * kPage);
    ASSERT_TRUE(d.Read({.addr = 17 * kPeb + kPage}, buf, {}).ok());
    ASSERT_TRUE(d.Erase(17 * kPeb, kPeb).ok());
    ASSERT_TRUE(sink.Flush().ok());
  }
  // The reader keeps every entry.
  std::istringstream lines(log);
  std::string line;
  size_t with_meaning = 0;
  while (std::getline(lines, line)) {
    absl::StatusOr<EventRecord> r = ParseEventRecord(line);
    ASSERT_TRUE(r.ok()) << r.status();
    with_meaning += !r->meanings.empty();
  }
  EXPECT_EQ(with_meaning, 5u);  // 3 writes, a read, an erase

  const std::string story = Story(log, true);
  EXPECT_THAT(story, HasSubstr("op 1: write 2048 B at block 17 page 0 -> ok | PEB 17 <- EC header, "
                               "VID vol=0 lnum=1 sqnum=812 copy\n"));
  EXPECT_THAT(story, HasSubstr("op 2: write 2048 B at block 17 page 1 -> ok | PEB 17 <- vol=0 "
                               "lnum=1 +0: UBIFS master node (master area)\n"));
  EXPECT_THAT(story, HasSubstr("op 3: read 4096 B at block 17 page 1 -> ok | PEB 17 -> vol=0 "
                               "lnum=1 +0: UBIFS master node (master area); then vol=0 lnum=1 "
                               "+2048: erased\n"));
  EXPECT_THAT(story, HasSubstr("op 4: erase block 17 -> ok | PEB 17 erased, held EC header, VID "
                               "vol=0 lnum=1 sqnum=812 copy: UBIFS master node (master area)\n"));
  EXPECT_THAT(story, HasSubstr("op 0: write 6144 B at block 3 page 0 -> ok | PEB 3 <- EC header, "
                               "VID vol=0 lnum=0 sqnum=10; then vol=0 lnum=0 +0: UBIFS superblock "
                               "node (superblock area); then vol=0 lnum=0 +2048: inside a UBIFS "
                               "superblock node (superblock area)\n"));
  // Without --decode the story is as before.
  EXPECT_THAT(Story(log, false), HasSubstr("op 2: write 2048 B at block 17 page 1 -> ok\n"));
}

}  // namespace
}  // namespace flashfault
