// See progress.h.
#include "harness/campaign/progress.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace flashfault::campaign {
namespace {

constexpr int kBarWidth = 24;

struct Parsed {
  std::string word;
  uint64_t done = 0, total = 0;
  std::string rest;  // what follows N/M
};

// "WORD N/M REST" with 0 <= N <= M and M > 0.
std::optional<Parsed> ParseProgress(const std::string& text) {
  const size_t sp = text.find(' ');
  if (sp == std::string::npos || sp == 0) return std::nullopt;
  const size_t end = text.find(' ', sp + 1);
  const std::string frac = text.substr(sp + 1, end == std::string::npos ? end : end - sp - 1);
  const size_t slash = frac.find('/');
  Parsed p;
  if (slash == std::string::npos || !absl::SimpleAtoi(frac.substr(0, slash), &p.done) ||
      !absl::SimpleAtoi(frac.substr(slash + 1), &p.total) || p.total == 0 || p.done > p.total ||
      frac.find_first_not_of("0123456789/") != std::string::npos) {
    return std::nullopt;
  }
  p.word = text.substr(0, sp);
  p.rest = end == std::string::npos ? "" : text.substr(end + 1);
  return p;
}

std::string Duration(double s) {
  const auto secs = static_cast<uint64_t>(s + 0.5);
  if (secs >= 3600) return absl::StrCat(secs / 3600, "h", secs % 3600 / 60, "m");
  if (secs >= 60) return absl::StrCat(secs / 60, "m", secs % 60, "s");
  return absl::StrCat(secs, "s");
}

}  // namespace

ProgressPrinter& ProgressPrinter::Stderr() {
  static ProgressPrinter* p = [] {
    const char* term = std::getenv("TERM");
    const bool tty = isatty(STDERR_FILENO) == 1 && term != nullptr && std::strcmp(term, "dumb") != 0;
    return new ProgressPrinter(stderr, tty);
  }();
  return *p;
}

std::string ProgressPrinter::Bar(const std::string& word, uint64_t done, uint64_t total,
                                 const std::string& rest) {
  const auto now = std::chrono::steady_clock::now();
  if (word != bar_word_ || done == 0) {
    bar_word_ = word;
    bar_start_ = now;
  }
  const int filled = static_cast<int>(done * kBarWidth / total);
  std::string line = absl::StrCat(word, " [", std::string(filled, '#'),
                                  std::string(kBarWidth - filled, '-'), "] ", done, "/", total);
  if (!rest.empty()) absl::StrAppend(&line, " ", rest);
  if (rest.find("/min") == std::string::npos && done > 0) {
    const double secs = std::chrono::duration<double>(now - bar_start_).count();
    if (secs > 0) {
      const double per_min = static_cast<double>(done) * 60.0 / secs;
      absl::StrAppend(&line, ", ", absl::StrFormat("%.1f", per_min), "/min, eta ",
                      Duration(static_cast<double>(total - done) * secs / static_cast<double>(done)));
    }
  }
  return line;
}

void ProgressPrinter::Line(const std::string& prefix, const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<Parsed> p = tty_ ? ParseProgress(text) : std::nullopt;
  if (!p) {
    std::fprintf(out_, "%s%s %s\n", bar_open_ ? "\n" : "", prefix.c_str(), text.c_str());
    bar_open_ = false;
    std::fflush(out_);
    return;
  }
  // \r and clear to the end of the line: the bar is redrawn in place.
  std::fprintf(out_, "\r\033[K%s %s", prefix.c_str(), Bar(p->word, p->done, p->total, p->rest).c_str());
  bar_open_ = p->done < p->total;
  if (!bar_open_) std::fputc('\n', out_);
  std::fflush(out_);
}

}  // namespace flashfault::campaign
