// KmsgReader: the guest kernel's log records since the last Drain(), read
// from /dev/kmsg without blocking. Each record carries a sequence number;
// a jump in the numbers, or EPIPE (the ring buffer overwrote records we had
// not read), means lines were lost, and Drain says so instead of passing
// over it. Records are parsed by kernel_log.h's ParseKmsgRecord (the
// " KEY=value" dictionary lines are dropped).
//
// Must not: write to the log or block.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/campaign/kernel_log.h"

namespace flashfault::campaign {

class KmsgReader {
 public:
  // Opens `path` and skips what is already there. An unreadable path
  // leaves the reader invalid: Drain then reports every call as lost.
  explicit KmsgReader(const std::string& path = "/dev/kmsg");
  ~KmsgReader();
  KmsgReader(const KmsgReader&) = delete;
  KmsgReader& operator=(const KmsgReader&) = delete;

  struct Batch {
    std::vector<KernelRecord> records;
    uint64_t first_seq = 0, last_seq = 0;  // 0, 0 when no record came
    bool lost = false;                     // records were dropped (or no reader)
  };
  Batch Drain();

 private:
  int fd_ = -1;
  uint64_t next_seq_ = 0;  // expected next sequence number; 0 = unknown
};

}  // namespace flashfault::campaign
