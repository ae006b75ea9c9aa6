// main() of the protocol test binary: ignores SIGPIPE so a peer that closed
// its end shows up as an error status in the tests instead of killing them.
#include <csignal>

#include "gtest/gtest.h"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
