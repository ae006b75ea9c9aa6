// What a UBI volume may hold after a reattach; see volume_oracle.h.
#include "harness/campaign/ubi_volume/volume_oracle.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/campaign/oracle/content.h"

namespace flashfault::ubi_volume {
namespace {

void AddIfMissing(std::vector<LebContent>& set, const LebContent& c) {
  if (std::find(set.begin(), set.end(), c) == set.end()) set.push_back(c);
}

std::string Describe(const LebContent& c) {
  return c.length == 0 ? "empty" : absl::StrCat(c.length, " bytes of seed ", c.seed);
}

// The first byte at which `bytes` differs from `c`, or bytes.size().
size_t FirstDifference(const LebContent& c, const std::vector<uint8_t>& bytes) {
  const size_t data = static_cast<size_t>(std::min<uint64_t>(c.length, bytes.size()));
  std::vector<uint8_t> want(data);
  oracle::FillData(c.seed, 0, want.data(), want.size());
  for (size_t i = 0; i < data; ++i) {
    if (bytes[i] != want[i]) return i;
  }
  if (c.length > bytes.size()) return bytes.size() == 0 ? 0 : bytes.size() - 1;  // cannot fit
  for (size_t i = data; i < bytes.size(); ++i) {
    if (bytes[i] != 0xFF) return i;
  }
  return bytes.size();
}

}  // namespace

ExpectedVolume ExpectAfter(const VolumeWorkload& w, const std::vector<int>& results) {
  ExpectedVolume e;
  e.lebs.assign(kMaxLnum + 1, std::vector<LebContent>{LebContent{}});
  for (size_t i = 0; i < w.ops.size(); ++i) {
    const VolumeOp& op = w.ops[i];
    const bool ok = i < results.size() && results[i] == 0;
    std::vector<LebContent>& may = e.lebs[op.lnum];
    // A change of 0 bytes leaves the LEB mapped and empty, whatever its seed.
    const bool data = op.kind == VolumeOpKind::kChange && op.length > 0;
    const LebContent after = data ? LebContent{op.length, op.seed} : LebContent{};
    const bool durable = ok && op.kind != VolumeOpKind::kUnmap;
    if (durable) {
      may = {after};
    } else {
      AddIfMissing(may, after);
    }
  }
  return e;
}

std::string CompareLeb(uint32_t lnum, const std::vector<LebContent>& accepted,
                       const std::vector<uint8_t>& bytes) {
  std::vector<std::string> names;
  size_t closest = 0;
  for (const LebContent& c : accepted) {
    const size_t diff = FirstDifference(c, bytes);
    if (diff == bytes.size()) return "";
    closest = std::max(closest, diff);
    names.push_back(Describe(c));
  }
  return absl::StrCat("LEB ", lnum, " holds none of: ", absl::StrJoin(names, "; "),
                      " (the closest differs first at byte ", closest, ")");
}

absl::StatusOr<std::vector<LebViolation>> CheckVolume(const ExpectedVolume& expected,
                                                      const std::string& device, uint64_t leb_size) {
  const int fd = ::open(device.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("open ", device, ": ", std::strerror(errno)));
  std::vector<LebViolation> out;
  std::vector<uint8_t> bytes(leb_size);
  for (uint32_t lnum = 0; lnum < expected.lebs.size(); ++lnum) {
    size_t done = 0;
    int error = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::pread(fd, bytes.data() + done, bytes.size() - done,
                                static_cast<off_t>(lnum * leb_size + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error = n < 0 ? errno : EIO;
        break;
      }
      done += static_cast<size_t>(n);
    }
    if (error != 0) {
      out.push_back({lnum, "ubi-read", absl::StrCat("read of LEB ", lnum, " failed: ", std::strerror(error))});
      continue;
    }
    std::string words = CompareLeb(lnum, expected.lebs[lnum], bytes);
    if (!words.empty()) out.push_back({lnum, "ubi-leb", std::move(words)});
  }
  ::close(fd);
  return out;
}

}  // namespace flashfault::ubi_volume
