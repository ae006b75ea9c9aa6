// cmdlinepart-style partition strings; see partition_string.h. A tiny
// hand-written scanner: it must reject rather than guess (no octal, no
// unnamed partitions, nothing after the table).
#include "fault-models/script/partition_string.h"

#include <cctype>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace flashfault {
namespace {

class Scanner {
 public:
  // `base` is where `text` starts in the string the user wrote, so error
  // positions point into that string.
  Scanner(absl::string_view text, size_t base) : text_(text), base_(base) {}

  bool AtEnd() const { return pos_ >= text_.size(); }
  size_t pos() const { return pos_; }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  bool EatWord(absl::string_view w) {
    if (text_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }
  absl::Status Error(absl::string_view why) const {
    return absl::InvalidArgumentError(absl::StrCat("at character ", base_ + pos_, ": ", why));
  }

  // A byte count: decimal or 0x-hex digits, then an optional k/m/g suffix.
  absl::StatusOr<uint64_t> Number() {
    uint64_t base = 10;
    if (text_.substr(pos_, 2) == "0x" || text_.substr(pos_, 2) == "0X") {
      base = 16;
      pos_ += 2;
    }
    const size_t start = pos_;
    uint64_t v = 0;
    while (!AtEnd() && std::isxdigit(static_cast<unsigned char>(Peek()))) {
      const char c = Peek();
      if (base == 10 && !std::isdigit(static_cast<unsigned char>(c))) break;
      const uint64_t d = std::isdigit(static_cast<unsigned char>(c))
                             ? static_cast<uint64_t>(c - '0')
                             : static_cast<uint64_t>(std::tolower(c) - 'a' + 10);
      if (v > (UINT64_MAX - d) / base) return Error("number too large");
      v = v * base + d;
      ++pos_;
    }
    if (pos_ == start) return Error("expected a size (digits, or '-' for the rest)");
    int shift = 0;
    switch (Peek()) {
      case 'k': case 'K': shift = 10; break;
      case 'm': case 'M': shift = 20; break;
      case 'g': case 'G': shift = 30; break;
      default: break;
    }
    if (shift != 0) {
      ++pos_;
      if (v > (UINT64_MAX >> shift)) return Error("number too large");
      v <<= shift;
    }
    return v;
  }

 private:
  absl::string_view text_;
  size_t base_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<PartitionSpec>> ParsePartitionString(absl::string_view text,
                                                                const Geometry& g) {
  const uint64_t block = g.block_size();
  const uint64_t total = g.total_size();
  if (block == 0) return absl::InvalidArgumentError("the geometry has no eraseblocks");
  // An "mtd-id:" prefix names the device in the kernel's syntax; ':' may
  // also appear inside a name, so only one before the first '(' counts.
  const size_t paren = text.find('(');
  const size_t colon = text.substr(0, paren).find(':');
  const size_t skipped = colon == absl::string_view::npos ? 0 : colon + 1;
  Scanner s(text.substr(skipped), skipped);

  std::vector<PartitionSpec> parts;
  uint64_t next = 0;  // byte offset after the previous partition
  if (s.AtEnd()) return s.Error("empty partition table");
  while (true) {
    const absl::Status at_size = s.Error("");  // for a size error found later
    std::optional<uint64_t> size;  // nullopt: the rest of the device
    const bool rest = s.Eat('-');
    if (!rest) {
      absl::StatusOr<uint64_t> n = s.Number();
      if (!n.ok()) return n.status();
      size = *n;
    }
    uint64_t offset = next;
    if (s.Eat('@')) {
      absl::StatusOr<uint64_t> n = s.Number();
      if (!n.ok()) return n.status();
      offset = *n;
    }
    if (!s.Eat('(')) return s.Error("expected '(' and a partition name");
    std::string name;
    while (!s.AtEnd() && s.Peek() != ')') {
      name += s.Peek();
      s.Eat(s.Peek());
    }
    if (!s.Eat(')')) return s.Error("unterminated partition name");
    if (name.empty()) return s.Error("empty partition name");
    while (s.EatWord("ro") || s.EatWord("lk")) {
    }
    if (offset % block != 0) {
      return s.Error(absl::StrCat("partition '", name, "' starts at byte ", offset,
                                  ", not on an eraseblock boundary (", block, " bytes)"));
    }
    if (!size) size = offset < total ? total - offset : 0;
    if (*size % block != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(at_size.message(), "partition '", name, "' size ", *size,
                       " is not a whole number of eraseblocks (", block, " bytes)"));
    }
    parts.push_back(PartitionSpec{name, offset / block, *size / block});
    next = offset + *size;
    if (s.AtEnd()) break;
    if (!s.Eat(',')) return s.Error("expected ',' or the end of the table");
    if (rest) return s.Error("'-' (the rest of the device) must be the last partition");
  }
  return parts;
}

}  // namespace flashfault
