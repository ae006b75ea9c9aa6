// Wall-clock timestamps for results files: when a campaign started, so a
// report that merges many runs can say when a finding was first seen.
// Must not: be used for any decision of a run (those follow the seed and
// the op sequence, never the clock).
#pragma once

#include <chrono>
#include <string>

namespace flashfault {

// `t` as ISO 8601 UTC with seconds: "2025-01-31T02:00:07Z".
std::string Iso8601Utc(std::chrono::system_clock::time_point t);
inline std::string Iso8601UtcNow() { return Iso8601Utc(std::chrono::system_clock::now()); }

}  // namespace flashfault
