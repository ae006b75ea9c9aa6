// The event log as a readable story, one line per op (with the faults that
// struck it), for `flashfault log`:
//   op 1234: write 2048 B at block 17 page 3 -> ok
//   op 1240: read 2048 B at block 17 page 3 -> ok, 3 bitflips corrected; fault
//     'weak' (charge_loss) lost 3 bits at block 17 page 3 (bits 17, 99, 4001)
// and with `decode`, what the op touched (logs of decoding layers):
//   op 1234: write 2048 B at block 17 page 3 -> ok | PEB 17 <- vol=0 "data"
//     lnum=1 +4096: UBIFS master node (master area)
// Streaming: reads one line at a time, holds only the faults of the op being
// read. It only reads the log and writes text to `out`.
#pragma once

#include <cstdint>
#include <cstdio>
#include <istream>
#include <optional>
#include <string>

#include "absl/status/status.h"

namespace flashfault {

struct StoryOptions {
  bool faults_only = false;        // only ops struck by a fault (and attach-time faults)
  bool decode = false;             // add what each op touched, from the log's "m"
                                   // ("PEB 17 <- VID vol=0 lnum=3 sqnum=812")
  std::optional<uint64_t> from;    // first op index to print
  std::optional<uint64_t> to;      // last op index to print
};

// Prints the story of the log read from `in`. `name` prefixes error messages
// ("LOG:LINE: reason", InvalidArgument for a line that is not a record).
absl::Status PrintStory(std::istream& in, const std::string& name, const StoryOptions& options,
                        std::FILE* out);

}  // namespace flashfault
