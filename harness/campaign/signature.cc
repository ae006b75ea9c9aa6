// Finding signatures; see signature.h. One scan per line, no regexes:
// kernel logs can be long and this runs per crash state.
#include "harness/campaign/signature.h"

#include <cctype>
#include <cstdint>
#include <cstdio>

namespace flashfault::campaign {
namespace {

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// Drops a leading "[  123.456789] " (printk time) and "<N>" (level).
std::string_view StripPrefix(std::string_view s) {
  if (!s.empty() && s[0] == '<') {
    const size_t close = s.find('>');
    if (close != std::string_view::npos && close <= 4) s.remove_prefix(close + 1);
  }
  while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
  if (!s.empty() && s[0] == '[') {
    const size_t close = s.find(']');
    if (close != std::string_view::npos) s.remove_prefix(close + 1);
  }
  while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
  return s;
}

}  // namespace

std::string NormaliseLogLine(std::string_view line) {
  const std::string_view s = StripPrefix(line);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    // A number starts a token only after a non-word char (keeps "ubi0" ->
    // "ubiN" too: digits glued to letters are numbered things, like ubi0:0).
    if (c == '0' && i + 1 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
      size_t j = i + 2;
      while (j < s.size() && IsHex(s[j])) ++j;
      out += "ADDR";
      i = j;
      continue;
    }
    if (IsDigit(c)) {
      size_t j = i;
      while (j < s.size() && IsDigit(s[j])) ++j;
      // A long run of hex digits (a bare address or hash) is one token.
      size_t k = j;
      while (k < s.size() && IsHex(s[k])) ++k;
      if (k - i >= 8) j = k;
      out += 'N';
      i = j;
      continue;
    }
    if (IsHex(c) && (i == 0 || !IsWordChar(s[i - 1]))) {
      size_t k = i;
      while (k < s.size() && IsHex(s[k])) ++k;
      if (k - i >= 8 && (k == s.size() || !IsWordChar(s[k]))) {  // deadbeef00112233
        out += "ADDR";
        i = k;
        continue;
      }
    }
    // "func+0x1c/0x40" frames: offsets are already ADDR; comm names in
    // "pid N comm: NAME" vary with the workload and are kept (they name
    // kernel threads like ubi_bgt0d, numbered away above).
    out += c;
    ++i;
  }
  // Collapse runs of spaces so alignment padding does not split groups.
  std::string squeezed;
  for (char c : out) {
    if (c == ' ' && !squeezed.empty() && squeezed.back() == ' ') continue;
    squeezed += c;
  }
  while (!squeezed.empty() && squeezed.back() == ' ') squeezed.pop_back();
  return squeezed;
}

namespace {

// The first line of the kind in `kinds` that `c` saw earliest in `log`
// (kinds not found in `log` verbatim rank after those that are, in list
// order); "" when `c` saw none of them.
std::string EarliestFirstLine(const Classification& c, const std::vector<std::string>& kinds,
                              std::span<const std::string> log) {
  std::string best;
  size_t best_pos = SIZE_MAX;
  bool have = false;
  for (const std::string& k : kinds) {
    auto it = c.first.find(k);
    if (it == c.first.end() || it->second.line.empty()) continue;
    size_t pos = SIZE_MAX - 1;
    for (size_t i = 0; i < log.size(); ++i) {
      if (log[i] == it->second.line) {
        pos = i;
        break;
      }
    }
    if (!have || pos < best_pos) {
      best = it->second.line;
      best_pos = pos;
      have = true;
    }
  }
  return best;
}

}  // namespace

std::string KeyLogLine(const Classification& c, std::span<const std::string> kernel_log) {
  std::string line = EarliestFirstLine(c, BugKinds(), kernel_log);
  if (line.empty()) line = EarliestFirstLine(c, ErrorKinds(), kernel_log);
  return line;
}

std::string Signature::Text() const {
  return log.empty() ? check : check + " | " + log;
}

std::string Signature::Id() const {
  // FNV-1a, 64 bits: stable across builds and machines (std::hash is not).
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : Text()) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%012llx", static_cast<unsigned long long>(h & 0xFFFFFFFFFFFFull));
  return buf;
}

Signature MakeSignature(std::string_view failed_check, const Classification& c,
                        std::span<const std::string> kernel_log) {
  const std::string key = KeyLogLine(c, kernel_log);
  return {std::string(failed_check), key.empty() ? "" : NormaliseLogLine(key)};
}

Signature MakeSignature(std::string_view failed_check) { return {std::string(failed_check), ""}; }

}  // namespace flashfault::campaign
