// The guest's kernel log as the rig streams it: kmsg.log holds every
// /dev/kmsg record with its sequence number, carried out of the guest while
// it runs (harness/vm/guest/init), so a ring buffer that wraps costs nothing.
// This parses that stream, finds the records that never arrived (a gap in
// the sequence numbers), cuts out the share of one scenario, crash state or
// fuzz input by the marker records the guest writes (ff_slice NAME begin/end
// in harness/vm/guest/lib.sh), and renders records as dmesg text.
//
// Record format (the kernel's Documentation/ABI/testing/dev-kmsg):
//   PRIO,SEQ,MICROSECONDS,FLAGS[,...];TEXT   with bytes escaped as \xNN,
// then optional " KEY=VALUE" dictionary lines.
// Must not: classify (log_classifier.h does), read files or run anything.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flashfault::campaign {

struct KernelRecord {
  uint64_t seq = 0;
  int level = 0;     // 0 emerg .. 7 debug
  int facility = 0;  // 0 the kernel; 1 (user) for records written to /dev/kmsg
  uint64_t usec = 0; // since boot
  std::string text;  // unescaped; a multi-line record keeps its '\n's
};

struct SeqGap {
  uint64_t first = 0, last = 0;  // records first..last (inclusive) never arrived
  uint64_t size() const { return last - first + 1; }
};

struct KernelLog {
  std::vector<KernelRecord> records;  // ascending seq, each once
  std::vector<SeqGap> gaps;           // in ascending order
  size_t malformed = 0;               // lines that were neither records nor dictionary lines
  uint64_t lost() const;              // sum of the gaps
};

// Parses kmsg.log text (CR before LF tolerated). Never fails: a record seen
// twice (the guest reopened /dev/kmsg) is kept once, a line that is not a
// record is counted in `malformed`, and records before the first one that
// arrived (seq 0 is the kernel's first) count as a gap.
KernelLog ParseKmsg(std::string_view text);

// One "PRIO,SEQ,USEC,FLAGS[,...];TEXT" line (a /dev/kmsg record without its
// dictionary lines), text unescaped; false when it is not one. The one
// reader of the record format: ParseKmsg here, KmsgReader in the guest.
bool ParseKmsgRecord(std::string_view line, KernelRecord* r);

// The text of the marker records ff_slice writes: "flashfault: slice NAME begin"/"end".
std::string SliceMarker(std::string_view name, bool begin);

struct LogSlice {
  bool found = false;     // the begin marker arrived
  bool complete = false;  // and the end marker after it
  uint64_t dropped = 0;   // records lost inside the slice; when the begin marker
                          // is missing and records were lost, all of them (the
                          // marker may be among them)
  std::vector<KernelRecord> records;  // strictly between the markers (to the
                                      // end of the log when incomplete)
};

// The records of slice `name`: after its first begin marker, up to the first
// end marker after that. Markers count only as userspace records (facility
// != 0), so no kernel message can open or close a slice.
LogSlice Slice(const KernelLog& log, std::string_view name);

// "[   12.345678] TEXT" lines as dmesg prints them, one per line of a record.
std::string RenderDmesg(std::span<const KernelRecord> records);

}  // namespace flashfault::campaign
