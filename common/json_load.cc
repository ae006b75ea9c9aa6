// See json_load.h. The parse is nlohmann's SAX parser (iterative, no
// recursion) driving a small DOM builder of our own; the builder checks each
// key against the object it is filling, which keeps the whole load linear
// (the parse-callback approach rescanned parents and went quadratic).
#include "common/json_load.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/input_file.h"

namespace flashfault {
namespace {

using nlohmann::json;

// Builds the document and remembers where it is, for the path of an error.
class Builder {
 public:
  // What went wrong, if a callback stopped the parse; empty otherwise.
  std::string error;
  json root;

  bool null() { return Put(json(nullptr)); }
  bool boolean(bool v) { return Put(json(v)); }
  bool number_integer(json::number_integer_t v) { return Put(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return Put(json(v)); }
  bool number_float(json::number_float_t v, const std::string&) { return Put(json(v)); }
  bool string(std::string& v) { return Put(json(std::move(v))); }
  bool binary(json::binary_t& v) { return Put(json::binary(std::move(v))); }
  bool start_object(std::size_t) { return Open(json::object()); }
  bool start_array(std::size_t) { return Open(json::array()); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }
  bool key(std::string& k) {
    Frame& f = frames_.back();
    // The object being filled is the per-object key set: a lookup in its
    // map, no rescan of anything already parsed.
    if (f.node->contains(k)) {
      f.key = std::move(k);
      error = absl::StrCat(Path(), ": key given twice in the same object");
      return false;
    }
    f.key = std::move(k);
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) {
    position_ = position;
    what_ = ex.what();
    syntax_ = true;
    return false;
  }

  bool syntax() const { return syntax_; }
  size_t position() const { return position_; }
  const std::string& what() const { return what_; }

 private:
  struct Frame {
    json* node;       // the open object or array
    std::string key;  // objects: the key of the member being parsed
  };

  // Places `v` as the next value: the root, a member, or an element.
  json* Place(json&& v) {
    if (frames_.empty()) {
      root = std::move(v);
      return &root;
    }
    Frame& f = frames_.back();
    if (f.node->is_object()) {
      json& slot = (*f.node)[f.key];
      slot = std::move(v);
      return &slot;
    }
    f.node->push_back(std::move(v));
    return &f.node->back();
  }
  bool Put(json&& v) {
    Place(std::move(v));
    return true;
  }
  bool Open(json&& container) {
    json* node = Place(std::move(container));
    frames_.push_back(Frame{node, ""});
    if (frames_.size() > kMaxJsonDepth) {
      error = absl::StrCat(Path(), ": nested deeper than ", kMaxJsonDepth, " levels");
      return false;
    }
    return true;
  }
  bool Close() {
    frames_.pop_back();
    return true;
  }

  // "$.faults[3].when": each open container's current member. Bounded: a
  // deep path keeps its start and end.
  std::string Path() const {
    std::string p = "$";
    for (size_t i = 0; i < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      const bool last = i + 1 == frames_.size();
      if (f.node->is_object()) {
        // The innermost object's key names the member; outer keys too.
        absl::StrAppend(&p, JsonPathMember(f.key));
      } else if (!last || !f.node->empty()) {
        absl::StrAppend(&p, "[", f.node->empty() ? 0 : f.node->size() - 1, "]");
      }
    }
    constexpr size_t kMax = 240;
    if (p.size() > kMax) p = absl::StrCat(p.substr(0, kMax / 2), "...", p.substr(p.size() - kMax / 2));
    return p;
  }

  std::vector<Frame> frames_;
  bool syntax_ = false;
  size_t position_ = 0;
  std::string what_;
};

// 1-based line and column of the byte before `position` (nlohmann counts
// the characters it has read, the offending one included).
std::pair<size_t, size_t> LineColumn(absl::string_view text, size_t position) {
  const size_t end = std::min(position, text.size());
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {line, std::max<size_t>(1, end - line_start)};
}

// nlohmann's message without its "[json.exception...] " prefix and without
// its own (unbounded) "parse error at line L, column C: " part.
std::string Reason(absl::string_view what) {
  const size_t close = what.find("] ");
  if (close != absl::string_view::npos) what.remove_prefix(close + 2);
  const absl::string_view kAt = "parse error at line ";
  if (what.substr(0, kAt.size()) == kAt) {
    const size_t colon = what.find(": ");
    if (colon != absl::string_view::npos) what.remove_prefix(colon + 2);
  }
  return QuoteExcerpt(what, 200);
}

absl::Status Error(absl::string_view file, absl::string_view msg) {
  if (file.empty()) return absl::InvalidArgumentError(msg);
  return absl::InvalidArgumentError(absl::StrCat(file, ": ", msg));
}

}  // namespace

std::string QuoteExcerpt(absl::string_view s, size_t max) {
  std::string out;
  const size_t n = std::min(s.size(), max);
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

std::string JsonPathMember(absl::string_view key) {
  const bool plain = !key.empty() && key.size() <= 64 &&
                     std::all_of(key.begin(), key.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                              (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '$';
                     });
  if (plain) return absl::StrCat(".", key);
  std::string quoted = QuoteExcerpt(key, 60);
  std::string escaped;
  for (char c : quoted) {
    if (c == '"') escaped += '\\';
    escaped += c;
  }
  return absl::StrCat("[\"", escaped, "\"]");
}

absl::StatusOr<json> ParseJsonText(absl::string_view text, absl::string_view file) {
  Builder b;
  try {
    json::sax_parse(text.begin(), text.end(), &b);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat(file, ": out of memory while parsing"));
  } catch (const std::exception& e) {
    // sax_parse reports through parse_error(); this is only a safety net.
    return Error(file, absl::StrCat("not valid JSON: ", QuoteExcerpt(e.what(), 200)));
  }
  if (!b.error.empty()) return Error(file, b.error);
  if (b.syntax()) {
    const auto [line, column] = LineColumn(text, b.position());
    absl::string_view what = b.what();
    if (what.find("parse_error") != absl::string_view::npos) {
      return Error(file, absl::StrCat("not valid JSON: parse error at line ", line, ", column ",
                                      column, ": ", Reason(what)));
    }
    // A number out of range ("1e400") is reported with no place of its own.
    return Error(file, absl::StrCat("not valid JSON: ", Reason(what), " at line ", line,
                                    ", column ", column));
  }
  return std::move(b.root);
}

absl::StatusOr<json> LoadJsonFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadInputFile(path);
  if (!text.ok()) return text.status();
  return ParseJsonText(*text, path);
}

}  // namespace flashfault
