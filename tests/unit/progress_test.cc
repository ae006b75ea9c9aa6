// Progress on stderr (harness/campaign/progress.h): bars redrawn in place on
// a terminal, plain lines otherwise; other lines end a bar first.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "harness/campaign/progress.h"

namespace flashfault::campaign {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// What the printer wrote, through a memory stream.
struct Captured {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  ~Captured() {
    std::fclose(f);
    std::free(buf);
  }
  std::string Text() {
    std::fflush(f);
    return std::string(buf, len);
  }
};

TEST(ProgressTest, OnATerminalProgressLinesBecomeOneBarRedrawnInPlace) {
  Captured c;
  ProgressPrinter p(c.f, /*tty=*/true);
  p.Line("[guest]", "explore 3/12 states, 4.0/min, 0 failed, eta 135s");
  EXPECT_EQ(c.Text(),
            "\r\033[K[guest] explore [######------------------] 3/12 states, 4.0/min, 0 failed, eta "
            "135s");
  p.Line("[guest]", "explore 12/12 states, 4.1/min, 0 failed, eta 0s");  // done: the line ends
  EXPECT_THAT(c.Text(), HasSubstr("[########################] 12/12 states, 4.1/min"));
  EXPECT_EQ(c.Text().back(), '\n');
  // No rate of its own: one is added, counted from the word's first line.
  p.Line("[nightly]", "regression 0/4 scenarios");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  p.Line("[nightly]", "regression 1/4 scenarios");
  EXPECT_THAT(c.Text(), HasSubstr("regression [######------------------] 1/4 scenarios, "));
  EXPECT_THAT(c.Text(), HasSubstr("/min, eta "));
  p.Line("[run]", "booting the guest");  // not progress: the bar line ends first
  EXPECT_THAT(c.Text(), HasSubstr("eta "));
  EXPECT_THAT(c.Text(), ::testing::EndsWith("\n[run] booting the guest\n"));
}

TEST(ProgressTest, ElsewhereEveryLineIsPrintedAsItIs) {
  Captured c;
  ProgressPrinter p(c.f, /*tty=*/false);
  p.Line("[guest]", "explore 3/12 states, 4.0/min, 0 failed, eta 135s");
  p.Line("[guest]", "serve t=3.20");
  EXPECT_EQ(c.Text(), "[guest] explore 3/12 states, 4.0/min, 0 failed, eta 135s\n[guest] serve t=3.20\n");
}

TEST(ProgressTest, OnlyWordThenAProperFractionIsProgress) {
  Captured c;
  ProgressPrinter p(c.f, /*tty=*/true);
  for (const char* text : {"explore: recording the workload t=6.50", "x 5/4 things", "x 0/0 things",
                           "x 1/2x things", "3/4 at the start"}) {
    p.Line("[g]", text);
    EXPECT_THAT(c.Text(), ::testing::EndsWith(std::string("[g] ") + text + "\n")) << text;
  }
}

}  // namespace
}  // namespace flashfault::campaign
