// Chunked byte comparison (see version_compare.h). 64 KiB at a time so a
// check of a large file stays in cache and never allocates a file-sized
// buffer per version.
#include "harness/campaign/oracle/version_compare.h"

#include <algorithm>
#include <cstring>

namespace flashfault::oracle {
namespace {
constexpr size_t kChunk = 64 * 1024;
}

std::optional<ByteMismatch> CompareExact(absl::string_view observed, const ObjectState& v) {
  std::optional<ByteMismatch> bad;
  std::vector<uint8_t> want(kChunk);
  for (size_t at = 0; at < observed.size(); at += kChunk) {
    const size_t n = std::min(kChunk, observed.size() - at);
    v.Fill(at, want.data(), n);
    const auto* got = reinterpret_cast<const uint8_t*>(observed.data() + at);
    if (std::memcmp(got, want.data(), n) == 0) continue;
    for (size_t i = 0; i < n; ++i) {
      if (got[i] == want[i]) continue;
      if (!bad) bad = ByteMismatch{at + i, got[i], want[i], 0};
      ++bad->count;
    }
  }
  return bad;
}

std::optional<ByteMismatch> CompareAnyOrZero(absl::string_view observed,
                                             const std::vector<const ObjectState*>& versions) {
  std::optional<ByteMismatch> bad;
  std::vector<std::vector<uint8_t>> want(versions.size(), std::vector<uint8_t>(kChunk));
  for (size_t at = 0; at < observed.size(); at += kChunk) {
    const size_t n = std::min(kChunk, observed.size() - at);
    for (size_t v = 0; v < versions.size(); ++v) versions[v]->Fill(at, want[v].data(), n);
    const auto* got = reinterpret_cast<const uint8_t*>(observed.data() + at);
    for (size_t i = 0; i < n; ++i) {
      if (got[i] == 0) continue;
      bool ok = false;
      for (size_t v = 0; v < versions.size() && !ok; ++v) ok = want[v][i] == got[i];
      if (ok) continue;
      if (!bad) bad = ByteMismatch{at + i, got[i], 0, 0};
      ++bad->count;
    }
  }
  return bad;
}

}  // namespace flashfault::oracle
