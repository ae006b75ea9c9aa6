// See duration.h.
#include "harness/campaign/duration.h"

namespace flashfault::campaign {

std::optional<uint64_t> ParseDurationSeconds(const std::string& text) {
  if (text.empty()) return uint64_t{0};
  uint64_t scale = 1;
  std::string digits = text;
  switch (text.back()) {
    case 's': digits.pop_back(); break;
    case 'm': scale = 60; digits.pop_back(); break;
    case 'h': scale = 3600; digits.pop_back(); break;
    default: break;
  }
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoull(digits) * scale;
}

}  // namespace flashfault::campaign
