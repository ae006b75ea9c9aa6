// The one way to load a JSON file a user writes: fault scripts, geometries,
// scenarios, image metadata, workloads, and whatever the campaigns add.
//
// What every such file gets from here, so no loader has to remember it:
//  - a key given twice in one object is refused with its JSON path (nlohmann
//    would silently keep the last value and drop the first);
//  - a syntax error names the line and column;
//  - messages quote at most a short excerpt of the input, escaped, however
//    large or binary the input is;
//  - nesting is bounded, so later recursive walks (dump, consumers) cannot
//    run out of stack;
//  - time is linear in the input (one SAX pass, duplicate checks against the
//    object being built), and no exception escapes.
//
// Must not: know any schema (the callers check keys and types and add the
// JSON path of a semantic error), or do I/O beyond reading the named file.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace flashfault {

// Deepest nesting of arrays and objects a user file may have.
inline constexpr size_t kMaxJsonDepth = 256;

// Parses `text`. Errors are InvalidArgument "FILE: ..." (without "FILE: "
// when `file` is empty): "not valid JSON: parse error at line L, column C:
// ...", or "$.a.b: key given twice in the same object".
absl::StatusOr<nlohmann::json> ParseJsonText(absl::string_view text, absl::string_view file);

// Reads `path` (see ReadInputFile: a directory is refused, pipes are read to
// EOF) and parses it as above.
absl::StatusOr<nlohmann::json> LoadJsonFile(const std::string& path);

// `s` made safe to print in a message: at most `max` bytes of it (then
// "..."), control bytes, quotes, backslashes and non-ASCII escaped.
std::string QuoteExcerpt(absl::string_view s, size_t max = 60);

// A JSON path step for an object member: ".key" for plain keys, else
// "[\"escaped key\"]".
std::string JsonPathMember(absl::string_view key);

}  // namespace flashfault
