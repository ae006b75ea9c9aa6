// Parsing, slicing and rendering the streamed kernel log (see kernel_log.h).
// Must not: guess a record's sequence number or time -- a line whose prefix
// does not parse is malformed, not repaired.
#include "harness/campaign/kernel_log.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace flashfault::campaign {
namespace {

// Debian's Abseil has its own string_view: convert at the calls.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }
std::string_view SV(absl::string_view s) { return std::string_view(s.data(), s.size()); }

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// /dev/kmsg escapes unprintable bytes and '\' as \xNN.
std::string Unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x') {
      const int hi = HexDigit(s[i + 2]), lo = HexDigit(s[i + 3]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

void AddGap(KernelLog* log, uint64_t first, uint64_t last) { log->gaps.push_back({first, last}); }

}  // namespace

bool ParseKmsgRecord(std::string_view line, KernelRecord* r) {
  const size_t semi = line.find(';');
  if (semi == std::string_view::npos) return false;
  const std::vector<absl::string_view> f = absl::StrSplit(AV(line.substr(0, semi)), ',');
  uint64_t prio = 0;
  if (f.size() < 4 || !ParseU64(SV(f[0]), &prio) || !ParseU64(SV(f[1]), &r->seq) ||
      !ParseU64(SV(f[2]), &r->usec)) {
    return false;
  }
  r->level = static_cast<int>(prio & 7);
  r->facility = static_cast<int>(prio >> 3);
  r->text = Unescape(line.substr(semi + 1));
  return true;
}

uint64_t KernelLog::lost() const {
  uint64_t n = 0;
  for (const SeqGap& g : gaps) n += g.size();
  return n;
}

KernelLog ParseKmsg(std::string_view text) {
  KernelLog log;
  for (absl::string_view piece : absl::StrSplit(AV(text), '\n')) {
    std::string_view line = SV(piece);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == ' ') continue;  // dictionary lines
    KernelRecord r;
    if (!ParseKmsgRecord(line, &r)) {
      ++log.malformed;
      continue;
    }
    if (log.records.empty()) {
      if (r.seq > 0) AddGap(&log, 0, r.seq - 1);
    } else {
      const uint64_t prev = log.records.back().seq;
      if (r.seq <= prev) continue;  // repeated after the reader reopened /dev/kmsg
      if (r.seq > prev + 1) AddGap(&log, prev + 1, r.seq - 1);
    }
    log.records.push_back(std::move(r));
  }
  return log;
}

std::string SliceMarker(std::string_view name, bool begin) {
  return absl::StrCat("flashfault: slice ", AV(name), begin ? " begin" : " end");
}

LogSlice Slice(const KernelLog& log, std::string_view name) {
  const std::string begin = SliceMarker(name, true), end = SliceMarker(name, false);
  LogSlice s;
  size_t i = 0;
  for (; i < log.records.size(); ++i) {
    if (log.records[i].facility != 0 && log.records[i].text == begin) break;
  }
  if (i == log.records.size()) {
    s.dropped = log.lost();
    return s;
  }
  s.found = true;
  const uint64_t from = log.records[i].seq;
  uint64_t to = UINT64_MAX;
  for (++i; i < log.records.size(); ++i) {
    const KernelRecord& r = log.records[i];
    if (r.facility != 0 && r.text == end) {
      s.complete = true;
      to = r.seq;
      break;
    }
    s.records.push_back(r);
  }
  for (const SeqGap& g : log.gaps) {
    const uint64_t lo = std::max(g.first, from), hi = std::min(g.last, to);
    if (lo <= hi) s.dropped += hi - lo + 1;
  }
  return s;
}

std::string RenderDmesg(std::span<const KernelRecord> records) {
  std::string out;
  char stamp[32];
  for (const KernelRecord& r : records) {
    std::snprintf(stamp, sizeof(stamp), "[%5llu.%06llu] ",
                  static_cast<unsigned long long>(r.usec / 1000000),
                  static_cast<unsigned long long>(r.usec % 1000000));
    for (absl::string_view line : absl::StrSplit(r.text, '\n')) absl::StrAppend(&out, stamp, line, "\n");
  }
  return out;
}

}  // namespace flashfault::campaign
