// ISO 8601 UTC timestamps; see utc_time.h.
#include "common/utc_time.h"

#include <ctime>

namespace flashfault {

std::string Iso8601Utc(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace flashfault
