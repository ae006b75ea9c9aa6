// Progress of long work (run, explore, nightly) on stderr: on a terminal a
// bar redrawn in place with rate and ETA, otherwise plain lines, one per
// step, that a CI log keeps.
//
// A progress line is one whose first word is followed by "N/M" (the guest's
// "STEP explore 12/40 states, 8.0/min, ...", the runner's "run 2/4
// scenarios: NAME", the nightly's "regression 3/9 scenarios"). On a
// terminal it becomes "PREFIX WORD [#####-----] N/M REST" on one line that
// the next progress line overwrites; a line without a rate gets one (and an
// ETA) from when the first line of that WORD was seen. Any other line ends
// the bar line first and is printed as it is.
// Must not: print to stdout (results go there), or block: it only formats.
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

namespace flashfault::campaign {

class ProgressPrinter {
 public:
  // `tty`: draw bars (ProgressPrinter::Stderr() asks isatty and $TERM).
  ProgressPrinter(std::FILE* out, bool tty) : out_(out), tty_(tty) {}

  // The process-wide printer on stderr; thread-safe like every call here.
  static ProgressPrinter& Stderr();

  // Prints "PREFIX TEXT" (PREFIX like "[guest]"), as a bar when it is a
  // progress line and this is a terminal.
  void Line(const std::string& prefix, const std::string& text);

 private:
  std::string Bar(const std::string& word, uint64_t done, uint64_t total,
                  const std::string& rest);

  std::FILE* out_;
  bool tty_;
  std::mutex mu_;
  bool bar_open_ = false;  // the last thing printed is a bar without its newline
  std::string bar_word_;   // the word of the running bar, and when it started
  std::chrono::steady_clock::time_point bar_start_;
};

}  // namespace flashfault::campaign
