// Durations as the campaign commands take them (--budget 30m, 90s, 2h, or
// plain seconds). Parsing only; the commands decide what a budget stops.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace flashfault::campaign {

// Seconds in "30m", "90s", "2h" or "45"; 0 for "" (no budget); nullopt when
// malformed (no digits, other characters, more than 9 digits).
std::optional<uint64_t> ParseDurationSeconds(const std::string& text);

}  // namespace flashfault::campaign
